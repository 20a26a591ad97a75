// The runtime behind wasm-rt.h: static storage (the memory's bytes are in
// the module instance, the table's here), one instance at a time, no heap. Everything a module asks for beyond the storage traps with
// WASM_RT_TRAP_RESOURCES while it is being instantiated.
#include <stdarg.h>
#include <stdlib.h>

#include "wasm-rt.h"

uint32_t wasm_rt_call_stack_depth;
uintptr_t wasm_rt_stack_floor;

static bool initialized;
static jmp_buf *unwind_target;
static bool memory_taken;
static wasm_rt_funcref_t table_elements[WASM_RT_MAX_TABLE_ELEMENTS];
static bool table_taken;

// A function type: its parameter and result counts and every value type, three bits each.
typedef struct func_type {
  uint8_t params, results;
  uint64_t packed;
} func_type;
#define TYPE_BITS 3u
#define MAX_TYPE_VALUES (64u / TYPE_BITS)
static func_type func_types[WASM_RT_MAX_FUNC_TYPES];
static uint32_t func_type_count;

void wasm_rt_init(void) { initialized = true; }

bool wasm_rt_is_initialized(void) { return initialized; }

void wasm_rt_trap(wasm_rt_trap_t trap) {
  if (unwind_target == NULL) abort(); // a trap outside any call: nothing to return to
  longjmp(*unwind_target, (int)trap);
}

void wasm_rt_set_unwind_target(jmp_buf *target) { unwind_target = target; }

void wasm_rt_set_stack_floor(void *floor) { wasm_rt_stack_floor = (uintptr_t)floor; }

// A trap skips the epilogues that count back down, so the count still says how deep it got.
bool wasm_rt_exhausted_by_count(void) { return wasm_rt_call_stack_depth > WASM_RT_MAX_CALL_DEPTH; }

const char *wasm_rt_strerror(wasm_rt_trap_t trap) {
  switch (trap) {
  case WASM_RT_TRAP_NONE: return "no trap";
  case WASM_RT_TRAP_OOB: return "[trap] out of bounds memory access";
  case WASM_RT_TRAP_INT_OVERFLOW: return "[trap] integer overflow";
  case WASM_RT_TRAP_DIV_BY_ZERO: return "[trap] integer divide by zero";
  case WASM_RT_TRAP_INVALID_CONVERSION: return "[trap] invalid conversion to integer";
  case WASM_RT_TRAP_UNREACHABLE: return "[trap] unreachable executed";
  case WASM_RT_TRAP_CALL_INDIRECT: return "[trap] indirect call type mismatch";
  case WASM_RT_TRAP_UNCAUGHT_EXCEPTION: return "[trap] uncaught exception";
  case WASM_RT_TRAP_EXHAUSTION: return "[trap] stack overflow";
  case WASM_RT_TRAP_HOST_ABORT: return "[trap] program called abort";
  case WASM_RT_TRAP_RESOURCES: return "the module needs more than the runtime's static storage";
  }
  return "[trap] unknown";
}

uint32_t wasm_rt_register_func_type(uint32_t params, uint32_t results, ...) {
  if (params + results > MAX_TYPE_VALUES) wasm_rt_trap(WASM_RT_TRAP_RESOURCES);
  func_type type = {(uint8_t)params, (uint8_t)results, 0};
  va_list values;
  va_start(values, results);
  // The values were passed as wasm_rt_type_t, which varargs promote to int: read them as int.
  for (uint32_t i = 0; i < params + results; i++) type.packed |= (uint64_t)(va_arg(values, int) & 7) << (i * TYPE_BITS);
  va_end(values);
  for (uint32_t i = 0; i < func_type_count; i++) {
    const func_type *known = &func_types[i];
    if (known->params == type.params && known->results == type.results && known->packed == type.packed) return i + 1;
  }
  if (func_type_count == WASM_RT_MAX_FUNC_TYPES) wasm_rt_trap(WASM_RT_TRAP_RESOURCES);
  func_types[func_type_count++] = type;
  return func_type_count; // 0 is never a type: null table elements carry it
}

void wasm_rt_allocate_memory(wasm_rt_memory_t *memory, uint32_t initial_pages, uint32_t max_pages) {
  if (memory_taken) wasm_rt_trap(WASM_RT_TRAP_RESOURCES);
  memory_taken = true;
  uint64_t declared = (uint64_t)initial_pages * 65536u;
  memset(memory->data, 0, sizeof memory->data);
  memory->pages = initial_pages;
  memory->max_pages = max_pages;
  memory->size = declared < sizeof memory->data ? (uint32_t)declared : sizeof memory->data;
}

uint32_t wasm_rt_grow_memory(wasm_rt_memory_t *memory, uint32_t pages) {
  // Only a no-op grow succeeds: the storage is fixed, and the module's own maximum is the page it has.
  return pages == 0 ? memory->pages : UINT32_MAX;
}

void wasm_rt_free_memory(wasm_rt_memory_t *memory) {
  memory->size = 0;
  memory_taken = false;
}

void wasm_rt_allocate_funcref_table(wasm_rt_funcref_table_t *table, uint32_t elements, uint32_t max_elements) {
  if (table_taken || elements > WASM_RT_MAX_TABLE_ELEMENTS) wasm_rt_trap(WASM_RT_TRAP_RESOURCES);
  table_taken = true;
  memset(table_elements, 0, sizeof table_elements);
  table->data = table_elements;
  table->size = elements;
  table->max_size = max_elements;
}

void wasm_rt_free_funcref_table(wasm_rt_funcref_table_t *table) {
  table->data = NULL;
  table->size = 0;
  table_taken = false;
}

void wasm_rt_free(void) {
  memory_taken = table_taken = false;
  func_type_count = 0;
  wasm_rt_call_stack_depth = 0;
  unwind_target = NULL;
}
