#include "fuzz_driver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core_engine.h"
#include "fuzz_hal.h"
#include "oracle.h"
#include "shell.h"

#define MAX_PENDING 64
#define MAX_SAME_REQUESTS_PER_TICK 12 // Lease conflicts legitimately retry at once: up to 5 tries of read + write
#define LEASE_WINDOW_MS 10000u
#define CONFIG_WINDOW_MS 10000u
#define AUTH_RETRY_MS 60000u          // auth_retry_ms (docs/host-abi.md)
#define BACKOFF_MAX_MS 30000u         // backoff_max_ms
#define RETRY_AFTER_CEILING_MS 300000u // status and ConfigMap requests may honour it up to 5 min (issue 9)
#define IDLE_TIMEOUT_MS 10000u        // kubelet_idle_timeout_ms
#define WALK_LIMIT_MS 60000u
#define NONE UINT32_MAX

static shell sh;
static region_store region;
static event_queue events;
static device_config config;
static api_world world;
static pending_request pending[MAX_PENDING];
static size_t pending_count;
static uint32_t seen_activity;
static bool commit_allowed; // the peer is sending a ConfigMap (a LIST or WATCH answer)
static uint32_t commits_seen;
static int saves_seen;
static struct {
  uint32_t at;
  unsigned counts[KIND_COUNT];
} rate;
static struct {
  uint32_t lease, config; // how much later than the window the faults allow
  unsigned node_faults, config_faults;
  uint32_t lease_retry_after;
} allowed;
static bool healed;
static bool any_route; // the configuration is the input's: requests it leads to need not be the world's
static uint32_t lease_ok_at;
static unsigned sent_after_heal[KIND_COUNT];
static char answer_buffer[8192];

static fuzz_conn *conn(int32_t h) { return fuzz_conn_of(h); } // re-read after every step: the table may move

static char *quoted(const uint8_t *bytes, size_t len, size_t max) {
  static char text[400];
  return (char *)http_quote(bytes, len < max ? len : max, text, sizeof text);
}

// ---- the shell's main loop ----

/** A region commit must come while a ConfigMap is read, leave the store valid, and be saved as it is. */
static void check_region(void) {
  if (sh.context.region_commits != commits_seen) {
    if (!commit_allowed) oracle_fail(ORACLE_REGION, "region committed while no ConfigMap was being read");
    commits_seen = sh.context.region_commits;
    const region_slot *active = region_store_active(&region);
    if (active == NULL || !region_slot_valid(active)) oracle_fail(ORACLE_REGION, "after a commit the store holds no valid slot");
  }
  if (fuzz.saves != saves_seen) {
    saves_seen = fuzz.saves;
    const region_slot *active = region_store_active(&region);
    if (!region_slot_valid(&fuzz.saved) || active == NULL || memcmp(&fuzz.saved, active, sizeof *active) != 0)
      oracle_fail(ORACLE_REGION, "the region saved (sequence %lu) is not the valid active slot", (unsigned long)fuzz.saved.sequence);
  }
}

static void step(void) {
  shell_step(&sh);
  if (fuzz.trapped) oracle_fail(ORACLE_TRAP, "%s", fuzz.trap_line);
  check_region();
}

static void hang_up_answered(void);
static void end_connection(int32_t h, event_type type, int32_t code);

static void drain(void) {
  while (!event_queue_empty(&events)) step();
  hang_up_answered();
}

static void push(event_type type, int32_t handle, int32_t code) {
  while (!event_queue_push(&events, type, handle, code)) step();
  drain();
}

/** Time passes with nobody answering; the shell ticks every TICK_MS. */
static void advance(uint32_t ms) {
  while (ms > 0) {
    uint32_t d = ms < TICK_MS ? ms : TICK_MS;
    fuzz.now_ms += d;
    ms -= d;
    step();
    hang_up_answered();
  }
}

// ---- connections ----

