#include "logf.h"

#include <stdarg.h>
#include <stdio.h>

#include "hal.h"

void logf_line(int level, const char *format, ...) {
  char line[200]; // longer lines are cut, never overrun
  va_list args;
  va_start(args, format);
  int n = vsnprintf(line, sizeof line, format, args);
  va_end(args);
  if (n < 0) return;
  hal_log(level, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}
