#include "ota_swap.h"

#include <string.h>

#define PAGES_PER_SECTOR (FLASH_ERASE_BYTES / FLASH_PROGRAM_BYTES)

/** True when the sectors at a and b hold the same bytes (page by page: two 256-byte buffers, no sector buffer). */
static bool same_sector(const flash_device *flash, uint32_t a, uint32_t b, bool *same) {
  uint8_t pa[FLASH_PROGRAM_BYTES], pb[FLASH_PROGRAM_BYTES];
  *same = true;
  for (uint32_t p = 0; p < PAGES_PER_SECTOR && *same; p++) {
    if (!flash->read(flash->ctx, a + p * FLASH_PROGRAM_BYTES, pa, sizeof pa) ||
        !flash->read(flash->ctx, b + p * FLASH_PROGRAM_BYTES, pb, sizeof pb))
      return false;
    *same = memcmp(pa, pb, sizeof pa) == 0;
  }
  return true;
}

/** Erases the sector at to and copies the sector at from into it; pages left erased are not programmed. */
static bool copy_sector(const flash_device *flash, uint32_t from, uint32_t to) {
  bool same;
  if (!same_sector(flash, from, to, &same)) return false;
  if (same) return true;
  if (!flash->erase(flash->ctx, to)) return false;
  uint8_t page[FLASH_PROGRAM_BYTES];
  for (uint32_t p = 0; p < PAGES_PER_SECTOR; p++) {
    uint32_t at = p * FLASH_PROGRAM_BYTES;
    if (!flash->read(flash->ctx, from + at, page, sizeof page)) return false;
    if (!flash_bytes_erased(page, sizeof page) && !flash->program(flash->ctx, to + at, page)) return false;
  }
  return true;
}

bool ota_swap_step(const ota_slots *slots, uint32_t sectors, uint32_t step) {
  if (sectors == 0 || sectors >= slots->slot_sectors || step >= OTA_SWAP_STEPS_PER_SECTOR * sectors) return false;
  uint32_t run = slots->run_offset, download = slots->download_offset;
  if (step < sectors) { // move: run[i+1] <- run[i], from the top down
    uint32_t i = sectors - 1 - step;
    return copy_sector(slots->flash, run + i * FLASH_ERASE_BYTES, run + (i + 1) * FLASH_ERASE_BYTES);
  }
  uint32_t i = (step - sectors) / 2;
  if ((step - sectors) % 2 == 0) // run[i] <- download[i]: run[i]'s bytes are safe in run[i+1]
    return copy_sector(slots->flash, download + i * FLASH_ERASE_BYTES, run + i * FLASH_ERASE_BYTES);
  return copy_sector(slots->flash, run + (i + 1) * FLASH_ERASE_BYTES, download + i * FLASH_ERASE_BYTES);
}