/** The HTTP response on out is complete: its head, and its Content-Length of body unless it answers a HEAD. */
static bool response_complete(const fuzz_conn *c) {
  const uint8_t *end = NULL;
  for (size_t i = 0; i + 4 <= c->out_len && !end; i++)
    if (memcmp(c->out + i, "\r\n\r\n", 4) == 0) end = c->out + i + 4;
  if (!end) return false;
  if (c->first_len == 5 && memcmp(c->first, "HEAD ", 5) == 0) return true;
  size_t length = 0;
  for (const uint8_t *p = c->out; p + 16 <= end; p++) {
    if (strncasecmp((const char *)p, "\r\nContent-Length:", 17) != 0) continue;
    for (p += 17; p < end && *p == ' '; p++) {}
    for (; p < end && *p >= '0' && *p <= '9'; p++) length = length * 10 + (size_t)(*p - '0');
    break;
  }
  return (size_t)(c->out + c->out_len - end) >= length;
}

/**
 * The harness's kubelet clients send one request each and hang up once its
 * response is complete, as the core keeps an HTTP/1.1 connection open for the
 * next one.
 */
static void hang_up_answered(void) {
  for (int32_t h = 1; h < fuzz.conn_count; h++) {
    fuzz_conn *c = conn(h);
    if (c->server && !c->closed && c->out_len > 0 && response_complete(c)) end_connection(h, EVENT_SERVER_CLOSED, 0);
  }
}

void driver_deliver(int32_t h, const uint8_t *bytes, size_t len) {
  event_type type = conn(h)->server ? EVENT_SERVER_DATA : EVENT_NET_DATA;
  fuzz_conn *k = conn(h);
  if (k->server && k->first_len < sizeof k->first) {
    size_t take = sizeof k->first - k->first_len < len ? sizeof k->first - k->first_len : len;
    memcpy(k->first + k->first_len, bytes, take);
    k->first_len += take;
  }
  commit_allowed = !conn(h)->server && (conn(h)->kind == KIND_LIST || conn(h)->kind == KIND_WATCH);
  for (size_t off = 0; off < len && !conn(h)->closed;) { // the core may close it mid-way: it hears no more
    size_t room = event_queue_data_room(&events, type, h);
    if (room == 0) {
      step();
      continue;
    }
    size_t n = len - off < room ? len - off : room;
    event_queue_push_data(&events, type, h, bytes + off, n);
    off += n;
  }
  drain();
  commit_allowed = false;
}

static void end_connection(int32_t h, event_type type, int32_t code) {
  if (conn(h)->closed) return;
  conn(h)->closed = conn(h)->closed_by_peer = true;
  commit_allowed = !conn(h)->server && (conn(h)->kind == KIND_LIST || conn(h)->kind == KIND_WATCH); // a body ended by the close
  push(type, h, code);
  commit_allowed = false;
}

void driver_peer_close(int32_t h) { end_connection(h, conn(h)->server ? EVENT_SERVER_CLOSED : EVENT_NET_CLOSED, 0); }
void driver_peer_error(int32_t h, int32_t code) { end_connection(h, EVENT_NET_ERROR, code); }

/** A kubelet-port client with a verified certificate of the cluster's admins (its reviews are always allowed). */
int32_t driver_accept(void) {
  static const char identity[] = "fuzz-admin\nsystem:masters";
  int32_t h = fuzz_hal_client();
  while (!event_queue_push_data(&events, EVENT_SERVER_ACCEPT, h, (const uint8_t *)identity, sizeof identity - 1)) step();
  drain();
  return h;
}

// ---- the API side ----

static void check_rate(int kind) {
  if (rate.at != fuzz.now_ms) {
    memset(&rate, 0, sizeof rate);
    rate.at = fuzz.now_ms;
  }
  if (++rate.counts[kind] == MAX_SAME_REQUESTS_PER_TICK + 1)
    oracle_fail(ORACLE_API_RATE, "%s sent %d times within one %u ms tick: a retry loop with no delay", API_KIND_NAMES[kind],
                MAX_SAME_REQUESTS_PER_TICK + 1, TICK_MS);
}

