#include "pico_ota.h"

#include "firmware_trusted_key.h"
#include "flash_area.h"

#if !defined(PICO_NODE_BOARD_NAME) || !defined(PICO_NODE_ENGINE_NAME)
#error "PICO_NODE_BOARD_NAME and PICO_NODE_ENGINE_NAME come from native/pico/firmware.cmake"
#endif

_Static_assert(OTA_RUN_SLOT_OFFSET % FLASH_ERASE_BYTES == 0 && OTA_SLOT_BYTES % FLASH_ERASE_BYTES == 0, "slots are whole sectors");

// Run slot, download slot and swap state follow each other (flash_layout.h): one device over all three.
static const flash_area update_area = {OTA_RUN_SLOT_OFFSET, OTA_STATE_OFFSET + OTA_STATE_BYTES - OTA_RUN_SLOT_OFFSET};
static flash_device update_flash;

ota_areas pico_ota_areas(void) {
  update_flash = flash_area_device(&update_area);
  return (ota_areas){.flash = &update_flash,
                     .run_offset = 0,
                     .download_offset = OTA_DOWNLOAD_SLOT_OFFSET - OTA_RUN_SLOT_OFFSET,
                     .slot_sectors = OTA_SLOT_SECTORS,
                     .state_offset = OTA_STATE_OFFSET - OTA_RUN_SLOT_OFFSET,
                     .state_sectors = OTA_STATE_SECTORS};
}

firmware_expectations pico_ota_expectations(void) {
  return (firmware_expectations){.trusted_key = FIRMWARE_TRUSTED_KEY, .board = PICO_NODE_BOARD_NAME,
                                 .engine = PICO_NODE_ENGINE_NAME, .slot_bytes = (OTA_SLOT_SECTORS - 1u) * FLASH_ERASE_BYTES};
}
