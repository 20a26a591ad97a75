// device_firmware.h over a port's slots (device_firmware_slots.h).
#include "device_firmware_slots.h"

#include <string.h>

#include "device_firmware.h"
#include "firmware_slot.h"
#include "hal.h"
#include "le_bytes.h"
#include "logf.h"

static struct {
  bool open;
  firmware_slots slots;
  firmware_header running;
  bool on_trial;                       // booted on trial and not confirmed since
  uint32_t booted_ms;                  // when the slots were opened: the trial's clock starts there
  uint32_t held;                       // file bytes taken so far
  uint8_t page[FLASH_PROGRAM_BYTES];   // the page being filled (a whole page is programmed at once)
  uint32_t verified_bytes;             // set by a finish that passed; an install needs it
  bool restart;
} fw;

/** The run slot's header, checked for this board and engine and its signature (its own version stands). */
static bool read_running(const firmware_slots *slots, firmware_header *out) {
  uint8_t header[FIRMWARE_HEADER_BYTES];
  const flash_device *flash = slots->areas.flash;
  if (!flash->read(flash->ctx, slots->areas.run_offset, header, sizeof header)) return false;
  firmware_expectations expect = firmware_expect_own_version(&slots->expect, header);
  return firmware_header_check(header, sizeof header, &expect, out) == FIRMWARE_OK;
}

bool device_firmware_slots_open(const firmware_slots *slots) {
  fw.slots = *slots;
  fw.open = read_running(slots, &fw.running);
  fw.booted_ms = hal_now_ms();
  fw.on_trial = fw.open && ota_status(&slots->areas).phase == OTA_TRIAL;
  if (!fw.open)
    logf_line(LOG_WARN, "firmware: the run slot holds no image signed for board %s, engine %s (not started by the bootloader?): no updates",
              slots->expect.board, slots->expect.engine);
  return fw.open;
}

static void put_version(uint8_t *out, firmware_version v) {
  le_put16(out, v.major);
  le_put16(out + 2, v.minor);
  le_put16(out + 4, v.patch);
}

int32_t device_firmware_identity(uint8_t out[DEVICE_FIRMWARE_IDENTITY_BYTES]) {
  if (!fw.open) return DEVICE_FIRMWARE_ABSENT;
  memset(out, 0, DEVICE_FIRMWARE_IDENTITY_BYTES);
  put_version(out, fw.running.version);
  memcpy(out + 8, fw.running.board, strnlen(fw.running.board, FIRMWARE_NAME_BYTES));
  memcpy(out + 24, fw.running.engine, strnlen(fw.running.engine, FIRMWARE_NAME_BYTES));
  return 0;
}

int32_t device_firmware_boot_state(uint8_t out[DEVICE_FIRMWARE_VERSION_BYTES]) {
  if (!fw.open) return 0;
  ota_state state = ota_status(&fw.slots.areas);
  if (state.phase == OTA_TRIAL) return 1;
  // Swapped back, or refused by the bootloader before the swap (it could not have started): either way the old
  // image runs and the refused one is in the download slot. The core reports it and does not fetch it again.
  if (state.phase != OTA_ROLLED_BACK && state.phase != OTA_REJECTED) return 0;
  uint8_t header[FIRMWARE_HEADER_BYTES];
  const flash_device *flash = fw.slots.areas.flash;
  if (flash->read(flash->ctx, fw.slots.areas.download_offset, header, sizeof header)) put_version(out, firmware_header_version(header));
  return 2;
}

static bool program_page(uint32_t file_offset) {
  const flash_device *flash = fw.slots.areas.flash;
  uint32_t at = fw.slots.areas.download_offset + file_offset;
  if (at % FLASH_ERASE_BYTES == 0 && !flash->erase(flash->ctx, at)) return false; // a sector's first page: erase it first
  return flash->program(flash->ctx, at, fw.page);
}

