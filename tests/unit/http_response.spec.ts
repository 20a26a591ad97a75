import { T, textToString } from "../../assembly/lib/text";
import { ByteBuf } from "../../assembly/lib/bytes";
import { CHUNK_TOO_LARGE, ChunkedDecoder, MAX_CHUNK } from "../../assembly/http/chunked";
import { HttpResponseParser, RESP_BODY, RESP_DONE, RESP_FAILED, RESP_HEAD, ResponseHandler, isTchar } from "../../assembly/http/response_parser";
import {
  BAD_GATEWAY_BODY,
  CONFLICT_BODY,
  DATE_VALUE,
  LEASE_BODY,
  LIST_BODY,
  NODE_BODY,
  NOT_FOUND_BODY,
  RESP_201_NODE,
  RESP_204,
  RESP_304,
  RESP_404_NOT_FOUND,
  RESP_409_CONFLICT,
  RESP_429_RETRY,
  RESP_HTTP10,
  RESP_INTERIM_THEN_200,
  RESP_NGINX_502,
  RESP_UNTIL_CLOSE,
  RESP_WATCH_CHUNKED,
  TOO_MANY_BODY,
  WATCH_BODY,
  chunk,
} from "./fixtures_http";

/** Records what the parser reports; checks callback order. */
class Recorder extends ResponseHandler {
  heads: i32 = 0;
  dones: i32 = 0;
  outOfOrder: bool = false;
  headInfo: string = "";
  got: ByteBuf = ByteBuf.create(16384);

  clear(): void {
    this.heads = 0;
    this.dones = 0;
    this.outOfOrder = false;
    this.headInfo = "";
    this.got.clear();
  }

  head(p: HttpResponseParser): void {
    if (this.heads != 0 || this.dones != 0 || p.state != RESP_BODY) this.outOfOrder = true;
    this.heads++;
    this.headInfo =
      "status=" + p.status.toString() +
      " minor=" + p.httpMinor.toString() +
      " cl=" + p.contentLength.toString() +
      " chunked=" + (p.chunked ? "1" : "0") +
      " close=" + (p.connectionClose ? "1" : "0") +
      " retry=" + p.retryAfterSeconds.toString() +
      " json=" + (p.contentTypeJson ? "1" : "0") +
      " date=" + p.date.toString();
  }

  body(p: HttpResponseParser, ptr: usize, len: i32): void {
    if (this.heads != 1 || this.dones != 0 || len <= 0) this.outOfOrder = true;
    this.got.append(ptr, len);
  }

  done(p: HttpResponseParser): void {
    if (this.heads != 1 || this.dones != 0 || p.state != RESP_DONE) this.outOfOrder = true;
    this.dones++;
  }
}

// Fixture bytes live in globals so they stay put for the whole run.
const held: ArrayBuffer[] = [];
function bytes(s: string): usize {
  const b = String.UTF8.encode(s);
  held.push(b);
  return changetype<usize>(b);
}

const rec = new Recorder();
const parser = new HttpResponseParser(rec);

/**
 * Feeds msg in pieces ending at each cut, stopping when a piece is not wholly
 * consumed; then reports the peer closing if closeAtEnd. Summarises everything.
 */
function run(p: HttpResponseParser, r: Recorder, msg: string, cuts: i32[], closeAtEnd: bool): string {
  const ptr = bytes(msg);
  const n = msg.length;
  r.clear();
  let consumed = 0;
  let start = 0;
  let stopped = false;
  for (let k = 0; k <= cuts.length && !stopped; k++) {
    const end = k < cuts.length ? cuts[k] : n;
    const used = p.feed(ptr + <usize>start, end - start);
    if (used < 0) {
      consumed = -1;
      stopped = true;
    } else {
      consumed += used;
      if (used < end - start) stopped = true;
    }
    start = end;
  }
  let fin = "-";
  if (closeAtEnd) fin = p.finish() ? "1" : "0";
  return (
    r.headInfo +
    " |body=" + r.got.toString() +
    "| heads=" + r.heads.toString() +
    " dones=" + r.dones.toString() +
    " order=" + (r.outOfOrder ? "bad" : "ok") +
    " consumed=" + consumed.toString() +
    " state=" + p.state.toString() +
    " finish=" + fin +
    " err=" + p.errorReasonString()
  );
}

