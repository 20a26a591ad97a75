#include "oracle.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_hal.h"
#include "known.h"

static const char *context = "boot";
static jmp_buf *escape;
static const char *target = "";

void oracle_target(const char *name) { target = name; }

void oracle_escape(jmp_buf *to) { escape = to; }

void oracle_context(const char *what) { context = what; }

void oracle_fail(const char *oracle, const char *format, ...) {
  char detail[1024];
  va_list args;
  va_start(args, format);
  vsnprintf(detail, sizeof detail, format, args);
  va_end(args);
  char signature[300];
  known_signature(oracle, detail, signature, sizeof signature);
  if (escape && known_open(target, signature)) {
    if (getenv("FUZZ_LOG")) fprintf(stderr, "==fuzz== known, open: %s\n", signature);
    longjmp(*escape, 1);
  }
  fprintf(stderr, "\n==fuzz== %s: %s\n", oracle, detail);
  fprintf(stderr, "==fuzz== target %s, while %s, at %lu ms simulated; the core's last log lines:\n", target,
          context, (unsigned long)fuzz.now_ms);
  fuzz_hal_print_log(stderr);
  abort();
}
