#include "known.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KNOWN 64
#define DETAIL_TEMPLATE_CHARS 120

static char *known[MAX_KNOWN];
static size_t known_count;

void known_load(void) {
  const char *path = getenv("FUZZ_KNOWN");
  FILE *f = path ? fopen(path, "r") : NULL;
  if (f == NULL) return;
  char line[512];
  while (known_count < MAX_KNOWN && fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = '\0';
    if (line[0]) known[known_count++] = strdup(line);
  }
  fclose(f);
}

static bool hex_lower(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }
static bool digit(char c) { return c >= '0' && c <= '9'; }

void known_signature(const char *oracle, const char *d, char *out, size_t cap) {
  size_t n = (size_t)snprintf(out, cap, "%s: ", oracle), kept = 0;
#define EMIT(c) (kept < DETAIL_TEMPLATE_CHARS && n + 1 < cap ? (void)(out[n++] = (c), kept++) : (void)0)
  for (size_t i = 0; d[i];) {
    if (d[i] == '"') { // a quoted run, escapes included, if it closes
      size_t j = i + 1;
      while (d[j] && d[j] != '"') j += d[j] == '\\' && d[j + 1] ? 2 : 1;
      if (d[j] == '"') {
        EMIT('"');
        EMIT('"');
        i = j + 1;
        continue;
      }
    }
    if (d[i] == '0' && d[i + 1] == 'x' && hex_lower(d[i + 2])) {
      for (i += 2; hex_lower(d[i]); i++) {
      }
      EMIT('#');
    } else if (digit(d[i])) {
      while (digit(d[i])) i++;
      EMIT('#');
    } else {
      EMIT(d[i]); // not EMIT(d[i++]): the macro skips its argument once the template is full
      i++;
    }
  }
#undef EMIT
  out[n < cap ? n : cap - 1] = '\0';
}

bool known_open(const char *target, const char *signature) {
  size_t n = strlen(target);
  for (size_t i = 0; i < known_count; i++)
    if (strncmp(known[i], target, n) == 0 && known[i][n] == ' ' && strcmp(known[i] + n + 1, signature) == 0) return true;
  return false;
}
