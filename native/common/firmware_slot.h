// Checks an image file held in a flash slot, reading it back in small pieces:
// what the POSIX shell does before it asks for an install (the bytes it wrote
// are the bytes it checks), and what a bootloader does before it swaps an
// image in or boots it. firmware_image.h does the checking.
#ifndef FIRMWARE_SLOT_H
#define FIRMWARE_SLOT_H

#include <stdbool.h>
#include <stdint.h>

#include "firmware_image.h"
#include "flash_device.h"

/**
 * The image at offset: its header against expect (with judge_version false the header's own version stands
 * for expect's declared and running ones: a bootloader knows no declaration), then its payload; the whole
 * file's SHA-256 against declared_file_sha256 unless NULL. *header (unless NULL) gets the header's fields
 * when it is OK: the file is FIRMWARE_HEADER_BYTES + header->payload_bytes long.
 * FIRMWARE_CORRUPTED also when the flash cannot be read.
 */
firmware_reason firmware_slot_check(const flash_device *flash, uint32_t offset, const firmware_expectations *expect,
                                    bool judge_version, const uint8_t *declared_file_sha256, firmware_header *header);

#endif
