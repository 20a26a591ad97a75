// core.wasm in wasm3: boot (environment, runtime with a memory limit, module
// parsed in place from flash, imports linked from the one table, ABI checked,
// configured and started) and every later call into the core. A trap is
// logged with its reason and the export that was running; the runner then
// refuses further calls until the shell restarts it.
#ifndef CORE_RUNNER_H
#define CORE_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event_queue.h"
#include "host_imports.h"
#include "wasm3.h"

#define HOST_ABI_VERSION 2u
#define RODATA_SECTION "pico.rodata"

typedef struct core_exports {
  IM3Function abi_version, io_buffer, io_capacity, configure, kubelet_port, start, tick;
  IM3Function on_net_connected, on_net_data, on_net_closed, on_net_error;
  IM3Function on_server_accept, on_server_data, on_server_closed, mem_used;
} core_exports;

/** Heap taken by each boot stage (bytes), for the boot log and the benchmark. */
typedef struct core_boot_heap {
  uint32_t environment, runtime, parse, load, compile, total;
} core_boot_heap;

typedef struct core_runner {
  IM3Environment environment;
  IM3Runtime runtime;
  IM3Module module; // owned by the runtime once loaded
  core_exports fn;
  bool running;       // booted and not trapped
  uint32_t io_capacity;
  uint16_t kubelet_port;
  uint32_t mem_used;  // the core's figure after start
  core_boot_heap heap;
} core_runner;

/**
 * Boots the core from wasm (kept in place: it must outlive the runner) with
 * the configuration text. Logs and returns false on any failure, naming the
 * missing or mistyped import, the ABI mismatch or the configuration errors.
 */
bool core_boot(core_runner *core, const uint8_t *wasm, size_t wasm_len, const char *config, size_t config_len,
               host_context *context, uint32_t now_ms);
/** Calls tick(now_ms). False if the core trapped. */
bool core_tick(core_runner *core, uint32_t now_ms);
/** Delivers one queued event (data split into io_capacity pieces). False if the core trapped. */
bool core_deliver(core_runner *core, const event *e);
/** Self-tests: loads and links the module, calls abi_version() once and frees everything. */
bool core_probe_abi(const uint8_t *wasm, size_t wasm_len, host_context *context, uint32_t *abi);
/** Frees the runtime, module and environment; the runner may boot again. */
void core_shutdown(core_runner *core);

#endif
