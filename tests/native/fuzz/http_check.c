#define _GNU_SOURCE // memmem
#include "http_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "json_check.h"

#define MAX_HEADERS 32

static http_result bad(char *why, size_t cap, const char *format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(why, cap, format, args);
  va_end(args);
  return HTTP_BAD;
}

const char *http_quote(const uint8_t *bytes, size_t len, char *out, size_t cap) {
  size_t used = 0;
  for (size_t i = 0; i < len && used + 8 < cap; i++) {
    uint8_t c = bytes[i];
    if (c == '\r') used += (size_t)snprintf(out + used, cap - used, "\\r");
    else if (c == '\n') used += (size_t)snprintf(out + used, cap - used, "\\n");
    else if (c == '"' || c == '\\') used += (size_t)snprintf(out + used, cap - used, "\\%c", c);
    else if (c < 0x20 || c >= 0x7f) used += (size_t)snprintf(out + used, cap - used, "\\x%02x", c);
    else out[used++] = (char)c;
  }
  if (len && used + 8 >= cap) used += (size_t)snprintf(out + used, cap - used, "...");
  out[used < cap ? used : cap - 1] = '\0';
  return out;
}

static const uint8_t *find(const uint8_t *bytes, size_t len, const char *text) {
  return memmem(bytes, len, text, strlen(text));
}

static bool is_tchar(uint8_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c != 0 && strchr("!#$%&'*+-.^_`|~", c));
}

static bool same_name(const uint8_t *a, size_t a_len, const char *name) {
  return a_len == strlen(name) && strncasecmp((const char *)a, name, a_len) == 0;
}

/** The head's fields the checks need. */
typedef struct head {
  const uint8_t *start;
  size_t start_len, length; // the start line; the head with its blank line
  bool has_host, has_length, json, close;
  size_t content_length;
} head;

/** A request line "METHOD /target HTTP/1.1" with a method the core may send. */
static bool request_line(const uint8_t *l, size_t n, http_message *m) {
  static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"};
  const uint8_t *sp = memchr(l, ' ', n);
  if (sp == NULL) return false;
  size_t method_len = (size_t)(sp - l);
  bool known = false;
  for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
    known |= method_len == strlen(methods[i]) && memcmp(l, methods[i], method_len) == 0;
  const char *version = " HTTP/1.1";
  size_t version_len = strlen(version);
  if (!known || n < method_len + 2 + version_len || memcmp(l + n - version_len, version, version_len) != 0) return false;
  const uint8_t *target = sp + 1;
  size_t target_len = n - method_len - 1 - version_len;
  if (target[0] != '/') return false;
  for (size_t i = 0; i < target_len; i++)
    if (target[i] <= ' ' || target[i] > '~') return false;
  *m = (http_message){.method = l, .method_len = method_len, .target = target, .target_len = target_len};
  return true;
}