function whole(msg: string, closeAtEnd: bool = false, headRequest: bool = false): string {
  // A fresh parser, so reset() is checked by the split runs that reuse one.
  const r = new Recorder();
  const p = new HttpResponseParser(r);
  p.headRequest = headRequest;
  return run(p, r, msg, [], closeAtEnd);
}

/** Every split into two feeds and byte-at-a-time feeding give the single-feed result. */
function expectSplitInvariant(msg: string, closeAtEnd: bool = false): void {
  const ref = whole(msg, closeAtEnd);
  const n = msg.length;
  for (let k = 0; k <= n; k++) {
    parser.reset();
    expect("split " + k.toString() + ": " + run(parser, rec, msg, [k], closeAtEnd)).toBe("split " + k.toString() + ": " + ref);
  }
  const cuts: i32[] = [];
  for (let k = 1; k < n; k++) cuts.push(k);
  parser.reset();
  expect("bytewise: " + run(parser, rec, msg, cuts, closeAtEnd)).toBe("bytewise: " + ref);
}

function head(status: i32, cl: i64, chunked: bool, close: bool, retry: i32, json: bool, date: string, minor: i32 = 1): string {
  return (
    "status=" + status.toString() +
    " minor=" + minor.toString() +
    " cl=" + cl.toString() +
    " chunked=" + (chunked ? "1" : "0") +
    " close=" + (close ? "1" : "0") +
    " retry=" + retry.toString() +
    " json=" + (json ? "1" : "0") +
    " date=" + date
  );
}

function ok(headInfo: string, body: string, consumed: i32, finish: string = "-"): string {
  return headInfo + " |body=" + body + "| heads=1 dones=1 order=ok consumed=" + consumed.toString() + " state=2 finish=" + finish + " err=";
}

/** Parses msg in one feed and returns the parser for failure checks. */
function failing(msg: string): HttpResponseParser {
  const r = new Recorder();
  const p = new HttpResponseParser(r);
  const ptr = bytes(msg);
  const used = p.feed(ptr, msg.length);
  expect(used).toBe(-1);
  expect(p.state).toBe(RESP_FAILED);
  expect(p.failed).toBe(true);
  expect(p.feed(ptr, msg.length)).toBe(-1);
  return p;
}

