#include "region_log.h"

#include <string.h>

#include "crc32.h"
#include "le_bytes.h"

#define KIND_IMAGE 0x49u // 'I': the whole region
#define KIND_DELTA 0x44u // 'D': runs of (u16 offset, u16 length, bytes) over the record before
#define FORMAT_VERSION 1u
#define RUN_HEADER_BYTES 4u
#define ALIGN(n) (((n) + 3u) & ~3u)

typedef struct record {
  uint8_t kind;
  uint16_t length; // payload bytes
  uint32_t sequence, commit, crc;
} record;

static void encode_header(const record *r, uint8_t out[REGION_LOG_HEADER_BYTES]) {
  out[0] = r->kind;
  out[1] = FORMAT_VERSION;
  le_put16(out + 2, r->length);
  le_put32(out + 4, r->sequence);
  le_put32(out + 8, r->commit);
  le_put32(out + 12, r->crc);
}

static bool read_at(const region_log *log, uint32_t sector, uint32_t offset, uint8_t *out, uint32_t len) {
  return log->flash->read(log->flash->ctx, sector * FLASH_ERASE_BYTES + offset, out, len);
}

// ---- reading ----

/** True when bytes [offset, end of sector) are all erased. */
static bool tail_erased(const region_log *log, uint32_t sector, uint32_t offset) {
  uint8_t chunk[64];
  while (offset < FLASH_ERASE_BYTES) {
    uint32_t n = FLASH_ERASE_BYTES - offset < sizeof chunk ? FLASH_ERASE_BYTES - offset : sizeof chunk;
    if (!read_at(log, sector, offset, chunk, n) || !flash_bytes_erased(chunk, n)) return false;
    offset += n;
  }
  return true;
}

/** CRC-32 of the header's first 12 bytes and the payload as it lies in flash. */
static bool payload_crc(const region_log *log, uint32_t sector, uint32_t offset, const uint8_t *header, uint32_t length,
                        uint32_t *crc) {
  uint8_t chunk[64];
  uint32_t c = crc32_of(header, REGION_LOG_HEADER_BYTES - 4);
  for (uint32_t done = 0; done < length;) {
    uint32_t n = length - done < sizeof chunk ? length - done : sizeof chunk;
    if (!read_at(log, sector, offset + REGION_LOG_HEADER_BYTES + done, chunk, n)) return false;
    c = crc32_update(c, chunk, n);
    done += n;
  }
  *crc = c;
  return true;
}

/** Walks a delta's runs; with image set, applies them. False if they do not exactly fill the payload. */
static bool walk_runs(const region_log *log, uint32_t sector, uint32_t offset, uint32_t length, uint8_t *image) {
  uint32_t at = offset + REGION_LOG_HEADER_BYTES, end = at + length;
  while (at < end) {
    uint8_t head[RUN_HEADER_BYTES];
    if (end - at < RUN_HEADER_BYTES || !read_at(log, sector, at, head, sizeof head)) return false;
    uint32_t start = le_get16(head), n = le_get16(head + 2);
    at += RUN_HEADER_BYTES;
    if (n == 0 || start > REGION_BYTES || n > REGION_BYTES - start || n > end - at) return false;
    if (image != NULL && !read_at(log, sector, at, image + start, n)) return false;
    at += n;
  }
  return true;
}

/**
 * Reads and checks the record at offset: its header, its CRC, and (a delta)
 * its runs. previous is the sequence the record must follow (0: it must be the
 * sector's first record, an image).
 */
static bool record_at(const region_log *log, uint32_t sector, uint32_t offset, uint32_t previous, record *r) {
  uint8_t header[REGION_LOG_HEADER_BYTES];
  if (offset + REGION_LOG_HEADER_BYTES > FLASH_ERASE_BYTES || !read_at(log, sector, offset, header, sizeof header))
    return false;
  r->kind = header[0];
  r->length = le_get16(header + 2);
  r->sequence = le_get32(header + 4);
  r->commit = le_get32(header + 8);
  r->crc = le_get32(header + 12);
  bool shape = header[1] == FORMAT_VERSION &&
               (r->kind == KIND_IMAGE ? r->length == REGION_BYTES : r->kind == KIND_DELTA && previous != 0) &&
               r->length <= FLASH_ERASE_BYTES - REGION_LOG_HEADER_BYTES - offset &&
               (previous == 0 || r->sequence == previous + 1);
  uint32_t crc;
  if (!shape || !payload_crc(log, sector, offset, header, r->length, &crc) || crc != r->crc) return false;
  return r->kind == KIND_IMAGE || walk_runs(log, sector, offset, r->length, NULL);
}

