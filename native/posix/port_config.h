// POSIX port settings. Force-included into the engine and the shell (see
// native/common/engine.cmake): defines only. Defaults: native/common/shell_config.h.
#ifndef PORT_CONFIG_H
#define PORT_CONFIG_H

// ---- shell ----
// CORE_MEMORY_LIMIT_BYTES keeps the board's default, so a POSIX run proves the core fits.
#define EVENT_QUEUE_SLOTS 32
#define POSIX_MAX_CONNECTIONS 16       // outbound and kubelet-port ones together
#define POSIX_SEND_QUEUE_BYTES 65536   // per connection; the ABI needs at least 8 KiB
#define POSIX_WATCHDOG_SECONDS 8       // SIGALRM ends a loop that stops ticking, like the board's watchdog
#define REGION_PERSIST_DELAY_MS 1000u  // a file wears nothing: a second still coalesces a burst of commits

// ---- wasm3: the board's settings (BRIEF §2), so the same limits are exercised ----
#define d_m3CodePageAlignSize 1024
#define d_m3MaxFunctionStackHeight 192   // the core's largest function needs more than 128
#define d_m3MaxConstantTableSize 64
#define d_m3MaxDuplicateFunctionImpl 1
#define d_m3HasFloat 0
#define d_m3CascadedOpcodes 0
#define d_m3RecordBacktraces 1         // names the trap site in the log (the board saves the RAM)
#define d_m3MaxNativeStack (256 * 1024) // a runaway recursion traps instead of crashing

#endif
