#include "core_memory.h"
#include "test.h"

TEST(range_inside_and_at_the_end_is_ok) {
  uint8_t bytes[64];
  core_memory mem = {bytes, sizeof bytes};
  CHECK(core_range_ok(mem, 0, 64));
  CHECK(core_range_ok(mem, 63, 1));
  CHECK(core_range_ok(mem, 64, 0));
  CHECK(core_bytes(mem, 10, 4) == bytes + 10);
}

TEST(range_past_the_end_is_refused) {
  uint8_t bytes[64];
  core_memory mem = {bytes, sizeof bytes};
  CHECK(!core_range_ok(mem, 0, 65));
  CHECK(!core_range_ok(mem, 64, 1));
  CHECK(!core_range_ok(mem, 65, 0));
  CHECK(core_bytes(mem, 60, 5) == NULL);
}

TEST(range_that_overflows_32_bits_is_refused) {
  uint8_t bytes[64];
  core_memory mem = {bytes, sizeof bytes};
  CHECK(!core_range_ok(mem, 8, 0xFFFFFFFCu)); // 8 + len wraps to 4
  CHECK(!core_range_ok(mem, 0xFFFFFFF0u, 0x20));
}

TEST(memory_without_a_base_has_no_valid_range) {
  core_memory mem = {NULL, 0};
  CHECK(!core_range_ok(mem, 0, 0));
}
