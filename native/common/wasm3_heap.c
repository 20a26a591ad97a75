#include "wasm3_heap.h"

#include <stdint.h>

typedef union block_header {
  struct {
    union block_header *prev, *next;
  } link;
  max_align_t align; // the bytes after the header keep malloc's alignment
} block_header;

static block_header held = {.link = {&held, &held}}; // the list's head: every block wasm3 holds
static size_t held_count;
static jmp_buf *unwind_target;

static void *hold(block_header *h) {
  h->link.prev = &held;
  h->link.next = held.link.next;
  held.link.next->link.prev = h;
  held.link.next = h;
  held_count++;
  return h + 1;
}

static void let_go(block_header *h) {
  h->link.prev->link.next = h->link.next;
  h->link.next->link.prev = h->link.prev;
  held_count--;
}

static void *no_room(void) {
  if (unwind_target != NULL) longjmp(*unwind_target, 1);
  return NULL;
}

void wasm3_heap_unwind_to(jmp_buf *target) { unwind_target = target; }

void *wasm3_heap_calloc(size_t count, size_t size) {
  if (size != 0 && count > (SIZE_MAX - sizeof(block_header)) / size) return no_room();
  block_header *h = calloc(1, sizeof *h + count * size);
  return h != NULL ? hold(h) : no_room();
}

void *wasm3_heap_realloc(void *block, size_t size) {
  if (block == NULL) return wasm3_heap_calloc(1, size);
  if (size == 0) {
    wasm3_heap_free(block);
    return NULL;
  }
  if (size > SIZE_MAX - sizeof(block_header)) return no_room();
  block_header *old = (block_header *)block - 1;
  let_go(old); // realloc may move it: its neighbours must not point at the old place
  block_header *h = realloc(old, sizeof *h + size);
  if (h == NULL) {
    hold(old); // unchanged, still wasm3's
    return no_room();
  }
  return hold(h);
}

void wasm3_heap_free(void *block) {
  if (block == NULL) return;
  block_header *h = (block_header *)block - 1;
  let_go(h);
  free(h);
}

size_t wasm3_heap_free_all(void) {
  size_t n = held_count;
  while (held.link.next != &held) {
    block_header *h = held.link.next;
    let_go(h);
    free(h);
  }
  return n;
}

size_t wasm3_heap_blocks(void) { return held_count; }
