#include "core_runner.h"

#include <stdio.h>
#include <string.h>

#include "hal.h"
#include "logf.h"
#include "import_table.h"
#include "wasm_sections.h"
#include "m3_env.h" // M3Runtime.memoryLimit/stackLimit and M3Module's import list have no public accessors
#include "shell_config.h"

/** Logs a trap: its reason, the export that was running and, when recorded, the innermost function. */
static void report_trap(core_runner *core, const char *export_name, M3Result result) {
  M3ErrorInfo info;
  m3_GetErrorInfo(core->runtime, &info);
  logf_line(LOG_ERROR, "core trapped in %s: %s", export_name, result);
  if (info.message && info.message[0]) logf_line(LOG_ERROR, "trap detail: %s", info.message);
  IM3BacktraceInfo trace = m3_GetBacktrace(core->runtime);
  if (trace && trace->lastFrame && trace->lastFrame != M3_BACKTRACE_TRUNCATED) {
    logf_line(LOG_ERROR, "trap site: module offset 0x%lx", (unsigned long)trace->lastFrame->moduleOffset);
  }
  core->running = false;
}

/** Calls an export with i32 arguments and at most one i32 result. */
static bool call(core_runner *core, IM3Function fn, const char *name, uint32_t argc, const uint32_t *args,
                 uint32_t *ret) {
  if (!core->running) return false;
  core->runtime->stackLimit = hal_stack_floor(); // a runaway recursion traps before it leaves the stack in use
  const void *argv[4];
  for (uint32_t i = 0; i < argc && i < 4; i++) argv[i] = &args[i];
  M3Result result = m3_Call(fn, argc, argv);
  if (result == m3Err_none && ret != NULL) result = m3_GetResultsV(fn, ret);
  if (result != m3Err_none) {
    report_trap(core, name, result);
    return false;
  }
  return true;
}

// ---- boot ----

typedef struct export_spec {
  const char *name;
  uint8_t args, results;
  size_t offset; // of its IM3Function in core_exports
} export_spec;

#define EXPORT(name, args, results) {#name, args, results, offsetof(core_exports, name)}
static const export_spec EXPORTS[] = {
    EXPORT(abi_version, 0, 1),      EXPORT(io_buffer, 0, 1),       EXPORT(io_capacity, 0, 1),
    EXPORT(configure, 1, 1),        EXPORT(kubelet_port, 0, 1),    EXPORT(start, 1, 1),
    EXPORT(tick, 1, 0),             EXPORT(on_net_connected, 1, 0), EXPORT(on_net_data, 2, 0),
    EXPORT(on_net_closed, 1, 0),    EXPORT(on_net_error, 2, 0),    EXPORT(on_server_accept, 1, 0),
    EXPORT(on_server_data, 2, 0),   EXPORT(on_server_closed, 1, 0), EXPORT(mem_used, 0, 1),
};

static bool all_i32(IM3Function fn) {
  for (uint32_t i = 0; i < m3_GetArgCount(fn); i++)
    if (m3_GetArgType(fn, i) != c_m3Type_i32) return false;
  for (uint32_t i = 0; i < m3_GetRetCount(fn); i++)
    if (m3_GetRetType(fn, i) != c_m3Type_i32) return false;
  return true;
}

static bool find_exports(core_runner *core) {
  bool ok = true;
  for (size_t i = 0; i < sizeof EXPORTS / sizeof EXPORTS[0]; i++) {
    const export_spec *spec = &EXPORTS[i];
    IM3Function *slot = (IM3Function *)((uint8_t *)&core->fn + spec->offset);
    M3Result result = m3_FindFunction(slot, core->runtime, spec->name);
    if (result != m3Err_none) {
      logf_line(LOG_ERROR, "core.wasm lacks export %s (%s)", spec->name, result);
      ok = false;
    } else if (m3_GetArgCount(*slot) != spec->args || m3_GetRetCount(*slot) != spec->results || !all_i32(*slot)) {
      logf_line(LOG_ERROR, "core.wasm export %s has the wrong signature", spec->name);
      ok = false;
    }
  }
  return ok;
}

/**
 * Links every table entry. An entry the core does not import is fine (the host
 * may offer more); a signature mismatch fails boot naming the import. Then any
 * import of the core that nothing linked fails boot, each one named.
 */
static bool link_imports(core_runner *core) {
  bool ok = true;
  for (size_t i = 0; i < IMPORT_TABLE_LENGTH; i++) {
    const import_entry *entry = &IMPORT_TABLE[i];
    M3Result result = m3_LinkRawFunction(core->module, "env", entry->name, entry->signature, entry->wrapper);
    if (result == m3Err_functionLookupFailed) continue; // not imported by this core
    if (result != m3Err_none) {
      logf_line(LOG_ERROR, "import env.%s: %s (host signature differs from the core's)", entry->name, result);
      ok = false;
    }
  }
  IM3Module module = core->module;
  for (uint32_t i = 0; i < module->numFuncImports; i++) {
    const M3Function *fn = &module->functions[i];
    if (fn->compiled == NULL) {
      logf_line(LOG_ERROR, "core.wasm imports %s.%s, which this host does not provide", fn->import.moduleUtf8 ? fn->import.moduleUtf8 : "?",
               fn->import.fieldUtf8 ? fn->import.fieldUtf8 : "?");
      ok = false;
    }
  }
  return ok;
}

