#include "firmware_slot.h"

#include <string.h>

#define PIECE_BYTES 256u // a page: small enough for a bootloader's stack

firmware_reason firmware_slot_check(const flash_device *flash, uint32_t offset, const firmware_expectations *expect,
                                    bool judge_version, const uint8_t *declared_file_sha256, firmware_header *out) {
  uint8_t header_bytes[FIRMWARE_HEADER_BYTES];
  if (offset > flash->size || flash->size - offset < FIRMWARE_HEADER_BYTES ||
      !flash->read(flash->ctx, offset, header_bytes, FIRMWARE_HEADER_BYTES))
    return FIRMWARE_NOT_SIGNED;
  firmware_expectations as_given = judge_version ? *expect : firmware_expect_own_version(expect, header_bytes);
  uint32_t room = flash->size - offset;
  if (as_given.slot_bytes > room) as_given.slot_bytes = room;
  firmware_header header;
  firmware_reason verdict = firmware_header_check(header_bytes, sizeof header_bytes, &as_given, &header);
  if (verdict != FIRMWARE_OK) return verdict;
  firmware_stream stream;
  firmware_stream_start(&stream, header_bytes, &header, declared_file_sha256 != NULL);
  uint8_t piece[PIECE_BYTES];
  for (uint32_t done = 0; done < header.payload_bytes;) {
    uint32_t n = header.payload_bytes - done < PIECE_BYTES ? header.payload_bytes - done : PIECE_BYTES;
    if (!flash->read(flash->ctx, offset + FIRMWARE_HEADER_BYTES + done, piece, n)) return FIRMWARE_CORRUPTED;
    firmware_stream_update(&stream, piece, n);
    done += n;
  }
  verdict = firmware_stream_finish(&stream, declared_file_sha256);
  if (verdict == FIRMWARE_OK && out) *out = header;
  return verdict;
}
