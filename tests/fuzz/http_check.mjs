// Strict readers of what the core emits: HTTP/1.1 requests to the API server
// and responses on the kubelet port. Anything a picky peer could reject is an
// error here: the head must be ASCII without control bytes, Content-Length
// must match, and JSON bodies must be valid UTF-8 JSON.

const utf8 = new TextDecoder("utf-8", { fatal: true });
const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]);

export class HttpError extends Error {}

function fail(what) {
  throw new HttpError(what);
}

function printable(line) {
  return JSON.stringify(line.length > 80 ? line.slice(0, 80) + "…" : line);
}

/** Splits one message off the front of bytes. Returns { msg, rest } or throws HttpError. */
export function readMessage(bytes, { response, headOnly = false }) {
  const end = bytes.indexOf("\r\n\r\n");
  if (end < 0) fail(`incomplete head (${bytes.length} bytes, no blank line)`);
  for (let i = 0; i < end; i++) {
    const b = bytes[i];
    if (b >= 0x80) fail(`non-ASCII byte 0x${b.toString(16)} in the head at ${i}`);
    if ((b < 0x20 && b !== 0x09 && b !== 0x0d && b !== 0x0a) || b === 0x7f) fail(`control byte 0x${b.toString(16)} in the head at ${i}`);
  }
  const lines = bytes.subarray(0, end).toString("latin1").split("\r\n");
  for (const l of lines) if (l.includes("\r") || l.includes("\n")) fail(`bare CR or LF in line ${printable(l)}`);
  const start = lines[0];
  const msg = { start, headers: new Map(), body: null, json: undefined };
  if (response) {
    const m = /^HTTP\/1\.1 ([1-5]\d\d) ([\t -~]*)$/.exec(start);
    if (!m) fail(`bad status line ${printable(start)}`);
    msg.status = Number(m[1]);
  } else {
    const m = /^([A-Z]+) (\/[!-~]*) HTTP\/1\.1$/.exec(start);
    if (!m || !METHODS.has(m[1])) fail(`bad request line ${printable(start)}`);
    msg.method = m[1];
    msg.target = m[2];
  }
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0 || !TCHAR.test(line.slice(0, colon))) fail(`bad header line ${printable(line)}`);
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    if (msg.headers.has(name)) fail(`header ${name} repeated`);
    msg.headers.set(name, value);
  }
  if (msg.headers.has("transfer-encoding")) fail("the core never sends Transfer-Encoding");
  const cl = msg.headers.get("content-length");
  let bodyLength = 0;
  if (cl !== undefined) {
    if (!/^\d{1,9}$/.test(cl)) fail(`bad Content-Length ${printable(cl)}`);
    bodyLength = Number(cl);
  } else if (response) fail("response without Content-Length");
  const bodyStart = end + 4;
  const wireLength = headOnly ? 0 : bodyLength;
  if (bytes.length < bodyStart + wireLength) fail(`body shorter than Content-Length ${bodyLength} (${bytes.length - bodyStart} bytes)`);
  msg.body = bytes.subarray(bodyStart, bodyStart + wireLength);
  msg.bodyLength = bodyLength;
  return { msg, rest: bytes.subarray(bodyStart + wireLength) };
}

/** Checks the body of msg against its Content-Type: strict UTF-8, and JSON that parses. */
export function checkBody(msg) {
  if (msg.body.length === 0) return;
  const type = (msg.headers.get("content-type") ?? "").toLowerCase();
  let text;
  try {
    text = utf8.decode(msg.body);
  } catch {
    const bad = firstInvalidUtf8(msg.body);
    fail(`body is not valid UTF-8 (byte 0x${msg.body[bad].toString(16)} at ${bad}: …${printable(msg.body.subarray(Math.max(0, bad - 30), bad + 10).toString("latin1"))})`);
  }
  if (type.includes("json")) {
    try {
      msg.json = JSON.parse(text);
    } catch (e) {
      fail(`JSON body does not parse: ${e.message}`);
    }
  } else if (/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(text)) {
    fail("text body has raw control characters");
  }
}

/** Index of the first byte that starts an invalid UTF-8 sequence (RFC 3629), or -1. */
export function firstInvalidUtf8(bytes) {
  for (let i = 0; i < bytes.length; ) {
    const c = bytes[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0) return i;
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    if (!(bytes[i + 1] >= lo && bytes[i + 1] <= hi)) return i;
    for (let k = 2; k <= n; k++) if (!(bytes[i + k] >= 0x80 && bytes[i + k] <= 0xbf)) return i;
    i += n + 1;
  }
  return -1;
}

const lenient = new TextDecoder("utf-8");

/**
 * Reads every complete request the core wrote (keep-alive may carry several).
 * A head that cannot be read throws; a bad body is reported in msg.error and
 * read leniently (as Go's encoding/json would) so the request still gets an answer.
 */
export function readRequests(bytes) {
  const out = [];
  let rest = bytes;
  while (rest.length > 0) {
    const { msg, rest: next } = readMessage(rest, { response: false });
    if (!msg.headers.get("host")) fail(`request without Host: ${printable(msg.start)}`);
    try {
      checkBody(msg);
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      msg.error = e.message;
      try {
        msg.json = JSON.parse(lenient.decode(msg.body));
      } catch {
        msg.json = undefined;
      }
    }
    out.push(msg);
    rest = next;
  }
  return out;
}

/**
 * Reads the one response a kubelet-port connection got; nothing may follow it.
 * closedByCore: the core closed the connection after it, which the response
 * must announce (Connection: close); a response without it keeps the connection.
 */
export function readKubeletResponse(bytes, headOnly, closedByCore) {
  const { msg, rest } = readMessage(bytes, { response: true, headOnly });
  if (rest.length) fail(`${rest.length} bytes after the response`);
  const announced = (msg.headers.get("connection") ?? "").toLowerCase() === "close";
  if (closedByCore && !announced) fail("the core closed the connection after a response without Connection: close");
  if (!closedByCore && announced) fail("a response with Connection: close, but the core kept the connection");
  checkBody(msg);
  return msg;
}
