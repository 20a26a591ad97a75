// The LED command, run from tick(): on/off edges at the requested pace.

import { led_set } from "../host";
import { now } from "../lib/clock";

export const BLINK_MAX_TIMES: i32 = 50;
export const BLINK_MIN_DELAY_MS: i32 = 10;
export const BLINK_MAX_DELAY_MS: i32 = 5000;

// Plain data, created once: no managed header needed.
@unmanaged
class Blinker {
  private edgesLeft: i32 = 0;
  private delayMs: i32 = 0;
  private nextAt: u64 = 0;
  private on: bool = false;

  start(times: i32, delayMs: i32): void {
    this.edgesLeft = times * 2;
    this.delayMs = delayMs;
    this.nextAt = now();
  }

  active(): bool {
    return this.edgesLeft > 0;
  }

  tick(): void {
    if (this.edgesLeft <= 0 || now() < this.nextAt) return;
    this.on = !this.on;
    led_set(this.on ? 1 : 0);
    this.edgesLeft--;
    this.nextAt = now() + <u64>this.delayMs;
  }
}

export const blinker = new Blinker();
