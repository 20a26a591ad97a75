// The POSIX shell's firmware slots: one flash file (flash_file.h) laid out as
// the Pico's flash will be, scaled to the shell's executable (the AOT build
// with debug information is about 2.2 MB):
//
//   area            offset        bytes
//   run slot        0             POSIX_OTA_SLOT_SECTORS sectors (4 MB)
//   download slot   4 MB          the same
//   swap state      8 MB          POSIX_OTA_STATE_SECTORS sectors (ota_state.h)
//
// The launcher (launcher.c) boots the run slot's image; the shell writes the
// download slot and asks for installs (device_firmware_posix.c).
#ifndef POSIX_OTA_H
#define POSIX_OTA_H

#include <stdbool.h>

#include "firmware_image.h"
#include "flash_file.h"
#include "ota_boot.h"

#define POSIX_OTA_SLOT_SECTORS 1024u
#define POSIX_OTA_STATE_SECTORS 5u
#define POSIX_OTA_FLASH_BYTES ((2u * POSIX_OTA_SLOT_SECTORS + POSIX_OTA_STATE_SECTORS) * FLASH_ERASE_BYTES)

typedef struct posix_ota {
  flash_file file;
  ota_areas areas;
  char board[FIRMWARE_NAME_BYTES + 1]; // posix-<machine>, as `uname -m` says
} posix_ota;

/** Opens (creating it erased) the flash file and fills the areas. False, logged, if it cannot. */
bool posix_ota_open(posix_ota *ota, const char *path);
/** What an image for this shell must say and be signed with (engine: this build's). */
firmware_expectations posix_ota_expectations(const posix_ota *ota);
/** The image in a slot is whole, signed with the trusted key and for this board and engine (its version unjudged). */
bool posix_ota_slot_ok(const posix_ota *ota, uint32_t offset, firmware_header *header);

#endif
