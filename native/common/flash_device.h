// The flash contract the region log is written against: NOR flash as the
// RP2040's QSPI chip behaves. Erase sets a whole 4 KB sector to 0xFF; program
// writes one aligned 256-byte page and can only turn bits from 1 to 0 (a 0 in
// flash stays 0 whatever is programmed over it); read has no alignment rules.
// Offsets are relative to the start of the area the device stands for. Each
// call returns false if it did not complete (a port error, or power failing).
// Ports implement it (native/pico/region_flash.c over flash_range_erase and
// flash_range_program); the unit tests use a fake that enforces these rules.
#ifndef FLASH_DEVICE_H
#define FLASH_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#define FLASH_ERASE_BYTES 4096u  // one sector: the unit of erase
#define FLASH_PROGRAM_BYTES 256u // one page: the unit of program

typedef struct flash_device {
  uint32_t size; // bytes in the area: a whole number of sectors
  bool (*erase)(void *ctx, uint32_t offset);                       // offset: a sector boundary
  bool (*program)(void *ctx, uint32_t offset, const uint8_t *page); // offset: a page boundary; FLASH_PROGRAM_BYTES bytes
  bool (*read)(void *ctx, uint32_t offset, uint8_t *out, uint32_t len);
  void *ctx;
} flash_device;

/** True when all n bytes read as erased flash. */
static inline bool flash_bytes_erased(const uint8_t *bytes, uint32_t n) {
  for (uint32_t i = 0; i < n; i++)
    if (bytes[i] != 0xFF) return false;
  return true;
}

#endif
