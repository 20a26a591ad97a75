// Reference parser for memory_values, written from docs/memory-values.md
// alone (not from the core's implementation): the fuzz harness compares the
// core's verdict, region bytes and message with it.

export const REGION_SIZE = 1024;
const MAX_OFFSET = 1023;
const MAX_VALUE = 255;
const MAX_DIGITS = 8;
const QUOTE_BYTES = 32;

export type Verdict =
  | { ok: true; region: Uint8Array; entries: number }
  | { ok: false; entry: number; message: string };

const isBlank = (b: number) => b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0a;
const isDigit = (b: number) => b >= 0x30 && b <= 0x39;
const hexValue = (b: number) => (isDigit(b) ? b - 0x30 : b >= 0x61 && b <= 0x66 ? b - 0x57 : b >= 0x41 && b <= 0x46 ? b - 0x37 : -1);

class EntryError extends Error {}

/** A number read from an entry: its value, how it was written and where it stopped. */
interface NumberRead {
  value: number;
  hex: boolean;
  end: number;
}

/** Reads a number at bytes[i] (the caller checked that a digit is there). */
function readNumber(bytes: Uint8Array, i: number, end: number, what: "offset" | "value"): NumberRead {
  let hex = false;
  if (bytes[i] === 0x30 && i + 1 < end && (bytes[i + 1] === 0x78 || bytes[i + 1] === 0x58)) {
    hex = true;
    i += 2;
    if (i >= end || hexValue(bytes[i]) < 0) throw new EntryError(`${what} has no hex digits after 0x`);
  }
  let value = 0;
  let digits = 0;
  while (i < end && (hex ? hexValue(bytes[i]) >= 0 : isDigit(bytes[i]))) {
    if (++digits > MAX_DIGITS) throw new EntryError(`${what} has more than ${MAX_DIGITS} digits`);
    value = value * (hex ? 16 : 10) + (hex ? hexValue(bytes[i]) : bytes[i] - 0x30);
    i++;
  }
  return { value, hex, end: i };
}

function written(n: NumberRead): string {
  return n.hex ? "0x" + n.value.toString(16) : String(n.value);
}

function hex2(v: number): string {
  return v.toString(16).padStart(2, "0");
}

function skipBlanks(bytes: Uint8Array, i: number, end: number): number {
  while (i < end && isBlank(bytes[i])) i++;
  return i;
}

/** The entry as the message quotes it: trimmed, cut at 32 bytes, escaped. */
function quote(bytes: Uint8Array, start: number, end: number): string {
  while (start < end && isBlank(bytes[start])) start++;
  while (end > start && isBlank(bytes[end - 1])) end--;
  const cut = end - start > QUOTE_BYTES;
  let s = "";
  for (let i = start; i < (cut ? start + QUOTE_BYTES : end); i++) {
    const b = bytes[i];
    if (b === 0x22) s += '\\"';
    else if (b === 0x5c) s += "\\\\";
    else if (b < 0x20 || b >= 0x7f) s += "\\x" + hex2(b);
    else s += String.fromCharCode(b);
  }
  return cut ? s + "..." : s;
}

/** Parses one entry bytes[start, end) into region; throws EntryError with the reason. */
function parseEntry(bytes: Uint8Array, start: number, end: number, region: Uint8Array, set: boolean[]): void {
  let i = skipBlanks(bytes, start, end);
  if (i === end) throw new EntryError("empty entry");
  if (bytes[i] === 0x3d) throw new EntryError("missing offset before '='");
  if (!isDigit(bytes[i])) throw new EntryError("offset is not a number");
  const offset = readNumber(bytes, i, end, "offset");
  if (offset.value > MAX_OFFSET) throw new EntryError(`offset ${written(offset)} out of range 0..1023 (0x000..0x3ff)`);
  if (set[offset.value]) {
    throw new EntryError(`duplicate offset ${written(offset)} (already set to 0x${hex2(region[offset.value])} by an earlier entry)`);
  }
  i = skipBlanks(bytes, offset.end, end);
  if (i === end || bytes[i] !== 0x3d) throw new EntryError("expected '=' after offset");
  i = skipBlanks(bytes, i + 1, end);
  if (i === end) throw new EntryError("missing value");
  if (!isDigit(bytes[i])) throw new EntryError("value is not a number");
  const value = readNumber(bytes, i, end, "value");
  if (value.value > MAX_VALUE) throw new EntryError(`value ${written(value)} out of range 0..255 (0x00..0xff)`);
  if (skipBlanks(bytes, value.end, end) !== end) throw new EntryError("trailing characters after value");
  set[offset.value] = true;
  region[offset.value] = value.value;
}

export function parseMemoryValues(bytes: Uint8Array): Verdict {
  const region = new Uint8Array(REGION_SIZE);
  if (skipBlanks(bytes, 0, bytes.length) === bytes.length) return { ok: true, region, entries: 0 };
  const set: boolean[] = new Array(REGION_SIZE).fill(false);
  let entries = 0;
  let start = 0;
  for (let entry = 1; ; entry++) {
    let end = bytes.indexOf(0x2c, start);
    if (end < 0) end = bytes.length;
    try {
      parseEntry(bytes, start, end, region, set);
    } catch (e) {
      if (!(e instanceof EntryError)) throw e;
      return { ok: false, entry, message: `entry ${entry} "${quote(bytes, start, end)}": ${e.message}` };
    }
    entries++;
    if (end === bytes.length) return { ok: true, region, entries };
    start = end + 1;
  }
}
