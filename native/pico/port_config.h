// Pico W port settings. Force-included into the engine and the shell (see
// native/common/engine.cmake): defines only. Defaults: native/common/shell_config.h.
#ifndef PORT_CONFIG_H
#define PORT_CONFIG_H

// ---- the core ----
// Linear memory backed for the core: its mem_used() is ~37 KB (boot checks it).
// With wasm3 this leaves the heap too small for the interpreter on a Pico W:
// the core with the kubelet port's TLS-era state needs the AOT engine.
#define CORE_MEMORY_LIMIT_BYTES (40u * 1024u)

#if PICO_NODE_ENGINE_WASM3
// Compiling all ~35 KB of the core's code at boot takes several times the
// RP2040's RAM; functions are compiled when first called instead.
#define CORE_COMPILE_AT_BOOT 0
// wasm3 value stack (bytes of the heap).
#define WASM3_STACK_BYTES (4u * 1024u)
// The C stack the shell and the interpreter run on (stacks.c). Without tail
// calls on the M0+, every executed wasm op nests ~32 bytes of C stack until
// its function returns (BRIEF §2): long straight-line core functions (the
// status and Lease writers, /pico/status, /metrics) go deep, so the core runs
// them a section per loop turn. The emulator measured a high-water mark of
// 11.9 KB after every path, error answers included, had run (npm run
// bench:firmware); this leaves ~2.1 KB.
#define SHELL_STACK_BYTES (14u * 1024u)
#else
// AOT: each wasm function is a C function with a frame of its own (the
// largest 280 bytes). The emulator measured a high-water mark of 2.2 KB
// after every path, error answers included (npm run bench:firmware): this
// leaves 3.8 KB, 2.3 KB of it above the floor where wasm calls trap.
#define SHELL_STACK_BYTES (6u * 1024u)
#endif
// Room below the floor wasm code may reach (hal_stack_floor), for the host
// functions it calls (logging uses the most): a runaway recursion traps there.
#define STACK_GUARD_BYTES 1536u

// ---- main loop ----
// Fed after each clean tick. npm run bench:firmware measures the longest time
// between two feeds on every path, with each engine: 0.43 s, a region save
// that erases a flash sector (charged the W25Q16JV's 400 ms maximum, with
// interrupts off); wasm3's 1024-entry ConfigMap apply is next at 0.30 s per
// loop step. 8 s (near the RP2040's longest, ~8.3 s) is 18 times that: room
// for what the emulator does not show (cyw43_arch_init, flash read through
// the XIP cache, slower than rp2040js's zero-wait memory) while a hang still
// ends within seconds. It must stay at least twice the bench's figure.
#define WATCHDOG_TIMEOUT_MS 8000u
// A region commit reaches flash within a minute: one change every 10 s, even
// of all 1024 bytes, then wears the log's sectors for > 10 years
// (flash_layout.h; npm run bench:flash). The emulator image sets 0: its
// script sees each commit go to the (emulated) flash at once.
#ifndef REGION_PERSIST_DELAY_MS
#define REGION_PERSIST_DELAY_MS 60000u
#endif
#define EVENT_QUEUE_SLOTS 8           // x 512 bytes: 4 KB of received data in flight (lwIP holds back the rest)

// ---- network ----
#define NET_MAX_CONNECTIONS 7         // the core's 4 outbound (Node, Lease, watch, reviews), 2 TLS kubelet clients, 1 healthz probe
#define NET_MAX_SERVER_CONNECTIONS 3  // clients of both listeners beyond this are refused at accept (TLS: 2 at most, tls_server.c)
#define NET_SEND_QUEUE_BYTES 8192     // per connection: the ABI's full /metrics answer (allocated only while bytes wait)
#define NET_SEND_QUEUE_TOTAL_BYTES 16384 // all connections together: two full answers at once, no more
#define NET_IDLE_TIMEOUT_MS 30000u    // a connection with no traffic this long is aborted (the core's own 408 comes at 10 s)
#define NET_CONNECT_TIMEOUT_MS 15000u
#define WIFI_RETRY_INITIAL_MS 1000u   // join retries back off exponentially to the cap
#define WIFI_RETRY_MAX_MS 60000u
#define WIFI_JOIN_TIMEOUT_MS 20000u

// ---- wasm3 (when it is the engine): sized for the RP2040 (BRIEF §2) ----
#define d_m3CodePageAlignSize 1024
#define d_m3MaxFunctionStackHeight 192 // the core's largest function needs 176
#define d_m3MaxConstantTableSize 64
#define d_m3MaxDuplicateFunctionImpl 1 // one name per function (the core exports each once): 8 bytes less per function
#define d_m3VerboseErrorMessages 0
#define d_m3HasFloat 0
#define d_m3CascadedOpcodes 0
#define d_m3MaxNativeStack (SHELL_STACK_BYTES - STACK_GUARD_BYTES) // fallback only: the shell sets each call's floor (hal_stack_floor)

#endif
