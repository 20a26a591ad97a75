#include "fuzz_hal.h"

#include <stdlib.h>
#include <string.h>

#include "hal.h"
#include "oracle.h"

#define SEND_LIMIT_BYTES (1u << 20) // per connection: far above what the ABI asks a host to queue (8 KiB)
#define LOG_LINES 24
#define LOG_LINE_BYTES 240

fuzz_hal fuzz;

static struct {
  char lines[LOG_LINES][LOG_LINE_BYTES];
  unsigned next;
  int level; // lines up to this level go to stderr as well (FUZZ_LOG=0..3)
} log_ring = {.level = -1};

void fuzz_hal_release(void) {
  for (int32_t h = 1; h < fuzz.conn_count; h++) free(fuzz.conns[h].out), fuzz.conns[h].out = NULL;
  fuzz.conn_count = 0;
}

void fuzz_hal_reset(void) {
  fuzz_hal_release();
  fuzz_conn *conns = fuzz.conns;
  int32_t cap = fuzz.conn_cap;
  memset(&fuzz, 0, sizeof fuzz);
  fuzz.conns = conns;
  fuzz.conn_cap = cap;
  fuzz.now_ms = 1000;
  fuzz.random_state = 1;
  fuzz.free_heap = 150000;
  memset(&log_ring.lines, 0, sizeof log_ring.lines);
  log_ring.next = 0;
  const char *level = getenv("FUZZ_LOG");
  log_ring.level = level ? atoi(level) : -1;
}

fuzz_conn *fuzz_conn_of(int32_t handle) {
  return handle >= 1 && handle < fuzz.conn_count ? &fuzz.conns[handle] : NULL;
}

static int32_t new_conn(bool server) {
  if (fuzz.conn_count == 0) fuzz.conn_count = 1; // handle 0 is never used: a zeroed field names no connection
  if (fuzz.conn_count >= fuzz.conn_cap) {
    fuzz.conn_cap = fuzz.conn_cap ? 2 * fuzz.conn_cap : 64;
    fuzz.conns = realloc(fuzz.conns, (size_t)fuzz.conn_cap * sizeof *fuzz.conns);
    if (fuzz.conns == NULL) abort();
  }
  int32_t h = fuzz.conn_count++;
  memset(&fuzz.conns[h], 0, sizeof fuzz.conns[h]);
  fuzz.conns[h].server = server;
  fuzz.conns[h].accepted_at = fuzz.now_ms;
  return h;
}

int32_t fuzz_hal_client(void) { return new_conn(true); }

int fuzz_hal_outbound_open(void) {
  int open = 0;
  for (int32_t h = 1; h < fuzz.conn_count; h++) open += !fuzz.conns[h].server && !fuzz.conns[h].closed;
  return open;
}

void fuzz_hal_print_log(FILE *out) {
  for (unsigned i = 0; i < LOG_LINES; i++) {
    const char *line = log_ring.lines[(log_ring.next + i) % LOG_LINES];
    if (line[0]) fprintf(out, "  %s\n", line);
  }
}

// ---- hal.h ----

uint32_t hal_now_ms(void) { return fuzz.now_ms; }

void hal_log(int level, const char *text, size_t len) {
  int n = snprintf(log_ring.lines[log_ring.next], LOG_LINE_BYTES, "%lu.%03lu %d %.*s", (unsigned long)fuzz.now_ms / 1000,
                   (unsigned long)fuzz.now_ms % 1000, level, (int)len, text);
  (void)n;
  log_ring.next = (log_ring.next + 1) % LOG_LINES;
  if (level <= log_ring.level) fprintf(stderr, "[%lu %d] %.*s\n", (unsigned long)fuzz.now_ms, level, (int)len, text);
  if (level <= 1) snprintf(fuzz.last_warning, sizeof fuzz.last_warning, "%.*s", (int)len, text);
  if (!fuzz.trapped && len >= 12 && memcmp(text, "core trapped", 12) == 0) {
    fuzz.trapped = true;
    snprintf(fuzz.trap_line, sizeof fuzz.trap_line, "%.*s", (int)len, text);
  }
}

size_t hal_board_unique_id(char *out, size_t cap) {
  const char *id = "e6614103e7452d2f";
  size_t n = strlen(id) < cap ? strlen(id) : cap;
  memcpy(out, id, n);
  return n;
}

const char *hal_board_platform(void) { return "fuzz harness"; }
int32_t hal_free_heap(void) { return fuzz.free_heap; }
int32_t hal_memory_used(void) { return 270336 - fuzz.free_heap; }
uint32_t hal_heap_used(void) { return 0; }
int32_t hal_temperature_mc(void) { return 27500; }
uint32_t hal_cpu_busy_ms(void) { return fuzz.now_ms / 10; }

uint32_t hal_random_u32(void) { // xorshift: every input replays exactly
  uint32_t x = fuzz.random_state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return fuzz.random_state = x;
}

void hal_led_set(bool on) { (void)on; }
uint32_t hal_net_ipv4(void) { return 0x0a00000fu; }
int32_t hal_net_rssi_dbm(void) { return -57; }

int32_t hal_net_open(const char *host, uint16_t port) {
  (void)host, (void)port;
  fuzz.activity++;
  return new_conn(false);
}

int32_t hal_net_send(int32_t handle, const uint8_t *bytes, size_t len) {
  fuzz_conn *c = fuzz_conn_of(handle);
  if (c == NULL || c->closed || c->out_len + len > SEND_LIMIT_BYTES) return -1;
  fuzz.activity++;
  if (c->out_len + len > c->out_cap) {
    while (c->out_len + len > c->out_cap) c->out_cap = c->out_cap ? 2 * c->out_cap : 1024;
    c->out = realloc(c->out, c->out_cap);
    if (c->out == NULL) abort();
  }
  memcpy(c->out + c->out_len, bytes, len);
  c->out_len += len;
  return 0;
}

void hal_net_close(int32_t handle) {
  fuzz_conn *c = fuzz_conn_of(handle);
  if (c == NULL) return;
  if (!c->closed) c->closed_by_core = true;
  c->closed = true;
}

void hal_net_close_all(void) {
  for (int32_t h = 1; h < fuzz.conn_count; h++) fuzz.conns[h].closed = true;
}

bool hal_net_listen(int listener, uint16_t port) { return listener >= 0 && port != 0; }
bool hal_region_load(void *slot, size_t size) {
  (void)slot, (void)size;
  return false;
}

bool hal_region_save(const void *slot, size_t size) {
  if (size != sizeof fuzz.saved) oracle_fail(ORACLE_SHELL, "hal_region_save given %zu bytes, a slot is %zu", size, sizeof fuzz.saved);
  memcpy(&fuzz.saved, slot, size);
  fuzz.saves++;
  return true;
}

void *hal_stack_floor(void) { return NULL; }
void hal_watchdog_feed(void) {}
void hal_reboot(const char *why) { oracle_fail(ORACLE_SHELL, "hal_reboot: %s", why); }
void hal_restart(const char *why) { oracle_fail(ORACLE_SHELL, "hal_restart: %s", why); }
void hal_fatal(const char *why) { oracle_fail(ORACLE_SHELL, "hal_fatal: %s", why); }
