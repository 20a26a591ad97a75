#include "core_runner.h"

#include <string.h>

#include "core_engine.h"
#include "logf.h"
#include "shell_config.h"

typedef struct export_spec {
  const char *name;
  uint8_t args, results;
} export_spec;

static const export_spec EXPORTS[CORE_EXPORT_COUNT] = {
    [CORE_ABI_VERSION] = {"abi_version", 0, 1},     [CORE_IO_BUFFER] = {"io_buffer", 0, 1},
    [CORE_IO_CAPACITY] = {"io_capacity", 0, 1},     [CORE_CONFIGURE] = {"configure", 1, 1},
    [CORE_KUBELET_PORT] = {"kubelet_port", 0, 1},   [CORE_START] = {"start", 1, 1},
    [CORE_TICK] = {"tick", 1, 0},                   [CORE_ON_NET_CONNECTED] = {"on_net_connected", 1, 0},
    [CORE_ON_NET_DATA] = {"on_net_data", 2, 0},     [CORE_ON_NET_CLOSED] = {"on_net_closed", 1, 0},
    [CORE_ON_NET_ERROR] = {"on_net_error", 2, 0},   [CORE_ON_SERVER_ACCEPT] = {"on_server_accept", 3, 0},
    [CORE_ON_SERVER_DATA] = {"on_server_data", 2, 0}, [CORE_ON_SERVER_CLOSED] = {"on_server_closed", 1, 0},
    [CORE_MEM_USED] = {"mem_used", 0, 1},           [CORE_HEALTHZ_PORT] = {"healthz_port", 0, 1},
    [CORE_SERVER_MAKE_ROOM] = {"server_make_room", 0, 1},
};

/** Logs a trap: its reason, the export that was running and the engine's detail. */
static void report_trap(core_runner *core, const char *where) {
  core_trap trap = core_engine_trap();
  logf_line(LOG_ERROR, "core trapped in %s: %s", where, trap.reason);
  if (trap.detail) logf_line(LOG_ERROR, "trap detail: %s", trap.detail);
  if (trap.out_of_memory) logf_line(LOG_ERROR, "(out of memory, not a bug in the core: a restart starts it on a fresh heap)");
  core->out_of_memory = trap.out_of_memory;
  core->running = false;
}

/** Calls an export with i32 arguments and at most one i32 result. */
static bool call(core_runner *core, core_export which, const uint32_t *args, uint32_t *ret) {
  if (!core->running) return false;
  uint32_t result = 0;
  if (!core_engine_call(core->fn[which], args, EXPORTS[which].args, &result)) {
    report_trap(core, EXPORTS[which].name);
    return false;
  }
  if (ret != NULL) *ret = result;
  return true;
}

static bool find_exports(core_runner *core) {
  bool ok = true;
  for (int i = 0; i < CORE_EXPORT_COUNT; i++) {
    const export_spec *spec = &EXPORTS[i];
    core->fn[i] = core_engine_export(spec->name, spec->args, spec->results);
    if (core->fn[i] == CORE_EXPORT_ABSENT) logf_line(LOG_ERROR, "core.wasm lacks export %s", spec->name);
    if (core->fn[i] == CORE_EXPORT_WRONG_SIGNATURE) logf_line(LOG_ERROR, "core.wasm export %s has the wrong signature", spec->name);
    if (core->fn[i] == CORE_EXPORT_OUT_OF_MEMORY) {
      logf_line(LOG_ERROR, "no memory to prepare the core's export %s (%s)", spec->name, core_engine_trap().detail);
      core->out_of_memory = true;
      return false;
    }
    ok &= core->fn[i] >= 0;
  }
  return ok;
}

/** Loads the module, finds its texts and exports, and runs its start function. */
static bool instantiate(core_runner *core, const uint8_t *wasm, size_t wasm_len, host_context *context) {
  context->engine = core_engine_name();
  core->loaded = true;
  if (!core_engine_load(wasm, wasm_len, context)) {
    core_trap trap = core_engine_trap();
    if (trap.out_of_memory) logf_line(LOG_ERROR, "core.wasm did not load: %s (%s)", trap.reason, trap.detail);
    core->out_of_memory = trap.out_of_memory;
    return false;
  }
  core->engine_heap = core_engine_heap();
  if (context->rodata == NULL) {
    logf_line(LOG_ERROR, "core.wasm has no \"%s\" section (built without tools/compact-text?)", RODATA_SECTION);
    return false;
  }
  if (!find_exports(core)) return false;
  core->running = true;
  // Static data and the objects the core allocates up front: a memory limit too small shows here.
  if (!core_engine_start()) {
    report_trap(core, "the start function");
    if (!core->out_of_memory)
      logf_line(LOG_ERROR, "(the core's static data may not fit in the %lu bytes backed: CORE_MEMORY_LIMIT_BYTES)",
                (unsigned long)CORE_MEMORY_LIMIT_BYTES);
    return false;
  }
  return true;
}

/** Copies bytes into io_buffer, bounds-checked against the memory as it is now. */
static bool write_io(core_runner *core, const uint8_t *bytes, uint32_t len) {
  uint32_t io_ptr = 0;
  if (!call(core, CORE_IO_BUFFER, NULL, &io_ptr)) return false;
  uint8_t *io = core_bytes(core_engine_memory(), io_ptr, len);
  if (io == NULL) {
    logf_line(LOG_ERROR, "core's io_buffer lies outside its memory");
    core->running = false;
    return false;
  }
  memcpy(io, bytes, len);
  return true;
}

