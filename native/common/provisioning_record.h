// The device's provisioning record: its settings (the device.env text:
// node name, proxy URL, token, ConfigMap, client CA, Wi-Fi), written once
// over USB into a flash area of its own so that every board runs the same
// image. Little-endian, at the start of the area:
//   magic "PKPR" | format version u32 | text length u32 | crc32 u32 (of the 12 bytes before it and the text) | text
// The workstation writes it (cli/provisioning_record.ts); the firmware only reads it.
#ifndef PROVISIONING_RECORD_H
#define PROVISIONING_RECORD_H

#include <stddef.h>
#include <stdint.h>

#define PROVISIONING_RECORD_VERSION 1u
#define PROVISIONING_RECORD_HEADER_BYTES 16u

typedef enum provisioning_status {
  PROVISIONING_OK,
  PROVISIONING_ERASED,          // the area holds no record: never provisioned, or erased
  PROVISIONING_BAD_MAGIC,       // something else is there
  PROVISIONING_UNKNOWN_VERSION, // a record of a format this firmware does not read
  PROVISIONING_TOO_LONG,        // its length runs past the area
  PROVISIONING_CRC_MISMATCH,    // torn or corrupted
} provisioning_status;

/**
 * Checks the record at the start of area (area_len bytes). On PROVISIONING_OK, *text and *text_len give the
 * settings text, pointing into area. Otherwise why (NUL-terminated) says what is wrong, with the values found.
 */
provisioning_status provisioning_record_decode(const uint8_t *area, size_t area_len, const char **text, size_t *text_len,
                                               char *why, size_t why_cap);

#endif
