// Firmware versions: MAJOR.MINOR.PATCH, each 0..65535, packed into one u64
// (major << 32 | minor << 16 | patch) so they compare as numbers.

import { Out } from "../lib/out";
import { isDigit } from "../lib/bytes";

/** Not a version (a parse failure). */
export const VERSION_NONE: u64 = u64.MAX_VALUE;

/** Parses "X.Y.Z" at ptr; VERSION_NONE unless it is exactly three decimal numbers ≤ 65535 without leading zeros. */
export function parseVersion(ptr: usize, len: i32): u64 {
  let packed: u64 = 0;
  let part: u32 = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= len; i++) {
    const b: u8 = i < len ? load<u8>(ptr + <usize>i) : 0x2e;
    if (b == 0x2e) {
      if (digits == 0 || parts == 3) return VERSION_NONE;
      packed = (packed << 16) | <u64>part;
      parts++;
      part = 0;
      digits = 0;
    } else if (isDigit(b)) {
      if (digits == 1 && part == 0) return VERSION_NONE; // a leading zero: "01" would name "1" twice
      part = part * 10 + <u32>(b - 0x30);
      if (part > 0xffff) return VERSION_NONE;
      digits++;
    } else {
      return VERSION_NONE;
    }
  }
  return parts == 3 ? packed : VERSION_NONE;
}

/** The version from three little-endian u16 at ptr (the image header's layout). */
export function versionAt(ptr: usize): u64 {
  return (<u64>load<u16>(ptr) << 32) | (<u64>load<u16>(ptr, 2) << 16) | <u64>load<u16>(ptr, 4);
}

export function writeVersion(o: Out, v: u64): void {
  o.dec((v >> 32) & 0xffff);
  o.byte(0x2e);
  o.dec((v >> 16) & 0xffff);
  o.byte(0x2e);
  o.dec(v & 0xffff);
}
