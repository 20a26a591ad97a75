// The image header's fields the core can judge itself, before a byte of the
// image reaches the host: the layout, the board and engine, and the version
// against the declaration. The signature and digests are the host's to check.

import { bytesEqual } from "../lib/bytes";
import { versionAt } from "./version";
import {
  FIRMWARE_OK, FIRMWARE_REASON_NOT_SIGNED, FIRMWARE_REASON_WRONG_BOARD, FIRMWARE_REASON_WRONG_ENGINE,
  FIRMWARE_REASON_VERSION_MISMATCH, FIRMWARE_REASON_DOWNGRADE,
} from "./reasons";

export const HEADER_BYTES = 256;
/** Where the identity fields (version, flags, board, engine) sit in a header. */
export const IDENTITY_OFFSET = 8;
export const IDENTITY_BYTES = 40;
const MAGIC: u32 = 0x5746_4b50; // "PKFW" read little-endian
const SIGNED_RESERVED_START = 92;
const SIGNED_RESERVED_END = 128;
const TAIL_RESERVED_START = 192;

function zeroes(ptr: usize, from: i32, to: i32): bool {
  for (let i = from; i < to; i++) if (load<u8>(ptr + <usize>i) != 0) return false;
  return true;
}

/**
 * Judges the header at ptr (HEADER_BYTES) against the running image's identity
 * (IDENTITY_BYTES at running) and the declared version: FIRMWARE_OK or a reason.
 */
export function checkHeader(ptr: usize, running: usize, declared: u64, allowDowngrade: bool): i32 {
  if (load<u32>(ptr) != MAGIC || load<u16>(ptr, 4) != 1 || load<u16>(ptr, 6) != <u16>HEADER_BYTES) return FIRMWARE_REASON_NOT_SIGNED;
  if (load<u16>(ptr, 14) != 0 || !zeroes(ptr, SIGNED_RESERVED_START, SIGNED_RESERVED_END) || !zeroes(ptr, TAIL_RESERVED_START, HEADER_BYTES)) {
    return FIRMWARE_REASON_NOT_SIGNED;
  }
  if (!bytesEqual(ptr + 16, running + 8, 16)) return FIRMWARE_REASON_WRONG_BOARD;
  if (!bytesEqual(ptr + 32, running + 24, 16)) return FIRMWARE_REASON_WRONG_ENGINE;
  const version = versionAt(ptr + <usize>IDENTITY_OFFSET);
  if (version != declared) return FIRMWARE_REASON_VERSION_MISMATCH;
  if (version < versionAt(running) && !allowDowngrade) return FIRMWARE_REASON_DOWNGRADE;
  return FIRMWARE_OK;
}
