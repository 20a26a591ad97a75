#include "flash_area.h"

#include <string.h>

#include "hardware/flash.h"
#include "pico/flash.h"

_Static_assert(FLASH_ERASE_BYTES == FLASH_SECTOR_SIZE && FLASH_PROGRAM_BYTES == FLASH_PAGE_SIZE,
               "the flash contract's units are the SDK's");

#define FLASH_SAFE_TIMEOUT_MS 1000u // to stop and restart the other core's access (only core 0 runs here)

typedef struct flash_op {
  uint32_t offset; // from the start of flash
  const uint8_t *page;
} flash_op;

static void run_erase(void *param) { flash_range_erase(((const flash_op *)param)->offset, FLASH_SECTOR_SIZE); }

static void run_program(void *param) {
  const flash_op *op = param;
  flash_range_program(op->offset, op->page, FLASH_PAGE_SIZE); // page is in RAM (the caller's buffer)
}

static bool area_erase(void *ctx, uint32_t offset) {
  const flash_area *area = ctx;
  flash_op op = {area->offset + offset, NULL};
  return offset < area->size && flash_safe_execute(run_erase, &op, FLASH_SAFE_TIMEOUT_MS) == PICO_OK;
}

static bool area_program(void *ctx, uint32_t offset, const uint8_t *page) {
  const flash_area *area = ctx;
  flash_op op = {area->offset + offset, page};
  return offset < area->size && flash_safe_execute(run_program, &op, FLASH_SAFE_TIMEOUT_MS) == PICO_OK;
}

static bool area_read(void *ctx, uint32_t offset, uint8_t *out, uint32_t len) {
  const flash_area *area = ctx;
  if (offset > area->size || len > area->size - offset) return false;
  // Past the XIP cache, so reading data does not evict the code that runs.
  memcpy(out, (const void *)(XIP_NOCACHE_NOALLOC_BASE + area->offset + offset), len);
  return true;
}

flash_device flash_area_device(const flash_area *area) {
  return (flash_device){.size = area->size, .erase = area_erase, .program = area_program, .read = area_read, .ctx = (void *)area};
}
