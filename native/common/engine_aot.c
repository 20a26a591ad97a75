// The AOT engine: core.wasm transpiled to C by wasm2c at build time and run
// from flash over the static runtime in native/aot (no heap). The module's
// linear memory is CORE_MEMORY_LIMIT_BYTES of static RAM (in the module
// instance): the module declares one 64 KiB page, every access above the
// bytes backed traps, as with wasm3's memoryLimit. Each call sets a longjmp target, so a trap anywhere in the
// generated code or in an import unwinds to the call with its reason.
//
// The imports are the functions the generated code calls by name
// (Z_envZ_<import>); each only views the memory and calls the plain-C import.
// This file does not include wasm2c's header: a core whose import types
// differ from these still links, and boot refuses it by signature, as wasm3 does.
#include <stdio.h>
#include <string.h>

#include "shell_config.h" // first: it sets the runtime's sizes for wasm-rt.h
#include "aot_module.h"
#include "core_engine.h"
#include "crc32.h"
#include "hal.h"
#include "logf.h"
#include "wasm-rt.h"

struct Z_env_instance_t; // what the generated code passes to every import: our host_context

_Static_assert(sizeof(((wasm_rt_memory_t *)0)->data) == CORE_MEMORY_LIMIT_BYTES, "the runtime backs what the shell expects");

static struct {
  host_context *context; // handed to every import as the generated code's "env instance"
  bool instantiated;
  wasm_rt_memory_t *memory;
  wasm_rt_trap_t trap;
  bool exhausted_by_count; // a stack overflow: nested calls counted, not the stack floor
} engine;

const char *core_engine_name(void) {
  static char name[32];
  if (!name[0]) snprintf(name, sizeof name, "aot (wasm2c %s)", AOT_CORE.wasm2c_version);
  return name;
}

// ---- imports ----

static core_memory memory_now(void) { return core_engine_memory(); }

static host_context *context_of(struct Z_env_instance_t *env) { return (host_context *)env; }

/** An import's status: a bad pointer or the core's abort() traps, as in wasm3. */
static void check(import_status status) {
  if (status == IMPORT_ABORTED) wasm_rt_trap(WASM_RT_TRAP_HOST_ABORT);
  if (status != IMPORT_OK) wasm_rt_trap(WASM_RT_TRAP_OOB);
}

void Z_envZ_host_log(struct Z_env_instance_t *env, uint32_t level, uint32_t ptr, uint32_t len) {
  (void)env;
  check(import_host_log(memory_now(), (int32_t)level, ptr, len));
}

uint32_t Z_envZ_net_open(struct Z_env_instance_t *env, uint32_t ptr, uint32_t len) {
  (void)env;
  int32_t result = -1;
  check(import_net_open(memory_now(), ptr, len, &result));
  return (uint32_t)result;
}

uint32_t Z_envZ_net_send(struct Z_env_instance_t *env, uint32_t handle, uint32_t ptr, uint32_t len) {
  (void)env;
  int32_t result = -1;
  check(import_net_send(memory_now(), (int32_t)handle, ptr, len, &result));
  return (uint32_t)result;
}

void Z_envZ_net_close(struct Z_env_instance_t *env, uint32_t handle) { import_net_close(context_of(env), (int32_t)handle); }

uint32_t Z_envZ_net_ipv4(struct Z_env_instance_t *env) {
  (void)env;
  return import_net_ipv4();
}

uint32_t Z_envZ_net_rssi_dbm(struct Z_env_instance_t *env) {
  (void)env;
  return (uint32_t)import_net_rssi_dbm();
}

uint32_t Z_envZ_region_commit(struct Z_env_instance_t *env, uint32_t ptr, uint32_t len) {
  int32_t result = -1;
  check(import_region_commit(context_of(env), memory_now(), ptr, len, &result));
  return (uint32_t)result;
}

uint32_t Z_envZ_rodata_read(struct Z_env_instance_t *env, uint32_t offset, uint32_t ptr, uint32_t len) {
  return (uint32_t)import_rodata_read(context_of(env), memory_now(), (int32_t)offset, ptr, len);
}

uint32_t Z_envZ_region_read(struct Z_env_instance_t *env, uint32_t offset, uint32_t ptr, uint32_t len) {
  int32_t result = -1;
  check(import_region_read(context_of(env), memory_now(), (int32_t)offset, ptr, len, &result));
  return (uint32_t)result;
}

uint32_t Z_envZ_board_unique_id(struct Z_env_instance_t *env, uint32_t ptr, uint32_t cap) {
  (void)env;
  int32_t result = 0;
  check(import_board_unique_id(memory_now(), ptr, cap, &result));
  return (uint32_t)result;
}

uint32_t Z_envZ_board_platform(struct Z_env_instance_t *env, uint32_t ptr, uint32_t cap) {
  int32_t result = 0;
  check(import_board_platform(context_of(env), memory_now(), ptr, cap, &result));
  return (uint32_t)result;
}

