// The shell's main-loop work, the same on every port: restore the region
// before the network starts, boot the core, then per step deliver queued
// events, tick, feed the watchdog only after a clean tick, persist a changed
// region, and restart a trapped core a bounded number of times.
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
  region_persistence persistence;
} shell;

/** Boots the core and starts the kubelet listener; a failure here is fatal (hal_fatal).
 *  sh->persistence must have been set up by region_restore() first. */
void shell_start(shell *sh, const uint8_t *wasm, size_t wasm_len, const device_config *config, event_queue *events);
/** Delivers queued events, ticks when due, persists the region. Returns ms until the next tick is due. */
uint32_t shell_step(shell *sh);

#endif
