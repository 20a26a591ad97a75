// The HAL of pico-node-replay: every answer the core gets through the host
// imports is the next one the recording holds (bench/core_replay.mjs), so the
// core takes the path it took when it was recorded. An answer asked for out
// of turn means it took another path: the replay stops and says where.
#include "replay_hal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hal.h"

static const replay_answer *answers;
static size_t answer_count, next_answer;

void replay_hal_start(const replay_answer *list, size_t count) {
  answers = list;
  answer_count = count;
  next_answer = 0;
}

size_t replay_hal_unused(void) { return answer_count - next_answer; }

static const replay_answer *answer(const char *name) {
  if (next_answer >= answer_count || strcmp(answers[next_answer].name, name) != 0) {
    fprintf(stderr, "replay diverged at HAL answer %zu: the core asked for %s, the recording has %s\n", next_answer,
            name, next_answer < answer_count ? answers[next_answer].name : "nothing more");
    exit(1);
  }
  return &answers[next_answer++];
}

uint32_t hal_now_ms(void) { return 0; } // the recorded calls carry their own times
void hal_log(int level, const char *text, size_t len) {
  (void)level, (void)text, (void)len;
}
size_t hal_board_unique_id(char *out, size_t cap) {
  const replay_answer *a = answer("board_unique_id");
  size_t n = a->text_len < cap ? a->text_len : cap;
  memcpy(out, a->text, n);
  return n;
}
const char *hal_board_platform(void) { return answer("board_platform")->text; }
int32_t hal_free_heap(void) { return answer("board_free_heap")->value; }
int32_t hal_memory_used(void) { return answer("board_memory_used")->value; }
uint32_t hal_heap_used(void) { return 0; }
int32_t hal_temperature_mc(void) { return answer("board_temperature_mc")->value; }
uint32_t hal_cpu_busy_ms(void) { return (uint32_t)answer("board_cpu_busy_ms")->value; }
uint32_t hal_random_u32(void) { return (uint32_t)answer("random_u32")->value; }
void hal_led_set(bool on) {
  (void)on;
  answer("led_set");
}
uint32_t hal_net_ipv4(void) { return (uint32_t)answer("net_ipv4")->value; }
int32_t hal_net_rssi_dbm(void) { return answer("net_rssi_dbm")->value; }
int32_t hal_net_open(const char *host, uint16_t port) {
  (void)host, (void)port;
  return answer("net_open")->value;
}
int32_t hal_net_send(int32_t handle, const uint8_t *bytes, size_t len) {
  (void)handle, (void)bytes, (void)len;
  return answer("net_send")->value;
}
void hal_net_close(int32_t handle) {
  (void)handle;
  answer("net_close");
}
void hal_net_close_all(void) {}
bool hal_net_listen(int listener, uint16_t port) { return listener >= 0 && port != 0; }
bool hal_region_load(void *slot, size_t size) {
  (void)slot, (void)size;
  return false;
}
bool hal_region_save(const void *slot, size_t size) {
  (void)slot, (void)size;
  return true;
}
void *hal_stack_floor(void) { return NULL; }
void hal_watchdog_feed(void) {}
void hal_reboot(const char *why) {
  fprintf(stderr, "replay: %s\n", why);
  exit(1);
}
void hal_restart(const char *why) { hal_reboot(why); }
void hal_fatal(const char *why) {
  fprintf(stderr, "replay: %s\n", why);
  exit(1);
}
