#include "reboot_backoff.h"

#include "logf.h"
#include "shell_config.h"

uint32_t reboot_backoff_ms(uint32_t in_a_row) {
  uint32_t delay = FATAL_REBOOT_DELAY_MS;
  for (uint32_t n = 1; n < in_a_row && delay < FATAL_REBOOT_DELAY_MAX_MS; n++) delay *= 2;
  return delay < FATAL_REBOOT_DELAY_MAX_MS ? delay : FATAL_REBOOT_DELAY_MAX_MS;
}

void reboot_backoff_announce(const char *why, uint32_t in_a_row, uint32_t remaining_ms) {
  logf_line(LOG_ERROR, "fatal: %s", why);
  unsigned long seconds = (remaining_ms + 999u) / 1000u;
  if (in_a_row <= 1)
    logf_line(LOG_ERROR, "fatal error 1 in a row: rebooting through the watchdog in %lu s", seconds);
  else
    logf_line(LOG_ERROR, "fatal error %lu in a row (a boot loop?): backing off, rebooting through the watchdog in %lu s",
              (unsigned long)in_a_row, seconds);
}
