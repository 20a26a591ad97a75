// Streaming JSON reader: a byte-level state machine that validates RFC 8259 and
// reports scalars with their path to a handler, so the node pulls the few
// fields it needs from API responses and watch streams in bounded memory.
//
// Every buffer is allocated in the constructor (stub runtime never frees);
// feed() allocates nothing and keeps all state across calls, so chunk
// boundaries may fall anywhere (inside an escape, a number, a literal, a key).

import { ByteBuf, asciiEquals, hexValue, isDigit } from "../lib/bytes";
import { T, Text, textToString } from "../lib/text";

export const JSON_STRING: i32 = 1,
  JSON_NUMBER: i32 = 2,
  JSON_TRUE: i32 = 3,
  JSON_FALSE: i32 = 4,
  JSON_NULL: i32 = 5;

/** Containers deeper than this are an error. */
export const JSON_MAX_DEPTH: i32 = 64;
/** Levels whose keys (or array indices) are kept; deeper ones by type only. */
export const JSON_KEY_LEVELS: i32 = 6;
/** Longest key kept; a longer one never matches. */
export const JSON_KEY_CAP: i32 = 32;

/** Override what you need; the defaults ignore everything. */
export class JsonHandler {
  /** A string value starts at r's current path. Return true to receive its decoded bytes through stringRun() instead of having them captured into r.value (for long values such as ConfigMap data). */
  wantsStream(r: JsonReader): bool {
    return false;
  }
  /** The next decoded bytes of a streamed string, valid during the call. Runs end wherever the input's chunks or escapes do: one call per run, not per byte (an interpreter pays for every call). */
  stringRun(r: JsonReader, ptr: usize, len: i32): void {}
  /** A scalar value completed at r's current path. Strings (not streamed): decoded bytes in r.value (r.value.overflow set if longer than its capacity; the prefix is kept). Numbers: the raw number text in r.value; r.intValue() gives it as i64. For streamed strings scalar() is still called at the end, with r.value empty. */
  scalar(r: JsonReader, kind: i32): void {}
  /** An object/array starts (enter) or ends (leave) at r's current path (the path of the container value itself). */
  enter(r: JsonReader, isArray: bool): void {}
  leave(r: JsonReader, isArray: bool): void {}
  /** A complete top-level value ended. */
  documentEnd(r: JsonReader): void {}
}

// Parser states.
const ST_TOP: u8 = 0; // between top-level values
const ST_VALUE: u8 = 1; // after ':'
const ST_ARR_FIRST: u8 = 2; // after '[': value or ']'
const ST_ARR_NEXT: u8 = 3; // after ',' in an array: value (']' = trailing comma)
const ST_OBJ_FIRST: u8 = 4; // after '{': key or '}'
const ST_OBJ_NEXT: u8 = 5; // after ',' in an object: key ('}' = trailing comma)
const ST_COLON: u8 = 6;
const ST_AFTER: u8 = 7; // after a value in a container: ',' or the close
const ST_STR: u8 = 8;
const ST_ESC: u8 = 9; // after '\'
const ST_HEX: u8 = 10; // in \uXXXX
const ST_SURR_BS: u8 = 11; // high surrogate seen: expect '\' of its low half
const ST_SURR_U: u8 = 12; // ... then 'u'
const ST_NUM: u8 = 13;
const ST_LIT: u8 = 14;

// String destinations.
const TO_KEY: u8 = 0;
const TO_VALUE: u8 = 1;
const TO_HANDLER: u8 = 2;

// Number sub-states; the ones marked * may end the number.
const N_MINUS: u8 = 0; // '-'
const N_ZERO: u8 = 1; // * leading '0'
const N_INT: u8 = 2; // * integer digits
const N_DOT: u8 = 3; // '.'
const N_FRAC: u8 = 4; // * fraction digits
const N_E: u8 = 5; // 'e'
const N_ESIGN: u8 = 6; // exponent sign
const N_EXP: u8 = 7; // * exponent digits

