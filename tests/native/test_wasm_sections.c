#include <string.h>

#include "test.h"
#include "wasm_sections.h"

// header, a type section (id 1, 4 bytes), then custom "x" and custom "pico.rodata"
static const uint8_t module[] = {
    0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00,
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
    0x00, 0x03, 0x01, 'x', 0x7f,
    0x00, 0x0f, 0x0b, 'p', 'i', 'c', 'o', '.', 'r', 'o', 'd', 'a', 't', 'a', 'H', 'i', '!',
};

TEST(finds_a_custom_section_by_name) {
  const uint8_t *payload = NULL;
  uint32_t len = 0;
  CHECK(wasm_find_custom_section(module, sizeof module, "pico.rodata", &payload, &len));
  CHECK_EQ(len, 3);
  CHECK(payload && memcmp(payload, "Hi!", 3) == 0);
  CHECK(wasm_find_custom_section(module, sizeof module, "x", &payload, &len));
  CHECK_EQ(len, 1);
  CHECK_EQ(payload[0], 0x7f);
}

TEST(an_absent_section_is_not_found) {
  const uint8_t *payload = NULL;
  uint32_t len = 0;
  CHECK(!wasm_find_custom_section(module, sizeof module, "pico.rodat", &payload, &len));
  CHECK(!wasm_find_custom_section(module, sizeof module, "name", &payload, &len));
}

TEST(a_truncated_or_foreign_binary_is_refused) {
  const uint8_t *payload = NULL;
  uint32_t len = 0;
  CHECK(!wasm_find_custom_section(module, sizeof module - 1, "pico.rodata", &payload, &len)); // size runs past end
  uint8_t copy[sizeof module];
  memcpy(copy, module, sizeof module);
  copy[1] = 'b';
  CHECK(!wasm_find_custom_section(copy, sizeof copy, "pico.rodata", &payload, &len));
  memcpy(copy, module, sizeof module);
  copy[21] = 0x40; // the name's length now exceeds its section
  CHECK(!wasm_find_custom_section(copy, sizeof copy, "pico.rodata", &payload, &len));
  const uint8_t overlong[] = {0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x7f};
  CHECK(!wasm_find_custom_section(overlong, sizeof overlong, "x", &payload, &len));
}