/** Every whole request the core wrote on h, checked strictly; pending unless the connection is gone. */
static void read_requests(int32_t h) {
  for (;;) {
    fuzz_conn *c = conn(h);
    if (c->read == c->out_len) return;
    http_message m;
    char why[600];
    http_result r = http_read_request(c->out + c->read, c->out_len - c->read, &m, why, sizeof why);
    if (r == HTTP_INCOMPLETE) return;
    if (r == HTTP_BAD) oracle_fail(ORACLE_API_HTTP, "%s; request \"%s\"", why, quoted(c->out + c->read, c->out_len - c->read, 160));
    api_request req = world_read(&m);
    if (req.kind < 0 && !any_route) oracle_fail(ORACLE_API_SEMANTICS, "unexpected request \"%s\"", quoted(m.method, (size_t)(m.target + m.target_len - m.method), 200));
    c->read += m.length;
    if (req.kind < 0) continue; // another node's or ConfigMap's request: unanswered
    c->kind = req.kind;
    if (req.kind < KIND_COUNT) {
      check_rate(req.kind);
      if (healed) sent_after_heal[req.kind]++;
    }
    if (c->closed) continue;
    if (pending_count == MAX_PENDING) oracle_fail(ORACLE_API_RATE, "more than %d requests wait for an answer", MAX_PENDING);
    pending[pending_count++] = (pending_request){h, req};
  }
}

/** Connects what the core opened and reads what it wrote. */
static void collect(void) {
  for (int32_t h = 1; h < fuzz.conn_count; h++) {
    if (conn(h)->server) continue;
    if (!conn(h)->closed && !conn(h)->connected) {
      conn(h)->connected = true;
      push(EVENT_NET_CONNECTED, h, 0);
    }
    read_requests(h);
  }
  if (fuzz_hal_outbound_open() > 4)
    oracle_fail(ORACLE_SLOTS, "%d outbound connections open (the core keeps at most four: node, Lease, watch, reviews)", fuzz_hal_outbound_open());
}

static void answer_healthy(const pending_request *p) {
  if (conn(p->handle)->closed) return;
  bool stream = false;
  size_t n = world_answer(&world, &p->req, fuzz.now_ms, answer_buffer, sizeof answer_buffer, &stream);
  if ((p->req.kind == KIND_LEASE_CREATE || p->req.kind == KIND_LEASE_RENEW) &&
      (memcmp(answer_buffer, "HTTP/1.1 200", 12) == 0 || memcmp(answer_buffer, "HTTP/1.1 201", 12) == 0))
    lease_ok_at = fuzz.now_ms;
  driver_deliver(p->handle, (const uint8_t *)answer_buffer, n);
  if (stream) conn(p->handle)->tag = TAG_STREAM;
}

/** Answers pending requests as the healthy server, except the first of kind want (-1: none), which is returned. */
static bool serve(int want, pending_request *out) {
  for (int round = 0; round < 60; round++) {
    if (pending_count == 0 && fuzz.activity == seen_activity) return false; // nothing new
    seen_activity = fuzz.activity;
    collect();
    if (pending_count == 0) return false;
    for (size_t i = 0; want >= 0 && i < pending_count; i++) {
      if (pending[i].req.kind != want) continue;
      *out = pending[i];
      memmove(&pending[i], &pending[i + 1], (pending_count - i - 1) * sizeof *pending);
      pending_count--;
      return true;
    }
    pending_request batch[MAX_PENDING];
    size_t n = pending_count;
    memcpy(batch, pending, n * sizeof *batch);
    pending_count = 0;
    for (size_t i = 0; i < n; i++) answer_healthy(&batch[i]);
  }
  return false;
}

void driver_serve(void) { serve(-1, NULL); }

