// JSON text as raw bytes (a latin1 string, one char per byte), so generators
// can put invalid UTF-8, lone surrogate escapes or garbage into otherwise
// well-formed Kubernetes objects. Strings in values are byte strings: only
// '"', '\' and control bytes are escaped; bytes >= 0x80 go out raw.

/** A fragment written as-is (garbage, a duplicate key, a truncated object). */
export class Raw {
  constructor(text) {
    this.text = text;
  }
}

export function byteString(bytes) {
  let s = '"';
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes.charCodeAt(i) & 0xff;
    if (c === 0x22) s += '\\"';
    else if (c === 0x5c) s += "\\\\";
    else if (c < 0x20) s += "\\u" + c.toString(16).padStart(4, "0");
    else s += String.fromCharCode(c);
  }
  return s + '"';
}

export function rawJson(v) {
  if (v instanceof Raw) return v.text;
  if (v === null) return "null";
  if (typeof v === "string") return byteString(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(rawJson).join(",")}]`;
  return `{${Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => `${byteString(k)}:${rawJson(x)}`).join(",")}}`;
}

/** UTF-8 bytes of a JS string, as a latin1 byte string. */
export function utf8Bytes(s) {
  return Buffer.from(s, "utf8").toString("latin1");
}

/**
 * A JSON string literal for a JS string, as UTF-8 bytes, with some characters
 * written as \\u escapes (bit i of mask: escape the i-th character, cycling).
 */
export function jsonLiteral(s, mask = 0) {
  let out = '"';
  let i = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0);
    const escape = mask !== 0 && ((mask >>> (i++ % 31)) & 1) === 1;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (cp < 0x20 || escape) {
      if (cp > 0xffff) out += `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}\\u${ch.charCodeAt(1).toString(16).padStart(4, "0")}`;
      else if (escape && cp === 0x2f) out += "\\/";
      else out += "\\u" + cp.toString(16).padStart(4, "0");
    } else out += utf8Bytes(ch);
  }
  return out + '"';
}
