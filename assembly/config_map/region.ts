// The 1 KB region as the core knows it: the bytes last committed to the host,
// which ConfigMap resourceVersion they came from, and their CRC-32. The host
// keeps the authoritative copy (RAM that survives a reset, flash) and hands it
// back at boot through region_load.

import { region_commit, region_load } from "../host";
import { ByteBuf } from "../lib/bytes";
import { crc32 } from "../lib/crc32";
import { REGION_SIZE } from "../region/memory_values";

export class Region {
  bytes: ByteBuf = new ByteBuf(REGION_SIZE);
  /** resourceVersion of the ConfigMap applied; empty if none since boot. */
  version: ByteBuf = new ByteBuf(32);
  crc: u32 = 0;
  /** Number of bytes the applied value set (entries). */
  entries: i32 = 0;
  /** The bytes came from the host at boot, not from a ConfigMap seen since. */
  restored: bool = false;

  loadFromHost(): void {
    const n = region_load(this.bytes.ptr, REGION_SIZE);
    this.bytes.len = REGION_SIZE; // zero-filled where the host had nothing
    this.restored = n > 0 && n <= REGION_SIZE;
    this.crc = crc32(this.bytes.ptr, REGION_SIZE);
  }

  /** Commits staged bytes to the host, all or nothing. False if the host refused. */
  commit(staging: ByteBuf, version: ByteBuf, entries: i32): bool {
    if (region_commit(staging.ptr, REGION_SIZE) != 0) return false;
    memory.copy(this.bytes.ptr, staging.ptr, <usize>REGION_SIZE);
    this.version.copyFrom(version);
    this.entries = entries;
    this.restored = false;
    this.crc = crc32(this.bytes.ptr, REGION_SIZE);
    return true;
  }
}

export const region = new Region();
