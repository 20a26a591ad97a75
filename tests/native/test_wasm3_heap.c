// wasm3_heap: every block wasm3 takes is held until freed, all of them can be
// freed at once, and an allocation that cannot be met unwinds to the engine
// call instead of returning NULL (or returns NULL with no call to unwind to).
// (An allocation too large to express stands in for a full heap: the sweeps
// in posix_alloc_faults and emulator_alloc_faults fail real ones.)
#include <stdint.h>
#include <string.h>

#include "test.h"
#include "wasm3_heap.h"

TEST(wasm3_heap_holds_blocks_until_freed_and_frees_the_rest_at_once) {
  char *a = wasm3_heap_calloc(4, 8), *b = wasm3_heap_calloc(1, 100), *c = wasm3_heap_calloc(10, 10);
  CHECK(a && b && c);
  CHECK(a[0] == 0 && a[31] == 0 && c[99] == 0); // zeroed, like calloc
  CHECK_EQ(wasm3_heap_blocks(), 3);
  wasm3_heap_free(b);
  wasm3_heap_free(NULL);
  CHECK_EQ(wasm3_heap_blocks(), 2);
  CHECK_EQ(wasm3_heap_free_all(), 2); // a and c: the sanitizer's leak check would see them otherwise
  CHECK_EQ(wasm3_heap_blocks(), 0);
}

TEST(wasm3_heap_realloc_keeps_the_bytes_and_the_block_held) {
  char *a = wasm3_heap_realloc(NULL, 16);
  memcpy(a, "fifteen bytes..", 16);
  char *b = wasm3_heap_calloc(1, 32);
  a = wasm3_heap_realloc(a, 4096); // moves: the list must follow it
  CHECK(strcmp(a, "fifteen bytes..") == 0);
  CHECK_EQ(wasm3_heap_blocks(), 2);
  CHECK(wasm3_heap_realloc(b, 0) == NULL); // a free
  CHECK_EQ(wasm3_heap_blocks(), 1);
  CHECK_EQ(wasm3_heap_free_all(), 1);
}

TEST(wasm3_heap_without_room_unwinds_to_the_engine_call) {
  jmp_buf no_room;
  volatile int unwound = 0;
  char *volatile kept = wasm3_heap_calloc(1, 64);
  if (setjmp(no_room) == 0) {
    wasm3_heap_unwind_to(&no_room);
    wasm3_heap_calloc(SIZE_MAX / 2, 4); // cannot be met
    CHECK(!"not reached");
  } else {
    unwound = 1;
  }
  wasm3_heap_unwind_to(NULL);
  CHECK(unwound);
  CHECK_EQ(wasm3_heap_blocks(), 1);
  if (setjmp(no_room) == 0) {
    wasm3_heap_unwind_to(&no_room);
    wasm3_heap_realloc(kept, SIZE_MAX - 4); // cannot be met either: the block stays as it was, still held
    CHECK(!"not reached");
  }
  wasm3_heap_unwind_to(NULL);
  CHECK_EQ(wasm3_heap_blocks(), 1);
  CHECK(wasm3_heap_calloc(SIZE_MAX / 2, 4) == NULL); // no engine call to unwind to: NULL, as calloc
  CHECK_EQ(wasm3_heap_free_all(), 1);
}
