#include "api_world.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define NODE "pico-fuzz-1"
#define LEASES "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases"
#define CM_LIST "/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dpico-config"
#define WATCH_FROM CM_LIST "&watch=1&resourceVersion="
#define WALL_BASE_S 1795384980 // Sun, 22 Nov 2026 22:03:00 GMT: what the server's Date says at boot

const char *const API_KIND_NAMES[KIND_COUNT] = {"registration", "node-get", "status", "lease-get", "lease-create",
                                                "lease-renew", "list", "watch"};
const char WORLD_CONFIG[] = "node_name=" NODE "\napi=http://10.0.0.2:6080\napi_token=fuzz-token-0123456789\n"
                            "configmap=default/pico-config\n";

void world_init(api_world *w) {
  memset(w, 0, sizeof *w);
  w->cm_rv = 900;
  snprintf(w->cm_value, sizeof w->cm_value, "0=0x42,1=0x43");
  w->rv = 1000;
}

uint64_t world_next_rv(api_world *w) { return ++w->rv; }

static bool is(const http_message *m, const char *method, const char *target) {
  return m->method_len == strlen(method) && memcmp(m->method, method, m->method_len) == 0 &&
         m->target_len == strlen(target) && memcmp(m->target, target, m->target_len) == 0;
}

static void copy_version(api_request *r, const uint8_t *from, size_t len) {
  if (len >= sizeof r->version) len = sizeof r->version - 1;
  memcpy(r->version, from, len);
  r->version[len] = '\0';
  r->has_version = true;
}

/** "resourceVersion":"…" in a JSON body (the first; no escapes: the core's own versions are digits). */
static void body_version(api_request *r, const http_message *m) {
  static const char key[] = "\"resourceVersion\":\"";
  for (size_t i = 0; i + sizeof key - 1 <= m->body_len; i++) {
    if (memcmp(m->body + i, key, sizeof key - 1) != 0) continue;
    const uint8_t *v = m->body + i + sizeof key - 1, *end = memchr(v, '"', m->body_len - (size_t)(v - m->body));
    if (end) copy_version(r, v, (size_t)(end - v));
    return;
  }
}

api_request world_read(const http_message *m) {
  api_request r = {.kind = -1};
  size_t watch_len = strlen(WATCH_FROM);
  if (is(m, "POST", "/api/v1/nodes")) r.kind = KIND_REGISTRATION;
  else if (is(m, "GET", "/api/v1/nodes/" NODE)) r.kind = KIND_NODE_GET;
  else if (is(m, "PATCH", "/api/v1/nodes/" NODE "/status")) r.kind = KIND_STATUS;
  else if (is(m, "GET", LEASES "/" NODE)) r.kind = KIND_LEASE_GET;
  else if (is(m, "POST", LEASES)) r.kind = KIND_LEASE_CREATE;
  else if (is(m, "PUT", LEASES "/" NODE)) r.kind = KIND_LEASE_RENEW, body_version(&r, m);
  else if (is(m, "GET", CM_LIST)) r.kind = KIND_LIST;
  else if (is(m, "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews")) r.kind = KIND_ACCESS_REVIEW;
  else if (m->method_len == 3 && memcmp(m->method, "GET", 3) == 0 && m->target_len >= watch_len &&
           memcmp(m->target, WATCH_FROM, watch_len) == 0) {
    r.kind = KIND_WATCH;
    const uint8_t *v = m->target + watch_len, *end = memchr(v, '&', m->target_len - watch_len);
    copy_version(&r, v, end ? (size_t)(end - v) : m->target_len - watch_len);
  }
  return r;
}

/** Decimal texts compared as numbers (either may be longer than 64 bits). */
static int compare_decimal(const char *a, const char *b) {
  while (*a == '0' && a[1]) a++;
  while (*b == '0' && b[1]) b++;
  size_t la = strlen(a), lb = strlen(b);
  return la != lb ? (la < lb ? -1 : 1) : strcmp(a, b);
}

