// Incremental decoder of the HTTP/1.1 chunked transfer coding (RFC 9112 §7.1).
//
// No buffers: feed() consumes framing bytes and hands back at most one span of
// chunk data per call, pointing into the caller's input, so bodies of any size
// pass through without copies. Chunk extensions and trailer fields are skipped.
//
// Line endings: CRLF is required everywhere in the framing; a bare LF is
// rejected. Every real sender (Go net/http, nginx, curl) sends CRLF, and
// disagreeing about chunk boundaries is the classic smuggling vector, so there
// is nothing to gain from the leniency RFC 9112 §2.2 permits.

import { hexValue, isSpaceOrTab } from "../lib/bytes";
import { T, Text, textToString } from "../lib/text";

const CR: u8 = 0x0d;
const LF: u8 = 0x0a;

/** Chunks larger than this are absurd for the node and rejected. */
export const MAX_CHUNK: i32 = 16 << 20;
export const CHUNK_TOO_LARGE: Text = T("chunk size too large");
const NEED_CRLF: Text = T("chunked coding needs CRLF");

const CK_SIZE: i32 = 0; // hex digits of chunk-size
const CK_SIZE_WS: i32 = 1; // BWS after the size, before ';' or CR
const CK_EXT: i32 = 2; // chunk extensions, ignored up to CR
const CK_SIZE_LF: i32 = 3; // CR seen on the size line (CK_EXT + 1)
const CK_DATA: i32 = 4;
const CK_DATA_CR: i32 = 5; // CRLF after chunk data
const CK_DATA_LF: i32 = 6;
const CK_TRAILER: i32 = 7; // start of a trailer line (or the final empty line)
const CK_TRAILER_LINE: i32 = 8;
const CK_TRAILER_LF: i32 = 9; // CK_TRAILER_LINE + 1
const CK_END_LF: i32 = 10; // CR of the final empty line seen
const CK_DONE: i32 = 11;
const CK_FAILED: i32 = 12;

// Plain data, created once: no managed header needed.
@unmanaged
export class ChunkedDecoder {
  /** Tests and diagnostics only (allocates). */
  errorReasonString(): string {
    return textToString(this.errorReason);
  }

  state: i32 = CK_SIZE;
  /** Data bytes still to come in the current chunk (its declared size once the size line ends). */
  remaining: i32 = 0;
  /** Chunk data consumed by the last feed(): a span inside that call's input, or dataLen 0. */
  dataPtr: usize = 0;
  dataLen: i32 = 0;
  errorReason: Text = T("");
  /** Limit on one chunk-size line with its extensions and CRLF, and on the whole trailer section. */
  readonly maxLine: i32;
  private size: i32 = 0;
  private digits: i32 = 0;
  private lineBytes: i32 = 0;

  constructor(maxLine: i32 = 1024) {
    this.maxLine = maxLine;
  }

  get done(): bool {
    return this.state == CK_DONE;
  }

  get failed(): bool {
    return this.state == CK_FAILED;
  }

  reset(): void {
    this.state = CK_SIZE;
    this.remaining = 0;
    this.dataPtr = 0;
    this.dataLen = 0;
    this.errorReason = T("");
    this.size = 0;
    this.digits = 0;
    this.lineBytes = 0;
  }

  /**
   * Consumes framing and at most one span of data; returns the bytes consumed,
   * 0 once done (the rest is the caller's), -1 once failed. Call again with the
   * rest of the input until it is used up or the decoder is done.
   */
  feed(ptr: usize, len: i32): i32 {
    this.dataLen = 0;
    let i = 0;
    while (i < len) {
      const st = this.state;
      if (st == CK_DATA) {
        const rem = this.remaining;
        const n = len - i < rem ? len - i : rem;
        this.dataPtr = ptr + <usize>i;
        this.dataLen = n;
        this.remaining = rem - n;
        if (rem == n) this.state = CK_DATA_CR;
        return i + n;
      }
      if (st >= CK_DONE) break;
      this.step(load<u8>(ptr + <usize>i));
      i++;
    }
    return this.state == CK_FAILED ? -1 : i;
  }

  private fail(reason: Text): void {
    this.errorReason = reason;
    this.state = CK_FAILED;
  }

  private step(b: u8): void {
    // Size lines and the trailer section are counted, never stored.
    if (++this.lineBytes > this.maxLine) return this.fail(T("chunk line too long"));
    let st = this.state;
    if (st == CK_SIZE) {
      const v = hexValue(b);
      if (v >= 0) {
        // Checked per digit, so the i32 can never overflow.
        this.size = (this.size << 4) | v;
        this.digits++;
        if (this.size > MAX_CHUNK) this.fail(CHUNK_TOO_LARGE);
        return;
      }
      if (this.digits == 0) return this.fail(T("invalid chunk size"));
      st = CK_SIZE_WS;
    }
    if (st == CK_SIZE_WS) {
      if (b == 0x3b) this.state = CK_EXT;
      else if (b == CR) this.state = CK_SIZE_LF;
      else if (isSpaceOrTab(b)) this.state = CK_SIZE_WS;
      else if (b == LF) this.fail(NEED_CRLF);
      else this.fail(T("invalid chunk size"));
      return;
    }
    if (st == CK_TRAILER) {
      if (b == CR) {
        this.state = CK_END_LF;
        return;
      }
      st = this.state = CK_TRAILER_LINE;
    }
    if (st == CK_EXT || st == CK_TRAILER_LINE) {
      // Extensions and trailer fields are skipped up to CR; LF alone is not an end.
      if (b == CR) this.state = st + 1;
      else if (b == LF) this.fail(NEED_CRLF);
      else if ((b < 0x20 && b != 0x09) || b == 0x7f) this.fail(T("control byte in chunk line"));
      return;
    }
    if (st == CK_DATA_CR) {
      if (b == CR) this.state = CK_DATA_LF;
      else this.fail(NEED_CRLF);
      return;
    }
    // A CR was seen: LF must follow.
    if (b != LF) return this.fail(NEED_CRLF);
    if (st == CK_SIZE_LF) {
      this.lineBytes = 0;
      if (this.size == 0) {
        this.state = CK_TRAILER;
      } else {
        this.remaining = this.size;
        this.state = CK_DATA;
      }
    } else if (st == CK_DATA_LF) {
      this.lineBytes = 0;
      this.size = 0;
      this.digits = 0;
      this.state = CK_SIZE;
    } else if (st == CK_TRAILER_LF) {
      this.state = CK_TRAILER;
    } else {
      this.state = CK_DONE; // CK_END_LF
    }
  }
}
