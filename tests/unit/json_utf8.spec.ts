import { JsonHandler, JsonReader } from "../../assembly/json/reader";

// RFC 8259 §8.1: JSON text is UTF-8. The reader refuses ill-formed UTF-8 in
// strings (RFC 3629 §4), so nothing it hands on can carry it into the node's
// own JSON, HTTP or logs. Every split of the input gives the same answer.

/** Parses `["<bytes>"]`, fed whole, then split at every offset. Returns the failure offset, or -1 if all parses succeed; -2 if splits disagree. */
function parseString(bytes: u8[]): i64 {
  const doc = new Array<u8>();
  doc.push(0x5b);
  doc.push(0x22);
  for (let i = 0; i < bytes.length; i++) doc.push(bytes[i]);
  doc.push(0x22);
  doc.push(0x5d);
  const buf = new Uint8Array(doc.length);
  for (let i = 0; i < doc.length; i++) buf[i] = doc[i];
  const p = buf.dataStart;
  const n = buf.length;
  const r = new JsonReader(new JsonHandler());
  let first: i64 = -3;
  for (let split = 0; split <= n; split++) {
    r.reset();
    r.feed(p, split);
    r.feed(p + <usize>split, n - split);
    const ok = r.finish();
    const got: i64 = ok ? -1 : r.errorOffset;
    if (!ok && r.errorReasonString() != "invalid UTF-8 in string") return -4;
    if (first == -3) first = got;
    else if (got != first) return -2;
  }
  return first;
}

describe("JsonReader UTF-8", () => {
  it("accepts well-formed sequences of every length, split anywhere", () => {
    expect(parseString([0xc3, 0xa9])).toBe(-1); // é
    expect(parseString([0xe2, 0x82, 0xac])).toBe(-1); // €
    expect(parseString([0xf0, 0x9f, 0x98, 0x80])).toBe(-1); // U+1F600
    expect(parseString([0xed, 0x9f, 0xbf])).toBe(-1); // U+D7FF, just below the surrogates
    expect(parseString([0xee, 0x80, 0x80])).toBe(-1); // U+E000, just above them
    expect(parseString([0xf4, 0x8f, 0xbf, 0xbf])).toBe(-1); // U+10FFFF
    expect(parseString([0x61, 0xc2, 0x80, 0x62, 0xdf, 0xbf])).toBe(-1);
  });

  it("refuses bytes that cannot start a character, naming the offset", () => {
    expect(parseString([0x61, 0xff, 0x62])).toBe(3);
    expect(parseString([0x80])).toBe(2); // a lone continuation byte
    expect(parseString([0xc0, 0x80])).toBe(2); // overlong NUL
    expect(parseString([0xc1, 0xbf])).toBe(2);
    expect(parseString([0xf5, 0x80, 0x80, 0x80])).toBe(2); // beyond U+10FFFF
  });

  it("refuses overlong forms, surrogates and code points beyond U+10FFFF in the second byte", () => {
    expect(parseString([0xe0, 0x9f, 0xbf])).toBe(3); // overlong 3-byte
    expect(parseString([0xed, 0xa0, 0x80])).toBe(3); // U+D800
    expect(parseString([0xf0, 0x8f, 0xbf, 0xbf])).toBe(3); // overlong 4-byte
    expect(parseString([0xf4, 0x90, 0x80, 0x80])).toBe(3); // U+110000
  });

  it("refuses a sequence cut short by the closing quote, an escape or an ASCII byte", () => {
    expect(parseString([0xc3])).toBe(3); // then the quote
    expect(parseString([0xe2, 0x82])).toBe(4);
    expect(parseString([0xe2, 0x82, 0x5c, 0x6e])).toBe(4); // then \n
    expect(parseString([0xf0, 0x9f, 0x98, 0x41])).toBe(5);
  });
});
