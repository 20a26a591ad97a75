// What a ConfigMap declares about firmware: data["firmware.version"],
// data["firmware.sha256"] and data["firmware.allowDowngrade"], captured as the
// ConfigMap streams by and judged when its resourceVersion is evaluated.

import { ByteBuf, hexValue } from "../lib/bytes";
import { JsonReader, JSON_STRING } from "../json/reader";
import { T, Text } from "../lib/text";
import { parseVersion, VERSION_NONE } from "./version";

export const KEY_VERSION = 0;
export const KEY_SHA256 = 1;
export const KEY_ALLOW_DOWNGRADE = 2;
const KEY_COUNT = 3;

const KEYS: usize = memory.data<u32>([T("firmware.version"), T("firmware.sha256"), T("firmware.allowDowngrade")]);
const CAPS: usize = memory.data<i32>([24, 64, 8]);

export function keyName(key: i32): Text {
  return load<u32>(KEYS + <usize>(key << 2));
}

// Plain data, created once: no managed header needed.
@unmanaged
export class FirmwareDeclaration {
  values: StaticArray<ByteBuf> = new StaticArray<ByteBuf>(KEY_COUNT);
  /** Bit per key: the key is in data. */
  present: i32 = 0;
  /** Bit per key: its value is not a string, or longer than its bound. */
  bad: i32 = 0;

  constructor() {
    for (let k = 0; k < KEY_COUNT; k++) unchecked(this.values[k] = ByteBuf.create(load<i32>(CAPS + <usize>(k << 2))));
  }

  reset(): void {
    for (let k = 0; k < KEY_COUNT; k++) unchecked(this.values[k]).clear();
    this.present = 0;
    this.bad = 0;
  }

  value(key: i32): ByteBuf {
    return unchecked(this.values[key]);
  }

  /** The reader is at data.<key>, depth base+2 under the object. Returns false if the key is not a firmware key.
   *  A key given twice counts once, its last value (as the API server's decoder does). */
  scalar(r: JsonReader, base: i32, kind: i32): bool {
    for (let k = 0; k < KEY_COUNT; k++) {
      if (!r.keyIs(base + 2, keyName(k))) continue;
      const bit = 1 << k;
      this.present |= bit;
      const v = this.value(k);
      v.clear();
      if (kind != JSON_STRING || r.value.overflow || r.value.len > v.cap) this.bad |= bit;
      else {
        this.bad &= ~bit;
        v.copyFrom(r.value);
      }
      return true;
    }
    return false;
  }

  declaresAnything(): bool {
    return this.present != 0;
  }

  version(): u64 {
    const v = this.value(KEY_VERSION);
    return v.len == 0 ? VERSION_NONE : parseVersion(v.ptr, v.len);
  }

  /** The declared SHA-256 into out (32 bytes); false unless it is exactly 64 hex digits. */
  digest(out: usize): bool {
    const v = this.value(KEY_SHA256);
    if (v.len != 64) return false;
    for (let i = 0; i < 32; i++) {
      const hi = hexValue(v.at(2 * i));
      const lo = hexValue(v.at(2 * i + 1));
      if (hi < 0 || lo < 0) return false;
      store<u8>(out + <usize>i, <u8>((hi << 4) | lo));
    }
    return true;
  }

  /** 1 "true", 0 absent or "false", -1 anything else. */
  allowDowngrade(): i32 {
    if ((this.present & (1 << KEY_ALLOW_DOWNGRADE)) == 0) return 0;
    const v = this.value(KEY_ALLOW_DOWNGRADE);
    if (v.equalsAscii(T("true"))) return 1;
    return v.equalsAscii(T("false")) ? 0 : -1;
  }

  /** Which key is malformed first (with why, for the condition), or -1 if all present ones are well-formed. */
  firstProblem(): i32 {
    for (let k = 0; k < KEY_COUNT; k++) if ((this.bad & (1 << k)) != 0) return k;
    return -1;
  }
}