/** A status line "HTTP/1.1 NNN reason". */
static bool status_line(const uint8_t *l, size_t n, http_message *m) {
  if (n < 12 || memcmp(l, "HTTP/1.1 ", 9) != 0 || l[9] < '1' || l[9] > '5' || l[10] < '0' || l[10] > '9' ||
      l[11] < '0' || l[11] > '9' || (n > 12 && l[12] != ' '))
    return false;
  *m = (http_message){.status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0')};
  return true;
}

static http_result read_head(const uint8_t *b, size_t len, bool response, head *h, http_message *m, char *why, size_t cap) {
  char quote[100];
  const uint8_t *end = find(b, len, "\r\n\r\n");
  if (end == NULL) return HTTP_INCOMPLETE;
  memset(h, 0, sizeof *h);
  h->length = (size_t)(end - b) + 4;
  for (size_t i = 0; i < (size_t)(end - b); i++) {
    if (b[i] >= 0x80) return bad(why, cap, "non-ASCII byte 0x%02x in the head at %zu", b[i], i);
    if ((b[i] < 0x20 && b[i] != '\t' && b[i] != '\r' && b[i] != '\n') || b[i] == 0x7f)
      return bad(why, cap, "control byte 0x%02x in the head at %zu", b[i], i);
  }
  struct { const uint8_t *name; size_t len; } seen[MAX_HEADERS];
  size_t seen_count = 0;
  for (const uint8_t *line = b; line < end + 2;) {
    const uint8_t *eol = find(line, (size_t)(end + 2 - line), "\r\n");
    size_t n = (size_t)(eol - line);
    if (memchr(line, '\r', n) || memchr(line, '\n', n)) return bad(why, cap, "bare CR or LF in \"%s\"", http_quote(line, n, quote, sizeof quote));
    if (line == b) {
      h->start = line;
      h->start_len = n;
      if (!(response ? status_line(line, n, m) : request_line(line, n, m)))
        return bad(why, cap, "bad %s line \"%s\"", response ? "status" : "request", http_quote(line, n, quote, sizeof quote));
    } else {
      const uint8_t *colon = memchr(line, ':', n);
      size_t name_len = colon ? (size_t)(colon - line) : 0;
      bool token = name_len > 0;
      for (size_t i = 0; i < name_len; i++) token &= is_tchar(line[i]);
      if (!token) return bad(why, cap, "bad header line \"%s\"", http_quote(line, n, quote, sizeof quote));
      for (size_t i = 0; i < seen_count; i++)
        if (seen[i].len == name_len && strncasecmp((const char *)seen[i].name, (const char *)line, name_len) == 0)
          return bad(why, cap, "header \"%s\" repeated", http_quote(line, name_len, quote, sizeof quote));
      if (seen_count == MAX_HEADERS) return bad(why, cap, "more than %d headers", MAX_HEADERS);
      seen[seen_count].name = line;
      seen[seen_count++].len = name_len;
      const uint8_t *value = colon + 1, *value_end = eol;
      while (value < value_end && (*value == ' ' || *value == '\t')) value++;
      while (value_end > value && (value_end[-1] == ' ' || value_end[-1] == '\t')) value_end--;
      size_t value_len = (size_t)(value_end - value);
      if (same_name(line, name_len, "host")) h->has_host = value_len > 0;
      else if (same_name(line, name_len, "transfer-encoding")) return bad(why, cap, "the core never sends Transfer-Encoding");
      else if (same_name(line, name_len, "connection")) h->close = same_name(value, value_len, "close");
      else if (same_name(line, name_len, "content-type")) {
        for (size_t i = 0; i + 4 <= value_len; i++) h->json |= strncasecmp((const char *)value + i, "json", 4) == 0;
      } else if (same_name(line, name_len, "content-length")) {
        bool digits = value_len >= 1 && value_len <= 9;
        for (size_t i = 0; i < value_len; i++) digits &= value[i] >= '0' && value[i] <= '9';
        if (!digits) return bad(why, cap, "bad Content-Length \"%s\"", http_quote(value, value_len, quote, sizeof quote));
        h->has_length = true;
        for (size_t i = 0; i < value_len; i++) h->content_length = h->content_length * 10 + (size_t)(value[i] - '0');
      }
    }
    line = eol + 2;
  }
  return HTTP_OK;
}

/** The body against its Content-Type: strict UTF-8; JSON that parses, or text without raw control characters. */
static http_result check_body(const head *h, const uint8_t *body, size_t len, char *why, size_t cap) {
  char quote[100];
  if (len == 0) return HTTP_OK;
  long invalid = utf8_first_invalid(body, len);
  if (invalid >= 0) {
    size_t from = invalid > 30 ? (size_t)invalid - 30 : 0, to = (size_t)invalid + 10 < len ? (size_t)invalid + 10 : len;
    return bad(why, cap, "body is not valid UTF-8 (byte 0x%02x at %ld: ...%s)", body[invalid], invalid,
               http_quote(body + from, to - from, quote, sizeof quote));
  }
  if (h->json) {
    size_t at = 0;
    const char *problem = json_problem(body, len, &at);
    if (problem) {
      size_t from = at > 30 ? at - 30 : 0, to = at + 10 < len ? at + 10 : len;
      return bad(why, cap, "JSON body: %s at %zu (...%s)", problem, at, http_quote(body + from, to - from, quote, sizeof quote));
    }
    return HTTP_OK;
  }
  for (size_t i = 0; i < len; i++)
    if ((body[i] < 0x20 && body[i] != '\t' && body[i] != '\r' && body[i] != '\n') || body[i] == 0x7f)
      return bad(why, cap, "text body has raw control character 0x%02x at %zu", body[i], i);
  return HTTP_OK;
}

http_result http_read_request(const uint8_t *b, size_t len, http_message *m, char *why, size_t cap) {
  head h;
  http_result r = read_head(b, len, false, &h, m, why, cap);
  if (r != HTTP_OK) return r;
  char quote[100];
  if (!h.has_host) return bad(why, cap, "request without Host: \"%s\"", http_quote(h.start, h.start_len, quote, sizeof quote));
  if (len - h.length < h.content_length) return HTTP_INCOMPLETE;
  m->body = b + h.length;
  m->body_len = h.content_length;
  m->length = h.length + h.content_length;
  return check_body(&h, m->body, m->body_len, why, cap);
}

http_result http_read_response(const uint8_t *b, size_t len, bool head_only, bool closed_by_core, http_message *m, char *why, size_t cap) {
  head h;
  http_result r = read_head(b, len, true, &h, m, why, cap);
  if (r == HTTP_INCOMPLETE) return bad(why, cap, "incomplete head (%zu bytes, no blank line)", len);
  if (r != HTTP_OK) return r;
  if (!h.has_length) return bad(why, cap, "response without Content-Length");
  size_t wire = head_only ? 0 : h.content_length;
  if (len - h.length < wire) return bad(why, cap, "body shorter than Content-Length %zu (%zu bytes)", h.content_length, len - h.length);
  if (len - h.length > wire) return bad(why, cap, "%zu bytes after the response", len - h.length - wire);
  if (closed_by_core && !h.close) return bad(why, cap, "the core closed the connection after a response without Connection: close");
  if (!closed_by_core && h.close) return bad(why, cap, "a response with Connection: close, but the core kept the connection");
  m->connection_close = h.close;
  m->body = b + h.length;
  m->body_len = wire;
  m->length = h.length + wire;
  return check_body(&h, m->body, m->body_len, why, cap);
}

/** A header line "name: value" of a clean head: a token name, printable ASCII value. */
static bool clean_header(const uint8_t *l, size_t n, size_t *name_len, const uint8_t **value, size_t *value_len) {
  const uint8_t *colon = memchr(l, ':', n);
  if (colon == NULL || colon == l) return false;
  *name_len = (size_t)(colon - l);
  for (size_t i = 0; i < *name_len; i++)
    if (!(l[i] == '-' || l[i] == '_' || (l[i] >= '0' && l[i] <= '9') || (l[i] >= 'a' && l[i] <= 'z') || (l[i] >= 'A' && l[i] <= 'Z'))) return false;
  const uint8_t *v = colon + 1, *end = l + n;
  for (const uint8_t *p = v; p < end; p++)
    if (*p != '\t' && (*p < 0x20 || *p > 0x7e)) return false;
  while (v < end && (*v == ' ' || *v == '\t')) v++;
  while (end > v && (end[-1] == ' ' || end[-1] == '\t')) end--;
  *value = v;
  *value_len = (size_t)(end - v);
  return true;
}

bool http_healthy_stream_so_far(const uint8_t *b, size_t len) {
  const uint8_t *end = find(b, len, "\r\n\r\n");
  if (end == NULL || len < 13 || memcmp(b, "HTTP/1.1 200 ", 13) != 0) return false;
  bool json = false, chunked = false;
  const char *seen[8];
  size_t seen_count = 0;
  for (const uint8_t *line = b, *eol; line < end; line = eol + 2) {
    eol = find(line, (size_t)(end + 2 - line), "\r\n");
    size_t n = (size_t)(eol - line), name_len, value_len;
    const uint8_t *value;
    if (line == b) {
      for (size_t i = 13; i < n; i++)
        if (b[i] < 0x20 || b[i] > 0x7e) return false;
      continue;
    }
    if (!clean_header(line, n, &name_len, &value, &value_len)) return false;
    static const char *const watched[] = {"content-type", "transfer-encoding", "content-length", "content-encoding", "connection", "trailer"};
    for (size_t k = 0; k < sizeof watched / sizeof watched[0]; k++) {
      if (!same_name(line, name_len, watched[k])) continue;
      for (size_t i = 0; i < seen_count; i++)
        if (seen[i] == watched[k]) return false; // repeated
      if (seen_count < 8) seen[seen_count++] = watched[k];
      if (k == 0) json = value_len == 16 && memcmp(value, "application/json", 16) == 0;
      else if (k == 1) chunked = value_len == 7 && memcmp(value, "chunked", 7) == 0;
      else return false; // a length, an encoding, a connection or trailer header: not the server's stream
    }
  }
  if (!json || !chunked) return false;
  for (size_t i = (size_t)(end - b) + 4; i < len;) {
    size_t size = 0, digits = 0;
    while (i + digits < len && digits < 7 && ((b[i + digits] >= '0' && b[i + digits] <= '9') || (b[i + digits] >= 'a' && b[i + digits] <= 'f'))) {
      uint8_t c = b[i + digits++];
      size = size * 16 + (size_t)(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    if (digits == 0 || digits > 6 || len - i - digits < 2 || memcmp(b + i + digits, "\r\n", 2) != 0) return false;
    if (size == 0) return false; // terminated: the stream has ended
    i += digits + 2 + size;
    if (i > len - 2 || i + 2 > len || memcmp(b + i, "\r\n", 2) != 0) return false;
    i += 2;
  }
  return true;
}
