// The libFuzzer entry point: decodes an input (fuzz_input.h) and plays it
// against a fresh core, as tests/fuzz/targets.mjs does for the JavaScript
// harness: API answers to one request kind, kubelet-port clients, or a
// ConfigMap's memory_values; and one it has not: the device configuration. The driver then heals the server and runs the
// common oracles; a failure aborts (oracle.c), which libFuzzer saves.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32.h"
#include "fuzz_driver.h"
#include "fuzz_hal.h"
#include "fuzz_input.h"
#include "known.h"
#include "oracle.h"

#define WAIT_FOR_KIND_MS 12000u // a renewal interval and a Lease backoff
#define WALK_LIMIT_MS 60000u
#define MAX_CLIENTS 4

static const int32_t END_ERRORS[4] = {0, -104, -111, -110}; // closed, ECONNRESET, ECONNREFUSED, ETIMEDOUT

/** The bytes of ops[0..n) as one run (for what the fault says: status, Retry-After, versions). */
static size_t gather(const fuzz_op *ops, size_t n, uint8_t **out) {
  size_t len = 0;
  for (size_t i = 0; i < n; i++) len += ops[i].type == OP_BYTES ? ops[i].len : 0;
  *out = malloc(len + 1);
  len = 0;
  for (size_t i = 0; i < n; i++)
    if (ops[i].type == OP_BYTES) memcpy(*out + len, ops[i].bytes, ops[i].len), len += ops[i].len;
  return len;
}

/** One fuzzed answer to the pending request p: its pieces, the time between them, how it ends. */
static void inject(const pending_request *p, const fuzz_op *ops, size_t n) {
  uint8_t *all;
  size_t len = gather(ops, n, &all);
  int end = -1;
  for (size_t i = 0; i < n; i++)
    if (ops[i].type == OP_END) end = (int)ops[i].arg;
  driver_note_fault(p->req.kind, all, len);
  fuzz_conn *c = fuzz_conn_of(p->handle);
  bool stream = p->req.kind == KIND_WATCH && end < 0 && http_healthy_stream_so_far(all, len);
  free(all);
  if (c->closed) return;
  c->tag = stream ? TAG_FUZZ_STREAM : TAG_FUZZ;
  for (size_t i = 0; i < n && !fuzz_conn_of(p->handle)->closed; i++) {
    const fuzz_op *op = &ops[i];
    if (op->type == OP_BYTES) driver_deliver(p->handle, op->bytes, op->len);
    else if (op->type == OP_CUT && op->arg) driver_serve_for(op->arg); // a slow answer; the rest of the server goes on
    else if (op->type == OP_END && op->arg == 0) driver_peer_close(p->handle);
    else if (op->type == OP_END) driver_peer_error(p->handle, END_ERRORS[op->arg]);
  }
}

/** Answers, each to the next request of its kind; the first to the first request of the target's kind. */
static void run_api(const fuzz_input *in) {
  int kind = in->target;
  driver_begin(kind == KIND_NODE_GET);
  bool first = true;
  for (size_t i = 0;;) {
    size_t end = i;
    unsigned repeat = 1;
    for (; end < in->op_count && in->ops[end].type != OP_NEXT; end++)
      if (in->ops[end].type == OP_REPEAT) repeat += in->ops[end].arg;
    if (repeat > 16) repeat = 16;
    for (unsigned r = 0; r < repeat; r++) {
      pending_request p;
      oracle_context(first ? "walking to the first request of the target's kind" : "waiting for the next request of a kind");
      if (!driver_wait_for(kind, first ? WALK_LIMIT_MS : WAIT_FOR_KIND_MS, &p)) {
        if (first) oracle_fail(ORACLE_LEASE_LIVENESS, "no %s request within %u s of boot", API_KIND_NAMES[kind], WALK_LIMIT_MS / 1000);
        goto heal; // not reached: the core legitimately waits (e.g. a backoff)
      }
      first = false;
      oracle_context("injecting a fuzzed answer");
      inject(&p, in->ops + i, end - i);
    }
    if (end == in->op_count) break;
    kind = (int)(in->ops[end].arg % KIND_COUNT);
    i = end + 1;
  }
heal:
  driver_heal();
  driver_check_slots();
  driver_end();
}

