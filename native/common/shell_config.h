// The shell's settings: each port's port_config.h first, then a default for
// anything it leaves out (the MicroPython mpconfig.h pattern). Common code
// includes this file, never port_config.h directly.
#ifndef SHELL_CONFIG_H
#define SHELL_CONFIG_H

#include "port_config.h"

// Linear memory backed for the core (wasm3: runtime->memoryLimit; AOT: static RAM). The core
// declares one 64 KiB page but uses far less (its mem_used() export); boot
// fails loudly when mem_used() exceeds this.
// 40 KiB since the kubelet port's TLS-era state (bearer tokens, review
// caches, the CSR and its certificate): mem_used() is ~37 KB.
#ifndef CORE_MEMORY_LIMIT_BYTES
#define CORE_MEMORY_LIMIT_BYTES (40u * 1024u)
#endif

// The AOT engine's runtime (native/aot) backs exactly this much, statically.
#define WASM_RT_MEMORY_BYTES CORE_MEMORY_LIMIT_BYTES

// AOT: how deep wasm calls may nest before the core traps (stack overflow);
// the port's hal_stack_floor bounds the C stack they take as well. The core's
// deepest path nests about 20.
#ifndef WASM_RT_MAX_CALL_DEPTH
#define WASM_RT_MAX_CALL_DEPTH 200
#endif

// wasm3's value stack for the core (bytes).
#ifndef WASM3_STACK_BYTES
#define WASM3_STACK_BYTES (4u * 1024u)
#endif

// 1: compile every function at boot, so the heap the core needs is known (and
// missing) at boot rather than on a rare path hours later. 0: compile lazily.
#ifndef CORE_COMPILE_AT_BOOT
#define CORE_COMPILE_AT_BOOT 1
#endif

// How often tick() runs; the ABI asks for at least every 100 ms.
#ifndef TICK_INTERVAL_MS
#define TICK_INTERVAL_MS 50u
#endif

// Core restarts after traps before the board is rebooted, and the clean run
// after which the count starts again.
#ifndef CORE_MAX_RESTARTS
#define CORE_MAX_RESTARTS 3u
#endif
#ifndef CORE_CLEAN_RUN_MS
#define CORE_CLEAN_RUN_MS (10u * 60u * 1000u)
#endif
// A boot that found the heap too full (wasm3) is tried again after this, as
// one of those restarts: freed send queues or a finished answer may have made
// room. The watchdog waits meanwhile (no tick): restarts x this stays well
// inside its timeout.
#ifndef CORE_BOOT_RETRY_MS
#define CORE_BOOT_RETRY_MS 1000u
#endif

// Event queue: slots and bytes per slot (one slot's bytes reach the core in
// io_capacity() pieces).
#ifndef EVENT_QUEUE_SLOTS
#define EVENT_QUEUE_SLOTS 16
#endif
#ifndef EVENT_PAYLOAD_BYTES
#define EVENT_PAYLOAD_BYTES 512
#endif

// TCP keepalive on every connection: a peer that vanished without a FIN or
// RST (a router or access point gone, a NAT that forgot the mapping) is
// noticed after IDLE + PROBES x INTERVAL without an answer, 60 s, rather than
// when the watch's own deadline passes (watch_timeout_s + 30 s = 320 s) or,
// for an idle kept-alive connection, at the next request's timeout. A probe
// is a bare ACK every 30 s on a quiet connection.
#ifndef NET_KEEPALIVE_IDLE_MS
#define NET_KEEPALIVE_IDLE_MS 30000u
#endif
#ifndef NET_KEEPALIVE_INTERVAL_MS
#define NET_KEEPALIVE_INTERVAL_MS 10000u
#endif
#ifndef NET_KEEPALIVE_PROBES
#define NET_KEEPALIVE_PROBES 3u
#endif

// The kubelet port's TLS (tls_server.h): connections served at once (each
// holds mbedTLS's record buffers; a further one is closed at once), and how
// long a session ticket resumes a session (its key is changed as often).
#ifndef TLS_MAX_SESSIONS
#define TLS_MAX_SESSIONS 2u
#endif
// A kubelet-port client whose TLS handshake has not completed after this is closed.
#ifndef TLS_HANDSHAKE_TIMEOUT_MS
#define TLS_HANDSHAKE_TIMEOUT_MS 10000u
#endif
#ifndef TLS_TICKET_LIFETIME_S
#define TLS_TICKET_LIFETIME_S 86400u
#endif

// How long a region commit may wait before it is saved to persistent
// storage (region_persistence.h): commits within it are saved once. The board
// sets it from flash wear (port_config.h); the ConfigMap restores the newest
// state once the node is online again, so only a power cut while offline can
// serve a state up to this old.
#ifndef REGION_PERSIST_DELAY_MS
#define REGION_PERSIST_DELAY_MS 60000u
#endif

// A fatal error (hal_fatal, or hal_reboot after repeated traps) reboots the
// board after a delay that doubles with each one in a row, up to the maximum
// (reboot_backoff.h): a transient failure is retried in seconds, a boot loop
// settles at one attempt every five minutes. A run this long without one
// starts the count again.
#ifndef FATAL_REBOOT_DELAY_MS
#define FATAL_REBOOT_DELAY_MS 5000u
#endif
#ifndef FATAL_REBOOT_DELAY_MAX_MS
#define FATAL_REBOOT_DELAY_MAX_MS (5u * 60u * 1000u)
#endif
#ifndef FATAL_COUNT_RESET_MS
#define FATAL_COUNT_RESET_MS (2u * 60u * 1000u)
#endif

#endif
