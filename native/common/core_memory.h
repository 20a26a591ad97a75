// A bounds-checked view of the core's linear memory. Made afresh for every
// import call from the engine's current base and size (the engine may move or
// grow the memory between calls), never stored.
#ifndef CORE_MEMORY_H
#define CORE_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct core_memory {
  uint8_t *base;
  uint32_t size;
} core_memory;

/** True when [ptr, ptr+len) lies inside the memory; immune to overflow. */
static inline bool core_range_ok(core_memory mem, uint32_t ptr, uint32_t len) {
  return mem.base != NULL && ptr <= mem.size && len <= mem.size - ptr;
}

/** The bytes at [ptr, ptr+len), or NULL when any of them lies outside. */
static inline uint8_t *core_bytes(core_memory mem, uint32_t ptr, uint32_t len) {
  return core_range_ok(mem, ptr, len) ? mem.base + ptr : NULL;
}

#endif
