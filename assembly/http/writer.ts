// The one place HTTP heads are written: requests to the API server and
// responses on the kubelet port. Lengths always come from a counting pass.

import { ByteBuf } from "../lib/bytes";
import { Out } from "../lib/out";
import { T, Text, textLen } from "../lib/text";

// (status, reason phrase) pairs: one lookup loop instead of a compare per case.
const REASONS: usize = memory.data<u32>([
  200, T("OK"),
  201, T("Created"),
  202, T("Accepted"),
  204, T("No Content"),
  400, T("Bad Request"),
  401, T("Unauthorized"),
  403, T("Forbidden"),
  404, T("Not Found"),
  405, T("Method Not Allowed"),
  408, T("Request Timeout"),
  411, T("Length Required"),
  413, T("Content Too Large"),
  414, T("URI Too Long"),
  429, T("Too Many Requests"),
  431, T("Request Header Fields Too Large"),
  500, T("Internal Server Error"),
  501, T("Not Implemented"),
  503, T("Service Unavailable"),
  505, T("HTTP Version Not Supported"),
]);
const REASON_COUNT = 19;

export function reasonPhrase(status: i32): Text {
  for (let i = 0; i < REASON_COUNT; i++) {
    const entry = REASONS + <usize>(i << 3);
    if (load<i32>(entry) == status) return load<u32>(entry, 4);
  }
  return T("Unknown");
}

/** The request line's start; the caller writes the target next. */
export function writeRequestLineStart(out: Out, method: Text): void {
  out.ascii(method);
  out.byte(0x20);
}

/** After the target: the version and the headers every request to the proxy carries. */
function writeCommonHead(out: Out, host: ByteBuf, token: ByteBuf, accept: Text): void {
  out.ascii(T(" HTTP/1.1\r\nHost: "));
  out.buf(host);
  out.ascii(T("\r\nUser-Agent: k3s-pico-node/0.1.0\r\nAccept: "));
  out.ascii(accept);
  out.ascii(T("\r\n"));
  if (token.len > 0) {
    out.ascii(T("Authorization: Bearer "));
    out.buf(token);
    out.ascii(T("\r\n"));
  }
}

/** After the target: the rest of the head. contentLength < 0: no body. */
export function writeRequestHeadEnd(out: Out, host: ByteBuf, token: ByteBuf, contentType: Text, contentLength: i32): void {
  writeCommonHead(out, host, token, T("application/json"));
  if (contentLength >= 0) {
    out.ascii(T("Content-Type: "));
    out.ascii(contentType);
    out.ascii(T("\r\nContent-Length: "));
    out.dec(<u64>contentLength);
    out.ascii(T("\r\n"));
  }
  out.ascii(T("\r\n"));
}

/** After the target: the head of a file download, from byte rangeStart on (a Range request when > 0). */
export function writeDownloadHeadEnd(out: Out, host: ByteBuf, token: ByteBuf, rangeStart: i32): void {
  writeCommonHead(out, host, token, T("application/octet-stream"));
  if (rangeStart > 0) {
    out.ascii(T("Range: bytes="));
    out.dec(<u64>rangeStart);
    out.ascii(T("-\r\n"));
  }
  out.ascii(T("\r\n"));
}

/** Status line and headers. allow: methods for a 405's Allow header, or "". close: the connection ends after this response. */
export function writeResponseHead(out: Out, status: i32, contentType: Text, contentLength: i32, allow: Text, wwwAuthenticate: bool, close: bool): void {
  out.ascii(T("HTTP/1.1 "));
  out.dec(<u64>status);
  out.byte(0x20);
  out.ascii(reasonPhrase(status));
  out.ascii(T("\r\nContent-Type: "));
  out.ascii(contentType);
  out.ascii(T("\r\nContent-Length: "));
  out.dec(<u64>contentLength);
  if (textLen(allow) > 0) {
    out.ascii(T("\r\nAllow: "));
    out.ascii(allow);
  }
  if (wwwAuthenticate) out.ascii(T("\r\nWWW-Authenticate: Bearer realm=\"pico-node\""));
  out.ascii(T("\r\nCache-Control: no-store"));
  if (close) out.ascii(T("\r\nConnection: close"));
  out.ascii(T("\r\n\r\n"));
}
