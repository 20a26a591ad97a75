// The host ABI: every function the core imports from its platform (the pico-sdk
// C shell, the POSIX shell or the simulated Pico). docs/host-abi.md describes
// each one; the C shells link them from one table, the simulator from one object.
//
// Conventions: pointers and lengths address the core's linear memory; the host
// copies what it needs before returning and never keeps a pointer. Handles are
// small non-negative integers chosen by the host. Negative results are errors.

/** Writes one log line (no trailing newline). level: 0 error, 1 warn, 2 info, 3 debug. */
@external("env", "host_log")
export declare function host_log(level: i32, ptr: usize, len: i32): void;

/** Starts a TCP connection to "host:port". Returns a handle, or < 0 if it cannot start.
 *  Completion arrives later as on_net_connected(handle) or on_net_error(handle, code). */
@external("env", "net_open")
export declare function net_open(ptr: usize, len: i32): i32;

/** Queues bytes on a connection (outbound or kubelet server). 0 when all bytes are
 *  queued, < 0 if the connection is unusable. Partial writes are never reported. */
@external("env", "net_send")
export declare function net_send(handle: i32, ptr: usize, len: i32): i32;

/** Closes a connection after queued bytes are sent. The host sends no further events for it. */
@external("env", "net_close")
export declare function net_close(handle: i32): void;

/** The station's IPv4 address as a.b.c.d = (a<<24)|(b<<16)|(c<<8)|d, 0 while there is none. */
@external("env", "net_ipv4")
export declare function net_ipv4(): u32;

/** Wi-Fi signal strength in dBm (negative), or 0 if unknown. */
@external("env", "net_rssi_dbm")
export declare function net_rssi_dbm(): i32;

/** Replaces the 1 KB region with len bytes at ptr, all or nothing. 0 on success. */
@external("env", "region_commit")
export declare function region_commit(ptr: usize, len: i32): i32;

/** Copies len bytes of the module's read-only texts (custom section "pico.rodata"),
 *  from offset, into ptr. Returns len; < 0 if the range falls outside the section.
 *  The core keeps its fixed texts there instead of in linear memory (see lib/text.ts). */
@external("env", "rodata_read")
export declare function rodata_read(offset: i32, ptr: usize, len: i32): i32;

/** Copies len bytes of the region, from offset, into ptr. The host keeps the region
 *  (restored at boot from RAM kept over a reset, or flash). Returns len, 0 if the host
 *  holds no region yet (it reads as zeros), < 0 if offset/len fall outside 0..1024. */
@external("env", "region_read")
export declare function region_read(offset: i32, ptr: usize, len: i32): i32;

/** Writes the board's unique id (lower-case hex, ASCII) to ptr; returns its length. */
@external("env", "board_unique_id")
export declare function board_unique_id(ptr: usize, cap: i32): i32;

/** Writes a short description of the platform (e.g. "pico-sdk 2.2.0, wasm3") to ptr; returns its length. */
@external("env", "board_platform")
export declare function board_platform(ptr: usize, cap: i32): i32;

/** Free heap in bytes on the host (the memory the node can still use). */
@external("env", "board_free_heap")
export declare function board_free_heap(): i32;

/** RAM the node uses now in bytes, its working set: on a Pico static RAM plus heap in use
 *  (what /metrics/resource reports as node_memory_working_set_bytes). */
@external("env", "board_memory_used")
export declare function board_memory_used(): i32;

/** Chip temperature in milli-degrees Celsius, or i32.MIN_VALUE if unknown. */
@external("env", "board_temperature_mc")
export declare function board_temperature_mc(): i32;

/** Milliseconds the CPU has been busy since boot (wraps at 2^32; the core accumulates deltas). */
@external("env", "board_cpu_busy_ms")
export declare function board_cpu_busy_ms(): u32;

/** 32 random bits from a hardware or OS source (boot id, backoff jitter). */
@external("env", "random_u32")
export declare function random_u32(): u32;

