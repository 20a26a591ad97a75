// Hardware self-test (k3s_pico_node_selftest.uf2): LED, UART, CYW43, one
// call into the core through the engine the image was built with. Prints one verdict line and keeps
// blinking: slow for PASS, fast for FAIL.
#include <stdio.h>
#include <string.h>

#include "core_runner.h"
#include "embedded.h"
#include "hal.h"
#include "pico/stdlib.h"
#include "pico_port.h"
#include "shell_config.h"

region_store *pico_region_ram(void);

static event_queue events;

static bool check(const char *what, bool ok) {
  printf("selftest: %-28s %s\n", what, ok ? "ok" : "FAILED");
  return ok;
}

static void selftest(void *arg) {
  (void)arg;
  printf("\nk3s-pico-node self-test %s (%s)\n", PICO_NODE_VERSION, hal_board_platform());
  bool pass = check("UART console", true); // this line reached the console
  char id[32];
  size_t id_len = hal_board_unique_id(id, sizeof id);
  pass &= check("unique board id", id_len == 16);
  int32_t mc = hal_temperature_mc();
  pass &= check("on-die temperature sensor", mc > -40000 && mc < 125000);
  bool radio = pico_board_start();
  pass &= check("CYW43 radio init", radio);
  if (radio) {
    for (int i = 0; i < 6; i++) {
      hal_led_set(i & 1);
      sleep_ms(150);
    }
    check("LED blinked 3 times (look)", true);
  }
  event_queue_init(&events);
  host_context context = {.region = pico_region_ram(), .events = &events};
  uint32_t heap_before = hal_heap_used(), abi = 0;
  uint32_t t0 = time_us_32();
  bool called = core_probe_abi(CORE_WASM, CORE_WASM_LENGTH, &context, &abi);
  printf("selftest: %s load+call took %lu us, abi_version() = %lu\n", context.engine, (unsigned long)(time_us_32() - t0),
         (unsigned long)abi);
  pass &= check("call into core.wasm", called && abi == HOST_ABI_VERSION);
  pass &= check("engine heap released", hal_heap_used() <= heap_before + 64);
  printf("SELFTEST %s\n", pass ? "PASS" : "FAIL");
  for (;;) {
    if (radio) hal_led_set(true);
    sleep_ms(pass ? 1000 : 100);
    if (radio) hal_led_set(false);
    sleep_ms(pass ? 1000 : 100);
  }
}

int main(void) {
  stdio_init_all();
  sleep_ms(500); // a console attached after power-up still sees the first lines
  pico_run_on_shell_stack(selftest, NULL);
  return 0;
}
