// ReviewCache: answers of TokenReview / SubjectAccessReview kept for a while,
// as kubelet's webhook authenticator and authorizer keep them. Keyed by the
// SHA-256 of what was reviewed (a token is never stored), bounded in entries;
// when full, the entry closest to expiry makes room.

import { sha256 } from "../host";
import { ByteBuf, bytesEqual } from "../lib/bytes";
import { now } from "../lib/clock";

export const DIGEST_BYTES = 32;

// Plain data, created once: no managed header needed.
@unmanaged
export class CacheEntry {
  key: ByteBuf = ByteBuf.create(DIGEST_BYTES);
  expiresAt: u64 = 0;
  allowed: bool = false;
  /** Who the token belongs to (token cache only; empty otherwise). */
  user: ByteBuf;
  groups: ByteBuf;
  constructor(userCap: i32, groupsCap: i32) {
    this.user = ByteBuf.create(userCap);
    this.groups = ByteBuf.create(groupsCap);
  }
}

/** SHA-256 of len bytes at ptr into dst (cap ≥ 32). */
export function digestOf(ptr: usize, len: i32, dst: ByteBuf): void {
  sha256(ptr, len, dst.ptr);
  dst.len = DIGEST_BYTES;
}

@unmanaged
export class ReviewCache {
  private entries: StaticArray<CacheEntry>;
  private allowedTtlMs: u64;
  private deniedTtlMs: u64;
  hits: u64 = 0;
  misses: u64 = 0;

  constructor(size: i32, allowedTtlMs: u64, deniedTtlMs: u64, userCap: i32, groupsCap: i32) {
    this.entries = new StaticArray<CacheEntry>(size);
    for (let i = 0; i < size; i++) unchecked((this.entries[i] = new CacheEntry(userCap, groupsCap)));
    this.allowedTtlMs = allowedTtlMs;
    this.deniedTtlMs = deniedTtlMs;
  }

  /** The live entry for this digest, or null. */
  find(digest: ByteBuf): CacheEntry | null {
    const t = now();
    for (let i = 0; i < this.entries.length; i++) {
      const e = unchecked(this.entries[i]);
      if (e.expiresAt > t && e.key.len == DIGEST_BYTES && bytesEqual(e.key.ptr, digest.ptr, DIGEST_BYTES)) {
        this.hits++;
        return e;
      }
    }
    this.misses++;
    return null;
  }

  /** Stores a verdict; returns the entry so the caller can fill in the identity. */
  put(digest: ByteBuf, allowed: bool): CacheEntry {
    const t = now();
    let victim = unchecked(this.entries[0]);
    for (let i = 0; i < this.entries.length; i++) {
      const e = unchecked(this.entries[i]);
      if (e.key.len == DIGEST_BYTES && bytesEqual(e.key.ptr, digest.ptr, DIGEST_BYTES)) {
        victim = e;
        break;
      }
      if (e.expiresAt < victim.expiresAt) victim = e;
    }
    victim.key.copyFrom(digest);
    victim.allowed = allowed;
    victim.expiresAt = t + (allowed ? this.allowedTtlMs : this.deniedTtlMs);
    victim.user.clear();
    victim.groups.clear();
    return victim;
  }
}
