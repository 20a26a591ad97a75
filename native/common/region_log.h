// The region's copy that survives power loss: a log of small records over a
// ring of flash sectors (flash_device.h), so each commit programs a few pages
// and a sector is erased only when the log moves on to it.
//
// A record is a 16-byte header (kind, format, payload length, sequence, the
// region's commit number, CRC-32 over header and payload) and its payload:
// the whole 1 KB region (an image) or the runs of bytes that changed since
// the record before it (a delta). Records are 4-byte aligned and never cross
// a sector. Every sector starts with an image, so a sector can be read on its
// own: erasing any other one never breaks it. Sequence numbers grow by one
// per record; the newest whole record of the newest sector is the region.
//
// Power may fail at any step: an erase or a page program cut short leaves a
// record whose CRC does not check, which is skipped, so the log reads as the
// record before it. Only the sector after the newest record is ever erased,
// and nothing is appended after bytes that do not form a whole record.
#ifndef REGION_LOG_H
#define REGION_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "flash_device.h"
#include "region_store.h"

#define REGION_LOG_HEADER_BYTES 16u

typedef enum region_log_format {
  REGION_LOG_DELTAS, // a change is written as the runs that changed when that is smaller than an image
  REGION_LOG_IMAGES, // every record is a whole image (for comparison)
} region_log_format;

/** What this log wrote since it was mounted (console lines and the wear benchmark). */
typedef struct region_log_stats {
  uint32_t images, deltas; // records written
  uint32_t record_bytes;   // their bytes, headers included
  uint32_t sectors_opened; // erases done to move on
  uint32_t last_record_bytes;
} region_log_stats;

typedef struct region_log {
  const flash_device *flash;
  region_log_format format;
  uint32_t sectors;
  bool has_region;       // the log holds a region (image below)
  uint32_t commit;       // the region's commit number in the newest record
  uint32_t sequence;     // the newest record's sequence number
  uint32_t head;         // the sector holding the newest record
  uint32_t head_end;     // offset within it just past the newest record
  bool head_closed;      // nothing more is appended there (full, or bytes follow that are not a record)
  uint8_t image[REGION_BYTES]; // the region as the log holds it: what a boot would restore
  region_log_stats stats;
} region_log;

/**
 * Scans the flash and finds the newest whole record. Returns true if the log
 * holds a region (then image and commit say which); false for a blank or
 * unreadable area, which the first append starts over.
 */
bool region_log_mount(region_log *log, const flash_device *flash, region_log_format format);
/**
 * Appends the region's 1024 bytes and commit number: a delta into the newest
 * sector when it fits, else an image at the start of the next sector (erased
 * first). Nothing is written when bytes and commit match the newest record.
 * False if the flash failed; the log then still reads as before.
 */
bool region_log_append(region_log *log, const uint8_t *bytes, uint32_t commit);

#endif