// Rest of each literal after its first byte, packed little-endian.
const LIT_RUE: u32 = 0x657572; // T("rue")
const LIT_ALSE: u32 = 0x65736c61; // T("alse")
const LIT_ULL: u32 = 0x6c6c75; // T("ull")

const KEYS_BYTES: i32 = JSON_KEY_LEVELS * JSON_KEY_CAP;
/** A byte decoded from an escape, handed to stringRun() as a run of one. */
const ESCAPED_BYTE: usize = memory.data(1);
const LENS_BYTES: i32 = JSON_KEY_LEVELS * 4;

@inline function isWs(b: u8): bool {
  return b == 0x20 || b == 0x0a || b == 0x0d || b == 0x09;
}

/** Memory: JSON_KEY_LEVELS * (JSON_KEY_CAP + 4) bytes of key slots plus valueCap, all allocated here. */
// Plain data, created once: no managed header needed.
@unmanaged
export class JsonReader {
  /** Tests and diagnostics only (allocates). */
  errorReasonString(): string {
    return textToString(this.errorReason);
  }

  /** Settable between documents, so one reader serves different response kinds. */
  handler: JsonHandler;
  /** The current scalar: decoded string bytes or number text. */
  readonly value: ByteBuf;
  failed: bool = false;
  errorReason: Text = T("");
  errorOffset: i64 = 0;
  documents: i32 = 0;
  depth: i32 = 0;

  /** Bit l-1 set: level l is an array. */
  private arrays: u64 = 0;
  /** Key bytes of levels 1..JSON_KEY_LEVELS, then one i32 per level: key length (-1: too long) or array index. */
  private readonly slots: usize;
  private pos: i64 = 0;
  private state: u8 = ST_TOP;
  private dest: u8 = TO_VALUE;
  private num: u8 = 0;
  private litKind: u8 = 0;
  private lit: u32 = 0;
  private hexCount: i32 = 0;
  private code: i32 = 0;
  /** Pending high surrogate, 0 if none. */
  private high: i32 = 0;
  /** UTF-8 continuation bytes still expected, and the range the next one must fall in. */
  private utf8Need: i32 = 0;
  private utf8Low: u8 = 0x80;
  private utf8High: u8 = 0xbf;
  private parsedInt: i64 = 0;

  constructor(handler: JsonHandler, valueCap: i32 = 256) {
    this.handler = handler;
    this.value = ByteBuf.create(valueCap);
    this.slots = heap.alloc(<usize>(KEYS_BYTES + LENS_BYTES));
    memory.fill(this.slots, 0, <usize>(KEYS_BYTES + LENS_BYTES));
  }

  /** Starts a new stream. */
  reset(): void {
    this.failed = false;
    this.errorReason = T("");
    this.errorOffset = 0;
    this.documents = 0;
    this.depth = 0;
    this.arrays = 0;
    this.pos = 0;
    this.state = ST_TOP;
    this.high = 0;
    this.utf8Need = 0;
    this.value.clear();
  }

