import { T, Text, textEquals } from "../lib/text";

// Counters behind /metrics. Labelled counters are fixed-size tables of
// (small key, status code) pairs; a pair that finds no free row is counted in
// `dropped` so nothing is silently lost.

// Plain data, created once: no managed header needed.
@unmanaged
export class PairCounter {
  private keys: StaticArray<u32>;
  private counts: StaticArray<u32>;
  used: i32 = 0;
  dropped: u64 = 0;

  constructor(rows: i32) {
    this.keys = new StaticArray<u32>(rows);
    this.counts = new StaticArray<u32>(rows);
  }

  // Rows below `used` exist, so reads need no bounds checks.
  add(key: i32, code: i32): void {
    const packed = (<u32>key << 16) | (<u32>code & 0xffff);
    for (let i = 0; i < this.used; i++) {
      if (unchecked(this.keys[i]) == packed) {
        unchecked(this.counts[i]++);
        return;
      }
    }
    if (this.used == this.keys.length) {
      this.dropped++;
      return;
    }
    unchecked((this.keys[this.used] = packed));
    unchecked((this.counts[this.used] = 1));
    this.used++;
  }

  keyAt(i: i32): i32 {
    return <i32>(unchecked(this.keys[i]) >> 16);
  }
  codeAt(i: i32): i32 {
    return <i32>(unchecked(this.keys[i]) & 0xffff);
  }
  countAt(i: i32): u64 {
    return <u64>unchecked(this.counts[i]);
  }

  total(key: i32): u64 {
    let t: u64 = 0;
    for (let i = 0; i < this.used; i++) if (this.keyAt(i) == key) t += this.countAt(i);
    return t;
  }
}

export const API_VERBS: StaticArray<Text> = [T("GET"), T("POST"), T("PUT"), T("PATCH")];

export function verbIndex(method: Text): i32 {
  for (let i = 0; i < API_VERBS.length; i++) if (textEquals(unchecked(API_VERBS[i]), method)) return i;
  return 0;
}

// Plain data, created once: no managed header needed.
@unmanaged
export class Metrics {
  /** API requests by verb and HTTP status (0: no response). */
  api: PairCounter = new PairCounter(20);
  /** Kubelet requests by route index and status. */
  http: PairCounter = new PairCounter(24);
  apiBytesSent: u64 = 0;
  apiBytesReceived: u64 = 0;
  leaseRenewals: u64 = 0;
  leaseFailures: u64 = 0;
  statusWrites: u64 = 0;
  registrations: u64 = 0;
  configApplies: u64 = 0;
  configRejects: u64 = 0;
  watchRestarts: u64 = 0;
  relists: u64 = 0;
  /** Date headers not believed (unparsable, out of range, an unconfirmed step). */
  datesIgnored: u64 = 0;
}

export const metrics = new Metrics();
