// Out: the one byte sink every writer (HTTP heads, JSON, Prometheus text) writes to.
//
// Bodies are rendered twice from the same state: once counting, to learn the
// Content-Length, then for real. So no body needs a buffer of its own size, and
// the length sent is always the length written. Rendering must therefore read
// only core state, never a host call whose answer could change between passes.

import { ByteBuf, utf8Boundary } from "./bytes";
import { T, Text, textCopy, textLen } from "./text";

/** Receives a full staging buffer; returns false if the bytes could not be taken. */
export type FlushFn = (ctx: i32, ptr: usize, len: i32) => bool;

function refuseFlush(ctx: i32, ptr: usize, len: i32): bool {
  return false;
}

/** Lower-case hex digit of a nibble. */
@inline function hexDigit(n: u8): u8 {
  return n < 10 ? 0x30 + n : 0x57 + n;
}

// Plain data, created once: no managed header needed.
@unmanaged
export class Out {
  /** Bytes produced in this pass (counted or written). */
  count: i32 = 0;
  counting: bool = false;
  /** A flush was refused or the staging buffer overflowed: the output is incomplete. */
  failed: bool = false;
  readonly stage: ByteBuf;
  private flushFn: FlushFn = refuseFlush;
  private flushCtx: i32 = 0;

  constructor(stageCap: i32) {
    this.stage = ByteBuf.create(stageCap);
  }

  /** Count only: nothing is stored. */
  beginCount(): void {
    this.count = 0;
    this.counting = true;
    this.failed = false;
    this.stage.clear();
  }

  /** Write into the staging buffer; without a flush function, overflow fails. */
  beginBuffer(): void {
    this.count = 0;
    this.counting = false;
    this.failed = false;
    this.stage.clear();
    this.flushFn = refuseFlush;
  }

  /** Write through the staging buffer to a sink (a connection). */
  beginStream(fn: FlushFn, ctx: i32): void {
    this.beginBuffer();
    this.flushFn = fn;
    this.flushCtx = ctx;
  }

  /** Hands staged bytes to the sink. Returns false if the output failed. */
  flush(): bool {
    if (this.counting || this.failed) return !this.failed;
    if (this.stage.len > 0) {
      const fn = this.flushFn;
      if (!fn(this.flushCtx, this.stage.ptr, this.stage.len)) {
        this.failed = true;
        return false;
      }
      this.stage.clear();
    }
    return true;
  }

  // Stores directly rather than through ByteBuf.push: every byte written
  // passes here, and a call fewer is ~0.5 KB less C stack under wasm3.
  byte(b: u8): void {
    this.count++;
    if (this.counting || this.failed) return;
    const stage = this.stage;
    if (stage.len == stage.cap && !this.flush()) return;
    store<u8>(stage.ptr + <usize>stage.len, b);
    stage.len++;
  }

  /** Bytes from linear memory, copied into the staging buffer a run at a time. */
  bytes(ptr: usize, len: i32): void {
    this.copyIn(len, ptr, 0, false);
  }

  buf(b: ByteBuf): void {
    this.bytes(b.ptr, b.len);
  }

  /**
   * A value kept only to be shown (a server's message): written whole, or, if
   * it was cut to fit its buffer, up to the last whole UTF-8 character and
   * marked "...", so a cut is never silent and never splits a character.
   */
  excerpt(b: ByteBuf): void {
    this.bytes(b.ptr, b.overflow ? utf8Boundary(b.ptr, b.len) : b.len);
    if (b.overflow) this.ascii(T("..."));
  }

  /** A fixed text, copied straight into the staging buffer (no scratch: a flush may log). */
  ascii(s: Text): void {
    this.copyIn(textLen(s), 0, s, true);
  }

  /** n bytes into the staging buffer a run at a time, flushing between runs:
   *  from linear memory at ptr, or (fromText) from the read-only text s. */
  private copyIn(n: i32, ptr: usize, s: Text, fromText: bool): void {
    this.count += n;
    if (this.counting || this.failed) return;
    const stage = this.stage;
    for (let done = 0; done < n; ) {
      if (stage.len == stage.cap && !this.flush()) return;
      const room = stage.cap - stage.len;
      const take = n - done <= room ? n - done : room;
      const dst = stage.ptr + <usize>stage.len;
      if (fromText) textCopy(s, done, dst, take);
      else memory.copy(dst, ptr + <usize>done, <usize>take);
      stage.len += take;
      done += take;
    }
  }

  dec(v: u64): void {
    if (v >= 10) this.dec(v / 10);
    this.byte(<u8>(0x30 + <u32>(v % 10)));
  }

  decSigned(v: i64): void {
    if (v < 0) {
      this.byte(0x2d);
      this.dec(<u64>(-v));
    } else {
      this.dec(<u64>v);
    }
  }

  /** v with exactly `width` digits, zero-padded (timestamps). */
  decPadded(v: u64, width: i32): void {
    let div: u64 = 1;
    for (let i = 1; i < width; i++) div *= 10;
    for (let i = 0; i < width; i++) {
      this.byte(<u8>(0x30 + <u32>((v / div) % 10)));
      div /= 10;
    }
  }

  /** Fixed-point: v / 10^places, e.g. decimal(12345, 3) writes 12.345. */
  decimal(v: i64, places: i32): void {
    let div: u64 = 1;
    for (let i = 0; i < places; i++) div *= 10;
    let u: u64 = <u64>v;
    if (v < 0) {
      this.byte(0x2d);
      u = <u64>(-v);
    }
    this.dec(u / div);
    if (places > 0) {
      this.byte(0x2e);
      this.decPadded(u % div, places);
    }
  }

  hexByte(b: u8): void {
    this.byte(hexDigit(b >> 4));
    this.byte(hexDigit(b & 15));
  }

  hex32(v: u32): void {
    for (let shift = 28; shift >= 0; shift -= 4) this.byte(hexDigit(<u8>((v >> shift) & 15)));
  }
}