  /** Parses the next chunk. Returns false once the stream has failed. */
  feed(ptr: usize, len: i32): bool {
    if (this.failed) return false;
    let i = 0;
    while (i < len) {
      const b = load<u8>(ptr + <usize>i);
      switch (this.state) {
        case ST_STR: {
          // Copy the run of plain bytes in one go: most bytes are here. Bytes
          // from 0x80 must form UTF-8 (RFC 8259 §8.1): what the core keeps
          // from a response is later written into JSON and HTTP of its own.
          let j = i;
          let c: u8 = b;
          while (true) {
            if (c < 0x80) {
              if (this.utf8Need != 0) return this.fail(T("invalid UTF-8 in string"), j);
              if (c == 0x22 || c == 0x5c || c < 0x20) break;
            } else if (!this.utf8Byte(c)) {
              return this.fail(T("invalid UTF-8 in string"), j);
            }
            if (++j == len) break;
            c = load<u8>(ptr + <usize>j);
          }
          if (j > i) this.emitRun(ptr + <usize>i, j - i);
          i = j;
          if (i == len) break;
          i++;
          if (c == 0x22) this.endString();
          else if (c == 0x5c) this.state = ST_ESC;
          else return this.fail(T("control character in string"), i - 1);
          break;
        }
        case ST_AFTER: {
          i++;
          if (isWs(b)) break;
          const isArr = this.isArray(this.depth);
          if (b == 0x2c) {
            if (isArr) {
              if (this.depth <= JSON_KEY_LEVELS) this.setSlotLen(this.depth, this.slotLen(this.depth) + 1);
              this.state = ST_ARR_NEXT;
            } else {
              this.state = ST_OBJ_NEXT;
            }
          } else if (b == (isArr ? 0x5d : 0x7d)) {
            this.close(isArr);
          } else {
            return this.fail(isArr ? T("expected , or ]") : T("expected , or }"), i - 1);
          }
          break;
        }
        case ST_NUM: {
          const n = this.num;
          let next: u8 = 0xff;
          if (isDigit(b)) {
            if (n == N_MINUS) next = b == 0x30 ? N_ZERO : N_INT;
            else if (n == N_DOT) next = N_FRAC;
            else if (n == N_E || n == N_ESIGN) next = N_EXP;
            else if (n != N_ZERO) next = n;
          } else if (b == 0x2e) {
            if (n == N_ZERO || n == N_INT) next = N_DOT;
          } else if (b == 0x65 || b == 0x45) {
            if (n == N_ZERO || n == N_INT || n == N_FRAC) next = N_E;
          } else if (b == 0x2b || b == 0x2d) {
            if (n == N_E) next = N_ESIGN;
          } else {
            // Not a number byte: the number ended; b belongs to what follows.
            if (n != N_ZERO && n != N_INT && n != N_FRAC && n != N_EXP) return this.fail(T("bad number"), i);
            this.scalarDone(<u8>JSON_NUMBER);
            break;
          }
          if (next == 0xff) return this.fail(T("bad number"), i);
          this.num = next;
          this.value.push(b);
          i++;
          break;
        }
        case ST_ESC: {
          i++;
          let d: u8 = 0;
          if (b == 0x22 || b == 0x5c || b == 0x2f) d = b;
          else if (b == 0x6e) d = 0x0a;
          else if (b == 0x74) d = 0x09;
          else if (b == 0x72) d = 0x0d;
          else if (b == 0x62) d = 0x08;
          else if (b == 0x66) d = 0x0c;
          else if (b == 0x75) {
            this.state = ST_HEX;
            this.hexCount = 0;
            this.code = 0;
            break;
          } else {
            return this.fail(T("bad escape"), i - 1);
          }
          this.emit(d);
          this.state = ST_STR;
          break;
        }
        case ST_HEX: {
          const h = hexValue(b);
          if (h < 0) return this.fail(T("bad \\u escape"), i);
          i++;
          this.code = (this.code << 4) | h;
          if (++this.hexCount == 4) this.codePoint(this.code);
          break;
        }
        case ST_SURR_BS: {
          if (b == 0x5c) {
            this.state = ST_SURR_U;
            i++;
          } else {
            // Lone high surrogate: U+FFFD, then b is ordinary string content.
            this.high = 0;
            this.utf8(0xfffd);
            this.state = ST_STR;
          }
          break;
        }
        case ST_SURR_U: {
          if (b == 0x75) {
            this.state = ST_HEX;
            this.hexCount = 0;
            this.code = 0;
            i++;
          } else {
            // "\x" after a lone high surrogate: U+FFFD, then b is that escape.
            this.high = 0;
            this.utf8(0xfffd);
            this.state = ST_ESC;
          }
          break;
        }
        case ST_LIT: {
          if (b != <u8>(this.lit & 0xff)) return this.fail(T("bad literal"), i);
          i++;
          this.lit >>= 8;
          if (this.lit == 0) this.scalarDone(this.litKind);
          break;
        }
        case ST_COLON: {
          i++;
          if (isWs(b)) break;
          if (b != 0x3a) return this.fail(T("expected colon"), i - 1);
          this.state = ST_VALUE;
          break;
        }
        case ST_OBJ_FIRST:
        case ST_OBJ_NEXT: {
          i++;
          if (isWs(b)) break;
          if (b == 0x22) {
            this.dest = TO_KEY;
            if (this.depth <= JSON_KEY_LEVELS) this.setSlotLen(this.depth, 0);
            this.state = ST_STR;
          } else if (b == 0x7d) {
            if (this.state == ST_OBJ_NEXT) return this.fail(T("trailing comma"), i - 1);
            this.close(false);
          } else {
            return this.fail(T("expected key"), i - 1);
          }
          break;
        }
        default: {
          // ST_TOP, ST_VALUE, ST_ARR_FIRST, ST_ARR_NEXT: a value must start here.
          i++;
          if (isWs(b)) break;
          const st = this.state;
          if (b == 0x5d && st >= ST_ARR_FIRST) {
            if (st == ST_ARR_NEXT) return this.fail(T("trailing comma"), i - 1);
            this.close(true);
            break;
          }
          if (!this.startValue(b)) {
            if (this.failed) return this.fail(this.errorReason, i - 1);
            return this.fail(st == ST_TOP && this.documents > 0 ? T("junk between documents") : T("expected value"), i - 1);
          }
          break;
        }
      }
    }
    this.pos += len;
    return true;
  }

