#include "device_config.h"

#include <stdio.h>
#include <string.h>

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/** Copies value into a NUL-terminated field; false if it does not fit. */
static bool take(char *field, size_t cap, const char *value, size_t len) {
  if (len >= cap) return false;
  memcpy(field, value, len);
  field[len] = '\0';
  return true;
}

static bool is_base64(const char *s, size_t len) {
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    bool padding = c == '=' && i + 2 >= len;
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' || padding))
      return false;
  }
  return len % 4 == 0;
}

static int problem(int problems, char *error, size_t cap, unsigned line, const char *what) {
  if (problems == 0 && cap > 0) snprintf(error, cap, "line %u: %s", line, what);
  return problems + 1;
}

int device_config_parse(const char *text, size_t len, device_config *out, char *error, size_t error_cap) {
  memset(out, 0, sizeof *out);
  if (error_cap > 0) error[0] = '\0';
  int problems = 0;
  unsigned line_no = 0;
  size_t pos = 0;
  while (pos < len) {
    size_t end = pos;
    while (end < len && text[end] != '\n') end++;
    line_no++;
    const char *line = text + pos;
    size_t n = end - pos;
    pos = end + 1;
    while (n > 0 && is_blank(line[n - 1])) n--; // trailing blanks and CR
    while (n > 0 && is_blank(line[0])) line++, n--;
    if (n == 0 || line[0] == '#') continue;
    const char *eq = memchr(line, '=', n);
    if (eq == NULL) {
      problems = problem(problems, error, error_cap, line_no, "expected key=value");
      continue;
    }
    size_t key_len = (size_t)(eq - line);
    const char *value = eq + 1;
    size_t value_len = n - key_len - 1;
    if (key_len == 9 && memcmp(line, "wifi_ssid", 9) == 0) {
      if (value_len == 0 || !take(out->wifi_ssid, sizeof out->wifi_ssid, value, value_len))
        problems = problem(problems, error, error_cap, line_no, "wifi_ssid must be 1 to 32 bytes");
    } else if (key_len == 13 && memcmp(line, "wifi_password", 13) == 0) {
      // WPA2 passphrases are 8..63 characters; empty means an open network.
      if ((value_len > 0 && value_len < 8) || !take(out->wifi_password, sizeof out->wifi_password, value, value_len))
        problems = problem(problems, error, error_cap, line_no, "wifi_password must be empty or 8 to 63 bytes");
    } else if (key_len == 9 && memcmp(line, "client_ca", 9) == 0) {
      if (!is_base64(value, value_len) || value_len < 64 || value_len > CLIENT_CA_BASE64_MAX)
        problems = problem(problems, error, error_cap, line_no, "client_ca must be one certificate's DER in base64 on one line");
      else if (out->client_cas == CLIENT_CA_MAX)
        problems = problem(problems, error, error_cap, line_no, "more than 2 client_ca lines");
      else {
        out->client_ca[out->client_cas] = value;
        out->client_ca_len[out->client_cas++] = value_len;
      }
    } else if (out->core_len + n + 1 > sizeof out->core_text) {
      problems = problem(problems, error, error_cap, line_no, "core configuration longer than 512 bytes");
    } else {
      memcpy(out->core_text + out->core_len, line, n);
      out->core_len += n;
      out->core_text[out->core_len++] = '\n';
    }
  }
  return problems;
}

int device_config_client_ca_pem(const device_config *config, char *out, size_t cap) {
  static const char begin[] = "-----BEGIN CERTIFICATE-----\n", end[] = "\n-----END CERTIFICATE-----\n";
  size_t used = 0;
  for (unsigned i = 0; i < config->client_cas; i++) {
    size_t need = sizeof begin - 1 + config->client_ca_len[i] + sizeof end - 1;
    if (need > cap - used) return -1;
    memcpy(out + used, begin, sizeof begin - 1);
    used += sizeof begin - 1;
    memcpy(out + used, config->client_ca[i], config->client_ca_len[i]); // one long line: mbedTLS's PEM reader takes it
    used += config->client_ca_len[i];
    memcpy(out + used, end, sizeof end - 1);
    used += sizeof end - 1;
  }
  return (int)used;
}
