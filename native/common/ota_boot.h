// Installing an update with rollback: what the running firmware calls after a
// download (ota_request_install), once it is up (ota_confirm), and to report
// the outcome (ota_status, ota_acknowledge); and what the bootloader calls at
// every boot (ota_boot) to finish a swap, count trial boots, roll back an
// image that never confirmed, and say whether the run slot may be booted.
// Portable: the Pico bootloader and the POSIX launcher call the same code.
//
// Areas, on one flash_device (sector boundaries): the run slot and the
// download slot (slot_sectors each; an image, header included, takes at most
// slot_sectors - 1, as the swap moves into one sector more, ota_swap.h), and
// the state area (state_sectors >= 2, ota_state.h).
//
// Phases (ota_state.h): IDLE or CONFIRMED -> (download, ota_request_install)
// INSTALLING -> (swap done) TRIAL -> (ota_confirm) CONFIRMED, or, after
// OTA_TRIAL_BOOTS boots without one, ROLLING_BACK -> ROLLED_BACK -> (the old
// image reports it, ota_acknowledge) IDLE. Each change is one state record
// written after what it says is done, so a power cut anywhere leaves a state
// that the next ota_boot carries on from; ota_boot never says "boot" while a
// swap is unfinished.
//
// Wear, per update of an n-sector image (the larger of old and new), confirmed:
// the slots take at most 3n sector erases (no sector more than 2) and the
// state area OTA_RECORDS_PER_UPDATE(n) records when the image confirms in its
// first boot: request, 3n steps, trial start, the boot, confirm (one more per
// further trial boot). A rollback adds the swap back's 3n steps and three.
#ifndef OTA_BOOT_H
#define OTA_BOOT_H

#include <stdbool.h>
#include <stdint.h>

#include "flash_device.h"
#include "ota_state.h"
#include "ota_swap.h"

#define OTA_TRIAL_BOOTS 3u // boots a new image gets to call ota_confirm() before it is rolled back
#define OTA_RECORDS_PER_UPDATE(n) (OTA_SWAP_STEPS_PER_SECTOR * (n) + 4u)

typedef struct ota_areas {
  const flash_device *flash;
  uint32_t run_offset, download_offset, slot_sectors;
  uint32_t state_offset, state_sectors;
} ota_areas;

/** Checks the image in a slot (at offset, sectors long) before it is swapped in or booted: the bootloader
 *  checks the signature. True: bootable. */
typedef bool (*ota_image_check)(void *ctx, const flash_device *flash, uint32_t offset, uint32_t sectors);

typedef enum ota_boot_action {
  OTA_BOOT_NOTHING = 0, // no image to boot (none passes the check): stay in the bootloader
  OTA_BOOT_RUN_SLOT = 1, // boot the image in the run slot: it is whole and passed the check
} ota_boot_action;

typedef struct ota_boot_result {
  ota_boot_action action;
  ota_state state;       // after this boot: TRIAL (attempts: this boot's number), ROLLED_BACK, CONFIRMED...
  uint32_t swap_steps;   // swap steps done by this boot
} ota_boot_result;

/**
 * Decides and acts at boot: finishes a swap in progress (install or rollback), counts a trial boot, rolls back
 * an image out of trial boots or failing the check, checks the download before swapping it in (check may be
 * NULL: every image passes). False if the flash failed (power failing): nothing is booted, call again.
 */
bool ota_boot(const ota_areas *areas, ota_image_check check, void *check_ctx, ota_boot_result *result);

/** Records that the download slot holds an image of image_bytes (header included) to install at the next boot.
 *  running_bytes: the running image's (header included), which the state does not know on a board flashed over
 *  USB; with it the first swap moves only the sectors the images take, not the whole slot (0: unknown).
 *  False (nothing recorded) if it does not fit, the download slot still holds the image a trial would roll back
 *  to, a swap is unfinished, or the flash failed. */
bool ota_request_install(const ota_areas *areas, uint32_t image_bytes, uint32_t running_bytes);
/** The image on trial is good: it stays (CONFIRMED). True if it was on trial or is confirmed already. */
bool ota_confirm(const ota_areas *areas);
/** Where the update stands: TRIAL, CONFIRMED, ROLLED_BACK or REJECTED (with its reason) are reported on the Node. */
ota_state ota_status(const ota_areas *areas);
/** The outcome (ROLLED_BACK, REJECTED) was reported: it reads IDLE from now on. False if the flash failed. */
bool ota_acknowledge(const ota_areas *areas);
/** How a bootloader's console line says what it booted: "on trial", "confirmed", "rolled back to"... */
const char *ota_boot_words(ota_phase phase);
/** True when the download slot may be written: it holds no image a trial would roll back to. */
bool ota_download_free(const ota_areas *areas);

#endif