  /** End of input: true if no value is left unfinished and nothing failed. */
  finish(): bool {
    if (this.failed) return false;
    // A top-level number has no terminator of its own.
    if (this.state == ST_NUM && this.depth == 0) {
      const n = this.num;
      if (n == N_ZERO || n == N_INT || n == N_FRAC || n == N_EXP) this.scalarDone(<u8>JSON_NUMBER);
    }
    if (this.state != ST_TOP) {
      this.failed = true;
      this.errorReason = T("truncated");
      this.errorOffset = this.pos;
      return false;
    }
    return true;
  }

  /** Level 1..depth: the object key at that level equals key (ASCII literal). */
  keyIs(level: i32, key: Text): bool {
    if (level < 1 || level > this.depth || level > JSON_KEY_LEVELS || this.isArray(level)) return false;
    return asciiEquals(this.keyPtrAt(level), this.slotLen(level), key);
  }

  /** Array index at that level; -1 if it is an object (or out of range), -2 if an array deeper than JSON_KEY_LEVELS. */
  indexAt(level: i32): i32 {
    if (level < 1 || level > this.depth || !this.isArray(level)) return -1;
    return level <= JSON_KEY_LEVELS ? this.slotLen(level) : -2;
  }

  /** Level 1..depth is an array. */
  isArrayAt(level: i32): bool {
    return level >= 1 && level <= this.depth && this.isArray(level);
  }

  /** Length of the stored key at an object level; -1 if not stored (too long, too deep, array). */
  keyLenAt(level: i32): i32 {
    if (level < 1 || level > this.depth || level > JSON_KEY_LEVELS || this.isArray(level)) return -1;
    return this.slotLen(level);
  }

  /** Where that level's key bytes are (valid when keyLenAt(level) >= 0). */
  keyPtrAt(level: i32): usize {
    return this.slots + <usize>((level - 1) * JSON_KEY_CAP);
  }

  at1(k1: Text): bool {
    return this.depth == 1 && this.keyIs(1, k1);
  }
  at2(k1: Text, k2: Text): bool {
    return this.depth == 2 && this.keyIs(1, k1) && this.keyIs(2, k2);
  }
  at3(k1: Text, k2: Text, k3: Text): bool {
    return this.depth == 3 && this.keyIs(1, k1) && this.keyIs(2, k2) && this.keyIs(3, k3);
  }

  /** The integer part of value (a number's text or a digit string), saturating at the i64 range. */
  intValue(): i64 {
    this.parseInt();
    return this.parsedInt;
  }

  /** value is an integer (no fraction or exponent) within the i64 range. */
  isInteger(): bool {
    return this.parseInt();
  }

