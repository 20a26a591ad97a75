// The device key's home in flash (flash_device.h): two sectors, each holding
// at most one record in its first page,
//   magic "PKEY" | sequence u32 | length u16 | crc32 u32 (of what precedes it and the key) | key DER
// A save erases the sector that does not hold the newest record, programs the
// new record there, and reads it back; the older record stays untouched until
// the next save. A power cut at any point leaves the previous key or the new
// one whole, never a mix (tests/native/test_key_record.c cuts at every step).
#ifndef KEY_RECORD_H
#define KEY_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flash_device.h"

#define KEY_RECORD_SECTORS 2u
#define KEY_RECORD_HEADER_BYTES 14u
#define KEY_RECORD_MAX_KEY (FLASH_PROGRAM_BYTES - KEY_RECORD_HEADER_BYTES) // a P-256 key in DER is ~121 bytes

/** The newest whole record's key into out: its length, 0 when none is stored, < 0 if it does not fit in cap
 *  or the flash cannot be read. */
int32_t key_record_load(const flash_device *flash, uint8_t *out, size_t cap);
/** Stores key as the newest record, read back to verify: false if it is too long or the flash failed. */
bool key_record_save(const flash_device *flash, const uint8_t *key, size_t len);

#endif
