// The wasm3 engine: core.wasm interpreted. The module is parsed in place (from
// flash on the board), backed by CORE_MEMORY_LIMIT_BYTES of linear memory,
// and compiled to wasm3's threaded code at boot or lazily (CORE_COMPILE_AT_BOOT).
// The import wrappers below take wasm3's arguments, view the memory as it is
// now (m3_GetMemory on every call: wasm3 may realloc it), call the plain-C
// import and turn a bad pointer into a trap. wasm3 allocates from the
// engine's own list (wasm3_heap.h): a heap with no room ends the call as "out
// of memory" with everything wasm3 held freed. (Built with
// -Wno-unused-parameter: wasm3's raw-function macro names four parameters.)
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include "core_engine.h"
#include "hal.h"
#include "logf.h"
#include "m3_env.h" // M3Runtime.memoryLimit/stackLimit and M3Module's import list have no public accessors
#include "shell_config.h"
#include "wasm3.h"
#include "wasm3_heap.h"
#include "wasm_sections.h"

#define MAX_EXPORTS 24

static struct {
  IM3Environment environment;
  IM3Runtime runtime;
  IM3Module module; // owned by the runtime once loaded
  IM3Function exports[MAX_EXPORTS];
  int export_count;
  M3Result trap;
  bool out_of_heap; // the trap: an allocation found no room (everything wasm3 held is freed)
  char detail[80];
  uint32_t heap;
} engine;

const char *core_engine_name(void) { return "wasm3"; }

// ---- imports ----

static core_memory memory_of(IM3Runtime runtime) {
  uint32_t size = 0;
  uint8_t *base = m3_GetMemory(runtime, &size, 0);
  return (core_memory){.base = base, .size = base ? size : 0};
}

static host_context *context_of(IM3Runtime runtime) { return (host_context *)m3_GetUserData(runtime); }

static M3Result trap_for(import_status status) {
  switch (status) {
  case IMPORT_OK: return m3Err_none;
  case IMPORT_ABORTED: return m3Err_trapAbort;
  default: return m3Err_trapOutOfBoundsMemoryAccess;
  }
}

static m3ApiRawFunction(wrap_host_log) {
  m3ApiGetArg(int32_t, level);
  m3ApiGetArg(uint32_t, ptr);
  m3ApiGetArg(uint32_t, len);
  return trap_for(import_host_log(memory_of(runtime), level, ptr, len));
}

static m3ApiRawFunction(wrap_net_open) {
  m3ApiReturnType(int32_t);
  m3ApiGetArg(uint32_t, ptr);
  m3ApiGetArg(uint32_t, len);
  int32_t result = -1;
  M3Result trap = trap_for(import_net_open(memory_of(runtime), ptr, len, &result));
  if (trap) return trap;
  m3ApiReturn(result);
}

static m3ApiRawFunction(wrap_net_send) {
  m3ApiReturnType(int32_t);
  m3ApiGetArg(int32_t, handle);
  m3ApiGetArg(uint32_t, ptr);
  m3ApiGetArg(uint32_t, len);
  int32_t result = -1;
  M3Result trap = trap_for(import_net_send(memory_of(runtime), handle, ptr, len, &result));
  if (trap) return trap;
  m3ApiReturn(result);
}

static m3ApiRawFunction(wrap_net_close) {
  m3ApiGetArg(int32_t, handle);
  import_net_close(context_of(runtime), handle);
  m3ApiSuccess();
}

static m3ApiRawFunction(wrap_net_ipv4) {
  m3ApiReturnType(uint32_t);
  m3ApiReturn(import_net_ipv4());
}

static m3ApiRawFunction(wrap_net_rssi_dbm) {
  m3ApiReturnType(int32_t);
  m3ApiReturn(import_net_rssi_dbm());
}

static m3ApiRawFunction(wrap_region_commit) {
  m3ApiReturnType(int32_t);
  m3ApiGetArg(uint32_t, ptr);
  m3ApiGetArg(uint32_t, len);
  int32_t result = -1;
  M3Result trap = trap_for(import_region_commit(context_of(runtime), memory_of(runtime), ptr, len, &result));
  if (trap) return trap;
  m3ApiReturn(result);
}

