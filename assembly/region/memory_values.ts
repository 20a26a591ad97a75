// The ConfigMap key `memory_values` ("0=0x42, 1=67, 0x3ff=0xFF") as a 1 KB region.
//
// The decoded value is fed one byte at a time (it can be ~11 KB, never buffered).
// Grammar: entries `OFFSET=VALUE` separated by commas; blanks (spaces, tabs, line ends) allowed
// around entries and around '='. OFFSET is decimal 0..1023 or 0x/0X hex 0x0..0x3ff;
// VALUE is decimal 0..255 or hex 0x00..0xff. Leading zeros are allowed ("007" is
// decimal 7: unambiguous, unlike the C original which read "10" as 0x10), but a
// number has at most 8 digits (not counting "0x"). An empty or blank value sets
// no bytes. Result: all zeros overlaid with the entries.
//
// Any problem rejects the whole update: the first one, reading left to right, is
// reported with its entry. Entries are not kept, so a duplicate names the value
// already set rather than the earlier entry's index (that would need 1.25 KB).

import { ByteBuf, isDigit, hexValue } from "../lib/bytes";

/** Blanks between tokens: spaces, tabs and line ends (a YAML `|` block ends in one). */
function isBlank(b: u8): bool {
  return b == 0x20 || b == 0x09 || b == 0x0a || b == 0x0d;
}
import { Out } from "../lib/out";
import { T, Text } from "../lib/text";

export const REGION_SIZE: i32 = 1024;
const MAX_OFFSET: u32 = 1023;
const MAX_VALUE: u32 = 255;
const MAX_DIGITS: i32 = 8; // 8 digits fit u32, so range errors can echo the number
const TEXT_CAP: i32 = 32;

const COMMA: u8 = 0x2c;
const EQUALS: u8 = 0x3d;

// Parser states.
const S_LEAD: i32 = 0; // before an entry's first non-blank
const S_OFF: i32 = 1; // in the offset's digits
const S_OFF_END: i32 = 2; // after the offset, before '='
const S_VAL_LEAD: i32 = 3; // after '=', before the value
const S_VAL: i32 = 4; // in the value's digits
const S_VAL_END: i32 = 5; // after the value, before ',' or the end

// Errors (errorCode).
export const E_NONE: i32 = 0;
export const E_EMPTY: i32 = 1;
export const E_MISSING_OFFSET: i32 = 2;
export const E_OFFSET_NAN: i32 = 3;
export const E_OFFSET_NO_HEX: i32 = 4;
export const E_OFFSET_DIGITS: i32 = 5;
export const E_OFFSET_RANGE: i32 = 6;
export const E_DUPLICATE: i32 = 7;
export const E_EXPECT_EQUALS: i32 = 8;
export const E_MISSING_VALUE: i32 = 9;
export const E_VALUE_NAN: i32 = 10;
export const E_VALUE_NO_HEX: i32 = 11;
export const E_VALUE_DIGITS: i32 = 12;
export const E_VALUE_RANGE: i32 = 13;
export const E_TRAILING: i32 = 14;

// Plain data, created once: no managed header needed.
@unmanaged
export class MemoryValuesParser {
  /** The result, REGION_SIZE bytes; commit it only after finish() returned true. */
  readonly staging: ByteBuf;
  /** One bit per offset: set by an earlier entry of this value (raw: no ByteBuf object needed). */
  private readonly seen: usize;
  /** The current entry's text from its first non-blank, first TEXT_CAP bytes. */
  private readonly text: usize;

  /** finish() returned true. */
  ok: bool = false;
  /** Entries complete so far (all of them after a successful finish). */
  entries: i32 = 0;
  /** 1-based index of the offending entry; 0 if none. */
  errorEntry: i32 = 0;
  errorCode: i32 = E_NONE;

  private state: i32 = S_LEAD;
  private finished: bool = false;
  /** The offending entry's text is complete (its ',' or the end was seen). */
  private stopped: bool = false;
  private sawComma: bool = false;
  /** Entry text length from its first non-blank: raw, and up to its last non-blank. */
  private rawLen: i32 = 0;
  private trimLen: i32 = 0;

  // The number being read.
  private num: u32 = 0;
  private digits: i32 = 0;
  private hex: bool = false;
  // The current entry's offset, once valid.
  private offset: i32 = 0;
  // Error details.
  private errNum: u32 = 0;
  private errHex: bool = false;
  private errPrev: u8 = 0;

  constructor() {
    this.staging = ByteBuf.create(REGION_SIZE);
    this.seen = heap.alloc(<usize>(REGION_SIZE >> 3));
    this.text = heap.alloc(<usize>TEXT_CAP);
    this.reset();
  }

