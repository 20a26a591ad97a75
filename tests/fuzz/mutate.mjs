// Byte-level mutation of recorded messages (AFL-style): flips, interesting
// bytes, deleted/duplicated ranges, inserted HTTP/JSON tokens, truncation and
// numbers made huge. Ops are plain data, so fast-check generates (and the
// saved input records) them; applying is deterministic.
import fc from "fast-check";

const INTERESTING = [0x00, 0xff, 0x80, 0x7f, 0x22, 0x5c, 0x0d, 0x0a, 0x20, 0x30, 0x39, 0x3a, 0x2c, 0x7b, 0x7d, 0xc3, 0xed, 0xf4];
const TOKENS = [
  "\r\n", "\r\n\r\n", "\n", "\xff", "\xc3", "\xed\xa0\x80", "\\u0000", "\\ud800", "\\\"", "0\r\n\r\n", "chunked",
  "Content-Length: 5\r\n", "Retry-After: 300\r\n", "Date: Fri, 31 Dec 9999 23:59:59 GMT\r\n", "Connection: close\r\n",
  "Transfer-Encoding: chunked\r\n", "HTTP/1.1 200 OK\r\n", "99999999999999999999999999999999999", "-1", "1e999", "null",
  '"', "{", "}", "[", "]", ",", ":", '"resourceVersion":"', '"uid":"', '"memory_values":"', '{"type":"ERROR","object":{"code":500}}\n',
];

export const mutationOps = fc.array(
  fc.record({
    op: fc.constantFrom("flip", "set", "delete", "duplicate", "insert", "truncate", "number"),
    at: fc.nat(1 << 20),
    len: fc.nat(64),
    arg: fc.nat(255),
  }),
  { minLength: 1, maxLength: 6 },
);

/** Applies ops to bytes (a latin1 string); returns the mutated latin1 string. */
export function mutate(bytes, ops) {
  let b = Buffer.from(bytes, "latin1");
  for (const { op, at, len, arg } of ops) {
    if (b.length === 0 && op !== "insert") continue;
    const pos = at % Math.max(1, b.length);
    const end = Math.min(b.length, pos + 1 + len);
    switch (op) {
      case "flip":
        b[pos] ^= 1 << (arg & 7);
        break;
      case "set":
        b[pos] = INTERESTING[arg % INTERESTING.length];
        break;
      case "delete":
        b = Buffer.concat([b.subarray(0, pos), b.subarray(end)]);
        break;
      case "duplicate":
        b = Buffer.concat([b.subarray(0, end), b.subarray(pos, end), b.subarray(end)]);
        break;
      case "insert":
        b = Buffer.concat([b.subarray(0, pos), Buffer.from(TOKENS[arg % TOKENS.length], "latin1"), b.subarray(pos)]);
        break;
      case "truncate":
        b = b.subarray(0, pos);
        break;
      case "number": {
        // the next run of digits becomes 0, a 33-digit number or 2^32
        const text = b.toString("latin1");
        const m = /\d+/.exec(text.slice(pos));
        if (!m) break;
        const start = pos + m.index;
        const repl = ["0", "123456789012345678901234567890123", "4294967296", "00000000001"][arg % 4];
        b = Buffer.concat([b.subarray(0, start), Buffer.from(repl), b.subarray(start + m[0].length)]);
        break;
      }
    }
  }
  return b.toString("latin1");
}
