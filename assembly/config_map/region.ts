// The 1 KB region as the core knows it: which ConfigMap resourceVersion the
// host's bytes came from and their CRC-32. The host keeps the bytes (RAM that
// survives a reset, flash); the core reads them back through a small window.

import { region_commit, region_read } from "../host";
import { Out } from "../lib/out";
import { ByteBuf } from "../lib/bytes";
import { crc32, crc32Update } from "../lib/crc32";
import { REGION_SIZE } from "../region/memory_values";
import { RESOURCE_VERSION_BYTES } from "../api/limits";

const WINDOW_BYTES = 64;

// Plain data, created once: no managed header needed.
@unmanaged
export class Region {
  /** resourceVersion of the ConfigMap applied; empty if none since boot. */
  version: ByteBuf = ByteBuf.create(RESOURCE_VERSION_BYTES);
  crc: u32 = 0;
  /** Number of bytes the applied value set (entries). */
  entries: i32 = 0;
  /** The bytes came from the host at boot, not from a ConfigMap seen since. */
  restored: bool = false;
  /** Reads go through this small window: the core keeps no copy of the region. */
  private window: ByteBuf = ByteBuf.create(WINDOW_BYTES);

  loadFromHost(): void {
    let crc: u32 = 0; // crc32Update chains like zlib's crc32()
    this.restored = false;
    for (let off = 0; off < REGION_SIZE; off += WINDOW_BYTES) {
      const got = this.read(off);
      if (got > 0) this.restored = true;
      crc = crc32Update(crc, this.window.ptr, WINDOW_BYTES);
    }
    this.crc = crc;
  }

  /** Fills the window with the region's bytes at offset (zeros where the host has none). */
  read(offset: i32): i32 {
    const got = region_read(offset, this.window.ptr, WINDOW_BYTES);
    if (got != WINDOW_BYTES) memory.fill(this.window.ptr, 0, <usize>WINDOW_BYTES);
    this.window.len = WINDOW_BYTES;
    return got;
  }

  /** Writes the region as hex, reading it from the host window by window. */
  writeHex(o: Out): void {
    for (let off = 0; off < REGION_SIZE; off += WINDOW_BYTES) {
      this.read(off);
      for (let i = 0; i < WINDOW_BYTES; i++) o.hexByte(this.window.at(i));
    }
  }

  /** Commits staged bytes to the host, all or nothing. False if the host refused. */
  commit(staging: ByteBuf, version: ByteBuf, entries: i32): bool {
    if (region_commit(staging.ptr, REGION_SIZE) != 0) return false;
    this.version.copyFrom(version);
    this.entries = entries;
    this.restored = false;
    this.crc = crc32(staging.ptr, REGION_SIZE);
    return true;
  }
}

export const region = new Region();
