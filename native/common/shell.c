#include "shell.h"

#include "hal.h"
#include "logf.h"
#include "shell_config.h"

static bool boot_core(shell *sh) {
  return core_boot(&sh->core, sh->wasm, sh->wasm_len, sh->config->core_text, sh->config->core_len, &sh->context,
                   hal_now_ms());
}

void shell_start(shell *sh, const uint8_t *wasm, size_t wasm_len, const device_config *config, event_queue *events) {
  sh->wasm = wasm;
  sh->wasm_len = wasm_len;
  sh->config = config;
  sh->context.events = events;
  sh->context.region = sh->persistence.store;
  if (!boot_core(sh)) hal_fatal("core.wasm did not boot (see the lines above)");
  if (!hal_net_listen(sh->core.kubelet_port)) hal_fatal("cannot listen on the kubelet port");
  sh->last_tick_ms = sh->clean_since_ms = hal_now_ms();
}

/** A trap: forget the core's connections and events, boot a fresh core, or reboot when restarts run out. */
static void restart_core(shell *sh) {
  hal_net_close_all();
  event_queue_clear(sh->context.events);
  core_shutdown(&sh->core);
  if (++sh->restarts > CORE_MAX_RESTARTS) hal_reboot("core trapped too often; rebooting");
  logf_line(LOG_WARN, "restarting the core (%u of %u)", sh->restarts, (unsigned)CORE_MAX_RESTARTS);
  if (!boot_core(sh)) {
    core_shutdown(&sh->core);
    hal_reboot("core did not boot again after a trap; rebooting");
  }
  sh->clean_since_ms = hal_now_ms();
}

uint32_t shell_step(shell *sh) {
  const event *e;
  while (sh->core.running && (e = event_queue_peek(sh->context.events)) != NULL) {
    core_deliver(&sh->core, e);
    event_queue_pop(sh->context.events);
  }
  uint32_t now = hal_now_ms();
  uint32_t since = now - sh->last_tick_ms;
  if (sh->core.running && since >= TICK_INTERVAL_MS) {
    sh->last_tick_ms = now;
    if (core_tick(&sh->core, now)) {
      hal_watchdog_feed(); // only a tick that completed proves the loop is healthy
      if (sh->restarts && now - sh->clean_since_ms >= CORE_CLEAN_RUN_MS) sh->restarts = 0;
    }
    since = 0;
  }
  region_persistence_step(&sh->persistence);
  if (!sh->core.running) {
    restart_core(sh);
    return 0;
  }
  return since >= TICK_INTERVAL_MS ? 0 : TICK_INTERVAL_MS - since;
}