void driver_serve_for(uint32_t ms) {
  uint32_t end = fuzz.now_ms + ms;
  while (fuzz.now_ms < end) {
    driver_serve();
    advance(end - fuzz.now_ms < TICK_MS ? end - fuzz.now_ms : TICK_MS);
  }
  driver_serve();
}

bool driver_wait_for(int kind, uint32_t max_ms, pending_request *out) {
  uint32_t start = fuzz.now_ms;
  int32_t heap = fuzz.free_heap;
  bool found;
  while (!(found = serve(kind, out)) && fuzz.now_ms - start < max_ms) {
    // A status write comes only on a change: flip MemoryPressure every 2 s to cause one.
    if (kind == KIND_STATUS && (fuzz.now_ms - start) % 2000 == 0) fuzz.free_heap = fuzz.free_heap == heap ? 1000 : heap;
    advance(TICK_MS);
  }
  fuzz.free_heap = heap;
  return found;
}

void driver_steady(void) {
  pending_request watch;
  oracle_context("walking to a steady node");
  if (!driver_wait_for(KIND_WATCH, WALK_LIMIT_MS, &watch)) oracle_fail(ORACLE_CONFIG_LIVENESS, "no WATCH within %u s of boot", WALK_LIMIT_MS / 1000);
  answer_healthy(&watch);
  driver_serve_for(1000);
}

int32_t driver_stream(void) {
  for (int32_t h = 1; h < fuzz.conn_count; h++)
    if (!conn(h)->server && !conn(h)->closed && conn(h)->tag == TAG_STREAM) return h;
  return 0;
}

// ---- faults ----

/** Status and Retry-After of a response head, best effort (faults may be garbage). */
static void head_facts(const uint8_t *b, size_t len, int *status, uint32_t *retry_after_ms) {
  *status = 0;
  *retry_after_ms = 0;
  if (len > 4096) len = 4096;
  if (len >= 12 && memcmp(b, "HTTP/", 5) == 0 && b[5] >= '0' && b[5] <= '9' && b[6] == '.' && b[7] >= '0' && b[7] <= '9' &&
      b[8] == ' ' && b[9] >= '0' && b[9] <= '9' && b[10] >= '0' && b[10] <= '9' && b[11] >= '0' && b[11] <= '9')
    *status = (b[9] - '0') * 100 + (b[10] - '0') * 10 + (b[11] - '0');
  static const char key[] = "\nretry-after:";
  for (const uint8_t *q = b; (q = memchr(q, '\n', len - (size_t)(q - b))) != NULL; q++) {
    size_t i = (size_t)(q - b);
    if (len - i <= sizeof key - 1 || strncasecmp((const char *)q, key, sizeof key - 1) != 0) continue;
    size_t j = i + sizeof key - 1, digits = 0;
    uint64_t value = 0;
    while (j < len && (b[j] == ' ' || b[j] == '\t')) j++;
    while (j < len && b[j] >= '0' && b[j] <= '9' && digits < 13) value = value * 10 + (uint64_t)(b[j++] - '0'), digits++;
    while (j < len && (b[j] == ' ' || b[j] == '\t')) j++;
    if (digits == 0 || digits > 12 || j >= len || !(b[j] == '\n' || (b[j] == '\r' && j + 1 < len && b[j + 1] == '\n'))) continue;
    *retry_after_ms = value * 1000 > UINT32_MAX ? UINT32_MAX : (uint32_t)(value * 1000);
    return;
  }
}

static uint32_t max_u32(uint32_t a, uint32_t b) { return a > b ? a : b; }

