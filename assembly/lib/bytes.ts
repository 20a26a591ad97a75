import { Text, textBytes, textCopy, textLen } from "./text";

// Fixed-capacity byte buffers and ASCII helpers.
//
// The device build uses AssemblyScript's stub runtime, which never frees: every
// buffer is created once at module start and reused. Fixed texts come from
// lib/text.ts and are copied in whole.

// Unmanaged, with its bytes in the same block as its fields: one allocation of
// header + capacity, where a managed object plus a separate buffer would cost
// two headers and two roundings per buffer.
@unmanaged
export class ByteBuf {
  ptr: usize;
  cap: i32;
  len: i32;
  /** Set when an append did not fit; the bytes that did fit stay. */
  overflow: bool;

  /** A zeroed buffer of `cap` bytes, allocated once at start-up. */
  static create(cap: i32): ByteBuf {
    const block = heap.alloc(offsetof<ByteBuf>() + <usize>cap);
    memory.fill(block, 0, offsetof<ByteBuf>() + <usize>cap);
    const b = changetype<ByteBuf>(block);
    b.ptr = block + offsetof<ByteBuf>();
    b.cap = cap;
    return b;
  }

  clear(): void {
    this.len = 0;
    this.overflow = false;
  }

  at(i: i32): u8 {
    return load<u8>(this.ptr + <usize>i);
  }

  push(b: u8): bool {
    if (this.len >= this.cap) {
      this.overflow = true;
      return false;
    }
    store<u8>(this.ptr + <usize>this.len, b);
    this.len++;
    return true;
  }

  append(src: usize, n: i32): bool {
    const room = this.cap - this.len;
    const take = n <= room ? n : room;
    if (take > 0) memory.copy(this.ptr + <usize>this.len, src, <usize>take);
    this.len += take;
    if (take < n) this.overflow = true;
    return take == n;
  }

  appendBuf(other: ByteBuf): bool {
    return this.append(other.ptr, other.len);
  }

  appendAscii(s: Text): bool {
    const n = textLen(s);
    const room = this.cap - this.len;
    const take = n <= room ? n : room;
    textCopy(s, 0, this.ptr + <usize>this.len, take);
    this.len += take;
    if (take < n) this.overflow = true;
    return take == n;
  }

  copyFrom(other: ByteBuf): void {
    this.clear();
    this.append(other.ptr, other.len);
    this.overflow = other.overflow;
  }

  equals(other: ByteBuf): bool {
    return this.len == other.len && bytesEqual(this.ptr, other.ptr, this.len);
  }

  equalsAscii(s: Text): bool {
    return asciiEquals(this.ptr, this.len, s);
  }

  /** Allocates: for tests and diagnostics only, never on a device path. */
  toString(): string {
    return String.UTF8.decodeUnsafe(this.ptr, <usize>this.len);
  }
}

/**
 * The n bytes at a and at b are equal. One short loop shared by every
 * comparison: memory.compare would inline a long word-wise one at each use,
 * and the node only compares short keys and versions.
 */
export function bytesEqual(a: usize, b: usize, n: i32): bool {
  for (let i = 0; i < n; i++) if (load<u8>(a + <usize>i) != load<u8>(b + <usize>i)) return false;
  return true;
}

export function lowerAscii(b: u8): u8 {
  return b >= 0x41 && b <= 0x5a ? b + 0x20 : b;
}

export function asciiEquals(ptr: usize, len: i32, s: Text): bool {
  return len == textLen(s) && bytesEqual(ptr, textBytes(s), len);
}

/** Case-insensitive compare against a lower-case ASCII literal. */
export function asciiEqualsNoCase(ptr: usize, len: i32, lowerLiteral: Text): bool {
  if (len != textLen(lowerLiteral)) return false;
  const lit = textBytes(lowerLiteral);
  for (let i = 0; i < len; i++) {
    if (lowerAscii(load<u8>(ptr + <usize>i)) != load<u8>(lit + <usize>i)) return false;
  }
  return true;
}

/** Byte i of up to 8 ASCII bytes packed little-endian into a constant: byte-at-a-time
 *  matching of short literals without reading texts (see LIT_* constants at the users). */
@inline export function packedByte(packed: u64, i: i32): u8 {
  return <u8>(packed >>> (<u64>i << 3));
}

export function isDigit(b: u8): bool {
  return b >= 0x30 && b <= 0x39;
}

/** Value of a hex digit, or -1. */
export function hexValue(b: u8): i32 {
  if (b >= 0x30 && b <= 0x39) return <i32>b - 0x30;
  const l = lowerAscii(b);
  if (l >= 0x61 && l <= 0x66) return <i32>l - 0x61 + 10;
  return -1;
}

/** The largest m <= n such that bytes [0, m) at ptr do not end inside a UTF-8 sequence
 *  (for cutting text that was UTF-8 whole). */
export function utf8Boundary(ptr: usize, n: i32): i32 {
  let lead = n;
  while (lead > 0 && n - lead < 4 && (load<u8>(ptr + <usize>(lead - 1)) & 0xc0) == 0x80) lead--;
  if (lead == 0) return n;
  const first = load<u8>(ptr + <usize>(lead - 1));
  const need = first >= 0xf0 ? 4 : first >= 0xe0 ? 3 : first >= 0xc0 ? 2 : 1;
  return n - (lead - 1) < need ? lead - 1 : n;
}

export function isSpaceOrTab(b: u8): bool {
  return b == 0x20 || b == 0x09;
}