typedef struct client {
  int32_t handle;
  uint8_t first[8]; // the first bytes it sent: a HEAD gets a head only
  size_t first_len;
} client;

static bool asked_head(const client *k) {
  size_t i = 0;
  while (i < k->first_len && (k->first[i] == '\r' || k->first[i] == '\n')) i++; // empty lines may precede a request line
  return k->first_len - i >= 5 && memcmp(k->first + i, "HEAD ", 5) == 0;
}

/** Every client answered exactly once, strictly, unless it left before any answer. */
static void check_clients(const client *clients) {
  for (int i = 0; i < MAX_CLIENTS; i++) {
    if (clients[i].handle == 0) continue;
    fuzz_conn *c = fuzz_conn_of(clients[i].handle);
    if (c->closed_by_peer && c->out_len == 0) continue;
    if (!c->closed)
      oracle_fail(ORACLE_KUBELET_ANSWER, "client %d: still open %lu s after it connected, %s", i + 1,
                  (unsigned long)(fuzz.now_ms - c->accepted_at) / 1000, c->out_len ? "answered without closing" : "never answered (no 408)");
    http_message m;
    char why[600], quote[400];
    if (http_read_response(c->out, c->out_len, false, c->closed_by_core, &m, why, sizeof why) == HTTP_OK) continue;
    if (asked_head(&clients[i]) && http_read_response(c->out, c->out_len, true, c->closed_by_core, &m, why, sizeof why) == HTTP_OK) continue;
    oracle_fail(ORACLE_KUBELET_HTTP, "client %d: %s; response \"%s\"", i + 1, why, http_quote(c->out, c->out_len < 200 ? c->out_len : 200, quote, sizeof quote));
  }
}

/** Clients on the kubelet port: pieces to each, in the input's order, with time between them. */
static void run_kubelet(const fuzz_input *in) {
  driver_begin(false);
  driver_steady();
  oracle_context("kubelet clients sending");
  client clients[MAX_CLIENTS] = {{0}};
  int current = 0;
  clients[0].handle = driver_accept();
  for (size_t i = 0; i < in->op_count; i++) {
    const fuzz_op *op = &in->ops[i];
    client *k = &clients[current];
    if (op->type == OP_BYTES && !fuzz_conn_of(k->handle)->closed) {
      size_t n = op->len < sizeof k->first - k->first_len ? op->len : sizeof k->first - k->first_len;
      memcpy(k->first + k->first_len, op->bytes, n);
      k->first_len += n;
      driver_deliver(k->handle, op->bytes, op->len);
    } else if (op->type == OP_CUT && op->arg) driver_serve_for(op->arg);
    else if (op->type == OP_NEXT) {
      current = (int)(op->arg % MAX_CLIENTS);
      if (clients[current].handle == 0) clients[current].handle = driver_accept();
    } else if (op->type == OP_END) driver_peer_close(k->handle);
  }
  driver_serve();
  driver_heal();
  check_clients(clients);
  driver_check_slots();
  driver_end();
}

// ---- memory_values ----

/** The value as the inside of a JSON string: quotes, backslashes and control bytes escaped (raw: as it is). */
static size_t json_string_inside(const uint8_t *v, size_t len, bool raw, char *out) {
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {
    if (raw || (v[i] >= 0x20 && v[i] != '"' && v[i] != '\\')) out[n++] = (char)v[i];
    else if (v[i] == '"' || v[i] == '\\') out[n++] = '\\', out[n++] = (char)v[i];
    else n += (size_t)sprintf(out + n, "\\u%04x", v[i]);
  }
  return n;
}

