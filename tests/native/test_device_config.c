#include <string.h>

#include "device_config.h"
#include "test.h"

static device_config cfg;
static char error[128];

static int parse(const char *text) { return device_config_parse(text, strlen(text), &cfg, error, sizeof error); }

TEST(wifi_keys_are_taken_and_the_rest_goes_to_the_core) {
  CHECK_EQ(parse("# device\nwifi_ssid=home net\nwifi_password=correct horse\n\nnode_name=pico-1\n"
                 "  api=http://192.168.1.5:6080  \r\n"),
           0);
  CHECK(strcmp(cfg.wifi_ssid, "home net") == 0);
  CHECK(strcmp(cfg.wifi_password, "correct horse") == 0);
  CHECK_EQ(cfg.core_len, strlen("node_name=pico-1\napi=http://192.168.1.5:6080\n"));
  CHECK(memcmp(cfg.core_text, "node_name=pico-1\napi=http://192.168.1.5:6080\n", cfg.core_len) == 0);
}

TEST(a_password_may_hold_hash_and_equals) {
  CHECK_EQ(parse("wifi_ssid=x\nwifi_password=a#b=c d e f\n"), 0);
  CHECK(strcmp(cfg.wifi_password, "a#b=c d e f") == 0);
}

TEST(an_open_network_has_an_empty_password) {
  CHECK_EQ(parse("wifi_ssid=cafe\nwifi_password=\n"), 0);
  CHECK_EQ(cfg.wifi_password[0], 0);
}

TEST(bad_wifi_values_are_reported_with_their_line) {
  CHECK_EQ(parse("wifi_ssid=\n"), 1);
  CHECK(strstr(error, "line 1") != NULL);
  CHECK_EQ(parse("node_name=a\nwifi_password=short\n"), 1);
  CHECK(strstr(error, "line 2: wifi_password") != NULL);
  CHECK_EQ(parse("wifi_ssid=123456789012345678901234567890123\n"), 1);
}

TEST(a_line_without_equals_is_an_error) {
  CHECK_EQ(parse("node_name pico\napi=x\n"), 1);
  CHECK(strstr(error, "line 1: expected key=value") != NULL);
}

TEST(core_text_longer_than_the_core_takes_is_an_error) {
  char text[700];
  memset(text, 0, sizeof text);
  strcpy(text, "api_token=");
  memset(text + 10, 't', 600);
  CHECK_EQ(parse(text), 1);
  CHECK(strstr(error, "512") != NULL);
}

TEST(last_line_without_newline_is_kept) {
  CHECK_EQ(parse("node_name=pico-2"), 0);
  CHECK(memcmp(cfg.core_text, "node_name=pico-2\n", cfg.core_len) == 0);
}

TEST(client_ca_lines_become_pem_certificates_and_bad_ones_are_errors) {
  const char *b64 = "MIIBdzCCAR2gAwIBAgIBADAKBggqhkjOPQQDAjAjMSEwHwYDVQQDDBhrM3MtY2xpZW50LWNhQDE3MDAwMDAwMDA=";
  char text[600], pem[400];
  snprintf(text, sizeof text, "node_name=pico-1\nclient_ca=%s\n", b64);
  CHECK_EQ(parse(text), 0);
  CHECK_EQ(cfg.client_cas, 1);
  CHECK(strstr(cfg.core_text, "client_ca") == NULL); // the shell's key, not the core's
  int n = device_config_client_ca_pem(&cfg, pem, sizeof pem);
  CHECK(n > 0);
  pem[n > 0 ? n : 0] = '\0';
  char want[400];
  snprintf(want, sizeof want, "-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n", b64);
  CHECK(strcmp(pem, want) == 0);
  CHECK_EQ(device_config_client_ca_pem(&cfg, pem, 50), -1);

  CHECK_EQ(parse("client_ca=-----BEGIN CERTIFICATE-----\n"), 1);
  CHECK(strstr(error, "line 1: client_ca must be one certificate's DER in base64") != NULL);
  snprintf(text, sizeof text, "client_ca=%s\nclient_ca=%s\nclient_ca=%s\n", b64, b64, b64);
  CHECK_EQ(parse(text), 1);
  CHECK(strstr(error, "line 3: more than 2 client_ca lines") != NULL);
}
