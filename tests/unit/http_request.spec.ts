import { T, textToString } from "../../assembly/lib/text";
import { HttpRequestParser, REQ_COMPLETE, REQ_ERROR, REQ_NEED_MORE } from "../../assembly/http/request_parser";
import {
  COMMAND_BODY,
  SA_JWT,
  TOKEN,
  REQ_HEAD,
  REQ_HEALTHZ,
  REQ_HEALTHZ_VERBOSE,
  REQ_METRICS_ABSOLUTE,
  REQ_POST_CHUNKED,
  REQ_POST_COMMAND,
} from "./fixtures_http";

// Fixture bytes live in globals so they stay put for the whole run.
const held: ArrayBuffer[] = [];
function bytes(s: string): usize {
  const b = String.UTF8.encode(s);
  held.push(b);
  return changetype<usize>(b);
}

function describeReq(p: HttpRequestParser): string {
  return (
    "state=" + p.state.toString() +
    " status=" + p.errorStatus.toString() +
    " err=" + p.errorReasonString() +
    " method=" + p.method.toString() +
    " path=" + p.path.toString() +
    " query=" + p.query.toString() +
    " minor=" + p.httpMinor.toString() +
    " auth=" + (p.hasAuthorization ? "1" : "0") +
    " bearer=" + p.bearer.toString() +
    " cl=" + p.contentLength.toString() +
    " chunked=" + (p.chunked ? "1" : "0") +
    " json=" + (p.contentTypeJson ? "1" : "0") +
    " keepAlive=" + (p.keepAlive ? "1" : "0") +
    " body=" + p.body.toString()
  );
}

/** Feeds msg in pieces ending at each cut; every feed must return the state. */
function run(p: HttpRequestParser, msg: string, cuts: i32[]): string {
  const ptr = bytes(msg);
  const n = msg.length;
  let start = 0;
  let lying = false;
  for (let k = 0; k <= cuts.length; k++) {
    const end = k < cuts.length ? cuts[k] : n;
    if (p.feed(ptr + <usize>start, end - start) != p.state) lying = true;
    start = end;
  }
  return describeReq(p) + (lying ? " FEED-RETURN-MISMATCH" : "");
}

function parse(msg: string, maxHead: i32 = 2048, maxTarget: i32 = 256, maxBody: i32 = 512): HttpRequestParser {
  const p = new HttpRequestParser(maxHead, maxTarget, maxBody);
  run(p, msg, []);
  return p;
}

/** Expects msg to fail with status (and reason, if given), fed at once and byte by byte. */
function expectError(msg: string, status: i32, reason: string = ""): void {
  const p = parse(msg);
  expect(p.state).toBe(REQ_ERROR, msg);
  expect(p.errorStatus).toBe(status, msg);
  if (reason.length > 0) expect(p.errorReasonString()).toBe(reason, msg);
  const cuts: i32[] = [];
  for (let k = 1; k < msg.length; k++) cuts.push(k);
  const q = new HttpRequestParser();
  run(q, msg, cuts);
  expect(q.errorStatus).toBe(status, "bytewise " + msg);
}

const shared = new HttpRequestParser();

/** Every split into two feeds and byte-at-a-time feeding give the single-feed result. */
function expectSplitInvariant(msg: string): void {
  const ref = describeReq(parse(msg));
  const n = msg.length;
  for (let k = 0; k <= n; k++) {
    shared.reset();
    expect("split " + k.toString() + ": " + run(shared, msg, [k])).toBe("split " + k.toString() + ": " + ref);
  }
  const cuts: i32[] = [];
  for (let k = 1; k < n; k++) cuts.push(k);
  shared.reset();
  expect("bytewise: " + run(shared, msg, cuts)).toBe("bytewise: " + ref);
}

function ok(method: string, path: string, query: string, bearer: string, cl: i64, chunked: bool, json: bool, body: string, auth: bool = false, keepAlive: bool = true, minor: i32 = 1): string {
  return (
    "state=1 status=0 err= method=" + method +
    " path=" + path +
    " query=" + query +
    " minor=" + minor.toString() +
    " auth=" + (auth || bearer.length > 0 ? "1" : "0") +
    " bearer=" + bearer +
    " cl=" + cl.toString() +
    " chunked=" + (chunked ? "1" : "0") +
    " json=" + (json ? "1" : "0") +
    " keepAlive=" + (keepAlive ? "1" : "0") +
    " body=" + body
  );
}