/** "/pico/status" says whether the version was applied and with which CRC: the host's region must agree, whole. */
static void check_verdict(uint64_t rv, const uint8_t before[1024], uint32_t commits_before) {
  http_message m = driver_kubelet("GET /pico/status HTTP/1.1\r\nHost: pico\r\n\r\n");
  if (m.status != 200) oracle_fail(ORACLE_REGION, "/pico/status answered %d (0: not at all)", m.status);
  char *body = strndup((const char *)m.body, m.body_len), applied[64]; // valid UTF-8 JSON (checked): no NUL
  const char *config = body ? strstr(body, "\"config\":{") : NULL;
  if (config == NULL) oracle_fail(ORACLE_REGION, "/pico/status has no config condition");
  uint8_t now[1024];
  driver_region(now);
  snprintf(applied, sizeof applied, "resourceVersion %llu applied: ", (unsigned long long)rv);
  const char *message = strstr(config, applied), *crc = message ? strstr(message, "crc32 0x") : NULL;
  if (strstr(config, "\"reason\":\"Applied\"") && message) {
    unsigned long reported = crc ? strtoul(crc + 8, NULL, 16) : 0;
    if (driver_commits() == commits_before) oracle_fail(ORACLE_REGION, "version %llu reported applied, but nothing was committed", (unsigned long long)rv);
    if (crc == NULL || reported != crc32_of(now, sizeof now))
      oracle_fail(ORACLE_REGION, "version %llu applied with crc32 0x%08lx; the host holds 0x%08lx", (unsigned long long)rv, reported,
                  (unsigned long)crc32_of(now, sizeof now));
    free(body);
    return;
  }
  char rejected[80];
  snprintf(rejected, sizeof rejected, "(resourceVersion %llu rejected; region unchanged)", (unsigned long long)rv);
  if (strstr(config, rejected) && memcmp(before, now, sizeof now) != 0)
    oracle_fail(ORACLE_REGION, "version %llu rejected (\"region unchanged\"), but the region changed", (unsigned long long)rv);
  free(body);
}

/** One new ConfigMap version: by watch event, or by LIST after an in-stream 410. */
static void run_memory_values(const fuzz_input *in) {
  driver_begin(false);
  driver_steady();
  oracle_context("memory_values sent");
  bool via_list = false, raw = false;
  size_t value_from = 0; // ops before a NEXT are an earlier memory_values member
  for (size_t i = 0; i < in->op_count; i++) {
    if (in->ops[i].type == OP_END) via_list |= in->ops[i].arg & 1, raw |= (in->ops[i].arg & 2) != 0;
    if (in->ops[i].type == OP_NEXT) value_from = i + 1;
  }
  size_t total = 64;
  for (size_t i = 0; i < in->op_count; i++) total += in->ops[i].type == OP_BYTES ? 6 * in->ops[i].len : 0;
  char *data = malloc(total), *message = malloc(total + 2048);
  size_t cuts[64], cut_count = 0, n = 0;
  uint32_t gaps[64];
  for (size_t i = 0; i < in->op_count; i++) {
    const fuzz_op *op = &in->ops[i];
    if (i == 0 && value_from > 0) n += (size_t)sprintf(data + n, "\"memory_values\":\"");
    if (i == value_from) n += (size_t)sprintf(data + n, "%s\"memory_values\":\"", value_from ? "\"," : "");
    if (op->type == OP_BYTES) n += json_string_inside(op->bytes, op->len, raw, data + n);
    else if (op->type == OP_CUT && cut_count < 64) cuts[cut_count] = n, gaps[cut_count++] = op->arg;
  }
  if (value_from >= in->op_count) n += (size_t)sprintf(data + n, "%s\"memory_values\":\"", value_from ? "\"," : "");
  n += (size_t)sprintf(data + n, "\"");
  api_world *w = driver_world();
  uint64_t rv = world_next_rv(w);
  char *object = malloc(n + 1024);
  size_t object_len = world_config_map(rv, data, n, object, n + 1024), data_at = object_len - 2 - n, len, at;
  int32_t stream = driver_stream(), h = stream;
  if (stream == 0) oracle_fail(ORACLE_CONFIG_LIVENESS, "no watch stream open in a steady node");
  if (via_list) {
    static const char expired[] = "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                                  "\"message\":\"too old resource version\",\"reason\":\"Expired\",\"code\":410}}\n";
    char chunk[256];
    int chunk_len = snprintf(chunk, sizeof chunk, "%zx\r\n%s\r\n", sizeof expired - 1, expired);
    driver_deliver(stream, (const uint8_t *)chunk, (size_t)chunk_len);
    pending_request p;
    if (!driver_wait_for(KIND_LIST, WAIT_FOR_KIND_MS, &p)) oracle_fail(ORACLE_CONFIG_LIVENESS, "no LIST after an in-stream 410");
    h = p.handle;
    int body_at = snprintf(message, 200, "{\"kind\":\"ConfigMapList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"%llu\"},\"items\":[",
                           (unsigned long long)rv);
    char head[200];
    int head_len = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: Sun, 22 Nov 2026 22:03:10 GMT\r\n"
                            "Content-Length: %zu\r\n\r\n", (size_t)body_at + object_len + 2);
    memmove(message + head_len, message, (size_t)body_at);
    memcpy(message, head, (size_t)head_len);
    at = (size_t)head_len + (size_t)body_at;
    memcpy(message + at, object, object_len);
    len = at + object_len;
    len += (size_t)sprintf(message + len, "]}");
  } else {
    static const char prefix[] = "{\"type\":\"MODIFIED\",\"object\":";
    int head_len = sprintf(message, "%zx\r\n%s", sizeof prefix - 1 + object_len + 2, prefix);
    at = (size_t)head_len;
    memcpy(message + at, object, object_len);
    len = at + object_len;
    len += (size_t)sprintf(message + len, "}\n\r\n");
  }
  uint8_t before[1024];
  driver_region(before);
  uint32_t commits_before = driver_commits();
  size_t from = 0;
  for (size_t i = 0; i <= cut_count; i++) { // the cuts, placed where they fell in the value
    size_t to = i < cut_count ? at + data_at + cuts[i] : len;
    if (to > from) driver_deliver(h, (const uint8_t *)message + from, to - from);
    from = to > from ? to : from;
    if (i < cut_count && gaps[i]) driver_serve_for(gaps[i]);
  }
  check_verdict(rv, before, commits_before);
  free(data);
  free(message);
  free(object);
  driver_heal();
  driver_check_slots();
  driver_end();
}

