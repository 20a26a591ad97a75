// The core's monotonic clock, driven by tick(now_ms). Hosts pass a u32 that may
// wrap (every 49.7 days); the core accumulates deltas into a 64-bit count so
// uptime and intervals stay right across the wrap.

let lastHostMs: u32 = 0;
let started: bool = false;
let nowMs: u64 = 0;

export function clockAdvance(hostMs: u32): void {
  if (!started) {
    started = true;
    lastHostMs = hostMs;
    return;
  }
  nowMs += <u64>(hostMs - lastHostMs); // u32 subtraction is wrap-safe
  lastHostMs = hostMs;
}

/** Milliseconds since the core started. */
export function now(): u64 {
  return nowMs;
}

/** True once `at` is reached. */
export function due(at: u64): bool {
  return nowMs >= at;
}
