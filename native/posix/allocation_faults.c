// A failing allocator for the POSIX shell, linked into pico-node-posix when it
// is built with -DPICO_NODE_ALLOCATION_FAULTS=ON (for
// tests/native/posix_alloc_faults.test.mjs). The linker's --wrap sends every
// malloc, calloc and realloc of the shell and its engine here (libc's own
// allocations, inside fopen or getaddrinfo, stay libc's). Each is counted;
// the one numbered PICO_FAIL_ALLOCATION (from 1) returns NULL as an exhausted
// heap does, and every later one succeeds again. It says so on stderr,
// naming the caller (an offset for addr2line), and prints the count on
// SIGUSR1 and when SIGTERM ends the process.
#define _GNU_SOURCE
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *__real_malloc(size_t size);
void *__real_calloc(size_t count, size_t size);
void *__real_realloc(void *ptr, size_t size);

extern const char __executable_start; // GNU ld: where this program is mapped (its addresses are relative to it)

static unsigned long counted, fail_at;

static void say(const char *text) {
  ssize_t ignored = write(STDERR_FILENO, text, strlen(text));
  (void)ignored;
}

/** Counts one allocation; true if it is the one to fail. */
static bool fails(const char *what, size_t bytes, const void *caller) {
  if (++counted != fail_at) return false;
  char line[160];
  snprintf(line, sizeof line, "allocation fault: #%lu (%s of %zu bytes, called from +0x%lx) returns NULL\n", counted,
           what, bytes, (unsigned long)((uintptr_t)caller - (uintptr_t)&__executable_start));
  say(line);
  return true;
}

void *__wrap_malloc(size_t size) {
  return fails("malloc", size, __builtin_return_address(0)) ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t count, size_t size) {
  return fails("calloc", count * size, __builtin_return_address(0)) ? NULL : __real_calloc(count, size);
}

void *__wrap_realloc(void *ptr, size_t size) {
  if (size == 0) return __real_realloc(ptr, size); // a free, not an allocation
  return fails("realloc", size, __builtin_return_address(0)) ? NULL : __real_realloc(ptr, size);
}

/** SIGUSR1: prints the count so far; SIGTERM: prints it and ends the process. */
static void on_signal(int sig) {
  char line[64];
  snprintf(line, sizeof line, "allocations: %lu\n", counted);
  say(line);
  if (sig == SIGTERM) _exit(0);
}

__attribute__((constructor)) static void allocation_faults_init(void) {
  const char *n = getenv("PICO_FAIL_ALLOCATION");
  fail_at = n ? strtoul(n, NULL, 10) : 0;
  signal(SIGTERM, on_signal);
  signal(SIGUSR1, on_signal);
}