void driver_note_fault(int kind, const uint8_t *bytes, size_t len) {
  world_pass_versions(&world, bytes, len);
  if (kind == KIND_STATUS) return; // status faults must never delay the Lease or the ConfigMap
  int status;
  uint32_t retry_after;
  head_facts(bytes, len, &status, &retry_after);
  if (kind == KIND_LEASE_GET || kind == KIND_LEASE_CREATE || kind == KIND_LEASE_RENEW) {
    allowed.lease_retry_after = max_u32(allowed.lease_retry_after, retry_after);
    if (status == 401 || status == 403) allowed.lease = max_u32(allowed.lease, AUTH_RETRY_MS);
    return; // Lease backoff (at most 7 s, Retry-After capped to it) fits in the 10 s window
  }
  bool config_group = kind == KIND_LIST || kind == KIND_WATCH;
  unsigned n = config_group ? ++allowed.config_faults : ++allowed.node_faults;
  // A fault may count as more than one failure (a timeout, then a malformed retry): double slack.
  uint32_t delay = n >= 6 ? BACKOFF_MAX_MS : (uint32_t)(600u << n) < BACKOFF_MAX_MS ? 600u << n : BACKOFF_MAX_MS;
  if (status == 401 || status == 403) delay = max_u32(delay, AUTH_RETRY_MS);
  // However the connection ends afterwards (even "refused"), a whole answer before it was read, Retry-After too.
  if (retry_after) delay = max_u32(delay, retry_after < RETRY_AFTER_CEILING_MS ? retry_after : RETRY_AFTER_CEILING_MS);
  if (!config_group) allowed.lease = max_u32(allowed.lease, delay);
  allowed.config = max_u32(allowed.config, delay);
}

// ---- after the faults ----

void driver_region(uint8_t out[REGION_BYTES]) {
  const region_slot *active = region_store_active(&region);
  if (active) memcpy(out, active->bytes, REGION_BYTES);
  else memset(out, 0, REGION_BYTES);
}

uint32_t driver_commits(void) { return sh.context.region_commits; }

