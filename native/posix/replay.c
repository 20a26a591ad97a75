// pico-node-replay --wasm core.wasm --script LIFE [--rounds N]: plays a
// recorded life of the core (bench/core_replay.mjs: every export call, the
// bytes put in io_buffer, the HAL's answers) through the engine this program
// is built with, N times from a fresh load, and prints each marked operation's
// mean time per round: "<ns> <label>" (npm run bench:core). The host imports
// are the shell's own (host_imports.c); only the HAL answers from the recording.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core_engine.h"
#include "event_queue.h"
#include "region_store.h"
#include "replay_hal.h"

typedef struct call {
  char name[24];
  uint32_t args[2];
  unsigned argc;
  uint8_t *io; // written to io_buffer first (NULL: nothing)
  uint32_t io_len;
} call;

typedef struct operation {
  size_t first, last; // calls
  char label[64];
  double total_ns;
} operation;

static call *calls;
static size_t call_count;
static replay_answer *answers;
static size_t answer_count;
static operation ops[16];
static size_t op_count;

static void *grow(void *items, size_t count, size_t size) {
  if ((count & (count - 1)) != 0 && count != 0) return items; // grows at powers of two
  void *bigger = realloc(items, (count ? 2 * count : 16) * size);
  if (bigger == NULL) {
    fprintf(stderr, "replay: out of memory\n");
    exit(1);
  }
  return bigger;
}

static uint8_t *from_hex(const char *hex, uint32_t *len) {
  size_t n = strlen(hex) / 2;
  uint8_t *bytes = malloc(n ? n : 1);
  for (size_t i = 0; i < n; i++) sscanf(hex + 2 * i, "%2hhx", &bytes[i]);
  *len = (uint32_t)n;
  return bytes;
}

static void read_script(const char *path) {
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    fprintf(stderr, "replay: cannot read %s\n", path);
    exit(2);
  }
  char *line = NULL, word[32];
  size_t cap = 0;
  uint8_t *io = NULL;
  uint32_t io_len = 0;
  while (getline(&line, &cap, f) > 0) {
    line[strcspn(line, "\n")] = '\0';
    int used = 0;
    if (sscanf(line, "%31s %n", word, &used) != 1) continue;
    const char *rest = line + used;
    if (strcmp(word, "io") == 0) {
      io = from_hex(rest, &io_len);
    } else if (strcmp(word, "call") == 0) {
      calls = grow(calls, call_count, sizeof *calls);
      call *c = &calls[call_count++];
      memset(c, 0, sizeof *c);
      int n = sscanf(rest, "%23s %u %u", c->name, &c->args[0], &c->args[1]);
      c->argc = n > 1 ? (unsigned)(n - 1) : 0;
      c->io = io;
      c->io_len = io_len;
      io = NULL;
    } else if (strcmp(word, "hal") == 0) {
      answers = grow(answers, answer_count, sizeof *answers);
      replay_answer *a = &answers[answer_count++];
      memset(a, 0, sizeof *a);
      char value[160] = "";
      sscanf(rest, "%23s %159s", a->name, value);
      if (strcmp(a->name, "board_unique_id") == 0 || strcmp(a->name, "board_platform") == 0) {
        uint32_t n;
        uint8_t *text = from_hex(value, &n);
        a->text_len = n < sizeof a->text ? n : sizeof a->text - 1;
        memcpy(a->text, text, a->text_len);
        free(text);
      } else a->value = (int32_t)strtol(value, NULL, 10);
    } else if (strcmp(word, "op") == 0 && op_count < sizeof ops / sizeof ops[0]) {
      operation *o = &ops[op_count++];
      sscanf(rest, "%zu %zu %63[^\n]", &o->first, &o->last, o->label);
    }
  }
  free(line);
  fclose(f);
}

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/** The engine's handle of an export, found once per load. */
static int export_of(const char *name, unsigned argc) {
  static struct {
    const char *name;
    int fn;
  } found[24];
  static size_t found_count;
  if (name == NULL) { // a new load: forget them
    found_count = 0;
    return -1;
  }
  for (size_t i = 0; i < found_count; i++)
    if (strcmp(found[i].name, name) == 0) return found[i].fn;
  int fn = core_engine_export(name, argc, 0);
  if (fn == CORE_EXPORT_WRONG_SIGNATURE) fn = core_engine_export(name, argc, 1);
  if (fn < 0 || found_count == sizeof found / sizeof found[0]) {
    fprintf(stderr, "replay: core.wasm has no export %s taking %u values\n", name, argc);
    exit(1);
  }
  found[found_count].name = name;
  found[found_count++].fn = fn;
  return fn;
}

