#include <stdlib.h>
#include <string.h>

#include "fake_hal.h"
#include "test.h"

#define MAX_TESTS 200
static struct {
  const char *name;
  test_fn fn;
} tests[MAX_TESTS];
static int test_count;
static int current_failures;

void test_register(const char *name, test_fn fn) {
  if (test_count < MAX_TESTS) tests[test_count++] = (typeof(tests[0])){name, fn};
}

void test_fail(const char *file, int line, const char *expr) {
  current_failures++;
  printf("    %s:%d: CHECK failed: %s\n", file, line, expr);
}

int main(int argc, char **argv) {
  int passed = 0, failed = 0;
  for (int i = 0; i < test_count; i++) {
    if (argc > 1 && strstr(tests[i].name, argv[1]) == NULL) continue;
    fake_hal_reset();
    current_failures = 0;
    tests[i].fn();
    if (current_failures) {
      failed++;
      printf("not ok - %s\n", tests[i].name);
    } else {
      passed++;
      printf("ok - %s\n", tests[i].name);
    }
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
