// The Pico's update areas (flash_layout.h: run slot, download slot, swap
// state) as ota_boot.h sees them, and what an image for this build must be:
// shared by the bootloader (bootloader/boot_main.c), which checks and swaps,
// and the firmware (firmware_updates.c), which downloads and confirms.
#ifndef PICO_OTA_H
#define PICO_OTA_H

#include "firmware_image.h"
#include "flash_layout.h"
#include "ota_boot.h"

// The image's code starts after its signed header, linked there (firmware.cmake); its own first 256 bytes are
// the boot stage 2 the SDK puts in every flash image (unused: the bootloader's already set up XIP), then the
// vector table.
#define PICO_OTA_IMAGE_CODE (XIP_BASE + OTA_RUN_SLOT_OFFSET + FIRMWARE_HEADER_BYTES)
#define PICO_OTA_IMAGE_VECTORS (PICO_OTA_IMAGE_CODE + 256u)

/** The slots and the swap state, on one flash_device over the flash they span. */
ota_areas pico_ota_areas(void);
/** The trusted key, this board and engine, the slot's room for an image (versions are the caller's). */
firmware_expectations pico_ota_expectations(void);

#endif