typedef struct sector_scan {
  bool has_region;
  uint32_t sequence, commit; // of its last whole record
  uint32_t end;              // just past it
} sector_scan;

/** Follows a sector's records from its image to the last whole one; with image set, replays them into it. */
static sector_scan scan_sector(const region_log *log, uint32_t sector, uint8_t *image) {
  sector_scan s = {0};
  record r;
  uint32_t offset = 0;
  while (record_at(log, sector, offset, s.has_region ? s.sequence : 0, &r)) {
    if (image != NULL) {
      bool replayed = r.kind == KIND_IMAGE ? read_at(log, sector, offset + REGION_LOG_HEADER_BYTES, image, REGION_BYTES)
                                           : walk_runs(log, sector, offset, r.length, image);
      if (!replayed) break;
    }
    s.has_region = true;
    s.sequence = r.sequence;
    s.commit = r.commit;
    s.end = ALIGN(offset + REGION_LOG_HEADER_BYTES + r.length);
    offset = s.end;
  }
  return s;
}

bool region_log_mount(region_log *log, const flash_device *flash, region_log_format format) {
  memset(log, 0, sizeof *log);
  log->flash = flash;
  log->format = format;
  log->sectors = flash->size / FLASH_ERASE_BYTES;
  log->head = log->sectors - 1; // so a blank log starts at sector 0
  log->head_closed = true;
  for (uint32_t sector = 0; sector < log->sectors; sector++) {
    sector_scan s = scan_sector(log, sector, NULL);
    if (s.has_region && (!log->has_region || s.sequence > log->sequence)) {
      log->has_region = true;
      log->head = sector;
      log->sequence = s.sequence;
    }
  }
  if (!log->has_region || log->sectors < 2) return false;
  sector_scan head = scan_sector(log, log->head, log->image);
  log->has_region = head.has_region && head.sequence == log->sequence;
  log->commit = head.commit;
  log->head_end = head.end;
  // Bytes after the newest record that are not erased (a record cut short): append elsewhere.
  log->head_closed = !log->has_region || !tail_erased(log, log->head, head.end);
  return log->has_region;
}

// ---- writing ----

/** The next run of bytes where a and b differ, from position from on. Equal gaps no longer than a run
 *  header are taken into the run: cheaper than starting another. False when there is none. */
static bool next_run(const uint8_t *a, const uint8_t *b, uint32_t from, uint32_t *start, uint32_t *length) {
  uint32_t i = from;
  while (i < REGION_BYTES && a[i] == b[i]) i++;
  if (i == REGION_BYTES) return false;
  uint32_t end = i + 1;
  for (uint32_t j = end; j < REGION_BYTES && j - end <= RUN_HEADER_BYTES; j++)
    if (a[j] != b[j]) end = j + 1;
  *start = i;
  *length = end - i;
  return true;
}

static uint32_t delta_length(const uint8_t *old, const uint8_t *now) {
  uint32_t total = 0, start, n;
  for (uint32_t at = 0; next_run(old, now, at, &start, &n); at = start + n) total += RUN_HEADER_BYTES + n;
  return total;
}

/** Streams a record's bytes into pages and programs each page once it is complete. */
typedef struct page_writer {
  const region_log *log;
  uint32_t at; // absolute offset in the area of the next byte
  uint8_t page[FLASH_PROGRAM_BYTES];
  bool ok;
} page_writer;

static void writer_start(page_writer *w, const region_log *log, uint32_t sector, uint32_t offset) {
  w->log = log;
  w->at = sector * FLASH_ERASE_BYTES + offset;
  uint32_t page_base = w->at & ~(FLASH_PROGRAM_BYTES - 1);
  // The page keeps what is already programmed before the record (its bytes are programmed again unchanged,
  // which leaves them as they are); the rest is erased.
  w->ok = log->flash->read(log->flash->ctx, page_base, w->page, FLASH_PROGRAM_BYTES);
}

static void writer_flush(page_writer *w) {
  uint32_t page_base = (w->at - 1) & ~(FLASH_PROGRAM_BYTES - 1);
  if (w->ok) w->ok = w->log->flash->program(w->log->flash->ctx, page_base, w->page);
}

