// The node's wall clock: the API server's Date headers plus the monotonic clock
// (the board has no RTC), and the Lease's strictly increasing renewTime.

import { StrictlyIncreasing, WallClock } from "../lib/wallclock";
import { now } from "../lib/clock";

export const wallClock = new WallClock();
export const renewTimes = new StrictlyIncreasing();

/** Wall time in µs for a monotonic instant (ms since start). */
export function wallMicrosAt(monoMs: u64): i64 {
  return wallClock.nowMicros(monoMs);
}

export function wallMicrosNow(): i64 {
  return wallClock.nowMicros(now());
}