int32_t device_firmware_slot_write(uint32_t offset, const uint8_t *bytes, size_t len) {
  if (!fw.open) return DEVICE_FIRMWARE_FLASH_FAILED;
  if (offset == 0) {
    // Not while an image is on trial: the download slot holds the image it would go back to.
    if (!ota_download_free(&fw.slots.areas)) return DEVICE_FIRMWARE_FLASH_FAILED;
    fw.held = 0;
    fw.verified_bytes = 0;
  } else if (offset != fw.held) {
    return DEVICE_FIRMWARE_OUT_OF_STEP;
  }
  if ((uint64_t)fw.held + len > fw.slots.expect.slot_bytes) {
    fw.held = 0;
    return -(10 + FIRMWARE_TOO_LARGE);
  }
  for (size_t i = 0; i < len;) {
    uint32_t in_page = fw.held % FLASH_PROGRAM_BYTES;
    size_t n = len - i < FLASH_PROGRAM_BYTES - in_page ? len - i : FLASH_PROGRAM_BYTES - in_page;
    memcpy(fw.page + in_page, bytes + i, n);
    fw.held += (uint32_t)n, i += n;
    if (fw.held % FLASH_PROGRAM_BYTES != 0) continue;
    uint32_t page_start = fw.held - FLASH_PROGRAM_BYTES;
    if (page_start == 0) {
      // The header (one page): the key, the signature and the size; the core judged the rest.
      firmware_expectations expect = firmware_expect_own_version(&fw.slots.expect, fw.page);
      firmware_header header;
      firmware_reason verdict = firmware_header_check(fw.page, FIRMWARE_HEADER_BYTES, &expect, &header);
      if (verdict != FIRMWARE_OK) {
        fw.held = 0;
        return verdict == FIRMWARE_NO_MEMORY ? DEVICE_FIRMWARE_FLASH_FAILED : -(10 + (int32_t)verdict);
      }
    }
    if (!program_page(page_start)) {
      fw.held = 0;
      return DEVICE_FIRMWARE_FLASH_FAILED;
    }
  }
  return (int32_t)fw.held;
}

int32_t device_firmware_slot_finish(const uint8_t declared_sha256[32]) {
  if (!fw.open || fw.held < FIRMWARE_HEADER_BYTES) return DEVICE_FIRMWARE_FLASH_FAILED;
  uint32_t tail = fw.held % FLASH_PROGRAM_BYTES;
  if (tail != 0) {
    memset(fw.page + tail, 0xFF, FLASH_PROGRAM_BYTES - tail);
    if (!program_page(fw.held - tail)) return DEVICE_FIRMWARE_FLASH_FAILED;
  }
  // Checked as written: read back from the slot, so the bytes installed are the bytes checked.
  firmware_header header;
  firmware_reason verdict =
      firmware_slot_check(fw.slots.areas.flash, fw.slots.areas.download_offset, &fw.slots.expect, false, declared_sha256, &header);
  if (verdict == FIRMWARE_NO_MEMORY) return DEVICE_FIRMWARE_FLASH_FAILED;
  uint32_t bytes = verdict == FIRMWARE_OK ? FIRMWARE_HEADER_BYTES + header.payload_bytes : 0;
  if (verdict == FIRMWARE_OK && bytes != fw.held) verdict = FIRMWARE_CORRUPTED; // more than the header declares
  fw.verified_bytes = verdict == FIRMWARE_OK ? bytes : 0;
  return (int32_t)verdict;
}

int32_t device_firmware_install(void) {
  if (fw.verified_bytes == 0) return DEVICE_FIRMWARE_ABSENT;
  uint32_t running_bytes = FIRMWARE_HEADER_BYTES + fw.running.payload_bytes;
  if (!ota_request_install(&fw.slots.areas, fw.verified_bytes, running_bytes)) return DEVICE_FIRMWARE_FLASH_FAILED;
  fw.restart = true;
  return 0;
}

int32_t device_firmware_confirm(void) {
  if (!fw.open) return DEVICE_FIRMWARE_ABSENT;
  if (!ota_confirm(&fw.slots.areas)) return DEVICE_FIRMWARE_FLASH_FAILED;
  fw.on_trial = false;
  return 0;
}

bool device_firmware_restart_due(void) {
  if (fw.restart) return true;
  if (!fw.on_trial || fw.slots.trial_ms == 0 || hal_now_ms() - fw.booted_ms < fw.slots.trial_ms) return false;
  logf_line(LOG_WARN, "firmware: on trial and not confirmed %lu s after boot: restarting, so the bootloader counts a failed boot",
            (unsigned long)(fw.slots.trial_ms / 1000u));
  fw.restart = true;
  return true;
}
