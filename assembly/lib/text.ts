// Static ASCII texts. Source writes T("…"); the compact-text transform
// (tools/compact-text, in asconfig.json) replaces each call at compile time
// with a pointer to [u16 length][bytes] in the data segment: one byte per
// character and no object header, where an AssemblyScript string literal
// costs two bytes per character plus 20. A build without the transform
// imports T and fails the ABI check.

export type Text = usize;

// @ts-ignore: decorator
@external("text", "T")
export declare function T(s: string): Text;

export function textLen(t: Text): i32 {
  return <i32>load<u16>(t);
}

export function textPtr(t: Text): usize {
  return t + 2;
}

export function textAt(t: Text, i: i32): u8 {
  return load<u8>(t + 2 + <usize>i);
}

export function textEquals(a: Text, b: Text): bool {
  if (a == b) return true;
  const n = textLen(a);
  return n == textLen(b) && memory.compare(a + 2, b + 2, <usize>n) == 0;
}

/** Allocates: for tests and diagnostics only, never on a device path. */
export function textToString(t: Text): string {
  return String.UTF8.decodeUnsafe(t + 2, <usize>textLen(t));
}
