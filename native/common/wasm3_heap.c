#include "wasm3_heap.h"

#include <malloc.h> // malloc_usable_size (newlib and glibc)
#include <stdint.h>
#include <string.h>

// The blocks form a list, newest first. Each block's link to the next one is
// kept in its last bytes, past what wasm3 asked for: the allocator's rounding
// often has room for it already (on the RP2040, half the time), so a block
// costs 4 bytes on average rather than a header's 8, and keeps malloc's
// alignment. wasm3 frees a block rarely (a few dozen times in a node's life),
// so finding its predecessor in the list costs little.
#define LINK_BYTES sizeof(void *)

static void *newest;
static size_t held_count;
static jmp_buf *unwind_target;

static void *link_at(void *block) { return (uint8_t *)block + malloc_usable_size(block) - LINK_BYTES; }

static void *next_of(void *block) {
  void *next;
  memcpy(&next, link_at(block), LINK_BYTES);
  return next;
}

static void set_next(void *block, void *next) { memcpy(link_at(block), &next, LINK_BYTES); }

static void *hold(void *block) {
  set_next(block, newest);
  newest = block;
  held_count++;
  return block;
}

static void let_go(void *block) {
  if (newest == block) newest = next_of(block);
  else {
    void *before = newest;
    while (before != NULL && next_of(before) != block) before = next_of(before);
    if (before == NULL) return; // not wasm3's: nothing to unlink
    set_next(before, next_of(block));
  }
  held_count--;
}

static void *no_room(void) {
  if (unwind_target != NULL) longjmp(*unwind_target, 1);
  return NULL;
}

void wasm3_heap_unwind_to(jmp_buf *target) { unwind_target = target; }

void *wasm3_heap_calloc(size_t count, size_t size) {
  if (size != 0 && count > (SIZE_MAX - LINK_BYTES) / size) return no_room();
  void *block = calloc(1, count * size + LINK_BYTES);
  return block != NULL ? hold(block) : no_room();
}

void *wasm3_heap_realloc(void *block, size_t size) {
  if (block == NULL) return wasm3_heap_calloc(1, size);
  if (size == 0) {
    wasm3_heap_free(block);
    return NULL;
  }
  if (size > SIZE_MAX - LINK_BYTES) return no_room();
  let_go(block); // its link moves with its end
  void *moved = realloc(block, size + LINK_BYTES);
  if (moved == NULL) {
    hold(block); // unchanged, still wasm3's
    return no_room();
  }
  return hold(moved);
}

void wasm3_heap_free(void *block) {
  if (block == NULL) return;
  let_go(block);
  free(block);
}

size_t wasm3_heap_free_all(void) {
  size_t n = held_count;
  while (newest != NULL) {
    void *block = newest;
    newest = next_of(block);
    free(block);
  }
  held_count = 0;
  return n;
}

size_t wasm3_heap_blocks(void) { return held_count; }