static m3ApiRawFunction(wrap_rodata_read) {
  m3ApiReturnType(int32_t);
  m3ApiGetArg(int32_t, offset);
  m3ApiGetArg(uint32_t, ptr);
  m3ApiGetArg(uint32_t, len);
  m3ApiReturn(import_rodata_read(context_of(runtime), memory_of(runtime), offset, ptr, len));
}

static m3ApiRawFunction(wrap_region_read) {
  m3ApiReturnType(int32_t);
  m3ApiGetArg(int32_t, offset);
  m3ApiGetArg(uint32_t, ptr);
  m3ApiGetArg(uint32_t, len);
  int32_t result = -1;
  M3Result trap = trap_for(import_region_read(context_of(runtime), memory_of(runtime), offset, ptr, len, &result));
  if (trap) return trap;
  m3ApiReturn(result);
}

static m3ApiRawFunction(wrap_board_unique_id) {
  m3ApiReturnType(int32_t);
  m3ApiGetArg(uint32_t, ptr);
  m3ApiGetArg(uint32_t, cap);
  int32_t result = 0;
  M3Result trap = trap_for(import_board_unique_id(memory_of(runtime), ptr, cap, &result));
  if (trap) return trap;
  m3ApiReturn(result);
}

static m3ApiRawFunction(wrap_board_platform) {
  m3ApiReturnType(int32_t);
  m3ApiGetArg(uint32_t, ptr);
  m3ApiGetArg(uint32_t, cap);
  int32_t result = 0;
  M3Result trap = trap_for(import_board_platform(context_of(runtime), memory_of(runtime), ptr, cap, &result));
  if (trap) return trap;
  m3ApiReturn(result);
}

static m3ApiRawFunction(wrap_board_free_heap) {
  m3ApiReturnType(int32_t);
  m3ApiReturn(import_board_free_heap());
}

static m3ApiRawFunction(wrap_board_memory_used) {
  m3ApiReturnType(int32_t);
  m3ApiReturn(import_board_memory_used());
}

static m3ApiRawFunction(wrap_board_temperature_mc) {
  m3ApiReturnType(int32_t);
  m3ApiReturn(import_board_temperature_mc());
}

static m3ApiRawFunction(wrap_board_cpu_busy_ms) {
  m3ApiReturnType(uint32_t);
  m3ApiReturn(import_board_cpu_busy_ms());
}

static m3ApiRawFunction(wrap_random_u32) {
  m3ApiReturnType(uint32_t);
  m3ApiReturn(import_random_u32());
}

static m3ApiRawFunction(wrap_led_set) {
  m3ApiGetArg(int32_t, on);
  import_led_set(on);
  m3ApiSuccess();
}

static m3ApiRawFunction(wrap_tls_csr) {
  m3ApiReturnType(int32_t);
  m3ApiGetArg(uint32_t, name_ptr);
  m3ApiGetArg(uint32_t, name_len);
  m3ApiGetArg(uint32_t, ipv4);
  m3ApiGetArg(uint32_t, out_ptr);
  m3ApiGetArg(uint32_t, out_cap);
  int32_t result = -1;
  M3Result trap = trap_for(import_tls_csr(memory_of(runtime), name_ptr, name_len, ipv4, out_ptr, out_cap, &result));
  if (trap) return trap;
  m3ApiReturn(result);
}

static m3ApiRawFunction(wrap_tls_install) {
  m3ApiReturnType(int32_t);
  m3ApiGetArg(uint32_t, ptr);
  m3ApiGetArg(uint32_t, len);
  int32_t result = -1;
  M3Result trap = trap_for(import_tls_install(memory_of(runtime), ptr, len, &result));
  if (trap) return trap;
  m3ApiReturn(result);
}

static m3ApiRawFunction(wrap_tls_cert_validity) {
  m3ApiReturnType(int32_t);
  m3ApiGetArg(uint32_t, out_ptr);
  int32_t result = -1;
  M3Result trap = trap_for(import_tls_cert_validity(memory_of(runtime), out_ptr, &result));
  if (trap) return trap;
  m3ApiReturn(result);
}

