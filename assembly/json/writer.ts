// Streaming JSON writer over Out. Commas are placed by the writer, so render
// code reads as the document it produces; strings are escaped per RFC 8259.

import { ByteBuf } from "../lib/bytes";
import { Out } from "../lib/out";
import { T, Text, textBytes, textLen } from "../lib/text";

const MAX_DEPTH = 31;

// Plain data, created once: no managed header needed.
@unmanaged
export class JsonWriter {
  out: Out;
  private depth: i32 = 0;
  /** Bit d set: the container at depth d already holds a value (next needs a comma). */
  private hasValue: u32 = 0;
  private afterKey: bool = false;

  constructor(out: Out) {
    this.out = out;
  }

  reset(): void {
    this.depth = 0;
    this.hasValue = 0;
    this.afterKey = false;
  }

  private beforeValue(): void {
    if (this.afterKey) {
      this.afterKey = false;
      return;
    }
    const bit: u32 = 1 << this.depth;
    if (this.hasValue & bit) this.out.byte(0x2c);
    this.hasValue |= bit;
  }

  private open(b: u8): void {
    this.beforeValue();
    this.out.byte(b);
    if (this.depth < MAX_DEPTH) this.depth++;
    this.hasValue &= ~(<u32>1 << this.depth);
  }

  private close(b: u8): void {
    this.out.byte(b);
    if (this.depth > 0) this.depth--;
  }

  beginObject(): JsonWriter {
    this.open(0x7b);
    return this;
  }
  endObject(): JsonWriter {
    this.close(0x7d);
    return this;
  }
  beginArray(): JsonWriter {
    this.open(0x5b);
    return this;
  }
  endArray(): JsonWriter {
    this.close(0x5d);
    return this;
  }

  key(k: Text): JsonWriter {
    this.beforeValue();
    this.out.byte(0x22);
    this.escapedAscii(k);
    this.out.byte(0x22);
    this.out.byte(0x3a);
    this.afterKey = true;
    return this;
  }

  /** A key given as bytes (e.g. a label name built at run time). */
  keyBytes(ptr: usize, len: i32): JsonWriter {
    this.beforeValue();
    this.out.byte(0x22);
    this.escapedBytes(ptr, len);
    this.out.byte(0x22);
    this.out.byte(0x3a);
    this.afterKey = true;
    return this;
  }

  str(s: Text): JsonWriter {
    this.beforeValue();
    this.out.byte(0x22);
    this.escapedAscii(s);
    this.out.byte(0x22);
    return this;
  }

  strBytes(ptr: usize, len: i32): JsonWriter {
    this.beforeValue();
    this.out.byte(0x22);
    this.escapedBytes(ptr, len);
    this.out.byte(0x22);
    return this;
  }

  strBuf(b: ByteBuf): JsonWriter {
    return this.strBytes(b.ptr, b.len);
  }

  /** Starts a string value whose content the caller writes with out.* (already safe text). */
  beginRawString(): Out {
    this.beforeValue();
    this.out.byte(0x22);
    return this.out;
  }
  endRawString(): JsonWriter {
    this.out.byte(0x22);
    return this;
  }

  num(v: i64): JsonWriter {
    this.beforeValue();
    this.out.decSigned(v);
    return this;
  }

  /** v / 10^places as a JSON number. */
  decimal(v: i64, places: i32): JsonWriter {
    this.beforeValue();
    this.out.decimal(v, places);
    return this;
  }

  bool(v: bool): JsonWriter {
    this.beforeValue();
    this.out.ascii(v ? T("true") : T("false"));
    return this;
  }

  /**
   * JSON that is fixed at build time, written as it is: one value, or one or
   * more members of the current object ("a":1,"b":[]). One text instead of a
   * call per key and value; it must need no escaping.
   */
  fixed(json: Text): JsonWriter {
    this.beforeValue();
    this.out.ascii(json);
    return this;
  }

  nul(): JsonWriter {
    this.beforeValue();
    this.out.ascii(T("null"));
    return this;
  }

  // Shorthands for "key": value pairs.
  kStr(k: Text, v: Text): JsonWriter {
    return this.key(k).str(v);
  }
  kBuf(k: Text, v: ByteBuf): JsonWriter {
    return this.key(k).strBuf(v);
  }
  kNum(k: Text, v: i64): JsonWriter {
    return this.key(k).num(v);
  }
  kBool(k: Text, v: bool): JsonWriter {
    return this.key(k).bool(v);
  }

  /** Reads the text from scratch while writing: fine, as Out never uses the scratch. */
  @inline private escapedAscii(s: Text): void {
    this.escapedBytes(textBytes(s), textLen(s));
  }

  /** Bytes >= 0x80 pass through: the core's text is ASCII or UTF-8 it received
   *  (checked when read, json/reader.ts). Runs that need no escape are copied
   *  whole: a call per byte was half of a status write's cycles (AOT). */
  private escapedBytes(ptr: usize, len: i32): void {
    const o = this.out;
    let run = 0;
    for (let i = 0; i < len; i++) {
      const b = load<u8>(ptr + <usize>i);
      if (b >= 0x20 && b != 0x22 && b != 0x5c && b != 0x7f) continue;
      if (i > run) o.bytes(ptr + <usize>run, i - run);
      run = i + 1;
      if (b == 0x22 || b == 0x5c) {
        o.byte(0x5c);
        o.byte(b);
      } else if (b == 0x0a) {
        o.byte(0x5c);
        o.byte(0x6e);
      } else if (b == 0x0d) {
        o.byte(0x5c);
        o.byte(0x72);
      } else if (b == 0x09) {
        o.byte(0x5c);
        o.byte(0x74);
      } else {
        o.ascii(T("\\u00"));
        o.hexByte(b);
      }
    }
    if (len > run) o.bytes(ptr + <usize>run, len - run);
  }
}
