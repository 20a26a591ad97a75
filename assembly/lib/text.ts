// Fixed ASCII texts live outside linear memory. Source writes T("…"); the
// compact-text transform (tools/compact-text, in asconfig.json) gathers every
// such literal into one byte string, stored in the module's custom section
// "pico.rodata", and replaces the call with a constant handle:
// (byte offset << TEXT_LEN_BITS) | length. The host copies bytes out of that
// section on request (rodata_read): on the Pico it stays in flash, so texts cost
// no RAM at all, where string literals would cost two bytes per character plus
// a 20-byte header each in the 16 KiB the device backs.
//
// A build without the transform imports T and fails the host's boot check.

import { rodata_read } from "../host";

export type Text = usize;

/** Longest text the transform accepts; also the size of the scratch buffer. Keep in step with tools/compact-text. */
export const TEXT_MAX: i32 = 128;
const TEXT_LEN_BITS: u32 = 12;

// @ts-ignore: decorator
@external("text", "T")
export declare function T(s: string): Text;

@inline export function textLen(t: Text): i32 {
  return <i32>(t & ((1 << TEXT_LEN_BITS) - 1));
}

@inline function textOffset(t: Text): i32 {
  return <i32>(t >>> TEXT_LEN_BITS);
}

/** Copies bytes [from, from+len) of text t to dst. The caller checked the range. */
export function textCopy(t: Text, from: i32, dst: usize, len: i32): void {
  if (len <= 0) return;
  if (rodata_read(textOffset(t) + from, dst, len) != len) unreachable(); // the host lost the module's texts
}

const scratch: usize = memory.data(TEXT_MAX);

/**
 * The text's bytes in a scratch buffer, valid until the next textBytes call.
 * For leaf comparisons only: Out and ByteBuf copy texts without it, so a flush
 * or a log line in between cannot clobber what a caller is reading.
 */
export function textBytes(t: Text): usize {
  textCopy(t, 0, scratch, textLen(t));
  return scratch;
}

/** The transform stores each distinct text once, so equal texts have equal handles: no bytes to read. */
@inline export function textEquals(a: Text, b: Text): bool {
  return a == b;
}

/** Allocates: for tests and diagnostics only, never on a device path. */
export function textToString(t: Text): string {
  return String.UTF8.decodeUnsafe(textBytes(t), <usize>textLen(t));
}