static m3ApiRawFunction(wrap_sha256) {
  m3ApiGetArg(uint32_t, ptr);
  m3ApiGetArg(uint32_t, len);
  m3ApiGetArg(uint32_t, out_ptr);
  return trap_for(import_sha256(memory_of(runtime), ptr, len, out_ptr));
}

static m3ApiRawFunction(wrap_firmware_identity) {
  m3ApiReturnType(int32_t);
  m3ApiGetArg(uint32_t, out_ptr);
  int32_t result = -1;
  M3Result trap = trap_for(import_firmware_identity(memory_of(runtime), out_ptr, &result));
  if (trap) return trap;
  m3ApiReturn(result);
}

static m3ApiRawFunction(wrap_firmware_boot_state) {
  m3ApiReturnType(int32_t);
  m3ApiGetArg(uint32_t, out_ptr);
  int32_t result = 0;
  M3Result trap = trap_for(import_firmware_boot_state(memory_of(runtime), out_ptr, &result));
  if (trap) return trap;
  m3ApiReturn(result);
}

static m3ApiRawFunction(wrap_firmware_slot_write) {
  m3ApiReturnType(int32_t);
  m3ApiGetArg(uint32_t, offset);
  m3ApiGetArg(uint32_t, ptr);
  m3ApiGetArg(uint32_t, len);
  int32_t result = -1;
  M3Result trap = trap_for(import_firmware_slot_write(memory_of(runtime), offset, ptr, len, &result));
  if (trap) return trap;
  m3ApiReturn(result);
}

static m3ApiRawFunction(wrap_firmware_slot_finish) {
  m3ApiReturnType(int32_t);
  m3ApiGetArg(uint32_t, sha_ptr);
  int32_t result = -1;
  M3Result trap = trap_for(import_firmware_slot_finish(memory_of(runtime), sha_ptr, &result));
  if (trap) return trap;
  m3ApiReturn(result);
}

static m3ApiRawFunction(wrap_firmware_install) {
  m3ApiReturnType(int32_t);
  m3ApiReturn(import_firmware_install());
}

static m3ApiRawFunction(wrap_firmware_confirm) {
  m3ApiReturnType(int32_t);
  m3ApiReturn(import_firmware_confirm());
}

static m3ApiRawFunction(wrap_abort) {
  m3ApiGetArg(uint32_t, msg);
  m3ApiGetArg(uint32_t, file);
  m3ApiGetArg(uint32_t, line);
  m3ApiGetArg(uint32_t, col);
  return trap_for(import_abort(memory_of(runtime), msg, file, line, col));
}

static bool failed(const char *stage, M3Result result) {
  if (result == m3Err_none) return false;
  engine.trap = result;
  logf_line(LOG_ERROR, "wasm3 %s failed: %s", stage, result);
  return true;
}

typedef struct import_binding {
  const char *name;
  const char *signature;
  M3RawCall wrapper;
} import_binding;

#define BINDING(name, signature) {#name, signature, wrap_##name},
static const import_binding IMPORTS[] = {HOST_IMPORT_LIST(BINDING)};

/**
 * Links every host import. One the core does not import is fine (the host
 * may offer more); a signature mismatch fails boot naming the import. Then any
 * import of the core that nothing linked fails boot, each one named.
 */
static bool link_imports(IM3Module module) {
  bool ok = true;
  for (size_t i = 0; i < sizeof IMPORTS / sizeof IMPORTS[0]; i++) {
    M3Result result = m3_LinkRawFunction(module, "env", IMPORTS[i].name, IMPORTS[i].signature, IMPORTS[i].wrapper);
    if (result == m3Err_functionLookupFailed) continue; // not imported by this core
    if (result != m3Err_none) {
      logf_line(LOG_ERROR, "import env.%s: %s (host signature differs from the core's)", IMPORTS[i].name, result);
      ok = false;
    }
  }
  for (uint32_t i = 0; i < module->numFuncImports; i++) {
    const M3Function *fn = &module->functions[i];
    if (fn->compiled == NULL) {
      logf_line(LOG_ERROR, "core.wasm imports %s.%s, which this host does not provide",
                fn->import.moduleUtf8 ? fn->import.moduleUtf8 : "?", fn->import.fieldUtf8 ? fn->import.fieldUtf8 : "?");
      ok = false;
    }
  }
  return ok;
}

