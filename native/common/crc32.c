#include "crc32.h"

// Bitwise: 1 KB at a time is rare (a ConfigMap change), so no 1 KB table in RAM.
uint32_t crc32_update(uint32_t crc, const uint8_t *bytes, size_t len) {
  crc = ~crc;
  for (size_t i = 0; i < len; i++) {
    crc ^= bytes[i];
    for (int bit = 0; bit < 8; bit++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}