describe("HttpResponseParser: kube-apiserver responses", () => {
  it("parses a 201 Created Node", () => {
    expect(whole(RESP_201_NODE)).toBe(ok(head(201, NODE_BODY.length, false, false, -1, true, DATE_VALUE), NODE_BODY, RESP_201_NODE.length));
  });
  it("gives the same 201 for every split and byte-at-a-time", () => {
    expectSplitInvariant(RESP_201_NODE);
  });

  it("parses a 409 Conflict Status", () => {
    expect(whole(RESP_409_CONFLICT)).toBe(ok(head(409, CONFLICT_BODY.length, false, false, -1, true, DATE_VALUE), CONFLICT_BODY, RESP_409_CONFLICT.length));
  });
  it("gives the same 409 for every split and byte-at-a-time", () => {
    expectSplitInvariant(RESP_409_CONFLICT);
  });

  it("parses a 404 Status", () => {
    expect(whole(RESP_404_NOT_FOUND)).toBe(ok(head(404, NOT_FOUND_BODY.length, false, false, -1, true, DATE_VALUE), NOT_FOUND_BODY, RESP_404_NOT_FOUND.length));
  });
  it("gives the same 404 for every split and byte-at-a-time", () => {
    expectSplitInvariant(RESP_404_NOT_FOUND);
  });

  it("parses a 429 with Retry-After", () => {
    expect(whole(RESP_429_RETRY)).toBe(ok(head(429, TOO_MANY_BODY.length, false, false, 1, true, DATE_VALUE), TOO_MANY_BODY, RESP_429_RETRY.length));
  });
  it("gives the same 429 for every split and byte-at-a-time", () => {
    expectSplitInvariant(RESP_429_RETRY);
  });

  it("decodes a chunked watch stream whose chunks cut events, with an extension and trailers", () => {
    expect(whole(RESP_WATCH_CHUNKED)).toBe(ok(head(200, -1, true, false, -1, true, DATE_VALUE), WATCH_BODY, RESP_WATCH_CHUNKED.length));
  });
  it("gives the same watch stream for every split and byte-at-a-time", () => {
    expectSplitInvariant(RESP_WATCH_CHUNKED);
  });

  it("reads a body without length or chunking until the peer closes (nginx, Connection: close)", () => {
    expect(whole(RESP_UNTIL_CLOSE, true)).toBe(ok(head(200, -1, false, true, -1, true, DATE_VALUE), LIST_BODY, RESP_UNTIL_CLOSE.length, "1"));
  });
  it("gives the same read-until-close response for every split and byte-at-a-time", () => {
    expectSplitInvariant(RESP_UNTIL_CLOSE, true);
  });

  it("parses an nginx 502 with Server, Connection: close and an HTML body", () => {
    expect(whole(RESP_NGINX_502)).toBe(ok(head(502, BAD_GATEWAY_BODY.length, false, true, -1, false, DATE_VALUE), BAD_GATEWAY_BODY, RESP_NGINX_502.length));
  });
  it("gives the same nginx 502 for every split and byte-at-a-time", () => {
    expectSplitInvariant(RESP_NGINX_502);
  });

  it("skips 100 and 103 interim responses, keeping none of their fields", () => {
    expect(whole(RESP_INTERIM_THEN_200)).toBe(ok(head(200, LEASE_BODY.length, false, false, -1, true, DATE_VALUE), LEASE_BODY, RESP_INTERIM_THEN_200.length));
  });
  it("gives the same interim-then-200 result for every split and byte-at-a-time", () => {
    expectSplitInvariant(RESP_INTERIM_THEN_200);
  });

  it("completes 204 and 304 at the end of the head, whatever Content-Length says", () => {
    expect(whole(RESP_204)).toBe(ok(head(204, -1, false, false, -1, false, DATE_VALUE), "", RESP_204.length));
    expect(whole(RESP_304)).toBe(ok(head(304, 1234, false, false, -1, false, DATE_VALUE), "", RESP_304.length));
    expectSplitInvariant(RESP_304);
  });

  it("treats HTTP/1.0 without keep-alive as close-delimited", () => {
    expect(whole(RESP_HTTP10, true)).toBe(ok(head(200, -1, false, true, -1, true, "", 0), LEASE_BODY, RESP_HTTP10.length, "1"));
    expectSplitInvariant(RESP_HTTP10, true);
    const ka = "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok";
    expect(whole(ka)).toBe(ok(head(200, 2, false, false, -1, false, "", 0), "ok", ka.length));
  });

  it("reports no body for a response to HEAD", () => {
    const msg = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n";
    expect(whole(msg, false, true)).toBe(ok(head(200, 50, false, false, -1, true, ""), "", msg.length));
    parser.reset(true);
    expect(parser.headRequest).toBe(true);
    parser.reset();
    expect(parser.headRequest).toBe(false);
  });
});