// ---- the engine ----

// Every entry into wasm3 runs guarded: an allocation that finds no room on the
// heap unwinds here (wasm3_heap.h), everything wasm3 held is freed at once,
// and the call fails as "out of memory" (the shell then boots a fresh core).

typedef bool (*engine_work)(void *arg);

/** The heap had no room for wasm3: its blocks are freed, the engine is empty and says why. */
static bool out_of_heap(const char *during) {
  wasm3_heap_unwind_to(NULL);
  unsigned long blocks = (unsigned long)wasm3_heap_free_all();
  memset(&engine, 0, sizeof engine);
  engine.trap = m3Err_mallocFailed;
  engine.out_of_heap = true;
  snprintf(engine.detail, sizeof engine.detail, "the heap had no room during %s; wasm3's %lu blocks freed", during, blocks);
  return false;
}

static bool guarded(engine_work work, void *arg, const char *during) {
  jmp_buf no_room;
  if (setjmp(no_room) != 0) return out_of_heap(during);
  wasm3_heap_unwind_to(&no_room);
  bool ok = work(arg);
  wasm3_heap_unwind_to(NULL);
  return ok;
}

typedef struct load_args {
  const uint8_t *wasm;
  size_t wasm_len;
  host_context *context;
} load_args;

static bool load(void *arg) {
  const load_args *a = arg;
  uint32_t stages[5], base = hal_heap_used(), mark = base; // environment, runtime, parse, load, compile
#define HEAP_STAGE(i) (stages[i] = hal_heap_used() - mark, mark = hal_heap_used())
  engine.environment = m3_NewEnvironment();
  HEAP_STAGE(0);
  engine.runtime = m3_NewRuntime(engine.environment, WASM3_STACK_BYTES, a->context);
  // Back only what the core uses, not the 64 KiB page it declares (BRIEF §2).
  engine.runtime->memoryLimit = CORE_MEMORY_LIMIT_BYTES;
  HEAP_STAGE(1);
  IM3Module module = NULL;
  if (failed("parse", m3_ParseModule(engine.environment, &module, a->wasm, (uint32_t)a->wasm_len))) return false;
  HEAP_STAGE(2);
  M3Result loaded = m3_LoadModule(engine.runtime, module);
  if (loaded != m3Err_none) {
    m3_FreeModule(module); // not owned by the runtime when loading failed
    failed("load", loaded);
    return false;
  }
  engine.module = module;
  HEAP_STAGE(3);
  if (!link_imports(module)) return false;
#if CORE_COMPILE_AT_BOOT
  // Everything compiled now: the heap a running core needs is known at boot, not found short later.
  if (failed("compile", m3_CompileModule(module))) return false;
#endif
  HEAP_STAGE(4);
#undef HEAP_STAGE
  engine.heap = hal_heap_used() - base;
  logf_line(LOG_INFO, "wasm3 heap: environment %lu, runtime %lu, parse %lu, load %lu, compile %lu; total %lu bytes",
            (unsigned long)stages[0], (unsigned long)stages[1], (unsigned long)stages[2], (unsigned long)stages[3],
            (unsigned long)stages[4], (unsigned long)engine.heap);
  return true;
}

bool core_engine_load(const uint8_t *wasm, size_t wasm_len, host_context *context) {
  memset(&engine, 0, sizeof engine);
  context->rodata = NULL;
  context->rodata_len = 0;
  wasm_find_custom_section(wasm, wasm_len, RODATA_SECTION, &context->rodata, &context->rodata_len);
  load_args args = {wasm, wasm_len, context};
  return guarded(load, &args, "loading");
}

uint32_t core_engine_heap(void) { return engine.heap; }

