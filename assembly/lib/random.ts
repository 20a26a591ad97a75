// Jitter source: xorshift32 seeded from the host's random_u32 at start.
// Only backoff jitter uses it; identities (boot id) read the host directly.

import { random_u32 } from "../host";

let state: u32 = 0x9e3779b9;

export function seedRandom(): void {
  const s = random_u32();
  state = s != 0 ? s : 0x9e3779b9;
}

export function nextRandom(): u32 {
  let x = state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  state = x;
  return x;
}

/** Uniform in [0, n). */
export function randomBelow(n: u32): u32 {
  return n == 0 ? 0 : nextRandom() % n;
}
