// The device configuration text (device.env as enrolment writes it, never
// committed; the POSIX shell reads the file, the Pico W its provisioning
// record, provisioning_record.h): the core's key=value lines plus the shell's own keys: wifi_*,
// and client_ca (the cluster's client CA for the kubelet port's TLS: one
// certificate per line, its DER in base64, as enrolment writes it).
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
#define CLIENT_CA_MAX 2       /* certificates: the client CA, and its successor during a rotation */
#define CLIENT_CA_BASE64_MAX 2800 /* a certificate of up to ~2 KB of DER */

typedef struct device_config {
  char wifi_ssid[WIFI_SSID_MAX + 1];
  char wifi_password[WIFI_PASSWORD_MAX + 1];
  char core_text[CORE_CONFIG_MAX]; // the core's lines, comments and blank lines dropped
  size_t core_len;
  const char *client_ca[CLIENT_CA_MAX]; // base64 DER, pointing into the parsed text (which must outlive this)
  size_t client_ca_len[CLIENT_CA_MAX];
  unsigned client_cas;
} device_config;

/**
 * Parses the file's text. Returns 0, or the number of problems found; the
 * first is described in error (NUL-terminated) with its line number.
 */
int device_config_parse(const char *text, size_t len, device_config *out, char *error, size_t error_cap);

/** The client CA lines as PEM certificates into out: the length written, 0 if there are none, or -1 if they
 *  do not fit in cap. */
int device_config_client_ca_pem(const device_config *config, char *out, size_t cap);

#endif
