#include "oracle.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_hal.h"

static const char *context = "boot";

void oracle_context(const char *what) { context = what; }

void oracle_fail(const char *oracle, const char *format, ...) {
  char detail[1024];
  va_list args;
  va_start(args, format);
  vsnprintf(detail, sizeof detail, format, args);
  va_end(args);
  fprintf(stderr, "\n==fuzz== %s: %s\n", oracle, detail);
  fprintf(stderr, "==fuzz== while %s, at %lu ms simulated; the core's last log lines:\n", context,
          (unsigned long)fuzz.now_ms);
  fuzz_hal_print_log(stderr);
  abort();
}
