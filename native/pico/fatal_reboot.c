// Every way the board stops: hal_fatal (bad configuration, wrong core.wasm,
// no radio), hal_reboot (a core that keeps trapping), an SDK panic (routed
// here by PICO_PANIC_FUNCTION) and a hang (the watchdog). None touches the
// radio unless it has started: each reports on the UART, waits a delay that
// grows with each fatal error in a row (reboot_backoff.h), then reboots
// through the watchdog. The count lives in watchdog scratch registers 0-2,
// which keep their value over a watchdog reboot and clear at power-on (the
// SDK uses 4-7). hal_restart is the planned restart into the bootloader (an
// update): at once, uncounted.
#include <string.h>

#include "hal.h"
#include "hardware/watchdog.h"
#include "logf.h"
#include "pico/stdlib.h"
#include "pico_port.h"
#include "reboot_backoff.h"
#include "shell_config.h"

#define COUNT_MAGIC 0x4641544cu // "FATL"
#define ANNOUNCE_EVERY_MS 5000u  // the lines again for a console attached later

static uint32_t count_read(void) {
  const volatile uint32_t *s = watchdog_hw->scratch;
  return s[0] == COUNT_MAGIC && s[2] == ~s[1] ? s[1] : 0;
}

static void count_write(uint32_t n) {
  volatile uint32_t *s = watchdog_hw->scratch;
  s[1] = n;
  s[2] = ~n;
  s[0] = COUNT_MAGIC;
}

uint32_t pico_fatal_count_at_boot(void) {
  uint32_t n = count_read();
  // A hang the watchdog caught is a fatal error too (a reboot this file asked for is not counted twice).
  if (watchdog_enable_caused_reboot()) count_write(++n);
  return n;
}

void pico_fatal_count_clear(void) {
  uint32_t n = count_read();
  if (n == 0) return;
  count_write(0);
  logf_line(LOG_INFO, "ran %lu s without a fatal error: the count of %lu in a row starts again",
            (unsigned long)(FATAL_COUNT_RESET_MS / 1000u), (unsigned long)n);
}

/** Waits ms, fed; may_sleep: from the main loop (interrupts on), so it sleeps and blinks (the LED only once
 *  the radio started); otherwise it spins. */
static void wait_fed(uint32_t ms, bool may_sleep, unsigned *blinks) {
  for (uint32_t waited = 0; waited < ms; waited += 250u) {
    watchdog_update();
    if (may_sleep) {
      hal_led_set((++*blinks) & 1);
      pico_board_poll();
      sleep_ms(250);
    } else {
      busy_wait_ms(250);
    }
  }
}

/** The console drained, then a watchdog reboot: the boot ROM, then the bootloader (if any), run again. */
static void __attribute__((noreturn)) reboot_now(void) {
  stdio_flush();
  watchdog_reboot(0, 0, 10);
  for (;;) tight_loop_contents();
}

static void __attribute__((noreturn)) stop_and_reboot(const char *why, bool may_sleep) {
  uint32_t in_a_row = count_read() + 1;
  count_write(in_a_row);
  uint32_t delay = reboot_backoff_ms(in_a_row);
  unsigned blinks = 0;
  for (uint32_t left = delay; left > 0;) {
    reboot_backoff_announce(why, in_a_row, left);
    uint32_t step = left < ANNOUNCE_EVERY_MS ? left : ANNOUNCE_EVERY_MS;
    wait_fed(step, may_sleep, &blinks);
    left -= step;
  }
  logf_line(LOG_ERROR, "rebooting now");
  reboot_now();
}

void hal_fatal(const char *why) { stop_and_reboot(why, true); }

void hal_restart(const char *why) {
  logf_line(LOG_INFO, "%s", why);
  reboot_now();
}

void hal_reboot(const char *why) { stop_and_reboot(why, true); }

/** PICO_PANIC_FUNCTION: an SDK panic (a hard assert, a driver that gave up). It may come from an interrupt,
 *  so it neither sleeps nor touches the radio. Only the format is printed: the SDK's forwarder leaves any
 *  arguments past the registers off by a word. */
void __attribute__((noreturn)) pico_panic(const char *format, ...) {
  char why[96] = "SDK panic: ";
  strncat(why, format ? format : "(no message)", sizeof why - strlen(why) - 1);
  stop_and_reboot(why, false);
}
