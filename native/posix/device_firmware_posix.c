// device_firmware.h for the POSIX shell, over its flash file (posix_ota.h):
// the running identity is the run slot's header (the launcher booted it), a
// download is programmed page by page into the download slot and checked by
// reading it back, an install is a request in the swap state and a restart
// into the launcher, which swaps (ota_boot.h), as the Pico's bootloader will.
#include <string.h>

#include "device_firmware.h"
#include "firmware_slot.h"
#include "le_bytes.h"
#include "logf.h"
#include "posix_firmware.h"
#include "posix_ota.h"

static struct {
  bool open;
  posix_ota ota;
  bool running_known;
  firmware_header running;
  uint32_t held;                       // file bytes taken so far
  uint8_t page[FLASH_PROGRAM_BYTES];   // the page being filled (a whole page is programmed at once)
  uint32_t verified_bytes;             // set by a finish that passed; an install needs it
  bool restart;
} fw;

bool posix_firmware_open(const char *flash_path) {
  if (!posix_ota_open(&fw.ota, flash_path)) return false;
  fw.open = true;
  fw.running_known = posix_ota_slot_ok(&fw.ota, fw.ota.areas.run_offset, &fw.running);
  if (!fw.running_known)
    logf_line(LOG_WARN, "firmware: the run slot of %s holds no signed image for this shell (start it with pico-node-launcher): no updates", flash_path);
  return true;
}

static void put_version(uint8_t *out, firmware_version v) {
  le_put16(out, v.major);
  le_put16(out + 2, v.minor);
  le_put16(out + 4, v.patch);
}

int32_t device_firmware_identity(uint8_t out[DEVICE_FIRMWARE_IDENTITY_BYTES]) {
  if (!fw.running_known) return DEVICE_FIRMWARE_ABSENT;
  memset(out, 0, DEVICE_FIRMWARE_IDENTITY_BYTES);
  put_version(out, fw.running.version);
  memcpy(out + 8, fw.running.board, strnlen(fw.running.board, FIRMWARE_NAME_BYTES));
  memcpy(out + 24, fw.running.engine, strnlen(fw.running.engine, FIRMWARE_NAME_BYTES));
  return 0;
}

int32_t device_firmware_boot_state(uint8_t out[DEVICE_FIRMWARE_VERSION_BYTES]) {
  if (!fw.running_known) return 0;
  ota_state state = ota_status(&fw.ota.areas);
  if (state.phase == OTA_TRIAL) return 1;
  if (state.phase != OTA_ROLLED_BACK) return 0;
  // Swapped back: the image that never confirmed is in the download slot.
  uint8_t header[FIRMWARE_HEADER_BYTES];
  const flash_device *flash = fw.ota.areas.flash;
  if (flash->read(flash->ctx, fw.ota.areas.download_offset, header, sizeof header)) put_version(out, firmware_header_version(header));
  return 2;
}

static bool program_page(uint32_t file_offset) {
  const flash_device *flash = fw.ota.areas.flash;
  uint32_t at = fw.ota.areas.download_offset + file_offset;
  if (at % FLASH_ERASE_BYTES == 0 && !flash->erase(flash->ctx, at)) return false; // a sector's first page: erase it first
  return flash->program(flash->ctx, at, fw.page);
}

int32_t device_firmware_slot_write(uint32_t offset, const uint8_t *bytes, size_t len) {
  if (!fw.running_known) return DEVICE_FIRMWARE_FLASH_FAILED;
  if (offset == 0) {
    // Not while an image is on trial: the download slot holds the image it would go back to.
    if (!ota_download_free(&fw.ota.areas)) return DEVICE_FIRMWARE_FLASH_FAILED;
    fw.held = 0;
    fw.verified_bytes = 0;
  } else if (offset != fw.held) {
    return DEVICE_FIRMWARE_OUT_OF_STEP;
  }
  firmware_expectations expect = posix_ota_expectations(&fw.ota);
  if ((uint64_t)fw.held + len > expect.slot_bytes) {
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
      expect.declared = expect.running = firmware_header_version(fw.page);
      expect.allow_downgrade = true;
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
  if (!fw.running_known || fw.held < FIRMWARE_HEADER_BYTES) return DEVICE_FIRMWARE_FLASH_FAILED;
  uint32_t tail = fw.held % FLASH_PROGRAM_BYTES;
  if (tail != 0) {
    memset(fw.page + tail, 0xFF, FLASH_PROGRAM_BYTES - tail);
    if (!program_page(fw.held - tail)) return DEVICE_FIRMWARE_FLASH_FAILED;
  }
  // Checked as written: read back from the slot, so the bytes installed are the bytes checked.
  firmware_expectations expect = posix_ota_expectations(&fw.ota);
  firmware_header header;
  firmware_reason verdict = firmware_slot_check(fw.ota.areas.flash, fw.ota.areas.download_offset, &expect, false, declared_sha256, &header);
  if (verdict == FIRMWARE_NO_MEMORY) return DEVICE_FIRMWARE_FLASH_FAILED;
  uint32_t bytes = verdict == FIRMWARE_OK ? FIRMWARE_HEADER_BYTES + header.payload_bytes : 0;
  if (verdict == FIRMWARE_OK && bytes != fw.held) verdict = FIRMWARE_CORRUPTED; // more than the header declares
  fw.verified_bytes = verdict == FIRMWARE_OK ? bytes : 0;
  return (int32_t)verdict;
}

int32_t device_firmware_install(void) {
  if (fw.verified_bytes == 0) return DEVICE_FIRMWARE_ABSENT;
  if (!ota_request_install(&fw.ota.areas, fw.verified_bytes)) return DEVICE_FIRMWARE_FLASH_FAILED;
  fw.restart = true;
  return 0;
}

int32_t device_firmware_confirm(void) {
  if (!fw.running_known) return DEVICE_FIRMWARE_ABSENT;
  return ota_confirm(&fw.ota.areas) ? 0 : DEVICE_FIRMWARE_FLASH_FAILED;
}

bool device_firmware_restart_due(void) { return fw.restart; }