  /** Starts a new value: staging all zeros, nothing seen. */
  reset(): void {
    memory.fill(this.staging.ptr, 0, <usize>REGION_SIZE);
    this.staging.len = REGION_SIZE;
    memory.fill(this.seen, 0, <usize>(REGION_SIZE >> 3));
    this.ok = false;
    this.entries = 0;
    this.errorEntry = 0;
    this.errorCode = E_NONE;
    this.state = S_LEAD;
    this.finished = false;
    this.stopped = false;
    this.sawComma = false;
    this.beginEntry();
  }

  /** Feeds the next byte of the decoded value. After an error only the offending entry's text is kept. */
  bytes(ptr: usize, len: i32): void {
    for (let i = 0; i < len; i++) this.byte(load<u8>(ptr + <usize>i));
  }

  byte(b: u8): void {
    if (this.stopped || this.finished) return;
    if (b != COMMA && (this.rawLen > 0 || !isBlank(b))) {
      if (this.rawLen < TEXT_CAP) store<u8>(this.text + <usize>this.rawLen, b);
      this.rawLen++;
      if (!isBlank(b)) this.trimLen = this.rawLen;
    }
    if (this.errorCode == E_NONE) this.step(b);
    // The offending entry ends at its comma: its text is complete.
    if (b == COMMA && this.errorCode != E_NONE) this.stopped = true;
  }

  /** Ends the value. True if it was valid: staging then holds the whole region. */
  finish(): bool {
    if (this.finished) return this.ok;
    this.finished = true;
    if (this.errorCode == E_NONE) {
      const s = this.state;
      if (s == S_LEAD) {
        // A blank value sets nothing; a blank after a comma is an empty entry.
        if (this.sawComma) this.fail(E_EMPTY);
      } else if (s == S_OFF) {
        if (this.endOffset()) this.fail(E_EXPECT_EQUALS);
      } else if (s == S_OFF_END) {
        this.fail(E_EXPECT_EQUALS);
      } else if (s == S_VAL_LEAD) {
        this.fail(E_MISSING_VALUE);
      } else if (s == S_VAL) {
        if (this.endValue()) this.entries++;
      } else {
        this.entries++;
      }
    }
    this.stopped = true;
    this.ok = this.errorCode == E_NONE;
    return this.ok;
  }

  /** `entry N "TEXT": PROBLEM`; nothing if there is no error. */
  writeError(out: Out): void {
    const code = this.errorCode;
    if (code == E_NONE) return;
    out.ascii(T("entry "));
    out.dec(<u64>this.errorEntry);
    out.ascii(T(" \""));
    const n = this.trimLen < TEXT_CAP ? this.trimLen : TEXT_CAP;
    for (let i = 0; i < n; i++) writeSafe(out, load<u8>(this.text + <usize>i));
    if (this.trimLen > TEXT_CAP) out.ascii(T("..."));
    out.ascii(T("\": "));
    if (code == E_OFFSET_RANGE || code == E_VALUE_RANGE) {
      out.ascii(code == E_OFFSET_RANGE ? T("offset ") : T("value "));
      writeNum(out, this.errNum, this.errHex);
      out.ascii(code == E_OFFSET_RANGE ? T(" out of range 0..1023 (0x000..0x3ff)") : T(" out of range 0..255 (0x00..0xff)"));
    } else if (code == E_DUPLICATE) {
      out.ascii(T("duplicate offset "));
      writeNum(out, this.errNum, this.errHex);
      out.ascii(T(" (already set to 0x"));
      out.hexByte(this.errPrev);
      out.ascii(T(" by an earlier entry)"));
    } else out.ascii(fixedErrorText(code));
  }

  private beginEntry(): void {
    this.rawLen = 0;
    this.trimLen = 0;
  }

  private fail(code: i32): void {
    this.errorCode = code;
    this.errorEntry = this.entries + 1;
  }

  private beginNumber(b: u8): void {
    this.num = <u32>(b - 0x30);
    this.digits = 1;
    this.hex = false;
  }

  /** Takes b into the number if it belongs there; false if b ends it (or on error). */
  private numberByte(b: u8, tooMany: i32): bool {
    if (!this.hex && this.digits == 1 && this.num == 0 && (b == 0x78 || b == 0x58)) {
      this.hex = true;
      this.digits = 0;
      return true;
    }
    const d = this.hex ? hexValue(b) : isDigit(b) ? <i32>b - 0x30 : -1;
    if (d < 0) return false;
    if (this.digits == MAX_DIGITS) {
      this.fail(tooMany);
      return true;
    }
    this.num = this.num * (this.hex ? 16 : 10) + <u32>d;
    this.digits++;
    return true;
  }

