// The boot sequence of docs/host-abi.md and every later call into the core,
// the same with every engine (core_engine.h): load and link, find the
// exports, run the start function, check the ABI version, configure, start.
// A trap is logged with its reason and the export that was running; the
// runner then refuses further calls until the shell restarts it.
#ifndef CORE_RUNNER_H
#define CORE_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event_queue.h"
#include "host_imports.h"

#define HOST_ABI_VERSION 4u

typedef enum core_export {
  CORE_ABI_VERSION, CORE_IO_BUFFER, CORE_IO_CAPACITY, CORE_CONFIGURE, CORE_KUBELET_PORT, CORE_START, CORE_TICK,
  CORE_ON_NET_CONNECTED, CORE_ON_NET_DATA, CORE_ON_NET_CLOSED, CORE_ON_NET_ERROR,
  CORE_ON_SERVER_ACCEPT, CORE_ON_SERVER_DATA, CORE_ON_SERVER_CLOSED, CORE_MEM_USED, CORE_HEALTHZ_PORT, CORE_SERVER_MAKE_ROOM,
  CORE_EXPORT_COUNT
} core_export;

typedef struct core_runner {
  int fn[CORE_EXPORT_COUNT]; // the engine's handle of each export
  bool loaded;        // the engine holds a module (core_shutdown releases it)
  bool running;       // booted and not trapped
  uint32_t io_capacity;
  uint16_t kubelet_port;
  uint16_t healthz_port; // plain /healthz (0: none)
  uint32_t mem_used;  // the core's figure after start
  uint32_t engine_heap; // heap the engine took to load the module
  bool out_of_memory; // the last boot or call failed because the engine could not allocate
} core_runner;

/**
 * Boots the core from wasm (kept in place: it must outlive the runner) with
 * the configuration text. Logs and returns false on any failure, naming the
 * missing or mistyped import, the ABI mismatch or the configuration errors;
 * core->out_of_memory tells a heap too full to boot in from those.
 */
bool core_boot(core_runner *core, const uint8_t *wasm, size_t wasm_len, const char *config, size_t config_len,
               host_context *context, uint32_t now_ms);
/** Calls tick(now_ms). False if the core trapped. */
bool core_tick(core_runner *core, uint32_t now_ms);
/** Delivers one queued event (data split into io_capacity pieces; an accept's client identity written into
 *  io_buffer first). False if the core trapped. */
bool core_deliver(core_runner *core, const event *e);
/** Self-tests: loads and links the module, calls abi_version() once and frees everything. */
bool core_probe_abi(const uint8_t *wasm, size_t wasm_len, host_context *context, uint32_t *abi);
/** Frees what the engine holds; the runner may boot again. */
void core_shutdown(core_runner *core);

#endif
