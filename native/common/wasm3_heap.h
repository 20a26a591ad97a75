// The heap wasm3 allocates from, kept by the engine (engine_wasm3.c): every
// block wasm3 takes is linked into one list, so all of them can be freed at
// once, and an allocation that finds no room never returns NULL to wasm3
// while an engine call runs: it unwinds (longjmp) to that call, which frees
// everything wasm3 held and reports "out of memory". wasm3's own recovery
// from a NULL is not safe on every path (the allocation sweep of
// tests/native/posix_alloc_faults.test.mjs found a parse that frees a
// function table it has just lost, and a compile that writes past a code page
// it did not get), and a core restart needs a fresh engine anyway.
//
// wasm3.cmake force-includes this header into wasm3's own sources with
// WASM3_HEAP_REDIRECT defined: their calloc, realloc and free (all in
// m3_core.c) then come here. Keeping a block costs a pointer at its end, 4
// bytes on average on the RP2040 (the allocator's rounding often has room).
#ifndef WASM3_HEAP_H
#define WASM3_HEAP_H

#include <setjmp.h>
#include <stddef.h>
#include <stdlib.h> // before the macros below, so its declarations stay as they are

void *wasm3_heap_calloc(size_t count, size_t size);
void *wasm3_heap_realloc(void *block, size_t size);
void wasm3_heap_free(void *block);
/** Where an allocation that finds no room unwinds to (longjmp with 1); NULL: it returns NULL instead. */
void wasm3_heap_unwind_to(jmp_buf *target);
/** Frees every block wasm3 holds; returns how many there were. */
size_t wasm3_heap_free_all(void);
/** Blocks wasm3 holds now. */
size_t wasm3_heap_blocks(void);

#ifdef WASM3_HEAP_REDIRECT
#define calloc(count, size) wasm3_heap_calloc(count, size)
#define realloc(block, size) wasm3_heap_realloc(block, size)
#define free(block) wasm3_heap_free(block)
#endif

#endif
