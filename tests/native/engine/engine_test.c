// Runs a small module through the engine this program is linked with (the
// AOT engine has the module compiled in; wasm3 loads it from the file):
//   engine_test MODULE.wasm SCENARIO
// traps            every trap traps.wat can make is logged with its reason and
//                  the export it hit, the shell restarts the core, and the
//                  restarted core answers again (the recovery the board relies on)
// missing-import, wrong-signature, abi-mismatch, other-module
//                  boot refuses the module and the log says why
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_runner.h"
#include "device_config.h"
#include "fake_hal.h"
#include "shell.h"
#include "test.h"

static int failures;

void test_fail(const char *file, int line, const char *expr) {
  failures++;
  printf("    %s:%d: CHECK failed: %s\n", file, line, expr);
}

static bool logged(const char *text) { return strstr(fake.log_history, text) != NULL; }

static void forget_logs(void) {
  fake.log_history_len = 0;
  fake.log_history[0] = '\0';
}

static uint8_t *read_module(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  static uint8_t bytes[64 * 1024];
  *len = fread(bytes, 1, sizeof bytes, f);
  fclose(f);
  return bytes;
}

static event_queue events;
static region_store region;
static device_config config = {.core_text = "node_name=engine-test\n", .core_len = 22};

/** Hands the core one byte on a kubelet connection and lets the shell run a step. */
static void command(shell *sh, char c) {
  event_queue_push_data(&events, EVENT_SERVER_DATA, 1, (const uint8_t *)&c, 1);
  shell_step(sh);
}

static void traps(const uint8_t *wasm, size_t len) {
  static shell sh;
  region_restore(&sh.persistence, &region);
  event_queue_init(&events);
  shell_start(&sh, wasm, len, &config, &events);
  CHECK(sh.core.running);
  bool aot = strncmp(sh.context.engine, "aot", 3) == 0; // it says which bound stopped a recursion
  command(&sh, 'l');
  CHECK(logged("alive"));
  static const struct {
    char command;
    const char *what, *logs;
  } cases[] = {
      {'o', "a load above the bytes backed", "core trapped in on_server_data: [trap] out of bounds memory access"},
      {'u', "unreachable", "core trapped in on_server_data: [trap] unreachable executed"},
      {'r', "runaway recursion", "core trapped in on_server_data: [trap] stack overflow"}, // stopped by the count
      {'p', "an import given bytes outside memory", "core trapped in on_server_data: [trap] out of bounds memory access"},
      {'a', "abort()", "core trapped in on_server_data: [trap] program called abort"},
  };
  for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int before = failures;
    forget_logs();
    command(&sh, cases[i].command);
    CHECK(logged(cases[i].logs));
    if (aot && cases[i].command == 'r') CHECK(logged("trap detail: calls nested deeper than WASM_RT_MAX_CALL_DEPTH"));
    char restart[48];
    snprintf(restart, sizeof restart, "restarting the core (%u of", i + 1);
    CHECK(logged(restart));
    CHECK(sh.core.running);
    forget_logs();
    command(&sh, 'l');
    CHECK(logged("alive"));
    printf("%s - %s traps, is logged, and the restarted core answers\n", failures == before ? "ok" : "not ok",
           cases[i].what);
    if (failures != before) printf("%s", fake.log_history);
  }
  // A recursion on a stack with a floor 2 KiB below here traps at the floor, before the count.
  int before = failures;
  fake.stack_floor = (uint8_t *)__builtin_frame_address(0) - 2 * 1024;
  forget_logs();
  command(&sh, 'r');
  fake.stack_floor = NULL;
  CHECK(logged("core trapped in on_server_data: [trap] stack overflow"));
  if (aot) CHECK(logged("trap detail: the C stack reached its floor"));
  CHECK(sh.core.running);
  printf("%s - runaway recursion stops at the stack floor\n", failures == before ? "ok" : "not ok");
  if (failures != before || getenv("ENGINE_TEST_LOG")) printf("%s", fake.log_history);
  core_shutdown(&sh.core);
}

static void refused(const uint8_t *wasm, size_t len, const char *why) {
  host_context context = {.region = &region, .events = &events};
  core_runner core;
  region_store_clear(&region);
  event_queue_init(&events);
  bool booted = core_boot(&core, wasm, len, config.core_text, config.core_len, &context, 0);
  CHECK(!booted);
  CHECK(logged(why));
  core_shutdown(&core);
  printf("%s - boot refuses it: %s\n", failures ? "not ok" : "ok", why);
  if (failures) printf("%s", fake.log_history);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: engine_test MODULE.wasm traps|missing-import|wrong-signature|abi-mismatch|other-module\n");
    return 2;
  }
  size_t len = 0;
  const uint8_t *wasm = read_module(argv[1], &len);
  if (wasm == NULL) {
    fprintf(stderr, "engine_test: cannot read %s\n", argv[1]);
    return 2;
  }
  fake_hal_reset();
  const char *scenario = argv[2];
  if (strcmp(scenario, "traps") == 0) traps(wasm, len);
  else if (strcmp(scenario, "missing-import") == 0) refused(wasm, len, "core.wasm imports env.teleport, which this host does not provide");
  else if (strcmp(scenario, "wrong-signature") == 0) refused(wasm, len, "(host signature differs from the core's)");
  else if (strcmp(scenario, "abi-mismatch") == 0) refused(wasm, len, "core.wasm speaks host ABI 1; this host speaks 4");
  else if (strcmp(scenario, "other-module") == 0) refused(wasm, len, "is not the module this AOT build was compiled from");
  else {
    fprintf(stderr, "engine_test: unknown scenario %s\n", scenario);
    return 2;
  }
  return failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