describe("HttpRequestParser: requests the kubelet port receives", () => {
  it("parses GET /healthz from curl", () => {
    expect(describeReq(parse(REQ_HEALTHZ))).toBe(ok("GET", "/healthz", "", "", -1, false, false, ""));
  });

  it("splits the target at '?'", () => {
    expect(describeReq(parse(REQ_HEALTHZ_VERBOSE))).toBe(ok("GET", "/healthz", "verbose=1", "", -1, false, false, ""));
  });

  it("parses HEAD", () => {
    expect(describeReq(parse(REQ_HEAD))).toBe(ok("HEAD", "/healthz", "", "", -1, false, false, ""));
  });

  it("parses POST /pico/command with a JSON body and a bearer token", () => {
    expect(describeReq(parse(REQ_POST_COMMAND))).toBe(ok("POST", "/pico/command", "", TOKEN, COMMAND_BODY.length, false, true, COMMAND_BODY));
  });

  it("decodes a chunked POST, with a lower-case scheme and extra spaces around the token", () => {
    expect(describeReq(parse(REQ_POST_CHUNKED))).toBe(ok("POST", "/pico/command", "dryRun=All", TOKEN, -1, true, true, COMMAND_BODY));
  });

  it("reduces an absolute-form target to its path and query", () => {
    expect(describeReq(parse(REQ_METRICS_ABSOLUTE))).toBe(ok("GET", "/metrics/resource", "format=text", TOKEN, -1, false, false, ""));
    const host = "Host: h\r\n\r\n";
    expect(describeReq(parse("GET http://192.168.1.50:10250 HTTP/1.1\r\n" + host))).toBe(ok("GET", "/", "", "", -1, false, false, ""));
    expect(describeReq(parse("GET HTTPS://h?x=1 HTTP/1.1\r\n" + host))).toBe(ok("GET", "/", "x=1", "", -1, false, false, ""));
    expect(describeReq(parse("OPTIONS * HTTP/1.1\r\n" + host))).toBe(ok("OPTIONS", "*", "", "", -1, false, false, ""));
  });

  it("gives the same result for every split and byte-at-a-time", () => {
    expectSplitInvariant(REQ_HEALTHZ_VERBOSE);
    expectSplitInvariant(REQ_POST_COMMAND);
    expectSplitInvariant(REQ_POST_CHUNKED);
    expectSplitInvariant(REQ_METRICS_ABSOLUTE);
  });

  it("gives the same errors for every split", () => {
    expectSplitInvariant("GET /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\nhello");
    expectSplitInvariant("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    expectSplitInvariant("POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab");
  });

  it("needs more input until the request is complete, without an error", () => {
    const cut = [REQ_HEALTHZ.substring(0, 20), REQ_HEALTHZ.substring(0, REQ_HEALTHZ.length - 1), REQ_POST_COMMAND.substring(0, REQ_POST_COMMAND.length - 1), REQ_POST_CHUNKED.substring(0, REQ_POST_CHUNKED.length - 2), ""];
    for (let i = 0; i < cut.length; i++) {
      const p = parse(cut[i]);
      expect(p.state).toBe(REQ_NEED_MORE, cut[i]);
      expect(p.errorStatus).toBe(0, cut[i]);
    }
  });

  it("ignores bytes after a complete request", () => {
    const p = new HttpRequestParser();
    const msg = REQ_POST_COMMAND + "GET /next HTTP/1.1\r\n\r\n";
    expect(p.feed(bytes(msg), msg.length)).toBe(REQ_COMPLETE);
    expect(p.body.toString()).toBe(COMMAND_BODY);
    expect(p.feed(bytes("garbage"), 7)).toBe(REQ_COMPLETE);
    expect(p.path.toString()).toBe("/pico/command");
  });

  it("is reusable after reset()", () => {
    const p = new HttpRequestParser();
    expect(p.feed(bytes(REQ_POST_CHUNKED), REQ_POST_CHUNKED.length)).toBe(REQ_COMPLETE);
    p.reset();
    expect(describeReq(p)).toBe("state=0 status=0 err= method= path= query= minor=0 auth=0 bearer= cl=-1 chunked=0 json=0 keepAlive=0 body=");
    expect(p.feed(bytes(REQ_HEALTHZ), REQ_HEALTHZ.length)).toBe(REQ_COMPLETE);
    expect(describeReq(p)).toBe(ok("GET", "/healthz", "", "", -1, false, false, ""));
  });

  it("ignores empty lines before the request line and accepts bare LF line ends", () => {
    expect(describeReq(parse("\r\n\r\nGET /healthz HTTP/1.1\r\nHost: h\r\n\r\n"))).toBe(ok("GET", "/healthz", "", "", -1, false, false, ""));
    expect(describeReq(parse("GET /healthz HTTP/1.1\nHost: h\n\n"))).toBe(ok("GET", "/healthz", "", "", -1, false, false, ""));
  });

  it("derives keep-alive from the version and Connection", () => {
    const cases = [
      "GET / HTTP/1.1\r\nHost: h\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\nconnection: Upgrade, CLOSE\r\n\r\n",
      "GET / HTTP/1.0\r\n\r\n",
      "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
    ];
    const expected: bool[] = [true, false, false, false, true];
    for (let i = 0; i < cases.length; i++) {
      const p = parse(cases[i]);
      expect(p.state).toBe(REQ_COMPLETE, cases[i]);
      expect(p.keepAlive).toBe(expected[i], cases[i]);
    }
  });
});

function auth(value: string): HttpRequestParser {
  return parse("GET /pods HTTP/1.1\r\nHost: h\r\nAuthorization: " + value + "\r\n\r\n");
}

describe("HttpRequestParser: Authorization", () => {
  it("takes the token after a case-insensitive Bearer scheme", () => {
    expect(auth("Bearer abc.DEF-_~+/=").bearer.toString()).toBe("abc.DEF-_~+/=");
    expect(auth("BEARER t0k3n").bearer.toString()).toBe("t0k3n");
    expect(auth("bEaReR    t0k3n   ").bearer.toString()).toBe("t0k3n");
  });

  it("leaves the bearer empty for other schemes and malformed values, but notes the header", () => {
    const values = ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Bearertoken x", "Bearer a b", "Bearer a,b", "Bear x", "Bearer\ttab"];
    for (let i = 0; i < values.length; i++) {
      const p = auth(values[i]);
      expect(p.state).toBe(REQ_COMPLETE, values[i]);
      expect(p.hasAuthorization).toBe(true, values[i]);
      expect(p.bearer.len).toBe(0, values[i]);
    }
    expect(parse(REQ_HEALTHZ).hasAuthorization).toBe(false);
  });

  it("keeps a token that fills the buffer and drops a longer one entirely, so no prefix can match", () => {
    const full = "a".repeat(shared.bearer.cap);
    expect(auth("Bearer " + full).bearer.toString()).toBe(full);
    const p = auth("Bearer " + full + "b");
    expect(p.bearer.len).toBe(0);
    expect(p.bearer.overflow).toBe(true);
    expect(p.hasAuthorization).toBe(true);
  });

  it("leaves the bearer empty for a service-account JWT of about 1 KB", () => {
    expect(SA_JWT.length).toBeGreaterThan(700);
    const p = auth("Bearer " + SA_JWT);
    expect(p.state).toBe(REQ_COMPLETE);
    expect(p.bearer.len).toBe(0);
    expect(p.bearer.overflow).toBe(true);
  });

  it("rejects a second Authorization header", () => {
    expectError("GET / HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer a\r\nAuthorization: Bearer b\r\n\r\n", 400, "duplicate Authorization");
  });
});

describe("HttpRequestParser: errors", () => {
  it("400 for malformed request lines", () => {
    expectError("GET  /healthz HTTP/1.1\r\nHost: h\r\n\r\n", 400, "malformed request line");
    expectError(" GET /healthz HTTP/1.1\r\nHost: h\r\n\r\n", 400, "malformed request line");
    expectError("GET\r\n\r\n", 400, "malformed request line");
    expectError("GET /healthz HTTP/1.1 \r\nHost: h\r\n\r\n", 400, "invalid HTTP version");
    expectError("GET /healthz http/1.1\r\nHost: h\r\n\r\n", 400, "invalid HTTP version");
    expectError("GET /healthz HTTP/1.\r\nHost: h\r\n\r\n", 400, "invalid HTTP version");
    expectError("GET /healthz HTTP/1.10\r\nHost: h\r\n\r\n", 400, "invalid HTTP version");
    expectError("G(T /healthz HTTP/1.1\r\nHost: h\r\n\r\n", 400, "invalid method");
    expectError("GET healthz HTTP/1.1\r\nHost: h\r\n\r\n", 400, "invalid request target");
    expectError("GET /a#b HTTP/1.1\r\nHost: h\r\n\r\n", 400, "invalid request target");
    expectError("GET /\x7f HTTP/1.1\r\nHost: h\r\n\r\n", 400, "invalid request target");
    expectError("GET ftp://h/ HTTP/1.1\r\nHost: h\r\n\r\n", 400, "invalid request target");
    expectError("GET http:/h/ HTTP/1.1\r\nHost: h\r\n\r\n", 400, "invalid request target");
    expectError("GET *x HTTP/1.1\r\nHost: h\r\n\r\n", 400, "invalid request target");
    expectError("GET / HTTP/1.1\rHost: h\r\n\r\n", 400, "bare CR in head");
  });

  it("400 for an HTTP/0.9-style request without a version", () => {
    expectError("GET /\r\n", 400, "request line has no HTTP version");
    expectError("GET /healthz\r\n\r\n", 400, "request line has no HTTP version");
  });

  it("505 for HTTP/2: the preface and a 2.0 request line, decided before the line ends", () => {
    expectError("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505, "HTTP version not supported");
    expectError("GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505);
    expectError("GET / HTTP/3", 505);
    expectError("PRI * HTTP/2", 505);
  });

  it("400 for bad header syntax: no colon, space before colon, obs-fold, control bytes", () => {
    expectError("GET / HTTP/1.1\r\nHost: h\r\nX-Test\r\n\r\n", 400, "header line has no colon");
    expectError("GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400, "whitespace before colon");
    expectError("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n\tb\r\n\r\n", 400, "header line starts with whitespace");
    expectError("GET / HTTP/1.1\r\n Host: h\r\n\r\n", 400, "header line starts with whitespace");
    expectError("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x01\r\n\r\n", 400, "invalid header value");
    expectError("GET / HTTP/1.1\r\nHost: h\r\nX@A: a\r\n\r\n", 400, "invalid header name");
  });

  it("400 for invalid or conflicting Content-Length", () => {
    const head = "POST /pico/command HTTP/1.1\r\nHost: h\r\n";
    expectError(head + "Content-Length: 12a\r\n\r\n", 400, "invalid Content-Length");
    expectError(head + "Content-Length: -1\r\n\r\n", 400, "invalid Content-Length");
    expectError(head + "Content-Length: \r\n\r\n", 400, "invalid Content-Length");
    expectError(head + "Content-Length: 1,1\r\n\r\n", 400, "invalid Content-Length");
    expectError(head + "Content-Length: 99999999999999999999\r\n\r\n", 400, "invalid Content-Length");
    expectError(head + "Content-Length: 2\r\nContent-Length: 3\r\n\r\nab", 400, "conflicting Content-Length");
    const same = parse(head + "Content-Length: 2\r\ncontent-length: 2\r\n\r\nab");
    expect(same.state).toBe(REQ_COMPLETE);
    expect(same.body.toString()).toBe("ab");
  });

  it("400 for both Content-Length and Transfer-Encoding, in either order", () => {
    expectError("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "both Content-Length and Transfer-Encoding");
    expectError("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400, "both Content-Length and Transfer-Encoding");
  });

  it("501 for transfer codings other than chunked; 400 for chunked twice or in HTTP/1.0", () => {
    const head = "POST / HTTP/1.1\r\nHost: h\r\n";
    expectError(head + "Transfer-Encoding: gzip\r\n\r\n", 501, "unsupported Transfer-Encoding");
    expectError(head + "Transfer-Encoding: gzip, chunked\r\n\r\n", 501, "unsupported Transfer-Encoding");
    expectError(head + "Transfer-Encoding: chunked, identity\r\n\r\n", 501, "unsupported Transfer-Encoding");
    expectError(head + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "invalid Transfer-Encoding");
    expectError(head + "Transfer-Encoding:\r\n\r\n", 400, "invalid Transfer-Encoding");
    expectError("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "Transfer-Encoding in HTTP/1.0");
    const ok = parse(head + "transfer-encoding: CHUNKED\r\n\r\n0\r\n\r\n");
    expect(ok.state).toBe(REQ_COMPLETE);
  });

  it("400 for broken chunked framing", () => {
    const head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
    expectError(head + "3\r\nabcd\r\n0\r\n\r\n", 400, "chunked coding needs CRLF");
    expectError(head + "x\r\n", 400, "invalid chunk size");
    expectError(head + "3\nabc\r\n0\r\n\r\n", 400, "chunked coding needs CRLF");
  });

  it("400 for a missing or repeated Host in HTTP/1.1", () => {
    expectError("GET /healthz HTTP/1.1\r\n\r\n", 400, "missing Host");
    expectError("GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "duplicate Host");
    expect(parse("GET /healthz HTTP/1.0\r\n\r\n").state).toBe(REQ_COMPLETE);
  });

  it("413 for a body over maxBody, by Content-Length or by chunks, before the data arrives", () => {
    const head = "POST /pico/command HTTP/1.1\r\nHost: h\r\n";
    const fits = parse(head + "Content-Length: 512\r\n\r\n" + "x".repeat(512));
    expect(fits.state).toBe(REQ_COMPLETE);
    expect(fits.body.len).toBe(512);
    expectError(head + "Content-Length: 513\r\n\r\n", 413, "body too large");
    const te = head + "Transfer-Encoding: chunked\r\n\r\n";
    expectError(te + "201\r\n", 413, "body too large");
    expectError(te + "100\r\n" + "x".repeat(256) + "\r\n101\r\n", 413, "body too large");
    expectError(te + "1000001\r\n", 413, "chunk size too large");
    const exact = parse(te + "100\r\n" + "x".repeat(256) + "\r\n100\r\n" + "y".repeat(256) + "\r\n0\r\n\r\n");
    expect(exact.state).toBe(REQ_COMPLETE);
    expect(exact.body.len).toBe(512);
  });

  it("414 for a target over maxTarget", () => {
    const t256 = "/" + "a".repeat(255);
    const fits = parse("GET " + t256 + " HTTP/1.1\r\nHost: h\r\n\r\n");
    expect(fits.state).toBe(REQ_COMPLETE);
    expect(fits.path.toString()).toBe(t256);
    const q = parse("GET /?" + "q".repeat(254) + " HTTP/1.1\r\nHost: h\r\n\r\n");
    expect(q.query.len).toBe(254);
    expectError("GET " + t256 + "a HTTP/1.1\r\nHost: h\r\n\r\n", 414, "request target too long");
    // Decided as soon as the target passes the limit.
    expectError("GET " + t256 + "a", 414);
  });

  it("431 for a head over maxHead, as soon as the count passes it, even if it never ends", () => {
    const start = "GET / HTTP/1.1\r\nHost: h\r\nX-Pad: ";
    const pad = "p".repeat(2048 - start.length - 4);
    expect(parse(start + pad + "\r\n\r\n").state).toBe(REQ_COMPLETE);
    expectError(start + pad + "p\r\n\r\n", 431, "head too large");
    const endless = start + "p".repeat(2048 - start.length);
    expect(parse(endless).state).toBe(REQ_NEED_MORE);
    expectError(endless + "p", 431, "head too large");
  });

  it("501 for a method longer than 16 bytes", () => {
    expect(parse("ABCDEFGHIJKLMNOP / HTTP/1.1\r\nHost: h\r\n\r\n").method.toString()).toBe("ABCDEFGHIJKLMNOP");
    expectError("ABCDEFGHIJKLMNOPQ / HTTP/1.1\r\nHost: h\r\n\r\n", 501, "method too long");
  });

  it("keeps failing with the first error", () => {
    const p = parse("GET / HTTP/2.0\r\n");
    const again = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
    expect(p.feed(bytes(again), again.length)).toBe(REQ_ERROR);
    expect(p.errorStatus).toBe(505);
  });
});
