#include "key_record.h"

#include <string.h>

#include "crc32.h"
#include "le_bytes.h"

static const uint8_t MAGIC[4] = {'P', 'K', 'E', 'Y'};

typedef struct found {
  bool whole;
  uint32_t sequence;
  uint16_t length;
} found;


/** Reads sector i's record page into page; whole when its magic, length and CRC check out. */
static found examine(const flash_device *flash, uint32_t sector, uint8_t page[FLASH_PROGRAM_BYTES]) {
  found f = {0};
  if (!flash->read(flash->ctx, sector * FLASH_ERASE_BYTES, page, FLASH_PROGRAM_BYTES)) return f;
  if (memcmp(page, MAGIC, sizeof MAGIC) != 0) return f;
  f.sequence = le_get32(page + 4);
  f.length = (uint16_t)(page[8] | page[9] << 8);
  if (f.length == 0 || f.length > KEY_RECORD_MAX_KEY) return f;
  uint32_t crc = crc32_update(crc32_update(0, page, 10), page + KEY_RECORD_HEADER_BYTES, f.length);
  f.whole = crc == le_get32(page + 10);
  return f;
}

/** The sector holding the newest whole record, or -1. */
static int newest(const flash_device *flash, found *which, uint8_t page[FLASH_PROGRAM_BYTES]) {
  int best = -1;
  for (uint32_t s = 0; s < KEY_RECORD_SECTORS; s++) {
    found f = examine(flash, s, page);
    if (f.whole && (best < 0 || (int32_t)(f.sequence - which->sequence) > 0)) {
      best = (int)s;
      *which = f;
    }
  }
  return best;
}

int32_t key_record_load(const flash_device *flash, uint8_t *out, size_t cap) {
  uint8_t page[FLASH_PROGRAM_BYTES];
  found f = {0};
  int sector = newest(flash, &f, page);
  if (sector < 0) return 0;
  if (f.length > cap || !flash->read(flash->ctx, (uint32_t)sector * FLASH_ERASE_BYTES + KEY_RECORD_HEADER_BYTES, out, f.length)) {
    memset(page, 0, sizeof page);
    return -1;
  }
  memset(page, 0, sizeof page); // key bytes do not linger on the stack
  return f.length;
}

bool key_record_save(const flash_device *flash, const uint8_t *key, size_t len) {
  if (len == 0 || len > KEY_RECORD_MAX_KEY || flash->size < KEY_RECORD_SECTORS * FLASH_ERASE_BYTES) return false;
  uint8_t page[FLASH_PROGRAM_BYTES];
  found f = {0};
  int current = newest(flash, &f, page);
  uint32_t target = current == 0 ? 1u : 0u; // never the sector with the record still in use
  memset(page, 0xff, sizeof page);
  memcpy(page, MAGIC, sizeof MAGIC);
  le_put32(page + 4, current < 0 ? 1u : f.sequence + 1u);
  page[8] = (uint8_t)len;
  page[9] = (uint8_t)(len >> 8);
  memcpy(page + KEY_RECORD_HEADER_BYTES, key, len);
  le_put32(page + 10, crc32_update(crc32_update(0, page, 10), key, len));
  bool ok = flash->erase(flash->ctx, target * FLASH_ERASE_BYTES) && flash->program(flash->ctx, target * FLASH_ERASE_BYTES, page);
  uint8_t back[FLASH_PROGRAM_BYTES];
  ok = ok && flash->read(flash->ctx, target * FLASH_ERASE_BYTES, back, sizeof back) && memcmp(back, page, sizeof back) == 0;
  memset(page, 0, sizeof page);
  memset(back, 0, sizeof back);
  return ok;
}
