// The hardware abstraction every port implements (native/pico over pico-sdk,
// cyw43 and lwIP; native/posix over sockets). The common shell code calls only
// these functions and never includes a port header, so it compiles anywhere.
#ifndef HAL_H
#define HAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// ---- time and logs ----
/** Monotonic milliseconds since boot; wraps at 2^32. */
uint32_t hal_now_ms(void);
/** Writes one log line (no newline in text). level: 0 error, 1 warn, 2 info, 3 debug. */
void hal_log(int level, const char *text, size_t len);

// ---- board facts ----
/** The board's unique id as lower-case hex; returns its length (at most cap). */
size_t hal_board_unique_id(char *out, size_t cap);
/** A short description of the platform (shown as the node's kernelVersion). */
const char *hal_board_platform(void);
int32_t hal_free_heap(void);
/** RAM the node uses now, in bytes: its working set (on the Pico static RAM plus heap in use). */
int32_t hal_memory_used(void);
/** Bytes currently allocated from the heap (wasm3's use is measured with it). */
uint32_t hal_heap_used(void);
/** Chip temperature in milli-degrees Celsius, or INT32_MIN if unknown. */
int32_t hal_temperature_mc(void);
uint32_t hal_cpu_busy_ms(void);
uint32_t hal_random_u32(void);
void hal_led_set(bool on);

// ---- network ----
/** Station address as (a<<24)|(b<<16)|(c<<8)|d, 0 while there is none. */
uint32_t hal_net_ipv4(void);
int32_t hal_net_rssi_dbm(void);
/** Starts a TCP connection; host is NUL-terminated. A handle >= 0, or < 0 if it cannot start. */
int32_t hal_net_open(const char *host, uint16_t port);
/** Queues all len bytes or none: 0, or < 0 if the connection is unusable or full. */
int32_t hal_net_send(int32_t handle, const uint8_t *bytes, size_t len);
/** Closes after queued bytes are sent; the port reports nothing more for the handle. */
void hal_net_close(int32_t handle);
/** Drops every connection (the core restarted and forgot them); the listener stays. */
void hal_net_close_all(void);
/** The listeners the core serves (on_server_accept's listener). */
enum { NET_LISTENER_KUBELET = 0, NET_LISTENER_HEALTHZ = 1 };
/** Starts listening on port for the listener's clients (kubelet: TLS where the port has it; healthz: plain);
 *  an accept is queued with the listener as its code. False (logged) if the port cannot. */
bool hal_net_listen(int listener, uint16_t port);

// ---- the 1 KB region's copy that survives power loss ----
/** Reads the persisted region record (struct region_slot bytes); false if none. */
bool hal_region_load(void *slot, size_t size);
/** Writes the region record; called from the main loop, never from inside the core. */
bool hal_region_save(const void *slot, size_t size);

// ---- the device's TLS key (ports with TLS: device_key.c) ----
/** Fills out with len bytes from the hardware's or OS's entropy source; false if it has none now. */
bool hal_entropy(uint8_t *out, size_t len);
/** Reads the stored device key (DER) into out: its length, 0 when none is stored, < 0 if it cannot be read or
 *  does not fit in cap. */
int32_t hal_device_key_load(uint8_t *out, size_t cap);
/** Stores the device key (DER), all or nothing, readable by nobody else (POSIX: mode 0600); false on failure. */
bool hal_device_key_save(const uint8_t *der, size_t len);

// ---- C stack ----
/** The lowest stack address wasm code may reach, leaving room below for the host functions it calls;
 *  NULL if the port sets no bound (wasm3 then uses d_m3MaxNativeStack from the call's entry, the
 *  AOT engine its call count WASM_RT_MAX_CALL_DEPTH). */
void *hal_stack_floor(void);

// ---- system ----
void hal_watchdog_feed(void);
/** Starts afresh after repeated core traps (board: watchdog reboot; POSIX: exit for a supervisor). */
void hal_reboot(const char *why) __attribute__((noreturn));
/** A planned restart into the bootloader (an update to install, a trial image that ran out of time): at once,
 *  and not counted as a failure (board: watchdog reboot; POSIX: exit for the launcher). */
void hal_restart(const char *why) __attribute__((noreturn));
/** Stops for a failure no restart can fix (bad configuration, wrong core.wasm): logs it, never returns. */
void hal_fatal(const char *why) __attribute__((noreturn));

#endif
