// The contract between the boot sequence (core_runner.c, the same for every
// engine) and an engine that runs core.wasm: engine_wasm3.c interprets the
// module it is given; engine_aot.c runs the same module transpiled to C by
// wasm2c at build time. One core at a time. Host imports are the plain-C
// functions of host_imports.c; an engine only binds them to its calls.
//
// Whatever goes wrong is logged here, naming what: a missing or mistyped
// import, a module that is not the one compiled in. Traps are reported with
// the same texts by both engines ("[trap] out of bounds memory access").
#ifndef CORE_ENGINE_H
#define CORE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core_memory.h"
#include "host_imports.h"

#define RODATA_SECTION "pico.rodata"

enum {
  CORE_EXPORT_ABSENT = -1,         // core_engine_export: the module has no such export
  CORE_EXPORT_WRONG_SIGNATURE = -2, // it has, with other parameters or results
  CORE_EXPORT_OUT_OF_MEMORY = -3,   // it has, but the engine found no memory to prepare it (wasm3 compiles it then)
};

typedef struct core_trap {
  const char *reason; // e.g. "[trap] unreachable executed"
  const char *detail; // the engine's own words about it, or NULL
  bool out_of_memory; // the engine could not allocate (wasm3): not the core's fault, a fresh start may work
} core_trap;

/** "wasm3" or "aot (wasm2c 1.0.32)": for logs, the node's kernelVersion and the resource report. */
const char *core_engine_name(void);
/**
 * Loads the module and links every import from HOST_IMPORT_LIST, logging each
 * one the core needs that the host lacks or types differently; points
 * context->rodata at the module's "pico.rodata" section (NULL if absent).
 * wasm3 parses `wasm` in place (it must outlive the engine); the AOT engine
 * runs the module compiled in and, when `wasm` is not empty, checks that it
 * is the module it was compiled from. No wasm code runs yet.
 */
bool core_engine_load(const uint8_t *wasm, size_t wasm_len, host_context *context);
/** The export `name` taking `args` i32 values and returning `results` (0 or 1): a handle >= 0, or CORE_EXPORT_*. */
int core_engine_export(const char *name, unsigned args, unsigned results);
/** Initializes the memory and runs the module's start function. False if it trapped (core_engine_trap). */
bool core_engine_start(void);
/** Calls an export; *result gets its result, if any. False if it trapped. */
bool core_engine_call(int fn, const uint32_t *args, unsigned argc, uint32_t *result);
/** Why the last load, start or call failed. */
core_trap core_engine_trap(void);
/** The core's memory as it is now: base and the bytes backed. Valid until the next call. */
core_memory core_engine_memory(void);
/** Heap bytes the engine took to load the module (wasm3's compiled code grows it later; AOT takes none). */
uint32_t core_engine_heap(void);
/** Frees everything the engine holds; it may load again. */
void core_engine_unload(void);

#endif