static bool decimal(const char *s, size_t max_digits) {
  size_t n = strlen(s);
  if (n == 0 || n > max_digits) return false;
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

typedef struct writer {
  char *out;
  size_t cap, len;
} writer;

static void put(writer *w, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void put(writer *w, const char *format, ...) {
  va_list args;
  va_start(args, format);
  int n = vsnprintf(w->out + w->len, w->cap - w->len, format, args);
  va_end(args);
  if (n > 0) w->len = w->len + (size_t)n < w->cap ? w->len + (size_t)n : w->cap - 1;
}

static const char *reason_of(int status) {
  switch (status) {
  case 200: return "OK";
  case 201: return "Created";
  case 404: return "Not Found";
  case 409: return "Conflict";
  case 410: return "Gone";
  default: return "Status";
  }
}

static void head(writer *w, int status, uint32_t now_ms) {
  time_t wall = (time_t)WALL_BASE_S + now_ms / 1000;
  struct tm tm;
  gmtime_r(&wall, &tm);
  char date[40];
  strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  put(w, "HTTP/1.1 %d %s\r\nAudit-Id: 0b5d7e43-fuzz\r\nCache-Control: no-cache, private\r\n"
         "Content-Type: application/json\r\nDate: %s\r\n", status, reason_of(status), date);
}

/** A whole response: head, Content-Length and the body text. */
static size_t respond(char *out, size_t cap, int status, uint32_t now_ms, const char *body) {
  writer w = {out, cap, 0};
  head(&w, status, now_ms);
  put(&w, "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
  return w.len;
}

static size_t status_answer(char *out, size_t cap, int code, const char *reason, const char *message, uint32_t now_ms) {
  char body[400];
  snprintf(body, sizeof body, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
           "\"message\":\"%s\",\"reason\":\"%s\",\"details\":{},\"code\":%d}", message, reason, code);
  return respond(out, cap, code, now_ms, body);
}

static size_t node_answer(const api_world *w, char *out, size_t cap, int status, uint32_t now_ms) {
  char body[300];
  snprintf(body, sizeof body, "{\"kind\":\"Node\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"" NODE
           "\",\"uid\":\"6d1f0c2e-0000-4000-8000-%012u\",\"resourceVersion\":\"%llu\"}}", w->node_uid,
           (unsigned long long)w->node_rv);
  return respond(out, cap, status, now_ms, body);
}

static size_t lease_answer(const api_world *w, char *out, size_t cap, int status, uint32_t now_ms) {
  char body[400];
  snprintf(body, sizeof body, "{\"kind\":\"Lease\",\"apiVersion\":\"coordination.k8s.io/v1\",\"metadata\":{\"name\":\"" NODE
           "\",\"namespace\":\"kube-node-lease\",\"resourceVersion\":\"%llu\"},\"spec\":{\"holderIdentity\":\"" NODE
           "\",\"leaseDurationSeconds\":40}}", (unsigned long long)w->lease_rv);
  return respond(out, cap, status, now_ms, body);
}

size_t world_config_map(uint64_t rv, const char *data_members, size_t data_len, char *out, size_t cap) {
  writer w = {out, cap, 0};
  put(&w, "{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"pico-config\",\"namespace\":\"default\","
          "\"uid\":\"5a0e9b1c-7d1e-4f0a-9c55-3b8e2f61d0aa\",\"resourceVersion\":\"%llu\","
          "\"creationTimestamp\":\"2026-11-22T22:03:00Z\"},\"data\":{", (unsigned long long)rv);
  if (w.len + data_len + 3 > cap) return 0; // the caller sized out for the data
  memcpy(out + w.len, data_members, data_len); // any bytes, NUL included
  w.len += data_len;
  memcpy(out + w.len, "}}", 3);
  return w.len + 2;
}

static size_t current_config_map(const api_world *w, char *out, size_t cap) {
  char data[96];
  int n = snprintf(data, sizeof data, "\"memory_values\":\"%s\"", w->cm_value);
  return world_config_map(w->cm_rv, data, (size_t)n, out, cap);
}

size_t world_event(const api_world *w, char *out, size_t cap) {
  char object[600], event[700];
  current_config_map(w, object, sizeof object);
  int n = snprintf(event, sizeof event, "{\"type\":\"MODIFIED\",\"object\":%s}\n", object);
  return (size_t)snprintf(out, cap, "%x\r\n%s\r\n", n, event);
}

size_t world_answer(api_world *w, const api_request *req, uint32_t now_ms, char *out, size_t cap, bool *stream) {
  *stream = false;
  switch (req->kind) {
  case KIND_REGISTRATION:
    if (w->node) return status_answer(out, cap, 409, "AlreadyExists", "nodes \\\"" NODE "\\\" already exists", now_ms);
    w->node = true;
    w->node_uid++;
    w->node_rv = world_next_rv(w);
    return node_answer(w, out, cap, 201, now_ms);
  case KIND_NODE_GET:
  case KIND_STATUS:
    if (!w->node) return status_answer(out, cap, 404, "NotFound", "nodes \\\"" NODE "\\\" not found", now_ms);
    if (req->kind == KIND_STATUS) w->node_rv = world_next_rv(w);
    return node_answer(w, out, cap, 200, now_ms);
  case KIND_LEASE_GET:
    if (!w->lease) return status_answer(out, cap, 404, "NotFound", "leases.coordination.k8s.io \\\"" NODE "\\\" not found", now_ms);
    return lease_answer(w, out, cap, 200, now_ms);
  case KIND_LEASE_CREATE:
  case KIND_LEASE_RENEW: {
    if (req->kind == KIND_LEASE_CREATE && w->lease)
      return status_answer(out, cap, 409, "AlreadyExists", "leases.coordination.k8s.io \\\"" NODE "\\\" already exists", now_ms);
    char current[24];
    snprintf(current, sizeof current, "%llu", (unsigned long long)w->lease_rv);
    if (req->kind == KIND_LEASE_RENEW && w->lease && req->has_version && strcmp(req->version, current) != 0)
      return status_answer(out, cap, 409, "Conflict", "the object has been modified; please apply your changes to the "
                           "latest version and try again", now_ms);
    bool created = !w->lease;
    w->lease = true;
    w->lease_rv = world_next_rv(w);
    return lease_answer(w, out, cap, created ? 201 : 200, now_ms);
  }
  case KIND_LIST: {
    char item[600], body[800];
    current_config_map(w, item, sizeof item);
    snprintf(body, sizeof body, "{\"kind\":\"ConfigMapList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"%llu\"},"
             "\"items\":[%s]}", (unsigned long long)w->rv, item);
    return respond(out, cap, 200, now_ms, body);
  }
  case KIND_ACCESS_REVIEW:
    return respond(out, cap, 201, now_ms, "{\"kind\":\"SubjectAccessReview\",\"apiVersion\":\"authorization.k8s.io/v1\",\"status\":{\"allowed\":true}}");
  case KIND_WATCH: {
    char newest[24], message[200];
    snprintf(newest, sizeof newest, "%llu", (unsigned long long)w->rv);
    if (!decimal(req->version, 40) || compare_decimal(req->version, newest) > 0) {
      snprintf(message, sizeof message, "too old resource version: %.40s (%s)", decimal(req->version, 40) ? req->version : "?", newest);
      return status_answer(out, cap, 410, "Expired", message, now_ms);
    }
    writer wr = {out, cap, 0};
    head(&wr, 200, now_ms);
    put(&wr, "Transfer-Encoding: chunked\r\n\r\n");
    char from_cm[24];
    snprintf(from_cm, sizeof from_cm, "%llu", (unsigned long long)w->cm_rv);
    if (compare_decimal(from_cm, req->version) > 0) wr.len += world_event(w, out + wr.len, cap - wr.len);
    *stream = true;
    return wr.len;
  }
  }
  return 0;
}

void world_pass_versions(api_world *w, const uint8_t *b, size_t len) {
  static const char key[] = "\"resourceVersion\"";
  for (const uint8_t *q = b; (q = memchr(q, '"', len - (size_t)(q - b))) != NULL; q++) {
    size_t i = (size_t)(q - b);
    if (len - i < sizeof key - 1 || memcmp(q, key, sizeof key - 1) != 0) continue;
    size_t j = i + sizeof key - 1;
    while (j < len && (b[j] == ' ' || b[j] == '\t' || b[j] == '\r' || b[j] == '\n')) j++;
    if (j >= len || b[j++] != ':') continue;
    while (j < len && (b[j] == ' ' || b[j] == '\t' || b[j] == '\r' || b[j] == '\n')) j++;
    if (j >= len || b[j++] != '"') continue;
    uint64_t v = 0;
    size_t digits = 0;
    while (j < len && b[j] >= '0' && b[j] <= '9' && digits <= 19) v = v * 10 + (uint64_t)(b[j++] - '0'), digits++;
    // etcd's versions are int64: 19 digits at most (which fit in 64 unsigned bits), below 2^63 - 2
    if (j >= len || b[j] != '"' || digits == 0 || digits > 19 || v >= (1ull << 63) - 2) continue;
    if (v >= w->rv) w->rv = v + 1;
  }
}
