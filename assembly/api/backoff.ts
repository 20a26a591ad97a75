// Capped exponential backoff with jitter (virtual-kubelet / client-go style):
// delay = min(cap, initial * 2^failures), then a random 0..50 % is added, never
// past the cap. A server's Retry-After, when longer, wins (up to a hard ceiling).

import { now } from "../lib/clock";
import { randomBelow } from "../lib/random";

const RETRY_AFTER_CEILING_MS: u64 = 300_000;

// Plain data, created once: no managed header needed.
@unmanaged
export class Backoff {
  failures: i32 = 0;
  /** Monotonic ms before which no retry may start. */
  notBefore: u64 = 0;
  initialMs: i32;
  capMs: i32;

  constructor(initialMs: i32, capMs: i32) {
    this.initialMs = initialMs;
    this.capMs = capMs;
  }

  configure(initialMs: i32, capMs: i32): void {
    this.initialMs = initialMs;
    this.capMs = capMs;
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
      if (ra > RETRY_AFTER_CEILING_MS) ra = RETRY_AFTER_CEILING_MS;
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