static void writer_put(page_writer *w, const uint8_t *bytes, uint32_t n) {
  for (uint32_t i = 0; i < n && w->ok; i++) {
    w->page[w->at % FLASH_PROGRAM_BYTES] = bytes[i];
    w->at++;
    if (w->at % FLASH_PROGRAM_BYTES == 0) {
      writer_flush(w);
      memset(w->page, 0xFF, sizeof w->page);
    }
  }
}

static bool writer_finish(page_writer *w) {
  if (w->at % FLASH_PROGRAM_BYTES != 0) writer_flush(w);
  return w->ok;
}

/** Writes the payload (or, for a CRC, feeds it) run by run; with old NULL, the whole image. */
typedef void (*payload_sink)(void *ctx, const uint8_t *bytes, uint32_t n);

static void emit_payload(const uint8_t *old, const uint8_t *now, payload_sink sink, void *ctx) {
  if (old == NULL) {
    sink(ctx, now, REGION_BYTES);
    return;
  }
  uint32_t start, n;
  for (uint32_t at = 0; next_run(old, now, at, &start, &n); at = start + n) {
    uint8_t head[RUN_HEADER_BYTES];
    le_put16(head, start);
    le_put16(head + 2, n);
    sink(ctx, head, sizeof head);
    sink(ctx, now + start, n);
  }
}

static void crc_sink(void *ctx, const uint8_t *bytes, uint32_t n) { *(uint32_t *)ctx = crc32_update(*(uint32_t *)ctx, bytes, n); }
static void page_sink(void *ctx, const uint8_t *bytes, uint32_t n) { writer_put(ctx, bytes, n); }

bool region_log_append(region_log *log, const uint8_t *bytes, uint32_t commit) {
  if (log->sectors < 2) return false; // the ring needs a sector to move on to
  if (log->has_region && log->commit == commit && memcmp(log->image, bytes, REGION_BYTES) == 0) return true;
  bool delta = log->has_region && !log->head_closed && log->format == REGION_LOG_DELTAS;
  uint32_t length = delta ? delta_length(log->image, bytes) : REGION_BYTES;
  if (length >= REGION_BYTES) delta = false, length = REGION_BYTES;
  bool move_on = !log->has_region || log->head_closed ||
                 log->head_end + ALIGN(REGION_LOG_HEADER_BYTES + length) > FLASH_ERASE_BYTES;
  if (move_on) delta = false, length = REGION_BYTES;
  uint32_t size = ALIGN(REGION_LOG_HEADER_BYTES + length);

  uint32_t sector = move_on ? (log->head + 1) % log->sectors : log->head;
  uint32_t offset = move_on ? 0 : log->head_end;
  record r = {.kind = delta ? KIND_DELTA : KIND_IMAGE, .length = (uint16_t)length,
              .sequence = log->sequence + 1, .commit = commit};
  uint8_t header[REGION_LOG_HEADER_BYTES];
  encode_header(&r, header);
  r.crc = crc32_of(header, REGION_LOG_HEADER_BYTES - 4);
  emit_payload(delta ? log->image : NULL, bytes, crc_sink, &r.crc);
  encode_header(&r, header);

  // From here a failure may leave a record that reads as whole on a later mount (say, a read-back that
  // failed): its sequence number is used up, and the next record starts afresh in the next sector.
  log->sequence = r.sequence;
  if (move_on) {
    if (!log->flash->erase(log->flash->ctx, sector * FLASH_ERASE_BYTES)) {
      log->head_closed = true;
      return false;
    }
    log->stats.sectors_opened++;
  }
  page_writer w;
  writer_start(&w, log, sector, offset);
  writer_put(&w, header, sizeof header);
  emit_payload(delta ? log->image : NULL, bytes, page_sink, &w);
  // Read back: only a record that checks from flash counts.
  record written;
  bool ok = writer_finish(&w) && record_at(log, sector, offset, move_on ? 0 : r.sequence - 1, &written) &&
            written.sequence == r.sequence && written.commit == commit;
  if (!ok) {
    log->head_closed = true;
    return false;
  }
  log->has_region = true;
  log->head = sector;
  log->head_end = offset + size;
  log->head_closed = false;
  log->commit = commit;
  memcpy(log->image, bytes, REGION_BYTES);
  if (delta) log->stats.deltas++;
  else log->stats.images++;
  log->stats.record_bytes += REGION_LOG_HEADER_BYTES + length;
  log->stats.last_record_bytes = REGION_LOG_HEADER_BYTES + length;
  return true;
}
