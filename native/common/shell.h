// The shell's main-loop work, the same on every port: restore the region
// before the network starts, boot the core, then per step deliver queued
// events, tick, feed the watchdog only after a clean tick, persist a changed
// region, and restart a trapped core a bounded number of times. A core that
// could not boot because the heap was full (wasm3) is booted again a moment
// later, within the same bound: running out of memory is never fatal.
#ifndef SHELL_H
#define SHELL_H

#include <stdbool.h>
#include <stdint.h>

#include "core_runner.h"
#include "device_config.h"
#include "event_queue.h"
#include "region_persistence.h"

typedef struct shell {
  core_runner core;
  host_context context;
  const uint8_t *wasm;
  size_t wasm_len;
  const device_config *config;
  uint32_t last_tick_ms;
  uint32_t clean_since_ms;    // start of the current run without a trap
  unsigned restarts;          // core restarts since the last long clean run
  bool listening;             // the kubelet port is open (after the first boot that got as far as its number)
  uint32_t boot_retry_ms;     // a boot that ran out of memory is tried again at this time
  bool out_of_memory;         // the core's last failure was the engine's heap running out
  region_persistence persistence;
} shell;

/** Boots the core and starts the kubelet listener; a failure here is fatal (hal_fatal), but for a heap too
 *  full to boot in, which shell_step retries. sh->persistence must have been set up by region_restore() first. */
void shell_start(shell *sh, const uint8_t *wasm, size_t wasm_len, const device_config *config, event_queue *events);
/** Delivers queued events, ticks when due, persists the region. Returns ms until the next tick is due. */
uint32_t shell_step(shell *sh);

#endif
