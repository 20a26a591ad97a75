// Firmware updates as the host imports firmware_* see them (docs/host-abi.md,
// docs/firmware-update.md): no library types, so the imports compile on every
// port. A port that installs images implements it over its slots, the image
// check (firmware_image.h) and the boot state (ota_boot.h);
// device_firmware_absent.c answers "this host takes no updates".
#ifndef DEVICE_FIRMWARE_H
#define DEVICE_FIRMWARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DEVICE_FIRMWARE_IDENTITY_BYTES 40 // image header bytes 8..47: version, flags, board, engine
#define DEVICE_FIRMWARE_VERSION_BYTES 6   // major, minor, patch: u16 little-endian each

enum {
  DEVICE_FIRMWARE_ABSENT = -1,      // firmware_identity / install / confirm: this host takes no updates
  DEVICE_FIRMWARE_OUT_OF_STEP = -1, // firmware_slot_write: the offset is not where the slot ends
  DEVICE_FIRMWARE_FLASH_FAILED = -2,
};

/** The running image's identity into out: 0, or DEVICE_FIRMWARE_ABSENT. */
int32_t device_firmware_identity(uint8_t out[DEVICE_FIRMWARE_IDENTITY_BYTES]);
/** 0 confirmed (or nothing installed), 1 on trial, 2 rolled back (then the refused version into out). */
int32_t device_firmware_boot_state(uint8_t out[DEVICE_FIRMWARE_VERSION_BYTES]);
/** Appends an image file's bytes at offset to the download slot: the bytes held after, or < 0 (see host-abi.md). */
int32_t device_firmware_slot_write(uint32_t offset, const uint8_t *bytes, size_t len);
/** Checks the whole image in the slot against the file's declared SHA-256: 0, a reason > 0, or < 0. */
int32_t device_firmware_slot_finish(const uint8_t declared_sha256[32]);
/** Asks the bootloader to install the verified download; the port restarts once the core's call returns. */
int32_t device_firmware_install(void);
/** Keeps the image on trial. */
int32_t device_firmware_confirm(void);
/** An install was requested: the shell restarts the board (hal_reboot) once the core's call has returned. */
bool device_firmware_restart_due(void);

#endif
