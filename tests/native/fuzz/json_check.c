#include "json_check.h"

#include <stdbool.h>
#include <string.h>

#define JSON_MAX_DEPTH 64

long utf8_first_invalid(const uint8_t *b, size_t len) {
  for (size_t i = 0; i < len;) {
    uint8_t c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    int n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0 || i + (size_t)n >= len) return (long)i; // not a lead byte, or cut short
    uint8_t lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
    uint8_t hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
    if (b[i + 1] < lo || b[i + 1] > hi) return (long)i;
    for (int k = 2; k <= n; k++)
      if (b[i + (size_t)k] < 0x80 || b[i + (size_t)k] > 0xbf) return (long)i;
    i += (size_t)n + 1;
  }
  return -1;
}

typedef struct reader {
  const uint8_t *b;
  size_t len, i;
  const char *problem;
} reader;

static bool fail(reader *r, const char *problem) {
  if (r->problem == NULL) r->problem = problem;
  return false;
}

static void blanks(reader *r) {
  while (r->i < r->len && (r->b[r->i] == ' ' || r->b[r->i] == '\t' || r->b[r->i] == '\r' || r->b[r->i] == '\n')) r->i++;
}

static bool literal(reader *r, const char *word) {
  size_t n = strlen(word);
  if (r->len - r->i < n || memcmp(r->b + r->i, word, n) != 0) return fail(r, "unknown literal");
  r->i += n;
  return true;
}

static bool is_hex(uint8_t c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

static bool string(reader *r) {
  r->i++; // the opening quote
  while (r->i < r->len) {
    uint8_t c = r->b[r->i++];
    if (c == '"') return true;
    if (c < 0x20) return fail(r, "raw control character in a string");
    if (c != '\\') continue;
    if (r->i >= r->len) break;
    c = r->b[r->i++];
    if (c == 'u') {
      for (int k = 0; k < 4; k++)
        if (r->i >= r->len || !is_hex(r->b[r->i++])) return fail(r, "\\u not followed by 4 hex digits");
    } else if (strchr("\"\\/bfnrt", c) == NULL || c == 0) return fail(r, "unknown escape in a string");
  }
  return fail(r, "unterminated string");
}

static bool digits(reader *r) {
  size_t start = r->i;
  while (r->i < r->len && r->b[r->i] >= '0' && r->b[r->i] <= '9') r->i++;
  return r->i > start;
}

static bool number(reader *r) {
  if (r->b[r->i] == '-') r->i++;
  if (r->i < r->len && r->b[r->i] == '0') r->i++;
  else if (!digits(r)) return fail(r, "bad number");
  if (r->i < r->len && r->b[r->i] == '.') {
    r->i++;
    if (!digits(r)) return fail(r, "bad fraction");
  }
  if (r->i < r->len && (r->b[r->i] == 'e' || r->b[r->i] == 'E')) {
    r->i++;
    if (r->i < r->len && (r->b[r->i] == '+' || r->b[r->i] == '-')) r->i++;
    if (!digits(r)) return fail(r, "bad exponent");
  }
  return true;
}

static bool value(reader *r, int depth);

/** An object or array: members separated by commas up to the closing bracket. */
static bool container(reader *r, int depth, bool object) {
  if (depth > JSON_MAX_DEPTH) return fail(r, "nested too deep");
  uint8_t close = object ? '}' : ']';
  r->i++;
  blanks(r);
  if (r->i < r->len && r->b[r->i] == close) return r->i++, true;
  for (;;) {
    if (object) {
      blanks(r);
      if (r->i >= r->len || r->b[r->i] != '"') return fail(r, "expected a member name");
      if (!string(r)) return false;
      blanks(r);
      if (r->i >= r->len || r->b[r->i++] != ':') return fail(r, "expected ':'");
    }
    if (!value(r, depth + 1)) return false;
    blanks(r);
    if (r->i >= r->len) return fail(r, "unterminated object or array");
    uint8_t c = r->b[r->i++];
    if (c == close) return true;
    if (c != ',') return fail(r, "expected ',' or the closing bracket");
  }
}

static bool value(reader *r, int depth) {
  blanks(r);
  if (r->i >= r->len) return fail(r, "expected a value");
  switch (r->b[r->i]) {
  case '{': return container(r, depth, true);
  case '[': return container(r, depth, false);
  case '"': return string(r);
  case 't': return literal(r, "true");
  case 'f': return literal(r, "false");
  case 'n': return literal(r, "null");
  default:
    if (r->b[r->i] == '-' || (r->b[r->i] >= '0' && r->b[r->i] <= '9')) return number(r);
    return fail(r, "unexpected character");
  }
}

const char *json_problem(const uint8_t *bytes, size_t len, size_t *at) {
  reader r = {bytes, len, 0, NULL};
  if (value(&r, 0)) {
    blanks(&r);
    if (r.i != len) fail(&r, "bytes after the value");
  }
  *at = r.i;
  return r.problem;
}
