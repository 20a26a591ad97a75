// Base64 (RFC 4648, standard alphabet, padded): Kubernetes carries a CSR's
// PEM in spec.request and the issued certificate in status.certificate so.
// The encoder writes straight to an Out; the decoder takes a string in runs,
// as the JSON reader streams it, into a fixed buffer.

import { ByteBuf } from "./bytes";
import { Out } from "./out";

const ALPHABET: usize = memory.data<u8>([
  65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90,
  97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122,
  48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 43, 47,
]);

@inline function digit(v: u32): u8 {
  return load<u8>(ALPHABET + <usize>(v & 63));
}

/** Writes len bytes at ptr as padded base64. */
export function base64Encode(out: Out, ptr: usize, len: i32): void {
  let i = 0;
  for (; i + 3 <= len; i += 3) {
    const v = (<u32>load<u8>(ptr + <usize>i) << 16) | (<u32>load<u8>(ptr + <usize>i + 1) << 8) | <u32>load<u8>(ptr + <usize>i + 2);
    out.byte(digit(v >> 18));
    out.byte(digit(v >> 12));
    out.byte(digit(v >> 6));
    out.byte(digit(v));
  }
  const rest = len - i;
  if (rest == 0) return;
  let v = <u32>load<u8>(ptr + <usize>i) << 16;
  if (rest == 2) v |= <u32>load<u8>(ptr + <usize>i + 1) << 8;
  out.byte(digit(v >> 18));
  out.byte(digit(v >> 12));
  out.byte(rest == 2 ? digit(v >> 6) : 0x3d);
  out.byte(0x3d);
}

function sextet(c: u8): i32 {
  if (c >= 0x41 && c <= 0x5a) return <i32>c - 0x41;
  if (c >= 0x61 && c <= 0x7a) return <i32>c - 0x61 + 26;
  if (c >= 0x30 && c <= 0x39) return <i32>c - 0x30 + 52;
  if (c == 0x2b) return 62;
  if (c == 0x2f) return 63;
  return -1;
}

/** Decodes base64 text fed in runs into dst; invalid input or a full dst sets `failed`, never a partial success. */
@unmanaged
export class Base64Decoder {
  dst: ByteBuf;
  private acc: u32 = 0;
  private bits: i32 = 0;
  private padding: i32 = 0;
  failed: bool = false;

  constructor(dst: ByteBuf) {
    this.dst = dst;
  }

  reset(): void {
    this.dst.clear();
    this.acc = 0;
    this.bits = 0;
    this.padding = 0;
    this.failed = false;
  }

  feed(ptr: usize, len: i32): void {
    for (let i = 0; i < len && !this.failed; i++) {
      const c = load<u8>(ptr + <usize>i);
      if (c == 0x3d) {
        this.padding++;
        if (this.padding > 2) this.failed = true;
        continue;
      }
      const v = sextet(c);
      if (v < 0 || this.padding > 0) {
        this.failed = true;
        continue;
      }
      this.acc = (this.acc << 6) | <u32>v;
      this.bits += 6;
      if (this.bits >= 8) {
        this.bits -= 8;
        if (!this.dst.push(<u8>(this.acc >> <u32>this.bits))) this.failed = true;
      }
    }
  }

  /** True when the whole input was valid, fitted, and ended on a quantum (with its padding). */
  finish(): bool {
    if (this.failed || this.bits == 6) return false;
    // Leftover bits: 0 (no padding), 4 ("=="), 2 ("="), and they must be zero.
    const expected = this.bits == 4 ? 2 : this.bits == 2 ? 1 : 0;
    return this.padding == expected && (this.acc & ((1 << <u32>this.bits) - 1)) == 0;
  }
}