static bool trapped(const char *where) {
  fprintf(stderr, "replay: the core trapped in %s: %s\n", where, core_engine_trap().reason);
  exit(1);
}

/** One round: load, start, every call; the operations' times are added up. */
static void round_once(const uint8_t *wasm, size_t wasm_len, int *handles) {
  static region_store region;
  static event_queue events;
  region_store_clear(&region);
  event_queue_init(&events);
  host_context context = {.region = &region, .events = &events, .engine = core_engine_name()};
  replay_hal_start(answers, answer_count);
  double started[16] = {0};
  double load_started = now_ns();
  if (!core_engine_load(wasm, wasm_len, &context)) exit(1);
  export_of(NULL, 0);
  for (size_t i = 0; i < call_count; i++) handles[i] = export_of(calls[i].name, calls[i].argc);
  if (!core_engine_start()) trapped("the start function");
  uint32_t io_ptr = 0;
  if (!core_engine_call(export_of("io_buffer", 0), NULL, 0, &io_ptr)) trapped("io_buffer");
  for (size_t i = 0; i < call_count; i++) {
    for (size_t o = 0; o < op_count; o++)
      if (ops[o].first == i) started[o] = i == 0 ? load_started : now_ns();
    const call *c = &calls[i];
    if (c->io) {
      uint8_t *at = core_bytes(core_engine_memory(), io_ptr, c->io_len);
      if (at == NULL) trapped("io_buffer (outside memory)");
      memcpy(at, c->io, c->io_len);
    }
    uint32_t result = 0;
    if (!core_engine_call(handles[i], c->args, c->argc, &result)) trapped(c->name);
    for (size_t o = 0; o < op_count; o++)
      if (ops[o].last == i) ops[o].total_ns += now_ns() - started[o];
  }
  if (replay_hal_unused() != 0) {
    fprintf(stderr, "replay diverged: %zu recorded HAL answers were never asked for\n", replay_hal_unused());
    exit(1);
  }
  core_engine_unload();
}

int main(int argc, char **argv) {
  const char *wasm_path = NULL, *script = NULL;
  int rounds = 20;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--wasm") == 0) wasm_path = argv[i + 1];
    else if (strcmp(argv[i], "--script") == 0) script = argv[i + 1];
    else if (strcmp(argv[i], "--rounds") == 0) rounds = atoi(argv[i + 1]);
  }
  if (!wasm_path || !script || rounds < 1) {
    fprintf(stderr, "usage: pico-node-replay --wasm core.wasm --script LIFE [--rounds N]\n");
    return 2;
  }
  FILE *f = fopen(wasm_path, "rb");
  if (f == NULL) return fprintf(stderr, "replay: cannot read %s\n", wasm_path), 2;
  static uint8_t wasm[256 * 1024];
  size_t wasm_len = fread(wasm, 1, sizeof wasm, f);
  fclose(f);
  read_script(script);
  int *handles = calloc(call_count ? call_count : 1, sizeof *handles);
  round_once(wasm, wasm_len, handles); // warms caches; not counted
  for (size_t o = 0; o < op_count; o++) ops[o].total_ns = 0;
  for (int r = 0; r < rounds; r++) round_once(wasm, wasm_len, handles);
  printf("engine %s, %d rounds of %zu calls\n", core_engine_name(), rounds, call_count);
  for (size_t o = 0; o < op_count; o++) printf("%.0f %s\n", ops[o].total_ns / rounds, ops[o].label);
  for (size_t i = 0; i < call_count; i++) free(calls[i].io);
  free(calls);
  free(answers);
  free(handles);
  return 0;
}
