// The host's side of every import in docs/host-abi.md, as plain C over a
// bounds-checked view of the core's memory. No engine types appear here: each
// engine's binding (engine_wasm3.c, engine_aot.c) turns its arguments into
// these calls, and the unit tests call them directly.
//
// Each function checks every (ptr, len) against the memory it is given and
// returns IMPORT_OUT_OF_BOUNDS without touching anything when one falls
// outside; the wrapper turns that into a trap.
#ifndef HOST_IMPORTS_H
#define HOST_IMPORTS_H

#include <stdint.h>

#include "core_memory.h"
#include "event_queue.h"
#include "region_store.h"

typedef enum import_status {
  IMPORT_OK = 0,
  IMPORT_OUT_OF_BOUNDS, // a pointer/length from the core lies outside its memory
  IMPORT_ABORTED,       // the core called abort(): a bug in the core
} import_status;

/** What the imports act on besides the HAL: the region and the queue of undelivered events. */
typedef struct host_context {
  region_store *region;
  event_queue *events;
  const uint8_t *rodata; // the module's "pico.rodata" section (in flash on the board)
  uint32_t rodata_len;
  const char *engine;    // the engine's name, part of board_platform's answer
  uint32_t region_commits; // counts successful commits (the shell persists after one)
} host_context;

import_status import_host_log(core_memory mem, int32_t level, uint32_t ptr, uint32_t len);
import_status import_net_open(core_memory mem, uint32_t ptr, uint32_t len, int32_t *result);
import_status import_net_send(core_memory mem, int32_t handle, uint32_t ptr, uint32_t len, int32_t *result);
void import_net_close(host_context *ctx, int32_t handle);
uint32_t import_net_ipv4(void);
int32_t import_net_rssi_dbm(void);
import_status import_region_commit(host_context *ctx, core_memory mem, uint32_t ptr, uint32_t len, int32_t *result);
int32_t import_rodata_read(host_context *ctx, core_memory mem, int32_t offset, uint32_t ptr, uint32_t len);
import_status import_region_read(host_context *ctx, core_memory mem, int32_t offset, uint32_t ptr, uint32_t len,
                                 int32_t *result);
import_status import_board_unique_id(core_memory mem, uint32_t ptr, uint32_t cap, int32_t *result);
/** The HAL's platform and the engine's name: "pico-sdk 2.2.0, RP2040, wasm3". */
import_status import_board_platform(host_context *ctx, core_memory mem, uint32_t ptr, uint32_t cap, int32_t *result);
int32_t import_board_free_heap(void);
int32_t import_board_memory_used(void);
int32_t import_board_temperature_mc(void);
uint32_t import_board_cpu_busy_ms(void);
uint32_t import_random_u32(void);
void import_led_set(int32_t on);
/** Writes the device key's CSR for node `name` (device_tls.h) into [out_ptr, out_ptr+out_cap): its length or < 0. */
import_status import_tls_csr(core_memory mem, uint32_t name_ptr, uint32_t name_len, uint32_t ipv4, uint32_t out_ptr,
                             uint32_t out_cap, int32_t *result);
/** Serves the kubelet port with the PEM certificate (chain) at [ptr, ptr+len): 0 or < 0 (device_tls.h). */
import_status import_tls_install(core_memory mem, uint32_t ptr, uint32_t len, int32_t *result);
/** Writes notBefore and notAfter of the installed certificate as two little-endian i64 Unix seconds at out_ptr:
 *  0, or -1 when none is installed. */
import_status import_tls_cert_validity(core_memory mem, uint32_t out_ptr, int32_t *result);
/** Writes the SHA-256 digest of [ptr, ptr+len) at out_ptr (32 bytes; the ranges may overlap). */
import_status import_sha256(core_memory mem, uint32_t ptr, uint32_t len, uint32_t out_ptr);
/** The running image's identity (40 bytes at out_ptr): 0, or -1 when this host takes no updates. */
import_status import_firmware_identity(core_memory mem, uint32_t out_ptr, int32_t *result);
/** How this boot came about; for a rollback the refused version (6 bytes) at out_ptr. */
import_status import_firmware_boot_state(core_memory mem, uint32_t out_ptr, int32_t *result);
/** Appends [ptr, ptr+len) at file offset `offset` to the download slot: the bytes held after, or < 0. */
import_status import_firmware_slot_write(core_memory mem, uint32_t offset, uint32_t ptr, uint32_t len, int32_t *result);
/** Checks the downloaded image against the 32-byte SHA-256 at sha_ptr: 0, a reason > 0, or < 0. */
import_status import_firmware_slot_finish(core_memory mem, uint32_t sha_ptr, int32_t *result);
int32_t import_firmware_install(void);
int32_t import_firmware_confirm(void);
/** Logs AssemblyScript's abort(msg, file, line, col) and reports IMPORT_ABORTED (or out of bounds). */
import_status import_abort(core_memory mem, uint32_t msg, uint32_t file, uint32_t line, uint32_t col);

/**
 * Every import the host offers, by name and signature (results, then
 * parameters: i = i32, v = none), for every engine: an engine links these
 * and refuses a core that needs another or types one differently. Adding an
 * import is one line here, its function above, and one line in each engine.
 */
#define HOST_IMPORT_LIST(X)                                                     \
  X(host_log, "v(iii)")                                                          \
  X(net_open, "i(ii)")                                                           \
  X(net_send, "i(iii)")                                                          \
  X(net_close, "v(i)")                                                           \
  X(net_ipv4, "i()")                                                             \
  X(net_rssi_dbm, "i()")                                                         \
  X(region_commit, "i(ii)")                                                      \
  X(rodata_read, "i(iii)")                                                       \
  X(region_read, "i(iii)")                                                       \
  X(board_unique_id, "i(ii)")                                                    \
  X(board_platform, "i(ii)")                                                     \
  X(board_free_heap, "i()")                                                      \
  X(board_memory_used, "i()")                                                    \
  X(board_temperature_mc, "i()")                                                 \
  X(board_cpu_busy_ms, "i()")                                                    \
  X(random_u32, "i()")                                                           \
  X(led_set, "v(i)")                                                             \
  X(tls_csr, "i(iiiii)")                                                         \
  X(tls_install, "i(ii)")                                                        \
  X(tls_cert_validity, "i(i)")                                                   \
  X(sha256, "v(iii)")                                                            \
  X(firmware_identity, "i(i)")                                                   \
  X(firmware_boot_state, "i(i)")                                                 \
  X(firmware_slot_write, "i(iii)")                                               \
  X(firmware_slot_finish, "i(i)")                                                \
  X(firmware_install, "i()")                                                     \
  X(firmware_confirm, "i()")                                                     \
  X(abort, "v(iiii)")

/** Longest node name tls_csr accepts (a DNS subdomain); a longer one gets -3, as any other bad name. */
#define TLS_NODE_NAME_MAX 253

/** Longest "host:port" net_open accepts. */
#define NET_TARGET_MAX 96

#endif