  // ---- internals ----

  @inline private isArray(level: i32): bool {
    return ((this.arrays >> <u64>(level - 1)) & 1) != 0;
  }

  @inline private slotLen(level: i32): i32 {
    return load<i32>(this.slots + <usize>(KEYS_BYTES + (level - 1) * 4));
  }

  @inline private setSlotLen(level: i32, v: i32): void {
    store<i32>(this.slots + <usize>(KEYS_BYTES + (level - 1) * 4), v);
  }

  private fail(reason: Text, at: i32): bool {
    this.failed = true;
    this.errorReason = reason;
    this.errorOffset = this.pos + <i64>at;
    return false;
  }

  /** b starts a value (the state allows one). False if b cannot, or nesting is too deep. */
  private startValue(b: u8): bool {
    if (b == 0x22) {
      this.value.clear();
      this.dest = this.handler.wantsStream(this) ? TO_HANDLER : TO_VALUE;
      this.state = ST_STR;
    } else if (b == 0x7b || b == 0x5b) {
      const isArr = b == 0x5b;
      if (this.depth >= JSON_MAX_DEPTH) {
        this.errorReason = T("nesting too deep");
        this.failed = true;
        return false;
      }
      this.handler.enter(this, isArr);
      const d = ++this.depth;
      const bit: u64 = <u64>1 << <u64>(d - 1);
      if (isArr) this.arrays |= bit;
      else this.arrays &= ~bit;
      if (d <= JSON_KEY_LEVELS) this.setSlotLen(d, 0);
      this.state = isArr ? ST_ARR_FIRST : ST_OBJ_FIRST;
    } else if (b == 0x2d || isDigit(b)) {
      this.value.clear();
      this.value.push(b);
      this.num = b == 0x2d ? N_MINUS : b == 0x30 ? N_ZERO : N_INT;
      this.state = ST_NUM;
    } else if (b == 0x74) {
      this.startLit(<u8>JSON_TRUE, LIT_RUE);
    } else if (b == 0x66) {
      this.startLit(<u8>JSON_FALSE, LIT_ALSE);
    } else if (b == 0x6e) {
      this.startLit(<u8>JSON_NULL, LIT_ULL);
    } else {
      return false;
    }
    return true;
  }

  private startLit(kind: u8, rest: u32): void {
    this.value.clear();
    this.litKind = kind;
    this.lit = rest;
    this.state = ST_LIT;
  }

  /** The container at the current depth closes. */
  private close(isArr: bool): void {
    this.depth--;
    this.handler.leave(this, isArr);
    this.valueDone();
  }

  private scalarDone(kind: u8): void {
    this.handler.scalar(this, kind);
    this.valueDone();
  }

  private valueDone(): void {
    if (this.depth == 0) {
      this.documents++;
      this.state = ST_TOP;
      this.handler.documentEnd(this);
    } else {
      this.state = ST_AFTER;
    }
  }

  private endString(): void {
    if (this.dest == TO_KEY) this.state = ST_COLON;
    else this.scalarDone(<u8>JSON_STRING);
  }

  private emitRun(p: usize, n: i32): void {
    const dest = this.dest;
    if (dest == TO_VALUE) {
      this.value.append(p, n);
    } else if (dest == TO_KEY) {
      const d = this.depth;
      if (d > JSON_KEY_LEVELS) return;
      const kl = this.slotLen(d);
      if (kl < 0) return;
      if (kl + n > JSON_KEY_CAP) {
        this.setSlotLen(d, -1);
        return;
      }
      memory.copy(this.keyPtrAt(d) + <usize>kl, p, <usize>n);
      this.setSlotLen(d, kl + n);
    } else {
      this.handler.stringRun(this, p, n);
    }
  }