static bool failed(const char *stage, M3Result result) {
  if (result == m3Err_none) return false;
  logf_line(LOG_ERROR, "wasm3 %s failed: %s", stage, result);
  return true;
}

/** Creates the engine and loads, links and compiles the module, measuring each stage's heap. */
static bool instantiate(core_runner *core, const uint8_t *wasm, size_t wasm_len, host_context *context) {
  uint32_t base = hal_heap_used(), mark = base;
#define HEAP_STAGE(field) (core->heap.field = hal_heap_used() - mark, mark = hal_heap_used())
  core->environment = m3_NewEnvironment();
  if (core->environment == NULL) return logf_line(LOG_ERROR, "wasm3: no memory for the environment"), false;
  HEAP_STAGE(environment);
  core->runtime = m3_NewRuntime(core->environment, WASM3_STACK_BYTES, context);
  if (core->runtime == NULL) return logf_line(LOG_ERROR, "wasm3: no memory for the runtime"), false;
  // Back only what the core uses, not the 64 KiB page it declares (BRIEF §2).
  core->runtime->memoryLimit = CORE_MEMORY_LIMIT_BYTES;
  HEAP_STAGE(runtime);
  IM3Module module = NULL;
  if (failed("parse", m3_ParseModule(core->environment, &module, wasm, (uint32_t)wasm_len))) return false;
  HEAP_STAGE(parse);
  M3Result loaded = m3_LoadModule(core->runtime, module);
  if (loaded != m3Err_none) {
    m3_FreeModule(module); // not owned by the runtime when loading failed
    failed("load", loaded);
    return false;
  }
  core->module = module;
  HEAP_STAGE(load);
  if (!link_imports(core)) return false;
#if CORE_COMPILE_AT_BOOT
  // Everything compiled now: the heap a running core needs is known at boot, not found short later.
  if (failed("compile", m3_CompileModule(module))) return false;
#endif
  HEAP_STAGE(compile);
  core->heap.total = hal_heap_used() - base;
#undef HEAP_STAGE
  return true;
}

/** Writes the configuration into io_buffer (bounds-checked against the memory as it is now). */
static bool write_config(core_runner *core, const char *config, size_t len) {
  uint32_t io_ptr = 0;
  if (!call(core, core->fn.io_buffer, "io_buffer", 0, NULL, &io_ptr)) return false;
  if (len > core->io_capacity) {
    logf_line(LOG_ERROR, "configuration is %lu bytes; the core takes at most %lu", (unsigned long)len,
              (unsigned long)core->io_capacity);
    return false;
  }
  uint32_t size = 0;
  uint8_t *base = m3_GetMemory(core->runtime, &size, 0);
  core_memory mem = {base, base ? size : 0};
  uint8_t *io = core_bytes(mem, io_ptr, (uint32_t)len);
  if (io == NULL) return logf_line(LOG_ERROR, "core's io_buffer lies outside its memory"), false;
  memcpy(io, config, len);
  return true;
}

bool core_boot(core_runner *core, const uint8_t *wasm, size_t wasm_len, const char *config, size_t config_len,
               host_context *context, uint32_t now_ms) {
  memset(core, 0, sizeof *core);
  if (!wasm_find_custom_section(wasm, wasm_len, RODATA_SECTION, &context->rodata, &context->rodata_len)) {
    logf_line(LOG_ERROR, "core.wasm has no \"%s\" section (built without tools/compact-text?)", RODATA_SECTION);
    return false;
  }
  if (!instantiate(core, wasm, wasm_len, context) || !find_exports(core)) return false;
  core->running = true;
  // Static data and the objects the core allocates up front: a limit too small shows here.
  core->runtime->stackLimit = hal_stack_floor();
  M3Result started = m3_RunStart(core->module);
  if (started != m3Err_none) {
    report_trap(core, "the start function", started);
    logf_line(LOG_ERROR, "(the core's static data may not fit in the %lu bytes backed: CORE_MEMORY_LIMIT_BYTES)",
               (unsigned long)CORE_MEMORY_LIMIT_BYTES);
    return false;
  }
  uint32_t abi = 0;
  if (!call(core, core->fn.abi_version, "abi_version", 0, NULL, &abi)) return false;
  if (abi != HOST_ABI_VERSION) {
    logf_line(LOG_ERROR, "core.wasm speaks host ABI %lu; this host speaks %lu", (unsigned long)abi,
              (unsigned long)HOST_ABI_VERSION);
    core->running = false;
    return false;
  }
  if (!call(core, core->fn.io_capacity, "io_capacity", 0, NULL, &core->io_capacity)) return false;
  if (!write_config(core, config, config_len)) return (core->running = false);
  uint32_t args[2] = {(uint32_t)config_len, 0}, result = 0;
  if (!call(core, core->fn.configure, "configure", 1, args, &result)) return false;
  if (result != 0) {
    logf_line(LOG_ERROR, "core rejected the configuration: %lu error(s), each logged above", (unsigned long)result);
    return (core->running = false);
  }
  uint32_t port = 0;
  if (!call(core, core->fn.kubelet_port, "kubelet_port", 0, NULL, &port)) return false;
  core->kubelet_port = (uint16_t)port;
  args[0] = now_ms;
  if (!call(core, core->fn.start, "start", 1, args, &result)) return false;
  if (result != 0) {
    logf_line(LOG_ERROR, "core refused to start");
    return (core->running = false);
  }
  if (!call(core, core->fn.mem_used, "mem_used", 0, NULL, &core->mem_used)) return false;
  if (core->mem_used > CORE_MEMORY_LIMIT_BYTES) {
    logf_line(LOG_ERROR, "core uses %lu bytes of memory; only %lu are backed (raise CORE_MEMORY_LIMIT_BYTES)",
              (unsigned long)core->mem_used, (unsigned long)CORE_MEMORY_LIMIT_BYTES);
    return (core->running = false);
  }
  logf_line(LOG_INFO, "core memory: %lu of %lu bytes backed in use", (unsigned long)core->mem_used,
            (unsigned long)CORE_MEMORY_LIMIT_BYTES);
  logf_line(LOG_INFO, "wasm3 heap: environment %lu, runtime %lu, parse %lu, load %lu, compile %lu; total %lu bytes",
                   (unsigned long)core->heap.environment, (unsigned long)core->heap.runtime,
                   (unsigned long)core->heap.parse, (unsigned long)core->heap.load, (unsigned long)core->heap.compile,
                   (unsigned long)core->heap.total);
  return true;
}