void driver_heal(void) {
  static const unsigned offsets[] = {3, 77, 512, 1023};
  oracle_context("healing");
  unsigned offset = offsets[(fuzz.now_ms / TICK_MS) % 4], value = (fuzz.now_ms / TICK_MS) & 0xff;
  world.cm_rv = world_next_rv(&world);
  snprintf(world.cm_value, sizeof world.cm_value, "%u=0x5a, 0x10=%u", offset, value);
  uint8_t expected[REGION_BYTES] = {0}, now[REGION_BYTES];
  expected[offset] = 0x5a;
  expected[0x10] = (uint8_t)value;
  bool adopted = false;
  for (int32_t h = 1; h < fuzz.conn_count; h++) {
    if (conn(h)->server || conn(h)->closed) continue;
    if (conn(h)->tag == TAG_FUZZ_STREAM) conn(h)->tag = TAG_STREAM, adopted = true; // the server carries on with it
    if (conn(h)->tag == TAG_FUZZ) driver_peer_close(h);
    else if (conn(h)->tag == TAG_STREAM) driver_deliver(h, (const uint8_t *)answer_buffer, world_event(&world, answer_buffer, sizeof answer_buffer));
  }
  uint32_t heal_at = fuzz.now_ms, lease_at = NONE, config_at = NONE, kubelet_budget = 0;
  for (int32_t h = 1; h < fuzz.conn_count; h++)
    if (conn(h)->server && !conn(h)->closed && conn(h)->accepted_at + IDLE_TIMEOUT_MS + 2 * 100 > heal_at)
      kubelet_budget = max_u32(kubelet_budget, conn(h)->accepted_at + IDLE_TIMEOUT_MS + 2 * 100 - heal_at);
  healed = true;
  lease_ok_at = NONE;
  memset(sent_after_heal, 0, sizeof sent_after_heal);
  uint32_t lease_budget = LEASE_WINDOW_MS + allowed.lease, config_budget = CONFIG_WINDOW_MS + allowed.config;
  uint32_t budget = max_u32(max_u32(lease_budget, config_budget), kubelet_budget);
  // /readyz once renewed, asked each tick until 200: a Lease write can land before re-registration does.
  http_message ready = {0};
  for (;;) {
    driver_serve();
    if (lease_at == NONE && lease_ok_at != NONE) lease_at = lease_ok_at;
    if (lease_at != NONE && ready.status != 200) ready = driver_kubelet("GET /readyz HTTP/1.1\r\nHost: pico\r\n\r\n");
    driver_region(now);
    if (config_at == NONE && region_store_active(&region) && memcmp(now, expected, REGION_BYTES) == 0) config_at = fuzz.now_ms;
    bool kubelet_done = fuzz.now_ms - heal_at >= kubelet_budget;
    if ((lease_at != NONE && ready.status == 200 && config_at != NONE && kubelet_done) || fuzz.now_ms - heal_at >= budget) break;
    advance(TICK_MS);
  }
  if (getenv("FUZZ_LOG"))
    fprintf(stderr, "[%lu] healed at %lu: Lease renewed at %ld, ConfigMap %llu applied at %ld (budgets %u, %u, %u ms)\n",
            (unsigned long)fuzz.now_ms, (unsigned long)heal_at, lease_at == NONE ? -1L : (long)lease_at, (unsigned long long)world.cm_rv,
            config_at == NONE ? -1L : (long)config_at, lease_budget, config_budget, kubelet_budget);
  if (lease_at == NONE || lease_at - heal_at > lease_budget) {
    unsigned sent = sent_after_heal[KIND_LEASE_GET] + sent_after_heal[KIND_LEASE_CREATE] + sent_after_heal[KIND_LEASE_RENEW];
    oracle_fail(ORACLE_LEASE_LIVENESS, "no Lease renewal within %u s after the faults stopped: %s%s (last warning: %s)", lease_budget / 1000,
                sent ? "Lease requests sent, none renewed" : "no Lease request sent",
                allowed.lease_retry_after > 7000 ? ", after a Lease answer with a long Retry-After" : "", fuzz.last_warning);
  }
  else if (ready.status != 200)
    oracle_fail(ORACLE_LEASE_LIVENESS, "/readyz %d within %u s of the faults stopping: %s", ready.status, budget / 1000, quoted(ready.body, ready.body_len, 80));
  if (config_at == NONE) {
    unsigned asked = sent_after_heal[KIND_LIST] + sent_after_heal[KIND_WATCH];
    oracle_fail(ORACLE_CONFIG_LIVENESS, "ConfigMap resourceVersion %llu not applied within %u s after the faults stopped: %s (last warning: %s)",
                (unsigned long long)world.cm_rv, config_budget / 1000,
                adopted ? "the new version went down the watch stream the faults had used"
                : asked ? "LIST/WATCH answered, version not applied" : "no LIST or WATCH sent",
                fuzz.last_warning);
  }
}

// ---- the kubelet side ----

http_message driver_kubelet(const char *request) {
  int32_t h = driver_accept();
  driver_deliver(h, (const uint8_t *)request, strlen(request));
  // Its SubjectAccessReview (unless cached) goes to the API side first.
  for (int round = 0; round < 4 && !conn(h)->closed; round++) driver_serve();
  http_message m = {0};
  if (!conn(h)->closed) return m;
  char why[600];
  fuzz_conn *c = conn(h);
  if (http_read_response(c->out, c->out_len, strncmp(request, "HEAD ", 5) == 0, c->closed_by_core, &m, why, sizeof why) != HTTP_OK)
    oracle_fail(ORACLE_KUBELET_HTTP, "%s; response to \"%s\": \"%s\"", why, quoted((const uint8_t *)request, strcspn(request, "\r"), 80),
                quoted(c->out, c->out_len, 200));
  return m;
}

