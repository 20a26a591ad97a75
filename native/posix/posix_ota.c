#include "posix_ota.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "firmware_slot.h"
#include "firmware_trusted_key.h"
#include "logf.h"

#ifndef PICO_NODE_ENGINE_NAME
#error "PICO_NODE_ENGINE_NAME (aot or wasm3) comes from native/posix/CMakeLists.txt"
#endif

bool posix_ota_open(posix_ota *ota, const char *path) {
  if (!flash_file_open(&ota->file, path, POSIX_OTA_FLASH_BYTES)) {
    logf_line(LOG_ERROR, "firmware: cannot open the flash file %s: %s", path, strerror(errno));
    return false;
  }
  const uint32_t slot = POSIX_OTA_SLOT_SECTORS * FLASH_ERASE_BYTES;
  ota->areas = (ota_areas){.flash = &ota->file.device, .run_offset = 0, .download_offset = slot, .slot_sectors = POSIX_OTA_SLOT_SECTORS,
                           .state_offset = 2 * slot, .state_sectors = POSIX_OTA_STATE_SECTORS};
  struct utsname name;
  const char *machine = uname(&name) == 0 ? name.machine : "unknown";
  if (strlen("posix-") + strlen(machine) > FIRMWARE_NAME_BYTES) {
    logf_line(LOG_ERROR, "firmware: board name posix-%s is longer than an image header holds (%u bytes)", machine, FIRMWARE_NAME_BYTES);
    flash_file_close(&ota->file);
    return false;
  }
  strcpy(ota->board, "posix-");
  strcat(ota->board, machine);
  return true;
}

firmware_expectations posix_ota_expectations(const posix_ota *ota) {
  return (firmware_expectations){.trusted_key = FIRMWARE_TRUSTED_KEY, .board = ota->board, .engine = PICO_NODE_ENGINE_NAME,
                                 .slot_bytes = (POSIX_OTA_SLOT_SECTORS - 1) * FLASH_ERASE_BYTES};
}

bool posix_ota_slot_ok(const posix_ota *ota, uint32_t offset, firmware_header *header) {
  firmware_expectations expect = posix_ota_expectations(ota);
  return firmware_slot_check(&ota->file.device, offset, &expect, false, NULL, header) == FIRMWARE_OK;
}