  /** The offset is complete: range and duplicate checks. False on error. */
  private endOffset(): bool {
    if (this.hex && this.digits == 0) {
      this.fail(E_OFFSET_NO_HEX);
      return false;
    }
    this.errNum = this.num;
    this.errHex = this.hex;
    if (this.num > MAX_OFFSET) {
      this.fail(E_OFFSET_RANGE);
      return false;
    }
    const off = <i32>this.num;
    const bits = load<u8>(this.seen + <usize>(off >> 3));
    if (bits & (<u8>1 << <u8>(off & 7))) {
      this.errPrev = this.staging.at(off);
      this.fail(E_DUPLICATE);
      return false;
    }
    this.offset = off;
    return true;
  }

  /** The value is complete: range check, then it is staged. False on error. */
  private endValue(): bool {
    if (this.hex && this.digits == 0) {
      this.fail(E_VALUE_NO_HEX);
      return false;
    }
    if (this.num > MAX_VALUE) {
      this.errNum = this.num;
      this.errHex = this.hex;
      this.fail(E_VALUE_RANGE);
      return false;
    }
    const off = this.offset;
    store<u8>(this.staging.ptr + <usize>off, <u8>this.num);
    const p = this.seen + <usize>(off >> 3);
    store<u8>(p, load<u8>(p) | (<u8>1 << <u8>(off & 7)));
    return true;
  }

  private endEntry(): void {
    this.entries++;
    this.sawComma = true;
    this.beginEntry();
    this.state = S_LEAD;
  }

  private step(b: u8): void {
    const blank = isBlank(b);
    let s = this.state;
    if (s == S_LEAD) {
      if (blank) return;
      if (isDigit(b)) {
        this.beginNumber(b);
        this.state = S_OFF;
      } else if (b == COMMA) this.fail(E_EMPTY);
      else if (b == EQUALS) this.fail(E_MISSING_OFFSET);
      else this.fail(E_OFFSET_NAN);
      return;
    }
    if (s == S_OFF) {
      if (this.numberByte(b, E_OFFSET_DIGITS)) return;
      if (!this.endOffset()) return;
      s = S_OFF_END;
      this.state = s;
    }
    if (s == S_OFF_END) {
      if (b == EQUALS) this.state = S_VAL_LEAD;
      else if (!blank) this.fail(E_EXPECT_EQUALS);
      return;
    }
    if (s == S_VAL_LEAD) {
      if (blank) return;
      if (isDigit(b)) {
        this.beginNumber(b);
        this.state = S_VAL;
        return;
      }
      this.fail(b == COMMA ? E_MISSING_VALUE : E_VALUE_NAN);
      return;
    }
    if (s == S_VAL) {
      if (this.numberByte(b, E_VALUE_DIGITS)) return;
      if (!this.endValue()) return;
      s = S_VAL_END;
      this.state = s;
    }
    // S_VAL_END
    if (b == COMMA) this.endEntry();
    else if (!blank) this.fail(E_TRAILING);
  }
}

/** The message of an error that carries no number. */
function fixedErrorText(code: i32): Text {
  switch (code) {
    case E_EMPTY: return T("empty entry");
    case E_MISSING_OFFSET: return T("missing offset before '='");
    case E_OFFSET_NAN: return T("offset is not a number");
    case E_OFFSET_NO_HEX: return T("offset has no hex digits after 0x");
    case E_OFFSET_DIGITS: return T("offset has more than 8 digits");
    case E_EXPECT_EQUALS: return T("expected '=' after offset");
    case E_MISSING_VALUE: return T("missing value");
    case E_VALUE_NAN: return T("value is not a number");
    case E_VALUE_NO_HEX: return T("value has no hex digits after 0x");
    case E_VALUE_DIGITS: return T("value has more than 8 digits");
  }
  return T("trailing characters after value");
}

/** A number as written: decimal, or 0x and lower-case hex without leading zeros. */
function writeNum(out: Out, v: u32, hex: bool): void {
  if (!hex) {
    out.dec(<u64>v);
    return;
  }
  out.ascii(T("0x"));
  let shift = 28;
  while (shift > 0 && ((v >> shift) & 15) == 0) shift -= 4;
  for (; shift >= 0; shift -= 4) {
    const d = (v >> shift) & 15;
    out.byte(<u8>(d < 10 ? 0x30 + d : 0x57 + d));
  }
}

/** Entry text inside double quotes: quote, backslash and non-printable bytes escaped. */
function writeSafe(out: Out, b: u8): void {
  if (b == 0x22 || b == 0x5c) {
    out.byte(0x5c);
    out.byte(b);
  } else if (b < 0x20 || b >= 0x7f) {
    out.ascii(T("\\x"));
    out.hexByte(b);
  } else out.byte(b);
}
