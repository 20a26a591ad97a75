// A tiny test runner: TEST(name) registers a function; CHECK records a
// failure with its line and carries on; main() prints "N passed, N failed".
#ifndef TEST_H
#define TEST_H

#include <stdio.h>

typedef void (*test_fn)(void);
void test_register(const char *name, test_fn fn);
void test_fail(const char *file, int line, const char *expr);

#define TEST(name)                                                              \
  static void name(void);                                                       \
  __attribute__((constructor)) static void register_##name(void) { test_register(#name, name); } \
  static void name(void)

#define CHECK(expr)                                       \
  do {                                                    \
    if (!(expr)) test_fail(__FILE__, __LINE__, #expr);    \
  } while (0)

#define CHECK_EQ(a, b)                                                                                  \
  do {                                                                                                  \
    long long check_a = (long long)(a), check_b = (long long)(b);                                       \
    if (check_a != check_b) {                                                                           \
      char check_text[160];                                                                             \
      snprintf(check_text, sizeof check_text, "%s == %s (%lld != %lld)", #a, #b, check_a, check_b);     \
      test_fail(__FILE__, __LINE__, check_text);                                                        \
    }                                                                                                   \
  } while (0)

#endif
