// Thin wasm3 wrappers: take the engine's arguments, view the memory as it is
// now (m3_GetMemory on every call, never cached: wasm3 may realloc it), call
// the plain-C import and turn a bad pointer into a trap. (Built with
// -Wno-unused-parameter: wasm3's raw-function macro names four parameters.)
#include "import_table.h"

#include "host_imports.h"

static core_memory memory_now(IM3Runtime runtime) {
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
  return trap_for(import_host_log(memory_now(runtime), level, ptr, len));
}

static m3ApiRawFunction(wrap_net_open) {
  m3ApiReturnType(int32_t);
  m3ApiGetArg(uint32_t, ptr);
  m3ApiGetArg(uint32_t, len);
  int32_t result = -1;
  M3Result trap = trap_for(import_net_open(memory_now(runtime), ptr, len, &result));
  if (trap) return trap;
  m3ApiReturn(result);
}

static m3ApiRawFunction(wrap_net_send) {
  m3ApiReturnType(int32_t);
  m3ApiGetArg(int32_t, handle);
  m3ApiGetArg(uint32_t, ptr);
  m3ApiGetArg(uint32_t, len);
  int32_t result = -1;
  M3Result trap = trap_for(import_net_send(memory_now(runtime), handle, ptr, len, &result));
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
  M3Result trap = trap_for(import_region_commit(context_of(runtime), memory_now(runtime), ptr, len, &result));
  if (trap) return trap;
  m3ApiReturn(result);
}

static m3ApiRawFunction(wrap_rodata_read) {
  m3ApiReturnType(int32_t);
  m3ApiGetArg(int32_t, offset);
  m3ApiGetArg(uint32_t, ptr);
  m3ApiGetArg(uint32_t, len);
  m3ApiReturn(import_rodata_read(context_of(runtime), memory_now(runtime), offset, ptr, len));
}

static m3ApiRawFunction(wrap_region_read) {
  m3ApiReturnType(int32_t);
  m3ApiGetArg(int32_t, offset);
  m3ApiGetArg(uint32_t, ptr);
  m3ApiGetArg(uint32_t, len);
  int32_t result = -1;
  M3Result trap = trap_for(import_region_read(context_of(runtime), memory_now(runtime), offset, ptr, len, &result));
  if (trap) return trap;
  m3ApiReturn(result);
}

/** A board fact written as text into (ptr, cap); returns its length. */
typedef import_status (*text_fact)(core_memory mem, uint32_t ptr, uint32_t cap, int32_t *result);

static const void *wrap_text_fact(IM3Runtime runtime, uint64_t *_sp, text_fact fact) {
  m3ApiReturnType(int32_t);
  m3ApiGetArg(uint32_t, ptr);
  m3ApiGetArg(uint32_t, cap);
  int32_t result = 0;
  M3Result trap = trap_for(fact(memory_now(runtime), ptr, cap, &result));
  if (trap) return trap;
  m3ApiReturn(result);
}

static m3ApiRawFunction(wrap_board_unique_id) { return wrap_text_fact(runtime, _sp, import_board_unique_id); }

static m3ApiRawFunction(wrap_board_platform) { return wrap_text_fact(runtime, _sp, import_board_platform); }

static m3ApiRawFunction(wrap_board_free_heap) {
  m3ApiReturnType(int32_t);
  m3ApiReturn(import_board_free_heap());
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

static m3ApiRawFunction(wrap_abort) {
  m3ApiGetArg(uint32_t, msg);
  m3ApiGetArg(uint32_t, file);
  m3ApiGetArg(uint32_t, line);
  m3ApiGetArg(uint32_t, col);
  return trap_for(import_abort(memory_now(runtime), msg, file, line, col));
}

const import_entry IMPORT_TABLE[] = {
    {"host_log", "v(iii)", wrap_host_log},
    {"net_open", "i(ii)", wrap_net_open},
    {"net_send", "i(iii)", wrap_net_send},
    {"net_close", "v(i)", wrap_net_close},
    {"net_ipv4", "i()", wrap_net_ipv4},
    {"net_rssi_dbm", "i()", wrap_net_rssi_dbm},
    {"region_commit", "i(ii)", wrap_region_commit},
    {"rodata_read", "i(iii)", wrap_rodata_read},
    {"region_read", "i(iii)", wrap_region_read},
    {"board_unique_id", "i(ii)", wrap_board_unique_id},
    {"board_platform", "i(ii)", wrap_board_platform},
    {"board_free_heap", "i()", wrap_board_free_heap},
    {"board_temperature_mc", "i()", wrap_board_temperature_mc},
    {"board_cpu_busy_ms", "i()", wrap_board_cpu_busy_ms},
    {"random_u32", "i()", wrap_random_u32},
    {"led_set", "v(i)", wrap_led_set},
    {"abort", "v(iiii)", wrap_abort},
};
const size_t IMPORT_TABLE_LENGTH = sizeof IMPORT_TABLE / sizeof IMPORT_TABLE[0];
