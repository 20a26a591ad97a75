// The device configuration file (device.env, produced by enrolment, never
// committed): the core's key=value lines plus the shell's own wifi_* keys.
// The shell takes its keys out and hands the rest to the core's configure(),
// which checks every key it knows.
#ifndef DEVICE_CONFIG_H
#define DEVICE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WIFI_SSID_MAX 32
#define WIFI_PASSWORD_MAX 63
#define CORE_CONFIG_MAX 512 /* the core's io_capacity(); checked again at boot */

typedef struct device_config {
  char wifi_ssid[WIFI_SSID_MAX + 1];
  char wifi_password[WIFI_PASSWORD_MAX + 1];
  char core_text[CORE_CONFIG_MAX]; // the core's lines, comments and blank lines dropped
  size_t core_len;
} device_config;

/**
 * Parses the file's text. Returns 0, or the number of problems found; the
 * first is described in error (NUL-terminated) with its line number.
 */
int device_config_parse(const char *text, size_t len, device_config *out, char *error, size_t error_cap);

#endif
