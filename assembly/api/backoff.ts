// Capped exponential backoff with jitter (virtual-kubelet / client-go style):
// delay = min(cap, initial * 2^failures), then a random 0..50 % is added, never
// past the cap. A server's Retry-After, when longer, wins up to the backoff's
// own ceiling: the Lease's is its cap (a renewal must land well within
// leaseDurationSeconds), other requests honour up to 5 minutes.

import { config } from "../config";
import { now } from "../lib/clock";
import { randomBelow } from "../lib/random";

/** How long a Retry-After may hold back requests that nothing else waits on. */
export const RETRY_AFTER_CEILING_MS: i32 = 300_000;

/** Which settings a backoff follows. API requests: capped at backoff_max_ms, a Retry-After honoured up to 5 min. */
export const BACKOFF_API = 0;
/** The Lease (and what it waits for): capped at lease_backoff_max_ms, and so is a Retry-After. */
export const BACKOFF_LEASE = 1;

// Plain data, created once: no managed header needed.
@unmanaged
export class Backoff {
  failures: i32 = 0;
  /** Monotonic ms before which no retry may start. */
  notBefore: u64 = 0;
  initialMs: i32 = 0;
  capMs: i32 = 0;
  /** Longest delay a server's Retry-After may impose. */
  retryAfterCeilingMs: i32 = 0;
  private kind: i32;

  constructor(kind: i32) {
    this.kind = kind;
    this.configure();
  }

  /** Takes the intervals from the configuration (again, once the device's is read). */
  configure(): void {
    this.initialMs = config.backoffInitialMs;
    this.capMs = this.kind == BACKOFF_LEASE ? config.leaseBackoffMaxMs : config.backoffMaxMs;
    this.retryAfterCeilingMs = this.kind == BACKOFF_LEASE ? config.leaseBackoffMaxMs : RETRY_AFTER_CEILING_MS;
  }

  succeeded(): void {
    this.failures = 0;
    this.notBefore = 0;
  }

  /** Records a failure; returns the chosen delay in ms. retryAfterS < 0: none given. */
  failed(retryAfterS: i32): u64 {
    let delay: u64 = <u64>this.initialMs;
    for (let i = 0; i < this.failures && delay < <u64>this.capMs; i++) delay <<= 1;
    if (delay > <u64>this.capMs) delay = <u64>this.capMs;
    delay += <u64>randomBelow(<u32>(delay / 2) + 1);
    if (delay > <u64>this.capMs) delay = <u64>this.capMs;
    if (retryAfterS >= 0) {
      let ra = <u64>retryAfterS * 1000;
      if (ra > <u64>this.retryAfterCeilingMs) ra = <u64>this.retryAfterCeilingMs;
      if (ra > delay) delay = ra;
    }
    if (this.failures < 30) this.failures++;
    this.notBefore = now() + delay;
    return delay;
  }

  /** A fixed pause (credentials problems), counted as a failure. */
  pause(ms: i32): void {
    if (this.failures < 30) this.failures++;
    this.notBefore = now() + <u64>ms;
  }

  ready(): bool {
    return now() >= this.notBefore;
  }
}