bool core_tick(core_runner *core, uint32_t now_ms) { return call(core, core->fn.tick, "tick", 1, &now_ms, NULL); }

/** Copies one piece of received bytes into io_buffer and calls the data export. */
static bool deliver_bytes(core_runner *core, IM3Function fn, const char *name, int32_t handle, const uint8_t *bytes,
                          uint32_t len) {
  uint32_t io_ptr = 0;
  if (!call(core, core->fn.io_buffer, "io_buffer", 0, NULL, &io_ptr)) return false;
  uint32_t size = 0;
  uint8_t *base = m3_GetMemory(core->runtime, &size, 0);
  uint8_t *io = core_bytes((core_memory){base, base ? size : 0}, io_ptr, len);
  if (io == NULL) {
    logf_line(LOG_ERROR, "core's io_buffer lies outside its memory");
    core->running = false;
    return false;
  }
  memcpy(io, bytes, len);
  uint32_t args[2] = {(uint32_t)handle, len};
  return call(core, fn, name, 2, args, NULL);
}

bool core_deliver(core_runner *core, const event *e) {
  uint32_t args[2] = {(uint32_t)e->handle, (uint32_t)e->code};
  switch ((event_type)e->type) {
  case EVENT_NONE: return true;
  case EVENT_NET_CONNECTED: return call(core, core->fn.on_net_connected, "on_net_connected", 1, args, NULL);
  case EVENT_NET_CLOSED: return call(core, core->fn.on_net_closed, "on_net_closed", 1, args, NULL);
  case EVENT_NET_ERROR: return call(core, core->fn.on_net_error, "on_net_error", 2, args, NULL);
  case EVENT_SERVER_ACCEPT: return call(core, core->fn.on_server_accept, "on_server_accept", 1, args, NULL);
  case EVENT_SERVER_CLOSED: return call(core, core->fn.on_server_closed, "on_server_closed", 1, args, NULL);
  case EVENT_NET_DATA:
  case EVENT_SERVER_DATA: {
    bool server = e->type == EVENT_SERVER_DATA;
    IM3Function fn = server ? core->fn.on_server_data : core->fn.on_net_data;
    const char *name = server ? "on_server_data" : "on_net_data";
    uint32_t step = core->io_capacity ? core->io_capacity : 1;
    for (uint32_t off = 0; off < e->len; off += step) {
      uint32_t n = e->len - off < step ? e->len - off : step;
      if (!deliver_bytes(core, fn, name, e->handle, e->data + off, n)) return false;
      if (e->type == EVENT_NONE) break; // the core closed the connection while reading
    }
    return true;
  }
  }
  return true;
}

bool core_probe_abi(const uint8_t *wasm, size_t wasm_len, host_context *context, uint32_t *abi) {
  core_runner core;
  memset(&core, 0, sizeof core);
  bool ok = instantiate(&core, wasm, wasm_len, context) && find_exports(&core);
  if (ok) {
    core.running = true;
    core.runtime->stackLimit = hal_stack_floor();
    ok = m3_RunStart(core.module) == m3Err_none && call(&core, core.fn.abi_version, "abi_version", 0, NULL, abi);
  }
  core_shutdown(&core);
  return ok;
}

void core_shutdown(core_runner *core) {
  if (core->runtime) m3_FreeRuntime(core->runtime); // frees the loaded module too
  else if (core->module) m3_FreeModule(core->module);
  if (core->environment) m3_FreeEnvironment(core->environment);
  memset(core, 0, sizeof *core);
}
