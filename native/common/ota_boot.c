#include "ota_boot.h"

#include <string.h>

/** Images take at most this many sectors of a slot (the swap moves into one more). */
static uint16_t usable_sectors(const ota_areas *areas) {
  uint32_t n = areas->slot_sectors > 0 ? areas->slot_sectors - 1 : 0;
  return (uint16_t)(n > UINT16_MAX ? UINT16_MAX : n);
}

static void mount(ota_state_log *log, const ota_areas *areas) {
  ota_state_mount(log, areas->flash, areas->state_offset, areas->state_sectors, usable_sectors(areas));
}

static bool record(ota_state_log *log, ota_phase phase, ota_reason reason, uint8_t attempts) {
  ota_state s = log->state;
  s.phase = phase;
  s.reason = reason;
  s.attempts = attempts;
  s.steps = 0;
  return ota_state_append(log, &s);
}

/** Runs the recorded swap to its end, one record per step; then the slots' image sizes trade places. */
static bool finish_swap(ota_state_log *log, const ota_areas *areas, ota_boot_result *result) {
  ota_slots slots = {areas->flash, areas->run_offset, areas->download_offset, areas->slot_sectors};
  uint32_t span = ota_state_span(&log->state, usable_sectors(areas));
  ota_state s = log->state;
  while (s.steps < OTA_SWAP_STEPS_PER_SECTOR * span) {
    if (!ota_swap_step(&slots, span, s.steps)) return false;
    s.steps++;
    if (!ota_state_append(log, &s)) return false;
    result->swap_steps++;
  }
  uint16_t run = s.run_sectors ? s.run_sectors : usable_sectors(areas);
  s.run_sectors = s.download_sectors;
  s.download_sectors = run;
  s.steps = 0;
  s.attempts = 0;
  s.phase = s.phase == OTA_INSTALLING ? OTA_TRIAL : OTA_ROLLED_BACK;
  return ota_state_append(log, &s);
}

static bool passes(ota_image_check check, void *ctx, const ota_areas *areas, uint32_t offset, uint32_t sectors) {
  return check == NULL || check(ctx, areas->flash, offset, sectors);
}

bool ota_boot(const ota_areas *areas, ota_image_check check, void *check_ctx, ota_boot_result *result) {
  memset(result, 0, sizeof *result);
  ota_state_log log;
  mount(&log, areas);
  // Each phase moves on to a later one (INSTALLING -> TRIAL or REJECTED, TRIAL -> ROLLING_BACK -> ROLLED_BACK),
  // so this ends after a few turns.
  for (;;) {
    const ota_state *s = &log.state;
    result->state = *s;
    switch (s->phase) {
    case OTA_INSTALLING:
      if (s->steps == 0 && !passes(check, check_ctx, areas, areas->download_offset, s->download_sectors)) {
        if (!record(&log, OTA_REJECTED, OTA_REASON_DOWNLOAD_CHECK_FAILED, 0)) return false;
        continue;
      }
      if (!finish_swap(&log, areas, result)) return false;
      continue;
    case OTA_ROLLING_BACK:
      if (!finish_swap(&log, areas, result)) return false;
      continue;
    case OTA_TRIAL:
      if (s->attempts >= OTA_TRIAL_BOOTS) {
        if (!record(&log, OTA_ROLLING_BACK, OTA_REASON_NOT_CONFIRMED, s->attempts)) return false;
        continue;
      }
      if (!passes(check, check_ctx, areas, areas->run_offset, s->run_sectors)) {
        if (!record(&log, OTA_ROLLING_BACK, OTA_REASON_RUN_CHECK_FAILED, s->attempts)) return false;
        continue;
      }
      if (!record(&log, OTA_TRIAL, OTA_REASON_NONE, (uint8_t)(s->attempts + 1))) return false;
      result->state = log.state;
      result->action = OTA_BOOT_RUN_SLOT;
      return true;
    default: { // IDLE, CONFIRMED, ROLLED_BACK, REJECTED: the run slot holds a whole image
      uint32_t run = s->run_sectors ? s->run_sectors : usable_sectors(areas);
      result->action = passes(check, check_ctx, areas, areas->run_offset, run) ? OTA_BOOT_RUN_SLOT : OTA_BOOT_NOTHING;
      return true;
    }
    }
  }
}

static uint32_t sectors_of(uint32_t bytes) { return (bytes + FLASH_ERASE_BYTES - 1) / FLASH_ERASE_BYTES; }

bool ota_request_install(const ota_areas *areas, uint32_t image_bytes, uint32_t running_bytes) {
  uint32_t sectors = sectors_of(image_bytes), running = sectors_of(running_bytes);
  if (image_bytes == 0 || sectors > usable_sectors(areas) || running > usable_sectors(areas) || !ota_download_free(areas))
    return false;
  ota_state_log log;
  mount(&log, areas);
  ota_state s = log.state;
  if (s.run_sectors == 0) s.run_sectors = (uint16_t)running; // flashed over USB: the running image says its size
  s.phase = OTA_INSTALLING;
  s.reason = OTA_REASON_NONE;
  s.attempts = 0;
  s.steps = 0;
  s.download_sectors = (uint16_t)sectors;
  return ota_state_append(&log, &s);
}

bool ota_confirm(const ota_areas *areas) {
  ota_state_log log;
  mount(&log, areas);
  if (log.state.phase == OTA_CONFIRMED) return true;
  return log.state.phase == OTA_TRIAL && record(&log, OTA_CONFIRMED, OTA_REASON_NONE, log.state.attempts);
}

ota_state ota_status(const ota_areas *areas) {
  ota_state_log log;
  mount(&log, areas);
  return log.state;
}

bool ota_acknowledge(const ota_areas *areas) {
  ota_state_log log;
  mount(&log, areas);
  if (log.state.phase != OTA_ROLLED_BACK && log.state.phase != OTA_REJECTED) return true;
  return record(&log, OTA_IDLE, OTA_REASON_NONE, 0);
}

bool ota_download_free(const ota_areas *areas) {
  ota_phase phase = ota_status(areas).phase;
  return phase != OTA_TRIAL && phase != OTA_INSTALLING && phase != OTA_ROLLING_BACK;
}

const char *ota_boot_words(ota_phase phase) {
  switch (phase) {
    case OTA_TRIAL: return "on trial";
    case OTA_CONFIRMED: return "confirmed";
    case OTA_ROLLED_BACK: return "rolled back to";
    case OTA_REJECTED: return "kept (the download was rejected)";
    default: return "running";
  }
}