static bool all_i32(IM3Function fn) {
  for (uint32_t i = 0; i < m3_GetArgCount(fn); i++)
    if (m3_GetArgType(fn, i) != c_m3Type_i32) return false;
  for (uint32_t i = 0; i < m3_GetRetCount(fn); i++)
    if (m3_GetRetType(fn, i) != c_m3Type_i32) return false;
  return true;
}

typedef struct export_args {
  const char *name;
  unsigned args, results;
  int found;
} export_args;

static bool find_export(void *arg) {
  export_args *a = arg;
  IM3Function fn = NULL;
  // wasm3 compiles the function when it is found, if it is not compiled yet.
  if (engine.export_count == MAX_EXPORTS || m3_FindFunction(&fn, engine.runtime, a->name) != m3Err_none)
    a->found = CORE_EXPORT_ABSENT;
  else if (m3_GetArgCount(fn) != a->args || m3_GetRetCount(fn) != a->results || !all_i32(fn))
    a->found = CORE_EXPORT_WRONG_SIGNATURE;
  else {
    engine.exports[engine.export_count] = fn;
    a->found = engine.export_count++;
  }
  return true;
}

int core_engine_export(const char *name, unsigned args, unsigned results) {
  export_args a = {name, args, results, CORE_EXPORT_ABSENT};
  return guarded(find_export, &a, "finding an export") ? a.found : CORE_EXPORT_OUT_OF_MEMORY;
}

/** Notes why a call failed, with the innermost function's module offset when wasm3 recorded it. */
static bool trapped(M3Result result) {
  engine.trap = result;
  engine.detail[0] = '\0';
  M3ErrorInfo info;
  m3_GetErrorInfo(engine.runtime, &info);
  IM3BacktraceInfo trace = m3_GetBacktrace(engine.runtime);
  if (info.message && info.message[0]) snprintf(engine.detail, sizeof engine.detail, "%s", info.message);
  else if (trace && trace->lastFrame && trace->lastFrame != M3_BACKTRACE_TRUNCATED)
    snprintf(engine.detail, sizeof engine.detail, "module offset 0x%lx", (unsigned long)trace->lastFrame->moduleOffset);
  return false;
}

static bool run_start(void *arg) {
  (void)arg;
  engine.runtime->stackLimit = hal_stack_floor(); // a runaway recursion traps before it leaves the stack in use
  M3Result result = m3_RunStart(engine.module);
  return result == m3Err_none || trapped(result);
}

bool core_engine_start(void) { return guarded(run_start, NULL, "the start function"); }

typedef struct call_args {
  int fn;
  const uint32_t *args;
  unsigned argc;
  uint32_t *result;
} call_args;

static bool run_call(void *arg) {
  const call_args *c = arg;
  if (c->fn < 0 || c->fn >= engine.export_count || c->argc > 4) return trapped("no such export");
  IM3Function function = engine.exports[c->fn];
  engine.runtime->stackLimit = hal_stack_floor();
  const void *argv[4];
  for (unsigned i = 0; i < c->argc; i++) argv[i] = &c->args[i];
  M3Result status = m3_Call(function, c->argc, argv);
  if (status == m3Err_none && m3_GetRetCount(function) > 0) status = m3_GetResultsV(function, c->result);
  return status == m3Err_none || trapped(status);
}

bool core_engine_call(int fn, const uint32_t *args, unsigned argc, uint32_t *result) {
  call_args c = {fn, args, argc, result};
  return guarded(run_call, &c, "a call (compiling the code it reached)");
}

core_trap core_engine_trap(void) {
  return (core_trap){.reason = engine.trap ? engine.trap : "no trap", .detail = engine.detail[0] ? engine.detail : NULL,
                     .out_of_memory = engine.out_of_heap};
}

core_memory core_engine_memory(void) { return engine.runtime ? memory_of(engine.runtime) : (core_memory){NULL, 0}; }

void core_engine_unload(void) {
  wasm3_heap_free_all(); // the environment, runtime, module and compiled code: everything wasm3 holds, at once
  memset(&engine, 0, sizeof engine);
}
