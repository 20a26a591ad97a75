// The OTA state that survives power loss: where an update stands (idle,
// swapping in, on trial, confirmed, swapping back, rolled back), kept as a log
// of 16-byte records over a ring of flash sectors (flash_device.h).
//
// Every record is the whole state, so the newest whole record is the state
// and a sector never depends on another:
//   byte 0      phase (low 4 bits) | reason (high 4 bits)
//   byte 1      trial boots so far
//   bytes 2-3   sectors of the image in the run slot (u16, 0: not known)
//   bytes 4-5   sectors of the image in the download slot (u16)
//   bytes 6-7   swap steps done (u16, ota_swap.h)
//   bytes 8-11  sequence number (u32, one more per record)
//   bytes 12-15 CRC-32 of bytes 0-11
// Records go into erased 16-byte slots, appended within a page by programming
// the page again with its earlier records unchanged (NOR clears only the new
// bits). A record cut short fails its CRC and is skipped; the next one goes
// after it. A full sector moves the log on to the next sector of the ring,
// erased first: the sector holding the newest record is never erased.
// Wear: 256 records a sector, so K sectors take one erase each per 256 x K
// records (ota_boot.h counts the records an update writes).
#ifndef OTA_STATE_H
#define OTA_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "flash_device.h"

#define OTA_RECORD_BYTES 16u
#define OTA_RECORDS_PER_SECTOR (FLASH_ERASE_BYTES / OTA_RECORD_BYTES)

typedef enum ota_phase {
  OTA_IDLE = 0,        // nothing pending: the run slot holds the image to boot
  OTA_INSTALLING = 1,  // swapping the download slot's image into the run slot (steps says how far)
  OTA_TRIAL = 2,       // the new image runs until it confirms or runs out of trial boots
  OTA_CONFIRMED = 3,   // the new image confirmed itself; the download slot is free
  OTA_ROLLING_BACK = 4, // swapping the previous image back into the run slot
  OTA_ROLLED_BACK = 5, // the previous image is back; reported until acknowledged
  OTA_REJECTED = 6,    // the downloaded image failed the boot's check: nothing was swapped; reported until acknowledged
} ota_phase;

typedef enum ota_reason {
  OTA_REASON_NONE = 0,
  OTA_REASON_NOT_CONFIRMED = 1, // OTA_TRIAL_BOOTS boots passed without ota_confirm()
  OTA_REASON_RUN_CHECK_FAILED = 2, // the image on trial failed the boot's check
  OTA_REASON_DOWNLOAD_CHECK_FAILED = 3, // the downloaded image failed the boot's check before the swap
} ota_reason;

typedef struct ota_state {
  ota_phase phase;
  ota_reason reason;
  uint8_t attempts;          // boots of the image on trial
  uint16_t run_sectors;      // 0: not known (flashed without an update): the whole usable slot
  uint16_t download_sectors;
  uint16_t steps;            // swap steps done (OTA_INSTALLING, OTA_ROLLING_BACK)
} ota_state;

typedef struct ota_state_log {
  const flash_device *flash;
  uint32_t offset, sectors; // the area: sectors from offset on
  uint16_t max_sectors;     // a record naming a bigger image is not one
  bool found;               // a whole record was found (else state is the blank state)
  bool failed;              // an append failed: no more until mounted again
  uint32_t sequence, head, next_slot; // the newest record's sequence and sector; the slot after the last used one
  ota_state state;
} ota_state_log;

/** The sectors a swap between the slots covers: the larger of the two images (an unknown run image counts as
 *  max_sectors), 3 steps each (ota_swap.h). */
static inline uint32_t ota_state_span(const ota_state *s, uint16_t max_sectors) {
  uint32_t run = s->run_sectors ? s->run_sectors : max_sectors;
  return run > s->download_sectors ? run : s->download_sectors;
}

/**
 * Scans the area (sectors from offset on, at least 2) for the newest whole record. A blank or unreadable area
 * reads as OTA_IDLE with no sizes known. Records with fields out of range (sizes over max_sectors) are skipped
 * as garbage.
 */
void ota_state_mount(ota_state_log *log, const flash_device *flash, uint32_t offset, uint32_t sectors,
                     uint16_t max_sectors);
/** Appends state as the newest record, read back to verify. False if the flash failed: the log still reads as
 *  before or as state, and takes no more appends until mounted again. */
bool ota_state_append(ota_state_log *log, const ota_state *state);

#endif
