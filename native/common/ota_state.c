#include "ota_state.h"

#include <string.h>

#include "crc32.h"
#include "le_bytes.h"
#include "ota_swap.h"

#define SLOTS_PER_PAGE (FLASH_PROGRAM_BYTES / OTA_RECORD_BYTES)
#define PHASE_LAST OTA_REJECTED
#define REASON_LAST OTA_REASON_DOWNLOAD_CHECK_FAILED

static void encode(const ota_state *s, uint32_t sequence, uint8_t out[OTA_RECORD_BYTES]) {
  out[0] = (uint8_t)(s->phase | s->reason << 4);
  out[1] = s->attempts;
  le_put16(out + 2, s->run_sectors);
  le_put16(out + 4, s->download_sectors);
  le_put16(out + 6, s->steps);
  le_put32(out + 8, sequence);
  le_put32(out + 12, crc32_of(out, 12));
}

/** A whole record with every field in range. */
static bool decode(const uint8_t *in, uint16_t max_sectors, ota_state *s, uint32_t *sequence) {
  if (le_get32(in + 12) != crc32_of(in, 12)) return false;
  s->phase = (ota_phase)(in[0] & 0x0f);
  s->reason = (ota_reason)(in[0] >> 4);
  s->attempts = in[1];
  s->run_sectors = le_get16(in + 2);
  s->download_sectors = le_get16(in + 4);
  s->steps = le_get16(in + 6);
  *sequence = le_get32(in + 8);
  return s->phase <= PHASE_LAST && s->reason <= REASON_LAST && s->run_sectors <= max_sectors &&
         s->download_sectors <= max_sectors && s->steps <= OTA_SWAP_STEPS_PER_SECTOR * ota_state_span(s, max_sectors);
}

void ota_state_mount(ota_state_log *log, const flash_device *flash, uint32_t offset, uint32_t sectors,
                     uint16_t max_sectors) {
  memset(log, 0, sizeof *log);
  log->flash = flash;
  log->offset = offset;
  log->sectors = sectors;
  log->max_sectors = max_sectors;
  log->head = sectors - 1; // so a blank log starts at sector 0
  log->next_slot = OTA_RECORDS_PER_SECTOR;
  uint8_t page[FLASH_PROGRAM_BYTES];
  for (uint32_t sector = 0; sector < sectors; sector++) {
    uint32_t after_last_used = 0;
    bool holds_newest = false;
    for (uint32_t p = 0; p < FLASH_ERASE_BYTES / FLASH_PROGRAM_BYTES; p++) {
      if (!flash->read(flash->ctx, offset + sector * FLASH_ERASE_BYTES + p * FLASH_PROGRAM_BYTES, page, sizeof page)) {
        log->failed = true; // unreadable: keep what was found, write nothing
        continue;
      }
      for (uint32_t i = 0; i < SLOTS_PER_PAGE; i++) {
        const uint8_t *slot = page + i * OTA_RECORD_BYTES;
        if (flash_bytes_erased(slot, OTA_RECORD_BYTES)) continue;
        after_last_used = p * SLOTS_PER_PAGE + i + 1;
        ota_state s;
        uint32_t sequence;
        if (decode(slot, max_sectors, &s, &sequence) && (!log->found || (int32_t)(sequence - log->sequence) > 0)) {
          log->found = holds_newest = true;
          log->sequence = sequence;
          log->state = s;
        }
      }
    }
    if (holds_newest) {
      log->head = sector;
      log->next_slot = after_last_used;
    }
  }
}

bool ota_state_append(ota_state_log *log, const ota_state *state) {
  if (log->failed || log->sectors < 2) return false;
  const flash_device *flash = log->flash;
  uint32_t sector = log->head, slot = log->next_slot;
  if (slot >= OTA_RECORDS_PER_SECTOR) { // move on; the sector erased holds only records older than the head's
    sector = (log->head + 1) % log->sectors;
    slot = 0;
    if (!flash->erase(flash->ctx, log->offset + sector * FLASH_ERASE_BYTES)) {
      log->failed = true;
      return false;
    }
  }
  uint8_t record[OTA_RECORD_BYTES], page[FLASH_PROGRAM_BYTES], back[OTA_RECORD_BYTES];
  encode(state, log->sequence + 1, record);
  uint32_t at = log->offset + sector * FLASH_ERASE_BYTES + slot * OTA_RECORD_BYTES;
  uint32_t page_at = at & ~(FLASH_PROGRAM_BYTES - 1);
  // The page is programmed again with its earlier records as they are (that leaves them unchanged).
  bool ok = flash->read(flash->ctx, page_at, page, sizeof page);
  if (ok) {
    memcpy(page + (at - page_at), record, sizeof record);
    ok = flash->program(flash->ctx, page_at, page) && flash->read(flash->ctx, at, back, sizeof back) &&
         memcmp(back, record, sizeof back) == 0;
  }
  // Even a failed append used the slot and the sector: the next record goes after them.
  log->head = sector;
  log->next_slot = slot + 1;
  log->sequence++;
  if (!ok) {
    log->failed = true;
    return false;
  }
  log->found = true;
  log->state = *state;
  return true;
}
