// The region's two homes on the board: RAM the runtime does not clear at
// boot (so it survives a watchdog reboot; the slots' CRCs tell whether it
// did), and the region log in flash (native/common/region_log.h, at the place
// flash_layout.h gives it), which survives power loss. Here: the flash
// contract over the SDK, and the HAL's load and save over the log. The
// emulator image runs this too: its harness stands in for the boot ROM's
// flash_range_erase and flash_range_program.
#include <string.h>

#include "flash_area.h"
#include "flash_layout.h"
#include "hal.h"
#include "hardware/flash.h"
#include "logf.h"
#include "pico/binary_info.h"
#include "pico/flash.h"
#include "pico/platform.h"
#include "pico_port.h"
#include "region_log.h"
#include "region_store.h"

_Static_assert(FLASH_TOTAL_BYTES == PICO_FLASH_SIZE_BYTES, "flash_layout.h describes this board's flash");
_Static_assert(FLASH_SECTOR_BYTES == FLASH_SECTOR_SIZE, "flash_layout.h's sector is the SDK's");
_Static_assert(FLASH_REGION_LOG_OFFSET % FLASH_SECTOR_SIZE == 0 && FLASH_DEVICE_KEY_OFFSET % FLASH_SECTOR_SIZE == 0,
               "the data areas start on a sector");

bi_decl(bi_block_device(BINARY_INFO_MAKE_TAG('K', 'P'), "region log", XIP_BASE + FLASH_REGION_LOG_OFFSET,
                        FLASH_REGION_LOG_BYTES, NULL,
                        BINARY_INFO_BLOCK_DEV_FLAG_READ | BINARY_INFO_BLOCK_DEV_FLAG_WRITE |
                            BINARY_INFO_BLOCK_DEV_FLAG_PT_UNKNOWN));
bi_decl(bi_block_device(BINARY_INFO_MAKE_TAG('K', 'P'), "device key", XIP_BASE + FLASH_DEVICE_KEY_OFFSET,
                        FLASH_DEVICE_KEY_BYTES, NULL,
                        BINARY_INFO_BLOCK_DEV_FLAG_READ | BINARY_INFO_BLOCK_DEV_FLAG_WRITE |
                            BINARY_INFO_BLOCK_DEV_FLAG_PT_UNKNOWN));

// Not zeroed by crt0: holds the region across a watchdog reboot.
region_store __uninitialized_ram(region_ram);

region_store *pico_region_ram(void) { return &region_ram; }

static const flash_area log_area = {FLASH_REGION_LOG_OFFSET, FLASH_REGION_LOG_BYTES};
static const flash_area key_area = {FLASH_DEVICE_KEY_OFFSET, FLASH_DEVICE_KEY_BYTES};
static flash_device log_flash;
flash_device pico_device_key_flash;

/** The areas' devices: pico_flash_data_usable() makes them before anything uses them. */
static void areas_init(void) {
  log_flash = flash_area_device(&log_area);
  pico_device_key_flash = flash_area_device(&key_area);
}

extern char __flash_binary_end; // the linker's end of the image in flash

bool pico_flash_data_usable(void) {
  static enum { UNCHECKED, USABLE, REFUSED } state;
  if (state == UNCHECKED) {
    areas_init();
    uint32_t image_end = (uint32_t)(uintptr_t)&__flash_binary_end - XIP_BASE;
    state = image_end <= FLASH_IMAGE_BYTES ? USABLE : REFUSED;
    if (state == REFUSED) // never erase the program itself
      logf_line(LOG_ERROR, "the image (%lu KB) reaches into the data areas at 0x%06lx: the region and the device key are not stored",
                (unsigned long)(image_end / 1024), (unsigned long)FLASH_IMAGE_BYTES);
  }
  return state == USABLE;
}

// ---- the HAL over the log ----

static region_log flash_log;
static enum { MOUNT_PENDING, MOUNT_DONE, MOUNT_REFUSED } log_state;

static bool log_ready(void) {
  if (log_state == MOUNT_PENDING) {
    if (!pico_flash_data_usable()) {
      log_state = MOUNT_REFUSED;
    } else {
      region_log_mount(&flash_log, &log_flash, REGION_LOG_DELTAS);
      log_state = MOUNT_DONE;
    }
  }
  return log_state == MOUNT_DONE;
}

bool hal_region_load(void *slot, size_t size) {
  if (size != sizeof(region_slot) || !log_ready() || !flash_log.has_region) return false;
  region_slot *s = slot;
  s->sequence = flash_log.commit;
  memcpy(s->bytes, flash_log.image, REGION_BYTES);
  region_slot_seal(s);
  return true;
}

bool hal_region_save(const void *slot, size_t size) {
  if (size != sizeof(region_slot) || !log_ready()) return false;
  const region_slot *s = slot;
  if (!region_log_append(&flash_log, s->bytes, s->sequence)) return false;
  logf_line(LOG_DEBUG, "region log: %lu B record in sector %lu", (unsigned long)flash_log.stats.last_record_bytes,
            (unsigned long)flash_log.head);
  pico_region_saved(s);
  return true;
}