uint32_t Z_envZ_board_free_heap(struct Z_env_instance_t *env) {
  (void)env;
  return (uint32_t)import_board_free_heap();
}

uint32_t Z_envZ_board_memory_used(struct Z_env_instance_t *env) {
  (void)env;
  return (uint32_t)import_board_memory_used();
}

uint32_t Z_envZ_board_temperature_mc(struct Z_env_instance_t *env) {
  (void)env;
  return (uint32_t)import_board_temperature_mc();
}

uint32_t Z_envZ_board_cpu_busy_ms(struct Z_env_instance_t *env) {
  (void)env;
  return import_board_cpu_busy_ms();
}

uint32_t Z_envZ_random_u32(struct Z_env_instance_t *env) {
  (void)env;
  return import_random_u32();
}

void Z_envZ_led_set(struct Z_env_instance_t *env, uint32_t on) {
  (void)env;
  import_led_set((int32_t)on);
}

uint32_t Z_envZ_tls_csr(struct Z_env_instance_t *env, uint32_t name_ptr, uint32_t name_len, uint32_t ipv4,
                        uint32_t out_ptr, uint32_t out_cap) {
  (void)env;
  int32_t result = -1;
  check(import_tls_csr(memory_now(), name_ptr, name_len, ipv4, out_ptr, out_cap, &result));
  return (uint32_t)result;
}

uint32_t Z_envZ_tls_install(struct Z_env_instance_t *env, uint32_t ptr, uint32_t len) {
  (void)env;
  int32_t result = -1;
  check(import_tls_install(memory_now(), ptr, len, &result));
  return (uint32_t)result;
}

uint32_t Z_envZ_tls_cert_validity(struct Z_env_instance_t *env, uint32_t out_ptr) {
  (void)env;
  int32_t result = -1;
  check(import_tls_cert_validity(memory_now(), out_ptr, &result));
  return (uint32_t)result;
}

void Z_envZ_sha256(struct Z_env_instance_t *env, uint32_t ptr, uint32_t len, uint32_t out_ptr) {
  (void)env;
  check(import_sha256(memory_now(), ptr, len, out_ptr));
}

uint32_t Z_envZ_firmware_identity(struct Z_env_instance_t *env, uint32_t out_ptr) {
  (void)env;
  int32_t result = -1;
  check(import_firmware_identity(memory_now(), out_ptr, &result));
  return (uint32_t)result;
}

uint32_t Z_envZ_firmware_boot_state(struct Z_env_instance_t *env, uint32_t out_ptr) {
  (void)env;
  int32_t result = 0;
  check(import_firmware_boot_state(memory_now(), out_ptr, &result));
  return (uint32_t)result;
}

uint32_t Z_envZ_firmware_slot_write(struct Z_env_instance_t *env, uint32_t offset, uint32_t ptr, uint32_t len) {
  (void)env;
  int32_t result = -1;
  check(import_firmware_slot_write(memory_now(), offset, ptr, len, &result));
  return (uint32_t)result;
}

uint32_t Z_envZ_firmware_slot_finish(struct Z_env_instance_t *env, uint32_t sha_ptr) {
  (void)env;
  int32_t result = -1;
  check(import_firmware_slot_finish(memory_now(), sha_ptr, &result));
  return (uint32_t)result;
}

uint32_t Z_envZ_firmware_install(struct Z_env_instance_t *env) {
  (void)env;
  return (uint32_t)import_firmware_install();
}

uint32_t Z_envZ_firmware_confirm(struct Z_env_instance_t *env) {
  (void)env;
  return (uint32_t)import_firmware_confirm();
}

void Z_envZ_abort(struct Z_env_instance_t *env, uint32_t msg, uint32_t file, uint32_t line, uint32_t col) {
  (void)env;
  check(import_abort(memory_now(), msg, file, line, col));
}

typedef struct host_import {
  const char *name, *signature;
} host_import;

#define HOST_IMPORT(name, signature) {#name, signature},
static const host_import HOST_IMPORTS[] = {HOST_IMPORT_LIST(HOST_IMPORT)};

static const host_import *host_import_named(const char *name) {
  for (size_t i = 0; i < sizeof HOST_IMPORTS / sizeof HOST_IMPORTS[0]; i++)
    if (strcmp(HOST_IMPORTS[i].name, name) == 0) return &HOST_IMPORTS[i];
  return NULL;
}

/** Every import of the compiled-in core must be one of ours, linked, with our signature. */
static bool imports_linked(void) {
  bool ok = true;
  for (uint32_t i = 0; i < AOT_CORE.import_count; i++) {
    const aot_import *im = &AOT_CORE.imports[i];
    const host_import *host = strcmp(im->module, "env") == 0 ? host_import_named(im->name) : NULL;
    if (host == NULL || im->bound == im->missing) {
      logf_line(LOG_ERROR, "core.wasm imports %s.%s, which this host does not provide", im->module, im->name);
      ok = false;
    } else if (strcmp(host->signature, im->signature) != 0) {
      logf_line(LOG_ERROR, "import env.%s: core %s, host %s (host signature differs from the core's)", im->name,
                im->signature, host->signature);
      ok = false;
    }
  }
  return ok;
}