void driver_check_slots(void) {
  oracle_context("checking the kubelet slots");
  // The plain healthz port shares the two slots and needs no review.
  int32_t a = fuzz_hal_client(), b = fuzz_hal_client();
  push(EVENT_SERVER_ACCEPT, a, 1);
  push(EVENT_SERVER_ACCEPT, b, 1);
  static const char line[] = "GET /healthz HTTP/1.1\r\n", host[] = "Host: pico\r\n\r\n";
  driver_deliver(a, (const uint8_t *)line, strlen(line));
  driver_deliver(b, (const uint8_t *)line, strlen(line));
  driver_deliver(a, (const uint8_t *)host, strlen(host));
  driver_deliver(b, (const uint8_t *)host, strlen(host));
  int status[2] = {0, 0};
  int32_t clients[2] = {a, b};
  for (int i = 0; i < 2; i++) {
    fuzz_conn *c = conn(clients[i]);
    http_message m;
    char why[600];
    if (!c->closed) continue;
    if (http_read_response(c->out, c->out_len, false, c->closed_by_core, &m, why, sizeof why) != HTTP_OK)
      oracle_fail(ORACLE_KUBELET_HTTP, "slot check: %s; response \"%s\"", why, quoted(c->out, c->out_len, 200));
    status[i] = m.status;
  }
  if (status[0] != 200 || status[1] != 200) oracle_fail(ORACLE_SLOTS, "two fresh /healthz requests got %d and %d (0: no answer)", status[0], status[1]);
}

// ---- one input's life ----

api_world *driver_world(void) { return &world; }

/** A fresh board and world: nothing pending, nothing seen, nothing allowed. */
static void reset(bool node_exists) {
  fuzz_hal_reset();
  world_init(&world);
  world.node = node_exists; // an earlier life registered it: registration answers 409, then a read
  if (node_exists) world.node_uid = 0xaa, world.node_rv = 77;
  pending_count = 0;
  seen_activity = 0;
  commit_allowed = false;
  commits_seen = 0;
  saves_seen = 0;
  any_route = false;
  memset(&rate, 0, sizeof rate);
  memset(&allowed, 0, sizeof allowed);
  healed = false;
  lease_ok_at = NONE;
  memset(&sh, 0, sizeof sh);
  oracle_context("booting");
  region_store_clear(&region);
  event_queue_init(&events);
  region_restore(&sh.persistence, &region);
}

static void check_memory_above_used(const char *when) {
  core_memory m = core_engine_memory();
  for (uint32_t i = sh.core.mem_used; sh.core.mem_used && i < m.size; i++)
    if (m.base[i] != 0)
      oracle_fail(ORACLE_MEMORY, "byte at %lu (above mem_used %lu) is 0x%02x %s", (unsigned long)i, (unsigned long)sh.core.mem_used, m.base[i], when);
}

void driver_begin(bool node_exists) {
  reset(node_exists);
  memset(&config, 0, sizeof config);
  config.core_len = strlen(WORLD_CONFIG);
  memcpy(config.core_text, WORLD_CONFIG, config.core_len);
  shell_start(&sh, NULL, 0, &config, &events); // the AOT engine runs the module compiled in
  check_memory_above_used("after start");
}

bool driver_begin_with(const device_config *cfg) {
  reset(false);
  config = *cfg;
  any_route = true;
  // shell_start without its hal_fatal: a configuration the core refuses (each error logged) ends the input.
  sh.config = &config;
  sh.context.events = &events;
  sh.context.region = sh.persistence.store;
  if (!core_boot(&sh.core, NULL, 0, config.core_text, config.core_len, &sh.context, fuzz.now_ms)) return false;
  sh.last_tick_ms = sh.clean_since_ms = fuzz.now_ms;
  check_memory_above_used("after start");
  return true;
}

void driver_abandon(void) {
  core_shutdown(&sh.core);
  fuzz_hal_release();
}

void driver_end(void) {
  oracle_context("finishing");
  check_memory_above_used("at the end");
  for (int32_t h = 1; h < fuzz.conn_count; h++)
    if (!conn(h)->server && conn(h)->read < conn(h)->out_len)
      oracle_fail(ORACLE_API_HTTP, "a request never completed: \"%s\"", quoted(conn(h)->out + conn(h)->read, conn(h)->out_len - conn(h)->read, 160));
  core_shutdown(&sh.core);
  fuzz_hal_release();
}