describe("HttpResponseParser: framing", () => {
  it("stops at the end of a message, leaving the next one to the caller", () => {
    const second = "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nabc";
    const both = RESP_409_CONFLICT + second + "junk";
    const r = new Recorder();
    const p = new HttpResponseParser(r);
    const ptr = bytes(both);
    expect(p.feed(ptr, both.length)).toBe(RESP_409_CONFLICT.length);
    expect(r.dones).toBe(1);
    expect(p.feed(ptr, both.length)).toBe(0); // done: nothing more is taken
    p.reset();
    r.clear();
    expect(p.feed(ptr + <usize>RESP_409_CONFLICT.length, second.length + 4)).toBe(second.length);
    expect(p.status).toBe(404);
    expect(r.got.toString()).toBe("abc");
  });

  it("lets chunked override Content-Length, and then asks for the connection to close", () => {
    const msg = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
    expect(whole(msg)).toBe(ok(head(200, 100, true, true, -1, false, ""), "abc", msg.length));
  });

  it("accepts identical duplicate Content-Length and rejects differing ones", () => {
    const same = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\ncontent-length:  2 \r\n\r\nhi";
    expect(whole(same)).toBe(ok(head(200, 2, false, false, -1, false, ""), "hi", same.length));
    expect(failing("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nhi").errorReasonString()).toBe("conflicting Content-Length");
  });

  it("rejects invalid Content-Length values", () => {
    expect(failing("HTTP/1.1 200 OK\r\nContent-Length: 1a\r\n\r\n").errorReasonString()).toBe("invalid Content-Length");
    expect(failing("HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n").errorReasonString()).toBe("invalid Content-Length");
    expect(failing("HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n").errorReasonString()).toBe("invalid Content-Length");
    expect(failing("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n").errorReasonString()).toBe("invalid Content-Length");
    expect(failing("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n").errorReasonString()).toBe("invalid Content-Length");
  });

  it("matches header names in any case and trims values", () => {
    const msg =
      "HTTP/1.1 200 OK\r\ncONTENT-tYPE:Application/JSON ; charset=utf-8\r\nDATE: \t" + DATE_VALUE + " \t\r\n" +
      "RETRY-AFTER:  120  \r\nTRANSFER-ENCODING: Chunked\r\nConnection: keep-alive, Close\r\n\r\n0\r\n\r\n";
    expect(whole(msg)).toBe(ok(head(200, -1, true, true, 120, true, DATE_VALUE), "", msg.length));
  });

  it("reads Retry-After as seconds, or -2 for the HTTP-date form", () => {
    const base = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: ";
    const p = new HttpResponseParser(new Recorder());
    const values = ["0", "3600", "Wed, 21 Oct 2026 07:28:00 GMT", "12a", "1 2", "999999999999"];
    const expected: i32[] = [0, 3600, -2, -2, -2, 100_000_000];
    for (let i = 0; i < values.length; i++) {
      const msg = base + values[i] + "\r\n\r\n";
      p.reset();
      expect(p.feed(bytes(msg), msg.length)).toBe(msg.length);
      expect(p.retryAfterSeconds).toBe(expected[i]);
    }
    const none = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";
    p.reset();
    p.feed(bytes(none), none.length);
    expect(p.retryAfterSeconds).toBe(-1);
  });

  it("recognises application/json only, parameters ignored", () => {
    const p = new HttpResponseParser(new Recorder());
    const types = ["application/json", "application/json;charset=utf-8", "APPLICATION/JSON", "application/jsonx", "application/json-patch+json", "text/plain", "application/ json", ""];
    const expected: bool[] = [true, true, true, false, false, false, false, false];
    for (let i = 0; i < types.length; i++) {
      const msg = "HTTP/1.1 200 OK\r\nContent-Type: " + types[i] + "\r\nContent-Length: 0\r\n\r\n";
      p.reset();
      expect(p.feed(bytes(msg), msg.length)).toBe(msg.length);
      expect(p.contentTypeJson).toBe(expected[i]);
    }
  });

  it("keeps Date up to its buffer's capacity and flags the rest", () => {
    const p = new HttpResponseParser(new Recorder());
    expect(p.date.cap).toBeGreaterThanOrEqual(DATE_VALUE.length);
    const long = "x".repeat(p.date.cap + 6);
    const msg = "HTTP/1.1 200 OK\r\nDate: " + long + "\r\nContent-Length: 0\r\n\r\n";
    expect(p.feed(bytes(msg), msg.length)).toBe(msg.length);
    expect(p.date.len).toBe(p.date.cap);
    expect(p.date.overflow).toBe(true);
  });

  it("accepts bare LF line ends in the head", () => {
    const msg = "HTTP/1.1 200 OK\nContent-Length: 2\nContent-Type: application/json\n\nok";
    expect(whole(msg)).toBe(ok(head(200, 2, false, false, -1, true, ""), "ok", msg.length));
  });

  it("counts the head against 16 KiB: exactly 16384 bytes pass, one more fails", () => {
    const start = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Pad: ";
    const end = "\r\n\r\n";
    const pad = "p".repeat(16384 - start.length - end.length);
    const fits = start + pad + end;
    expect(fits.length).toBe(16384);
    const p = new HttpResponseParser(new Recorder());
    expect(p.feed(bytes(fits), fits.length)).toBe(16384);
    expect(p.state).toBe(RESP_DONE);
    const over = start + pad + "p" + end;
    expect(failing(over).errorReasonString()).toBe("head too large");
    // Decided as soon as the count passes, even if the head never ends.
    const endless = "HTTP/1.1 200 OK\r\nX-Pad: " + "p".repeat(17000);
    expect(failing(endless).errorReasonString()).toBe("head too large");
  });

  it("rejects obs-fold, whitespace before the colon, bare CR and control bytes", () => {
    expect(failing("HTTP/1.1 200 OK\r\nX-A: a\r\n  folded\r\n\r\n").errorReasonString()).toBe("header line starts with whitespace");
    expect(failing("HTTP/1.1 200 OK\r\n X-A: a\r\n\r\n").errorReasonString()).toBe("header line starts with whitespace");
    expect(failing("HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n").errorReasonString()).toBe("whitespace before colon");
    expect(failing("HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n").errorReasonString()).toBe("bare CR in head");
    expect(failing("HTTP/1.1 200 OK\r\nX-A: a\x00b\r\n\r\n").errorReasonString()).toBe("invalid header value");
    expect(failing("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n").errorReasonString()).toBe("header line has no colon");
    expect(failing("HTTP/1.1 200 OK\r\n: empty\r\n\r\n").errorReasonString()).toBe("invalid header name");
    expect(failing("HTTP/1.1 200 OK\r\nX(A): a\r\n\r\n").errorReasonString()).toBe("invalid header name");
  });

  it("rejects malformed status lines and other HTTP versions", () => {
    expect(failing("HTTP/1.1 20 OK\r\n\r\n").errorReasonString()).toBe("malformed status line");
    expect(failing("HTTP/1.1 20\r\nContent-Length: 0\r\n\r\n").errorReasonString()).toBe("malformed status line");
    expect(failing("HTTP/1.1 200OK\r\n\r\n").errorReasonString()).toBe("malformed status line");
    expect(failing("HTTP/1.1 099 Low\r\n\r\n").errorReasonString()).toBe("malformed status line");
    expect(failing("HTTP/1.1 600 High\r\n\r\n").errorReasonString()).toBe("malformed status line");
    expect(failing("HTTP/1.1\r\n\r\n").errorReasonString()).toBe("malformed status line");
    expect(failing("ICY 200 OK\r\n\r\n").errorReasonString()).toBe("invalid HTTP version");
    expect(failing("HTTP/2 200 OK\r\n\r\n").errorReasonString()).toBe("HTTP version not supported");
    expect(failing("HTTP/1.1 200 O\x01K\r\n\r\n").errorReasonString()).toBe("malformed status line");
    // The reason phrase may be empty.
    const bare = "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n";
    expect(whole(bare)).toBe(ok(head(200, 0, false, false, -1, false, ""), "", bare.length));
  });

  it("rejects 101, unsupported transfer codings and chunked in HTTP/1.0", () => {
    expect(failing("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n").errorReasonString()).toBe("unexpected 101 response");
    expect(failing("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n").errorReasonString()).toBe("unsupported Transfer-Encoding");
    expect(failing("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n").errorReasonString()).toBe("invalid Transfer-Encoding");
    expect(failing("HTTP/1.1 200 OK\r\nTransfer-Encoding: \r\n\r\n").errorReasonString()).toBe("invalid Transfer-Encoding");
    expect(failing("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n").errorReasonString()).toBe("Transfer-Encoding in HTTP/1.0");
  });

  it("fails on broken chunked framing in the body, after the head was reported", () => {
    const r = new Recorder();
    const p = new HttpResponseParser(r);
    const msg = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n";
    expect(p.feed(bytes(msg), msg.length)).toBe(-1);
    expect(r.heads).toBe(1);
    expect(r.dones).toBe(0);
    expect(r.got.toString()).toBe("abc");
    expect(p.errorReasonString()).toBe("chunked coding needs CRLF");
  });

  it("finish(): fails a message cut short, completes one read until close exactly once", () => {
    const r = new Recorder();
    const p = new HttpResponseParser(r);
    const cut = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
    expect(p.feed(bytes(cut), cut.length)).toBe(cut.length);
    expect(p.finish()).toBe(false);
    expect(p.failed).toBe(true);
    expect(p.errorReasonString()).toBe("connection closed mid-body");
    expect(r.dones).toBe(0);

    p.reset();
    r.clear();
    const partHead = "HTTP/1.1 200 OK\r\nContent-Le";
    expect(p.feed(bytes(partHead), partHead.length)).toBe(partHead.length);
    expect(p.state).toBe(RESP_HEAD);
    expect(p.finish()).toBe(false);
    expect(p.errorReasonString()).toBe("connection closed mid-head");

    p.reset();
    r.clear();
    expect(p.finish()).toBe(false); // closed before anything arrived

    p.reset();
    r.clear();
    const done = "HTTP/1.1 204 No Content\r\n\r\n";
    p.feed(bytes(done), done.length);
    expect(p.finish()).toBe(true);
    expect(p.finish()).toBe(true);
    expect(r.dones).toBe(1);
  });

  it("accepts an empty read-until-close body", () => {
    const msg = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n";
    expect(whole(msg, true)).toBe(ok(head(200, -1, false, true, -1, false, ""), "", msg.length, "1"));
  });
});