// ---- the engine ----

/** The module given must be the one compiled in (a stale build would otherwise run other code than it reports). */
static bool same_module(const uint8_t *wasm, size_t wasm_len) {
  if (wasm_len == 0) return true; // nothing to compare: the firmware carries only the compiled module
  if (wasm_len == AOT_CORE.wasm_length && crc32_of(wasm, wasm_len) == AOT_CORE.wasm_crc32) return true;
  logf_line(LOG_ERROR, "core.wasm given (%lu bytes) is not the module this AOT build was compiled from (%lu bytes, "
            "CRC-32 %08lx): rebuild, or run it with the wasm3 engine", (unsigned long)wasm_len,
            (unsigned long)AOT_CORE.wasm_length, (unsigned long)AOT_CORE.wasm_crc32);
  return false;
}

bool core_engine_load(const uint8_t *wasm, size_t wasm_len, host_context *context) {
  memset(&engine, 0, sizeof engine);
  context->rodata = AOT_CORE.rodata;
  context->rodata_len = AOT_CORE.rodata_length;
  if (!same_module(wasm, wasm_len) || !imports_linked()) return false;
  if (AOT_CORE.memory == NULL) return logf_line(LOG_ERROR, "core.wasm exports no memory"), false;
  engine.context = context;
  wasm_rt_init();
  engine.memory = AOT_CORE.memory();
  return true;
}

uint32_t core_engine_heap(void) { return 0; }

int core_engine_export(const char *name, unsigned args, unsigned results) {
  for (uint32_t i = 0; i < AOT_CORE.export_count; i++) {
    const aot_export *e = &AOT_CORE.exports[i];
    if (strcmp(e->name, name) != 0) continue;
    char want[16];
    snprintf(want, sizeof want, "%s(%.*s)", results ? "i" : "v", (int)args, "iiiiiiii");
    return e->call != NULL && strcmp(e->signature, want) == 0 ? (int)i : CORE_EXPORT_WRONG_SIGNATURE;
  }
  return CORE_EXPORT_ABSENT;
}

/** Runs fn(args) with a fresh call depth and the unwind target set; false (engine.trap says why) if it trapped. */
static bool guarded(void (*fn)(void *), void *arg) {
  jmp_buf unwind;
  int trap = setjmp(unwind);
  if (trap != 0) {
    wasm_rt_set_unwind_target(NULL);
    engine.trap = (wasm_rt_trap_t)trap;
    engine.exhausted_by_count = wasm_rt_exhausted_by_count();
    return false;
  }
  wasm_rt_call_stack_depth = 0; // a trap skipped the epilogues that count back down
  wasm_rt_set_stack_floor(hal_stack_floor());
  wasm_rt_set_unwind_target(&unwind);
  fn(arg);
  wasm_rt_set_unwind_target(NULL);
  return true;
}

static void run_instantiate(void *context) { AOT_CORE.instantiate(context); }

bool core_engine_start(void) {
  engine.instantiated = true; // from here on there is something to release, whether or not it traps
  return guarded(run_instantiate, engine.context);
}

typedef struct export_call {
  aot_export_call call;
  const uint32_t *args;
  uint32_t result;
} export_call;

static void run_export(void *arg) {
  export_call *c = arg;
  c->result = c->call(c->args);
}

bool core_engine_call(int fn, const uint32_t *args, unsigned argc, uint32_t *result) {
  (void)argc; // the signature was checked when the export was found
  if (fn < 0 || (uint32_t)fn >= AOT_CORE.export_count || !engine.instantiated) {
    engine.trap = WASM_RT_TRAP_UNREACHABLE;
    return false;
  }
  export_call c = {AOT_CORE.exports[fn].call, args, 0};
  if (!guarded(run_export, &c)) return false;
  *result = c.result;
  return true;
}

core_trap core_engine_trap(void) {
  const char *detail = engine.trap != WASM_RT_TRAP_EXHAUSTION ? NULL
                       : engine.exhausted_by_count ? "calls nested deeper than WASM_RT_MAX_CALL_DEPTH"
                                                   : "the C stack reached its floor (hal_stack_floor)";
  return (core_trap){.reason = wasm_rt_strerror(engine.trap), .detail = detail};
}

core_memory core_engine_memory(void) {
  wasm_rt_memory_t *m = engine.memory;
  return m && m->size ? (core_memory){.base = m->data, .size = m->size} : (core_memory){NULL, 0};
}

void core_engine_unload(void) {
  if (engine.instantiated) AOT_CORE.release();
  wasm_rt_free();
  memset(&engine, 0, sizeof engine);
}
