// The shell's settings: each port's port_config.h first, then a default for
// anything it leaves out (the MicroPython mpconfig.h pattern). Common code
// includes this file, never port_config.h directly.
#ifndef SHELL_CONFIG_H
#define SHELL_CONFIG_H

#include "port_config.h"

// Linear memory backed for the core (wasm3's runtime->memoryLimit). The core
// declares one 64 KiB page but uses far less (its mem_used() export); boot
// fails loudly when mem_used() exceeds this.
#ifndef CORE_MEMORY_LIMIT_BYTES
#define CORE_MEMORY_LIMIT_BYTES (16u * 1024u)
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

// Event queue: slots and bytes per slot (one slot's bytes reach the core in
// io_capacity() pieces).
#ifndef EVENT_QUEUE_SLOTS
#define EVENT_QUEUE_SLOTS 16
#endif
#ifndef EVENT_PAYLOAD_BYTES
#define EVENT_PAYLOAD_BYTES 512
#endif

// How long a region commit may wait before it is saved to persistent
// storage (region_persistence.h): commits within it are saved once. The board
// sets it from flash wear (port_config.h); the ConfigMap restores the newest
// state once the node is online again, so only a power cut while offline can
// serve a state up to this old.
#ifndef REGION_PERSIST_DELAY_MS
#define REGION_PERSIST_DELAY_MS 60000u
#endif

#endif