/** Turns the board's LED on (1) or off (0). */
@external("env", "led_set")
export declare function led_set(on: i32): void;

// ---- the kubelet port's TLS (docs/host-abi.md, "Serving certificate") ----
// TLS itself is the host's: it holds the device key (made on the device, never
// leaving it), terminates TLS on the kubelet port and verifies client
// certificates against the cluster's client CA. The core decides when to ask
// for a certificate, carries the CSR to the API server and installs the answer.

/** Writes a PEM PKCS#10 request for the device key (made on first use): subject
 *  O=system:nodes, CN=system:node:<name>; SANs DNS:<name> and, unless 0, IP:<ipv4>.
 *  Returns its length; -1 the host has no TLS, -2 out_cap too small, -3 no key or a bad name. */
@external("env", "tls_csr")
export declare function tls_csr(name_ptr: usize, name_len: i32, ipv4: u32, out_ptr: usize, out_cap: i32): i32;

/** Starts serving the kubelet port with this PEM certificate (chain) for the device key.
 *  0 when serving with it; -1 no TLS, -2 it does not parse, -3 it is not for the device key. */
@external("env", "tls_install")
export declare function tls_install(pem_ptr: usize, pem_len: i32): i32;

/** Writes the installed certificate's notBefore and notAfter (two little-endian i64,
 *  Unix seconds) at out_ptr. 0, or -1 when no certificate is installed. */
@external("env", "tls_cert_validity")
export declare function tls_cert_validity(out_ptr: usize): i32;

/** Writes the SHA-256 digest (32 bytes) of len bytes at ptr to out_ptr. */
@external("env", "sha256")
export declare function sha256(ptr: usize, len: i32, out_ptr: usize): void;

// ---- firmware updates (docs/firmware-update.md, docs/host-abi.md "Firmware updates") ----
// The core decides what to fetch and carries the bytes; the host owns the
// slots, the signature check and the bootloader's state.

/** Writes the running image's identity, 40 bytes laid out as the image header's
 *  bytes 8..47 (version major, minor, patch, flags: u16 LE each; board, engine:
 *  16 bytes each, NUL-padded), at out_ptr. 0, or -1 if this host takes no updates. */
@external("env", "firmware_identity")
export declare function firmware_identity(out_ptr: usize): i32;

/** How this boot came about: 0 an image already confirmed (or none ever installed),
 *  1 a new image on trial (it must confirm), 2 the bootloader rolled back an image
 *  that never confirmed. For 2, writes the refused image's version (three u16 LE)
 *  at out_ptr. */
@external("env", "firmware_boot_state")
export declare function firmware_boot_state(out_ptr: usize): i32;

/** Appends len bytes of an image file at offset to the download slot. offset 0
 *  starts a new image (the old download is forgotten); any other offset must be
 *  where the slot's bytes end. Returns the bytes the slot holds after the write,
 *  or < 0: -1 offset is not where the slot ends, -2 the flash failed, or -(10 + r)
 *  refused for reason r (FIRMWARE_REASON_*: a header the host checked). */
@external("env", "firmware_slot_write")
export declare function firmware_slot_write(offset: i32, ptr: usize, len: i32): i32;

/** The download is complete: checks the whole image in the slot (payload digest,
 *  signature, the file's SHA-256 against the 32 bytes at sha_ptr). 0 when it may be
 *  installed, -2 the flash failed, or a reason r > 0 (FIRMWARE_REASON_*). */
@external("env", "firmware_slot_finish")
export declare function firmware_slot_finish(sha_ptr: usize): i32;

/** Asks the bootloader to install the verified download and restarts the board once
 *  the current call into the core returns. 0 when requested; < 0 if it cannot be. */
@external("env", "firmware_install")
export declare function firmware_install(): i32;

/** The image on trial is good: the bootloader keeps it. 0, or < 0 if the flash failed. */
@external("env", "firmware_confirm")
export declare function firmware_confirm(): i32;
