// The provisioning record (native/common/provisioning_record.c): the
// firmware accepts the record the workstation writes (the fixture is
// cli/provisioning_record.ts's output: tests/host/provisioning.test.mjs checks
// that it still is) and names each way an area can be wrong.
#include <stdio.h>
#include <string.h>

#include "crc32.h"
#include "device_config.h"
#include "le_bytes.h"
#include "provisioning_record.h"
#include "test.h"

#define AREA_BYTES 8192u

static uint8_t area[AREA_BYTES];
static char why[128];

/** The fixture's record at the start of an erased area; its length, 0 if it cannot be read. */
static size_t load_fixture(void) {
  memset(area, 0xff, sizeof area);
  FILE *f = fopen(FIXTURES_DIR "/provisioning_record.bin", "rb");
  if (f == NULL) return 0;
  size_t n = fread(area, 1, sizeof area, f);
  fclose(f);
  return n;
}

static provisioning_status decode(const char **text, size_t *len) {
  return provisioning_record_decode(area, sizeof area, text, len, why, sizeof why);
}

TEST(the_workstations_record_decodes_to_the_device_settings) {
  size_t record = load_fixture();
  CHECK(record > PROVISIONING_RECORD_HEADER_BYTES);
  const char *text;
  size_t len;
  CHECK_EQ(decode(&text, &len), PROVISIONING_OK);
  CHECK_EQ(len, record - PROVISIONING_RECORD_HEADER_BYTES);
  CHECK_EQ(why[0], '\0');
  device_config config;
  char error[96];
  CHECK_EQ(device_config_parse(text, len, &config, error, sizeof error), 0);
  CHECK(strcmp(config.wifi_ssid, "fixture-network") == 0);
  CHECK(strcmp(config.wifi_password, "fixture-passphrase") == 0);
  CHECK_EQ(config.client_cas, 1);
  CHECK(strstr(config.core_text, "node_name=pico-fixture\n") == config.core_text);
  CHECK(strstr(config.core_text, "api_token=fixture-token-not-a-secret\n") != NULL);
}

TEST(an_erased_area_is_no_record) {
  memset(area, 0xff, sizeof area);
  const char *text = "x";
  size_t len = 1;
  CHECK_EQ(decode(&text, &len), PROVISIONING_ERASED);
  CHECK(text == NULL && len == 0);
  CHECK(strcmp(why, "no provisioning record (the area is erased)") == 0);
}

TEST(something_else_in_the_area_is_a_bad_magic) {
  load_fixture();
  memcpy(area, "PKEY", 4);
  const char *text;
  size_t len;
  CHECK_EQ(decode(&text, &len), PROVISIONING_BAD_MAGIC);
  CHECK(strcmp(why, "no provisioning record (magic 0x59454b50, not \"PKPR\")") == 0);
  memset(area, 0, 16); // zeroed flash is not erased flash
  CHECK_EQ(decode(&text, &len), PROVISIONING_BAD_MAGIC);
}

TEST(a_newer_format_is_named) {
  load_fixture();
  le_put32(area + 4, 2);
  const char *text;
  size_t len;
  CHECK_EQ(decode(&text, &len), PROVISIONING_UNKNOWN_VERSION);
  CHECK(strcmp(why, "provisioning record format 2 (this firmware reads format 1)") == 0);
}

TEST(a_length_past_the_area_is_refused_before_reading_it) {
  load_fixture();
  le_put32(area + 8, AREA_BYTES - PROVISIONING_RECORD_HEADER_BYTES + 1);
  const char *text;
  size_t len;
  CHECK_EQ(decode(&text, &len), PROVISIONING_TOO_LONG);
  CHECK(strcmp(why, "provisioning record of 8177 bytes of text (the area holds 8176)") == 0);
  le_put32(area + 8, 0xffffffffu);
  CHECK_EQ(decode(&text, &len), PROVISIONING_TOO_LONG);
  // A record filling the area exactly is whole.
  le_put32(area + 8, AREA_BYTES - PROVISIONING_RECORD_HEADER_BYTES);
  le_put32(area + 12, crc32_update(crc32_of(area, 12), area + 16, AREA_BYTES - 16));
  CHECK_EQ(decode(&text, &len), PROVISIONING_OK);
  CHECK_EQ(len, AREA_BYTES - 16);
}

TEST(one_flipped_bit_anywhere_in_the_record_is_caught) {
  size_t record = load_fixture();
  const char *text;
  size_t len;
  for (size_t at = 0; at < record; at++) {
    for (unsigned bit = 0; bit < 8; bit++) {
      area[at] ^= (uint8_t)(1u << bit);
      provisioning_status status = decode(&text, &len);
      CHECK(status != PROVISIONING_OK);
      if (at >= 12) CHECK_EQ(status, PROVISIONING_CRC_MISMATCH); // the CRC and the text: only the CRC can tell
      area[at] ^= (uint8_t)(1u << bit);
    }
  }
  area[20] ^= 1;
  decode(&text, &len);
  CHECK(strncmp(why, "provisioning record corrupted (CRC32 0x", 39) == 0);
  area[20] ^= 1;
  CHECK_EQ(decode(&text, &len), PROVISIONING_OK);
}

TEST(an_area_smaller_than_a_header_is_refused) {
  const char *text;
  size_t len;
  CHECK_EQ(provisioning_record_decode(area, 15, &text, &len, why, sizeof why), PROVISIONING_TOO_LONG);
}