/**
 * A device.env: the shell's parser, then the core's configure with what it
 * keeps, then a few seconds of life (its requests go to whatever the text
 * names: they must still be strict HTTP) and the kubelet port.
 */
static void run_config(const fuzz_input *in) {
  uint8_t *text;
  size_t len = gather(in->ops, in->op_count, &text);
  device_config config;
  char error[160];
  int problems = device_config_parse((const char *)text, len, &config, error, sizeof error);
  free(text);
  if (problems) {
    if (strnlen(error, sizeof error) == 0 || strnlen(error, sizeof error) == sizeof error)
      oracle_fail(ORACLE_SHELL, "device_config_parse found %d problem(s) and did not say which", problems);
    return;
  }
  if (driver_begin_with(&config)) {
    oracle_context("running with the input's configuration");
    driver_serve_for(3000);
    driver_check_slots();
  }
  driver_end();
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  known_load();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t len) {
  static fuzz_input in; // static: still valid after the escape's longjmp
  static jmp_buf escape;
  if (setjmp(escape)) { // a known, open defect: this input passes
    driver_abandon();
    fuzz_input_free(&in);
    return 0;
  }
  oracle_escape(&escape);
  fuzz_input_decode(bytes, len, &in);
  static char target[24];
  if (in.target < KIND_COUNT) snprintf(target, sizeof target, "api-%s", API_KIND_NAMES[in.target]);
  else snprintf(target, sizeof target, "%s", in.target == TARGET_KUBELET ? "kubelet" : in.target == TARGET_MEMORY_VALUES ? "memory_values" : "config");
  oracle_target(target);
  if (in.target < KIND_COUNT) run_api(&in);
  else if (in.target == TARGET_KUBELET) run_kubelet(&in);
  else if (in.target == TARGET_MEMORY_VALUES) run_memory_values(&in);
  else run_config(&in);
  fuzz_input_free(&in);
  return 0;
}