  /** One decoded byte (from an escape). */
  private emit(b: u8): void {
    const dest = this.dest;
    if (dest == TO_VALUE) {
      this.value.push(b);
    } else if (dest == TO_HANDLER) {
      store<u8>(ESCAPED_BYTE, b);
      this.handler.stringRun(this, ESCAPED_BYTE, 1);
    } else {
      const d = this.depth;
      if (d > JSON_KEY_LEVELS) return;
      const kl = this.slotLen(d);
      if (kl < 0) return;
      if (kl >= JSON_KEY_CAP) {
        this.setSlotLen(d, -1);
        return;
      }
      store<u8>(this.keyPtrAt(d) + <usize>kl, b);
      this.setSlotLen(d, kl + 1);
    }
  }

  /**
   * One byte from 0x80 of a string: a lead byte or the continuation it
   * expects. Well-formed UTF-8 per RFC 3629 §4: no overlong forms, no
   * surrogates (U+D800..DFFF), nothing above U+10FFFF.
   */
  private utf8Byte(c: u8): bool {
    if (this.utf8Need > 0) {
      if (c < this.utf8Low || c > this.utf8High) return false;
      this.utf8Need--;
      this.utf8Low = 0x80;
      this.utf8High = 0xbf;
      return true;
    }
    if (c >= 0xc2 && c <= 0xdf) {
      this.utf8Need = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      this.utf8Need = 2;
      if (c == 0xe0) this.utf8Low = 0xa0;
      else if (c == 0xed) this.utf8High = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      this.utf8Need = 3;
      if (c == 0xf0) this.utf8Low = 0x90;
      else if (c == 0xf4) this.utf8High = 0x8f;
    } else {
      return false;
    }
    return true;
  }

  /** A \uXXXX escape completed (Go's rules: an unpaired surrogate is U+FFFD). */
  private codePoint(cp: i32): void {
    this.state = ST_STR;
    if (this.high != 0) {
      const hi = this.high;
      this.high = 0;
      if (cp >= 0xdc00 && cp <= 0xdfff) {
        this.utf8(0x10000 + ((hi - 0xd800) << 10) + (cp - 0xdc00));
        return;
      }
      this.utf8(0xfffd);
    }
    if (cp >= 0xd800 && cp <= 0xdbff) {
      this.high = cp;
      this.state = ST_SURR_BS;
      return;
    }
    this.utf8(cp >= 0xdc00 && cp <= 0xdfff ? 0xfffd : cp);
  }

  private utf8(cp: i32): void {
    if (cp < 0x80) {
      this.emit(<u8>cp);
    } else if (cp < 0x800) {
      this.emit(<u8>(0xc0 | (cp >> 6)));
      this.emit(<u8>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
      this.emit(<u8>(0xe0 | (cp >> 12)));
      this.emit(<u8>(0x80 | ((cp >> 6) & 0x3f)));
      this.emit(<u8>(0x80 | (cp & 0x3f)));
    } else {
      this.emit(<u8>(0xf0 | (cp >> 18)));
      this.emit(<u8>(0x80 | ((cp >> 12) & 0x3f)));
      this.emit(<u8>(0x80 | ((cp >> 6) & 0x3f)));
      this.emit(<u8>(0x80 | (cp & 0x3f)));
    }
  }

  /** Parses value as an integer into parsedInt (saturating); true if it is exactly one. */
  private parseInt(): bool {
    const v = this.value;
    const n = v.len;
    const neg = n > 0 && v.at(0) == 0x2d;
    let i = neg ? 1 : 0;
    const start = i;
    // Accumulate below zero: the i64 range reaches one further there.
    let acc: i64 = 0;
    let sat = false;
    for (; i < n; i++) {
      const c = v.at(i);
      if (!isDigit(c)) break;
      if (sat) continue;
      const d = <i64>(c - 0x30);
      if (acc < (i64.MIN_VALUE + d) / 10) {
        acc = i64.MIN_VALUE;
        sat = true;
      } else {
        acc = acc * 10 - d;
      }
    }
    if (!neg) {
      if (acc == i64.MIN_VALUE) {
        acc = -i64.MAX_VALUE;
        sat = true;
      }
      acc = -acc;
    }
    this.parsedInt = acc;
    return !sat && !v.overflow && i == n && i > start;
  }
}
