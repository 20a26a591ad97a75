// The few DER (X.690) encodings a PKCS#10 request needs. node:crypto signs
// and exports keys but cannot write a certificate request; this writes one's
// structure, nothing more (no decoding: cli/pkcs10.ts reads requests).

/** The base-256 digits of n, most significant first; none for 0. */
function bigEndian(n: number): number[] {
  const digits: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) digits.unshift(rest % 256);
  return digits;
}

/** Tag, definite length (short form below 128, else long form), value. */
export function tlv(tag: number, value: Buffer): Buffer {
  const n = value.length;
  const length = n < 0x80 ? [n] : [0x80 | bigEndian(n).length, ...bigEndian(n)];
  return Buffer.concat([Buffer.from([tag, ...length]), value]);
}

export const sequence = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));

/** SET OF: DER orders the elements by their encodings. */
export const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat([...items].sort(Buffer.compare)));

/** A non-negative integer, in the fewest bytes that keep it positive. */
export function integer(n: number): Buffer {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`DER integer: ${n} is not a non-negative safe integer`);
  const digits = bigEndian(n);
  if (digits.length === 0 || digits[0] & 0x80) digits.unshift(0);
  return tlv(0x02, Buffer.from(digits));
}

export function oid(dotted: string): Buffer {
  const arcs = dotted.split(".").map(Number);
  if (arcs.length < 2 || arcs.some((a) => !Number.isSafeInteger(a) || a < 0) || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] >= 40)) {
    throw new Error(`DER oid: "${dotted}" is not an object identifier`);
  }
  const bytes: number[] = [];
  for (const arc of [arcs[0] * 40 + arcs[1], ...arcs.slice(2)]) {
    // Base 128, most significant first; every byte but the last has bit 8 set.
    const base128 = [arc & 0x7f];
    for (let rest = Math.floor(arc / 128); rest > 0; rest = Math.floor(rest / 128)) base128.unshift(0x80 | (rest & 0x7f));
    bytes.push(...base128);
  }
  return tlv(0x06, Buffer.from(bytes));
}

export const utf8String = (text: string): Buffer => tlv(0x0c, Buffer.from(text, "utf8"));

export const octetString = (bytes: Buffer): Buffer => tlv(0x04, bytes);

/** A BIT STRING of whole bytes (no unused bits), as signatures and keys are. */
export const bitString = (bytes: Buffer): Buffer => tlv(0x03, Buffer.concat([Buffer.from([0]), bytes]));

/**
 * A context-specific [number] tag: constructed wraps complete encodings
 * (e.g. a request's attributes); primitive replaces the tag of one value
 * (IMPLICIT, e.g. a dNSName is [2] over the IA5String's bytes).
 */
export function contextTag(number: number, value: Buffer, form: "constructed" | "primitive"): Buffer {
  if (!Number.isInteger(number) || number < 0 || number > 30) throw new Error(`DER context tag [${number}] needs a multi-byte tag`);
  return tlv(0x80 | (form === "constructed" ? 0x20 : 0) | number, value);
}
