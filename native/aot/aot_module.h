// What the build generates beside wasm2c's output (native/aot/glue.mjs): the
// module's exports and imports by name and signature, its fixed texts, and
// the wasm it came from, so the AOT engine checks them at boot as wasm3
// checks a module it loads. Signatures are written results then (params),
// i = i32, I = i64, f = f32, F = f64, v = none (wasm3's form).
#ifndef AOT_MODULE_H
#define AOT_MODULE_H

#include <stdbool.h>
#include <stdint.h>

#include "wasm-rt.h"

typedef void (*aot_function)(void);
/** Calls an export whose parameters and result are all i32 (the result is 0 for none). */
typedef uint32_t (*aot_export_call)(const uint32_t *args);

typedef struct aot_export {
  const char *name;
  const char *signature;
  aot_export_call call; // NULL unless every value is i32
} aot_export;

typedef struct aot_import {
  const char *module, *name;
  const char *signature;
  aot_function bound;   // what the link resolved the import to
  aot_function missing; // the weak stand-in it resolves to when no host function is linked
} aot_import;

typedef struct aot_module {
  const char *wasm2c_version;
  uint32_t wasm_length, wasm_crc32; // of the core.wasm it was generated from
  const uint8_t *rodata;            // the "pico.rodata" custom section (in flash), NULL if absent
  uint32_t rodata_length;
  /** Initializes memory, table and data segments, then runs the start function (may trap). */
  void (*instantiate)(void *host);
  void (*release)(void);
  /** The exported memory, NULL if the module exports none. */
  wasm_rt_memory_t *(*memory)(void);
  const aot_export *exports;
  uint32_t export_count;
  const aot_import *imports;
  uint32_t import_count;
} aot_module;

extern const aot_module AOT_CORE;

#endif