const dec = new ChunkedDecoder(64);
const decoded = ByteBuf.create(4096);

/** Decodes s (in pieces of at most step bytes); returns data + "|" + consumed + "|" + state or the error. */
function decode(s: string, step: i32 = 1 << 30): string {
  const ptr = bytes(s);
  const n = s.length;
  dec.reset();
  decoded.clear();
  let off = 0;
  while (off < n && !dec.done) {
    const piece = n - off < step ? n - off : step;
    const used = dec.feed(ptr + <usize>off, piece);
    if (used < 0) return decoded.toString() + "|error: " + dec.errorReasonString();
    if (dec.dataLen > 0) {
      // The span lies inside what this call consumed.
      if (dec.dataPtr < ptr + <usize>off || dec.dataPtr + <usize>dec.dataLen > ptr + <usize>(off + used)) return "span outside input";
      decoded.append(dec.dataPtr, dec.dataLen);
    }
    off += used;
    if (used == 0 && !dec.done) return "stalled";
  }
  return decoded.toString() + "|" + off.toString() + (dec.done ? "|done" : "|more");
}

describe("ChunkedDecoder", () => {
  it("decodes sizes in either case with leading zeros, extensions and trailers", () => {
    const s = "000A\r\n0123456789\r\nf ;a=b;c=\"x;y\"\r\nabcdefghijklmno\r\n1\t;x\r\n!\r\n0;last\r\nExpires: never\r\nX: y\r\n\r\n";
    expect(decode(s)).toBe("0123456789abcdefghijklmno!|" + s.length.toString() + "|done");
    expect(decode(s, 1)).toBe("0123456789abcdefghijklmno!|" + s.length.toString() + "|done");
    expect(decode(s, 7)).toBe("0123456789abcdefghijklmno!|" + s.length.toString() + "|done");
  });

  it("stops after the last chunk, leaving further bytes unconsumed", () => {
    expect(decode("2\r\nok\r\n0\r\n\r\nHTTP/1.1 200 OK")).toBe("ok|12|done");
    expect(dec.feed(bytes("more"), 4)).toBe(0);
  });

  it("needs more input until the final empty line", () => {
    expect(decode("2\r\nok\r\n0\r\nX: y\r\n")).toBe("ok|16|more");
  });

  it("delivers the data of one chunk across feeds without copying", () => {
    const s = chunk("x".repeat(300)) + "0\r\n\r\n";
    expect(decode(s, 100)).toBe("x".repeat(300) + "|" + s.length.toString() + "|done");
  });

  it("rejects bare LF line ends anywhere in the framing", () => {
    expect(decode("2\nok\r\n0\r\n\r\n")).toBe("|error: chunked coding needs CRLF");
    expect(decode("2\r\nok\n0\r\n\r\n")).toBe("ok|error: chunked coding needs CRLF");
    expect(decode("2\r\nok\n\n0\r\n\r\n")).toBe("ok|error: chunked coding needs CRLF");
    expect(decode("2\r\nokx\n0\r\n\r\n")).toBe("ok|error: chunked coding needs CRLF");
    expect(decode("2;e\nok\r\n0\r\n\r\n")).toBe("|error: chunked coding needs CRLF");
    expect(decode("0\r\nX: y\n\r\n")).toBe("|error: chunked coding needs CRLF");
    expect(decode("0\r\n\n")).toBe("|error: chunked coding needs CRLF");
    expect(decode("0\r\n\rx")).toBe("|error: chunked coding needs CRLF");
  });

  it("rejects data longer than its chunk size", () => {
    expect(decode("2\r\nabc\r\n0\r\n\r\n")).toBe("ab|error: chunked coding needs CRLF");
  });

  it("rejects malformed size lines", () => {
    expect(decode("\r\n")).toBe("|error: invalid chunk size");
    expect(decode(";ext\r\n")).toBe("|error: invalid chunk size");
    expect(decode("g\r\n")).toBe("|error: invalid chunk size");
    expect(decode("1 1\r\nx\r\n")).toBe("|error: invalid chunk size");
    expect(decode("-1\r\n")).toBe("|error: invalid chunk size");
    expect(decode("0x10\r\n")).toBe("|error: invalid chunk size");
    expect(decode("1;a\x01\r\n")).toBe("|error: control byte in chunk line");
    expect(decode("0\r\nX: \x7f\r\n\r\n")).toBe("|error: control byte in chunk line");
  });

  it("rejects chunk sizes above 16 MiB, overflowing ones included", () => {
    expect(decode((MAX_CHUNK + 1).toString(16) + "\r\n")).toBe("|error: " + textToString(CHUNK_TOO_LARGE));
    expect(decode("ffffffffffffffffffff1\r\n")).toBe("|error: " + textToString(CHUNK_TOO_LARGE));
    // Exactly 16 MiB is accepted (the data simply has not arrived).
    expect(decode(MAX_CHUNK.toString(16) + "\r\n")).toBe("|9|more");
    expect(dec.remaining).toBe(MAX_CHUNK);
    // Leading zeros never overflow.
    expect(decode("0000000000000000000001\r\nz\r\n0\r\n\r\n")).toBe("z|32|done");
  });

  it("limits size lines and the trailer section", () => {
    // The limit (64 here) counts the size line with its CRLF.
    expect(decode("1;" + "e".repeat(60) + "\r\nz\r\n0\r\n\r\n")).toBe("z|72|done");
    expect(decode("1;" + "e".repeat(61) + "\r\nz\r\n0\r\n\r\n")).toBe("|error: chunk line too long");
    expect(decode("0\r\nX: " + "t".repeat(70) + "\r\n\r\n")).toBe("|error: chunk line too long");
  });

  it("keeps failing once failed", () => {
    expect(decode("zz\r\n")).toBe("|error: invalid chunk size");
    expect(dec.failed).toBe(true);
    expect(dec.feed(bytes("0\r\n\r\n"), 5)).toBe(-1);
    dec.reset();
    expect(dec.failed).toBe(false);
  });
});

describe("isTchar", () => {
  it("accepts exactly the RFC 9110 token characters", () => {
    const tchars = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    for (let b = 0; b < 256; b++) {
      const expected = b < 128 && tchars.indexOf(String.fromCharCode(b)) >= 0;
      expect(isTchar(<u8>b)).toBe(expected, "byte " + b.toString());
    }
  });
});
