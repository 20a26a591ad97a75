#include "shell.h"

#include "device_firmware.h"
#include "hal.h"
#include "logf.h"
#include "shell_config.h"

/** Boots the core; the first boot that learns the kubelet port opens it. False (logged) if the core did not boot. */
static bool boot_core(shell *sh) {
  bool booted = core_boot(&sh->core, sh->wasm, sh->wasm_len, sh->config->core_text, sh->config->core_len,
                          &sh->context, hal_now_ms());
  if (booted && !sh->listening) {
    if (!hal_net_listen(NET_LISTENER_KUBELET, sh->core.kubelet_port)) hal_fatal("cannot listen on the kubelet port");
    if (sh->core.healthz_port != 0 && !hal_net_listen(NET_LISTENER_HEALTHZ, sh->core.healthz_port))
      hal_fatal("cannot listen on the healthz port");
    sh->listening = true;
  }
  return booted;
}

/** A boot failed: retried shortly if the heap was too full for the engine, fatal otherwise (bad module). */
static void boot_failed(shell *sh, const char *fatal) {
  sh->out_of_memory = sh->core.out_of_memory;
  core_shutdown(&sh->core); // frees what the engine took, and leaves the core stopped
  if (!sh->out_of_memory) hal_reboot(fatal);
  logf_line(LOG_WARN, "not enough memory to boot the core; trying again in %lu ms", (unsigned long)CORE_BOOT_RETRY_MS);
  sh->boot_retry_ms = hal_now_ms() + CORE_BOOT_RETRY_MS;
}

void shell_start(shell *sh, const uint8_t *wasm, size_t wasm_len, const device_config *config, event_queue *events) {
  sh->wasm = wasm;
  sh->wasm_len = wasm_len;
  sh->config = config;
  sh->context.events = events;
  sh->context.region = sh->persistence.store;
  sh->last_tick_ms = sh->clean_since_ms = hal_now_ms();
  if (!boot_core(sh)) {
    if (!sh->core.out_of_memory) hal_fatal("core.wasm did not boot (see the lines above)");
    boot_failed(sh, NULL);
  }
}

/** A trap, or a boot that ran out of memory: forget the core's connections and events, boot a fresh core, or
 *  reboot when restarts run out. */
static void restart_core(shell *sh) {
  hal_net_close_all();
  event_queue_clear(sh->context.events);
  if (sh->core.loaded) sh->out_of_memory = sh->core.out_of_memory; // a trap (a failed boot noted it already)
  core_shutdown(&sh->core);
  if (++sh->restarts > CORE_MAX_RESTARTS)
    hal_reboot(sh->out_of_memory ? "the core ran out of memory too often; rebooting" : "core trapped too often; rebooting");
  logf_line(LOG_WARN, "restarting the core (%u of %u)", sh->restarts, (unsigned)CORE_MAX_RESTARTS);
  if (!boot_core(sh)) boot_failed(sh, "core did not boot again after a trap; rebooting");
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
  // The core asked for an install and its call has returned (or an image on trial ran out of time): the
  // bootloader takes over.
  if (device_firmware_restart_due()) hal_restart("restarting into the bootloader (firmware update)");
  if (!sh->core.running) {
    int32_t wait = (int32_t)(sh->boot_retry_ms - now);
    if (sh->core.loaded || wait <= 0) { // trapped (still loaded), or a boot's retry is due
      restart_core(sh);
      return 0;
    }
    return (uint32_t)wait;
  }
  return since >= TICK_INTERVAL_MS ? 0 : TICK_INTERVAL_MS - since;
}