bool core_boot(core_runner *core, const uint8_t *wasm, size_t wasm_len, const char *config, size_t config_len,
               host_context *context, uint32_t now_ms) {
  memset(core, 0, sizeof *core);
  if (!instantiate(core, wasm, wasm_len, context)) return (core->running = false);
  uint32_t abi = 0;
  if (!call(core, CORE_ABI_VERSION, NULL, &abi)) return false;
  if (abi != HOST_ABI_VERSION) {
    logf_line(LOG_ERROR, "core.wasm speaks host ABI %lu; this host speaks %lu", (unsigned long)abi,
              (unsigned long)HOST_ABI_VERSION);
    return (core->running = false);
  }
  if (!call(core, CORE_IO_CAPACITY, NULL, &core->io_capacity)) return false;
  if (config_len > core->io_capacity) {
    logf_line(LOG_ERROR, "configuration is %lu bytes; the core takes at most %lu", (unsigned long)config_len,
              (unsigned long)core->io_capacity);
    return (core->running = false);
  }
  if (!write_io(core, (const uint8_t *)config, (uint32_t)config_len)) return false;
  uint32_t args[2] = {(uint32_t)config_len, 0}, result = 0;
  if (!call(core, CORE_CONFIGURE, args, &result)) return false;
  if (result != 0) {
    logf_line(LOG_ERROR, "core rejected the configuration: %lu error(s), each logged above", (unsigned long)result);
    return (core->running = false);
  }
  uint32_t port = 0;
  if (!call(core, CORE_KUBELET_PORT, NULL, &port)) return false;
  core->kubelet_port = (uint16_t)port;
  if (!call(core, CORE_HEALTHZ_PORT, NULL, &port)) return false;
  core->healthz_port = (uint16_t)port;
  args[0] = now_ms;
  if (!call(core, CORE_START, args, &result)) return false;
  if (result != 0) {
    logf_line(LOG_ERROR, "core refused to start");
    return (core->running = false);
  }
  if (!call(core, CORE_MEM_USED, NULL, &core->mem_used)) return false;
  if (core->mem_used > CORE_MEMORY_LIMIT_BYTES) {
    logf_line(LOG_ERROR, "core uses %lu bytes of memory; only %lu are backed (raise CORE_MEMORY_LIMIT_BYTES)",
              (unsigned long)core->mem_used, (unsigned long)CORE_MEMORY_LIMIT_BYTES);
    return (core->running = false);
  }
  logf_line(LOG_INFO, "core memory: %lu of %lu bytes backed in use; engine %s, %lu bytes of heap",
            (unsigned long)core->mem_used, (unsigned long)CORE_MEMORY_LIMIT_BYTES, context->engine,
            (unsigned long)core->engine_heap);
  return true;
}

bool core_tick(core_runner *core, uint32_t now_ms) { return call(core, CORE_TICK, &now_ms, NULL); }

bool core_deliver(core_runner *core, const event *e) {
  uint32_t args[3] = {(uint32_t)e->handle, (uint32_t)e->code, 0};
  switch ((event_type)e->type) {
  case EVENT_NONE: return true;
  case EVENT_NET_CONNECTED: return call(core, CORE_ON_NET_CONNECTED, args, NULL);
  case EVENT_NET_CLOSED: return call(core, CORE_ON_NET_CLOSED, args, NULL);
  case EVENT_NET_ERROR: return call(core, CORE_ON_NET_ERROR, args, NULL);
  case EVENT_SERVER_ACCEPT: // code: the listener; data: the verified client's "CN\nO1\nO2…", if any
    args[2] = e->len <= core->io_capacity ? e->len : 0; // one that does not fit counts as none: unauthenticated
    if (args[2] > 0 && !write_io(core, e->data, args[2])) return false;
    return call(core, CORE_ON_SERVER_ACCEPT, args, NULL);
  case EVENT_SERVER_CLOSED: return call(core, CORE_ON_SERVER_CLOSED, args, NULL);
  case EVENT_SERVER_ROOM_WANTED: { // the core net_closes an idle kept connection, if it has one
    uint32_t freed = 0;
    return call(core, CORE_SERVER_MAKE_ROOM, args, &freed);
  }
  case EVENT_NET_DATA:
  case EVENT_SERVER_DATA: {
    core_export fn = e->type == EVENT_SERVER_DATA ? CORE_ON_SERVER_DATA : CORE_ON_NET_DATA;
    uint32_t step = core->io_capacity ? core->io_capacity : 1;
    for (uint32_t off = 0; off < e->len; off += step) {
      uint32_t n = e->len - off < step ? e->len - off : step;
      if (!write_io(core, e->data + off, n)) return false;
      args[1] = n;
      if (!call(core, fn, args, NULL)) return false;
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
  bool ok = instantiate(&core, wasm, wasm_len, context) && call(&core, CORE_ABI_VERSION, NULL, abi);
  core_shutdown(&core);
  return ok;
}

void core_shutdown(core_runner *core) {
  if (core->loaded) core_engine_unload();
  memset(core, 0, sizeof *core);
}
