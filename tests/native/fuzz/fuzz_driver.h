// Drives one core per input through the shell's own main loop (shell.c: the
// event queue, core_runner, the AOT engine, host_imports.c), as the JavaScript
// harness's driver.mjs drives core.wasm: boot a fresh core, walk it to where
// a request is pending with the healthy API server of api_world.c answering
// everything else, let the target inject its faults, then heal the server
// and check liveness, the region, every byte the core sent and the slots.
#ifndef FUZZ_DRIVER_H
#define FUZZ_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api_world.h"
#include "device_config.h"
#include "http_check.h"

#define TICK_MS 50u // the shell's TICK_INTERVAL_MS: one step of simulated time

typedef struct pending_request {
  int32_t handle;
  api_request req;
} pending_request;

/** A fresh board, world and shell: boots the core (the AOT module instantiated anew). */
void driver_begin(bool node_exists);
/** The same with the input's device configuration (requests need not match the world); false if the core refused it. */
bool driver_begin_with(const device_config *config);
/** Drops the core and the connections where a known failure left them (the next input boots afresh). */
void driver_abandon(void);
/** Oracles for the whole input (memory above mem_used, requests left incomplete), then shuts the core down. */
void driver_end(void);
api_world *driver_world(void);

/** Serves everything else until a request of kind is pending (false if none within max_ms). */
bool driver_wait_for(int kind, uint32_t max_ms, pending_request *out);
/** Answers what is pending, as the healthy server. */
void driver_serve(void);
/** Lets ms of simulated time pass with the healthy server answering. */
void driver_serve_for(uint32_t ms);
/** A steady node: everything answered, the watch stream open. */
void driver_steady(void);
/** The open watch stream the healthy server answered (0 if none). */
int32_t driver_stream(void);

/** Delivers bytes from the peer (on_net_data / on_server_data, through the event queue). */
void driver_deliver(int32_t handle, const uint8_t *bytes, size_t len);
void driver_peer_close(int32_t handle);
void driver_peer_error(int32_t handle, int32_t code);
/** A new kubelet-port client. */
int32_t driver_accept(void);
/** One request on a fresh kubelet connection; its response, checked strictly (status 0: none). */
http_message driver_kubelet(const char *request);

/** A fault the core got for a request of kind: the delays it allows, the versions it showed. */
void driver_note_fault(int kind, const uint8_t *bytes, size_t len);
/** The faults stop: fuzzed connections close, a new ConfigMap version appears; checks Lease and ConfigMap liveness. */
void driver_heal(void);
/** Two fresh kubelet clients at once must both be served (no slot leaked). */
void driver_check_slots(void);
/** The region's active bytes (zeros while there is none). */
void driver_region(uint8_t out[1024]);
/** Region commits so far. */
uint32_t driver_commits(void);

#endif
