#include "provisioning_record.h"

#include <stdbool.h>
#include <stdio.h>

#include "crc32.h"
#include "flash_device.h"
#include "le_bytes.h"

static const uint8_t MAGIC[4] = {'P', 'K', 'P', 'R'};

provisioning_status provisioning_record_decode(const uint8_t *area, size_t area_len, const char **text, size_t *text_len,
                                               char *why, size_t why_cap) {
  *text = NULL;
  *text_len = 0;
  if (why_cap > 0) why[0] = '\0';
  if (area_len < PROVISIONING_RECORD_HEADER_BYTES) {
    snprintf(why, why_cap, "the area (%lu bytes) is smaller than a record's header", (unsigned long)area_len);
    return PROVISIONING_TOO_LONG;
  }
  if (flash_bytes_erased(area, PROVISIONING_RECORD_HEADER_BYTES)) {
    snprintf(why, why_cap, "no provisioning record (the area is erased)");
    return PROVISIONING_ERASED;
  }
  uint32_t magic = le_get32(area), version = le_get32(area + 4), length = le_get32(area + 8), crc = le_get32(area + 12);
  if (magic != le_get32(MAGIC)) {
    snprintf(why, why_cap, "no provisioning record (magic 0x%08lx, not \"PKPR\")", (unsigned long)magic);
    return PROVISIONING_BAD_MAGIC;
  }
  if (version != PROVISIONING_RECORD_VERSION) {
    snprintf(why, why_cap, "provisioning record format %lu (this firmware reads format %u)", (unsigned long)version,
             PROVISIONING_RECORD_VERSION);
    return PROVISIONING_UNKNOWN_VERSION;
  }
  size_t room = area_len - PROVISIONING_RECORD_HEADER_BYTES;
  if (length > room) {
    snprintf(why, why_cap, "provisioning record of %lu bytes of text (the area holds %lu)", (unsigned long)length,
             (unsigned long)room);
    return PROVISIONING_TOO_LONG;
  }
  uint32_t actual = crc32_update(crc32_of(area, 12), area + PROVISIONING_RECORD_HEADER_BYTES, length);
  if (actual != crc) {
    snprintf(why, why_cap, "provisioning record corrupted (CRC32 0x%08lx, the record says 0x%08lx)", (unsigned long)actual,
             (unsigned long)crc);
    return PROVISIONING_CRC_MISMATCH;
  }
  *text = (const char *)(area + PROVISIONING_RECORD_HEADER_BYTES);
  *text_len = length;
  return PROVISIONING_OK;
}
