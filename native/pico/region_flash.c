// The region's two homes on the board: RAM the runtime does not clear at
// boot (so it survives a watchdog reboot; the slots' CRCs tell whether it
// did), and the last 4 KB flash sector (so it survives power loss).
#include <string.h>

#include "hal.h"
#include "hardware/flash.h"
#include "hardware/sync.h"
#include "pico/flash.h"
#include "pico/platform.h"
#include "region_store.h"

// Not zeroed by crt0: holds the region across a watchdog reboot.
region_store __uninitialized_ram(region_ram);

region_store *pico_region_ram(void) { return &region_ram; }

#define REGION_FLASH_OFFSET (PICO_FLASH_SIZE_BYTES - FLASH_SECTOR_SIZE)
_Static_assert(sizeof(region_slot) <= FLASH_SECTOR_SIZE, "the region record fits one sector");
#define REGION_FLASH_PAGES ((sizeof(region_slot) + FLASH_PAGE_SIZE - 1) / FLASH_PAGE_SIZE)

bool hal_region_load(void *slot, size_t size) {
  if (size != sizeof(region_slot)) return false;
  memcpy(slot, (const void *)(XIP_BASE + REGION_FLASH_OFFSET), size); // the caller checks the CRC
  return true;
}

typedef struct flash_write {
  const void *slot;
  size_t size;
} flash_write;

static uint8_t page_buffer[REGION_FLASH_PAGES * FLASH_PAGE_SIZE];

static void erase_and_program(void *param) {
  const flash_write *w = param;
  memset(page_buffer, 0xff, sizeof page_buffer);
  memcpy(page_buffer, w->slot, w->size);
  flash_range_erase(REGION_FLASH_OFFSET, FLASH_SECTOR_SIZE);
  flash_range_program(REGION_FLASH_OFFSET, page_buffer, sizeof page_buffer);
}

bool hal_region_save(const void *slot, size_t size) {
  if (size != sizeof(region_slot)) return false;
  if (memcmp((const void *)(XIP_BASE + REGION_FLASH_OFFSET), slot, size) == 0) return true; // no wear for nothing
  flash_write w = {slot, size};
  // Interrupts off and code outside flash while it is written (the SDK's safe-execute helper).
  if (flash_safe_execute(erase_and_program, &w, 1000) != PICO_OK) return false;
  return memcmp((const void *)(XIP_BASE + REGION_FLASH_OFFSET), slot, size) == 0;
}
