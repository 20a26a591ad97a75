#include "crc32.h"

// Four bits at a time from a 16-entry table (64 bytes, const: flash on the
// board): about four times the bitwise speed, for the region (1 KB a commit)
// and the AOT engine's check of the module it is given (46 KB at boot on POSIX).
static const uint32_t NIBBLE[16] = {
    0x00000000u, 0x1db71064u, 0x3b6e20c8u, 0x26d930acu, 0x76dc4190u, 0x6b6b51f4u, 0x4db26158u, 0x5005713cu,
    0xedb88320u, 0xf00f9344u, 0xd6d6a3e8u, 0xcb61b38cu, 0x9b64c2b0u, 0x86d3d2d4u, 0xa00ae278u, 0xbdbdf21cu,
};

uint32_t crc32_update(uint32_t crc, const uint8_t *bytes, size_t len) {
  crc = ~crc;
  for (size_t i = 0; i < len; i++) {
    crc ^= bytes[i];
    crc = (crc >> 4) ^ NIBBLE[crc & 15u];
    crc = (crc >> 4) ^ NIBBLE[crc & 15u];
  }
  return ~crc;
}
