// The Pico W firmware: restore the region, start Wi-Fi, boot the core,
// then the poll-mode main loop: cyw43_arch_poll, deliver queued events
// into the core, tick, feed the watchdog only after a clean tick, sleep until
// there is work. Everything runs on a stack of its own (stacks.c).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device_config.h"
#include "embedded.h"
#include "event_queue.h"
#include "firmware_updates.h"
#include "hal.h"
#include "hardware/watchdog.h"
#include "logf.h"
#include "pico/stdlib.h"
#include "pico_port.h"
#include "provisioning_flash.h"
#include "region_store.h"
#include "send_queue.h"
#include "shell.h"
#include "shell_config.h"
#include "tls_server.h"

region_store *pico_region_ram(void);

static event_queue events;
static device_config config;
static shell sh;

static uint32_t heap_after_boot;

void pico_resources_read(pico_resources *r) {
  memset(r, 0, sizeof *r);
  r->stack_size = SHELL_STACK_BYTES;
  r->stack_used = SHELL_STACK_BYTES - pico_stack_untouched();
  pico_heap_read(r);
  r->heap_after_boot = heap_after_boot;
  r->send_queues = (uint32_t)send_queue_allocated_total();
  r->engine_heap = sh.core.engine_heap;
  r->core_mem_used = sh.core.mem_used;
  r->events_refused = events.refused;
}

void pico_resources_log(const pico_resources *r) {
  logf_line(LOG_INFO, "resources: stack high-water %lu of %lu bytes; heap %lu in use "
            "(after boot %lu), %lu free of %lu, high-water %lu",
            (unsigned long)r->stack_used, (unsigned long)r->stack_size, (unsigned long)r->heap_in_use, (unsigned long)r->heap_after_boot,
            (unsigned long)r->heap_free, (unsigned long)r->heap_size, (unsigned long)r->heap_arena);
}

static void report_resources(void) {
  pico_resources r;
  pico_resources_read(&r);
  pico_resources_log(&r);
}

/** The kubelet port verifies client certificates against the configured client CA (device.env client_ca).
 *  One that does not parse leaves bearer tokens as the only way in (logged: the rest of the node works);
 *  without memory for it, it is tried again (returns true) on a later loop turn. */
static bool use_client_ca(void) {
  if (config.client_cas == 0) {
    logf_line(LOG_WARN, "no client_ca configured: kubelet clients authenticate by bearer token only");
    return false;
  }
  size_t cap = CLIENT_CA_MAX * (CLIENT_CA_BASE64_MAX + 64);
  char *pem = malloc(cap);
  int len = pem ? device_config_client_ca_pem(&config, pem, cap) : -1;
  int rc = len > 0 ? tls_server_set_client_ca((const uint8_t *)pem, (size_t)len) : pem ? TLS_CA_UNPARSABLE : TLS_CA_NO_MEMORY;
  free(pem);
  if (rc == TLS_CA_UNPARSABLE)
    logf_line(LOG_ERROR, "client_ca not used (see above): kubelet clients authenticate by bearer token only; provision the board again");
  else if (rc == TLS_CA_NO_MEMORY)
    logf_line(LOG_WARN, "no memory for the client CA now: kubelet clients authenticate by bearer token until it fits");
  return rc == TLS_CA_NO_MEMORY;
}

/** Without its settings the board cannot join a network, and a reboot would not give it them: it says so and
 *  how to fix it, now and every minute, and waits with the watchdog fed. Writing the provisioning UF2 resets it. */
static void __attribute__((noreturn)) wait_for_provisioning(const char *why) {
  for (;;) {
    logf_line(LOG_ERROR, "this board is not provisioned: %s", why);
    logf_line(LOG_ERROR, "run `pico-node provision NAME` and copy the UF2 it writes onto the board (hold BOOTSEL while "
              "plugging it in); waiting, no network until then");
    for (uint32_t start = hal_now_ms(); hal_now_ms() - start < 60000u;) {
      hal_watchdog_feed();
      sleep_ms(1000);
    }
  }
}

static void firmware_main(void *arg) {
  (void)arg;
  bool by_watchdog = watchdog_caused_reboot();
  uint32_t fatal_in_a_row = pico_fatal_count_at_boot(); // before the watchdog is enabled again
  // From here a hang anywhere in boot ends in a reboot; each step below is far shorter than the timeout.
  watchdog_enable(WATCHDOG_TIMEOUT_MS, true);
  logf_line(LOG_INFO, "k3s-pico-node firmware %s (%s), reset by %s", PICO_NODE_VERSION, hal_board_platform(),
            by_watchdog ? "the watchdog" : "power-on or the reset pin");
  if (fatal_in_a_row > 0) logf_line(LOG_WARN, "%lu fatal error(s) in a row before this boot", (unsigned long)fatal_in_a_row);
  char error[112];
  const char *settings;
  size_t settings_len;
  if (pico_provisioning_read(&settings, &settings_len, error, sizeof error) != PROVISIONING_OK) wait_for_provisioning(error);
  if (device_config_parse(settings, settings_len, &config, error, sizeof error) != 0) {
    logf_line(LOG_ERROR, "device configuration: %s", error);
    hal_fatal("device configuration rejected: provision the board again (pico-node provision NAME)");
  }
  bool client_ca_retry = use_client_ca();
  pico_firmware_updates_start();
  hal_watchdog_feed();
  region_restore(&sh.persistence, pico_region_ram()); // before the network is up
  hal_watchdog_feed();
  if (!pico_board_start()) hal_fatal("the radio (CYW43) did not start: no network");
  hal_watchdog_feed();
  event_queue_init(&events);
  pico_network_start(&events, config.wifi_ssid, config.wifi_password);
  hal_watchdog_feed();
  shell_start(&sh, CORE_WASM, CORE_WASM_LENGTH, &config, &events);
  hal_watchdog_feed();
  heap_after_boot = hal_heap_used();
  uint32_t last_report = hal_now_ms(), loop_start = last_report, client_ca_tried = last_report;
  bool count_cleared = fatal_in_a_row == 0;
  report_resources();
  for (;;) {
    pico_board_poll();
    pico_network_step();
    uint32_t wait_ms = shell_step(&sh);
    if (hal_now_ms() - last_report >= 60000u) {
      last_report = hal_now_ms();
      report_resources();
    }
    if (client_ca_retry && hal_now_ms() - client_ca_tried >= 1000u) { // the heap may have room now
      client_ca_tried = hal_now_ms();
      client_ca_retry = use_client_ca();
    }
    if (!count_cleared && hal_now_ms() - loop_start >= FATAL_COUNT_RESET_MS) {
      count_cleared = true;
      pico_fatal_count_clear();
    }
    if (wait_ms > 0 && event_queue_empty(&events) && !pico_network_busy()) {
      pico_idle_begin();
      pico_board_wait(wait_ms);
      pico_idle_end();
    }
  }
}

int main(void) {
  stdio_init_all();
  pico_run_on_shell_stack(firmware_main, NULL);
  return 0;
}
