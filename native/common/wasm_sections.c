#include "wasm_sections.h"

#include <string.h>

/** Reads an unsigned LEB128 of at most 32 bits at *pos; false if it runs past end or overflows. */
static bool read_u32(const uint8_t *bytes, size_t end, size_t *pos, uint32_t *value) {
  uint32_t result = 0;
  for (unsigned shift = 0; shift < 35; shift += 7) {
    if (*pos >= end) return false;
    uint8_t byte = bytes[(*pos)++];
    if (shift == 28 && (byte & 0x70)) return false; // bits beyond 32
    result |= (uint32_t)(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *value = result;
      return true;
    }
  }
  return false;
}

bool wasm_find_custom_section(const uint8_t *wasm, size_t len, const char *name, const uint8_t **payload,
                              uint32_t *payload_len) {
  static const uint8_t header[8] = {0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00};
  if (wasm == NULL || len < sizeof header || memcmp(wasm, header, sizeof header) != 0) return false;
  size_t name_len = strlen(name);
  size_t pos = sizeof header;
  while (pos < len) {
    uint8_t id = wasm[pos++];
    uint32_t size;
    if (!read_u32(wasm, len, &pos, &size) || size > len - pos) return false;
    size_t end = pos + size;
    if (id == 0) {
      size_t at = pos;
      uint32_t found_len;
      if (!read_u32(wasm, end, &at, &found_len) || found_len > end - at) return false;
      if (found_len == name_len && memcmp(wasm + at, name, name_len) == 0) {
        at += found_len;
        *payload = wasm + at;
        *payload_len = (uint32_t)(end - at);
        return true;
      }
    }
    pos = end;
  }
  return false;
}
