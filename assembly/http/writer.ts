// The one place HTTP heads are written: requests to the API server and
// responses on the kubelet port. Lengths always come from a counting pass.

import { ByteBuf } from "../lib/bytes";
import { Out } from "../lib/out";
import { T, Text, textLen } from "../lib/text";

export function reasonPhrase(status: i32): Text {
  switch (status) {
    case 200: return T("OK");
    case 201: return T("Created");
    case 202: return T("Accepted");
    case 204: return T("No Content");
    case 400: return T("Bad Request");
    case 401: return T("Unauthorized");
    case 403: return T("Forbidden");
    case 404: return T("Not Found");
    case 405: return T("Method Not Allowed");
    case 408: return T("Request Timeout");
    case 411: return T("Length Required");
    case 413: return T("Content Too Large");
    case 414: return T("URI Too Long");
    case 429: return T("Too Many Requests");
    case 431: return T("Request Header Fields Too Large");
    case 500: return T("Internal Server Error");
    case 501: return T("Not Implemented");
    case 503: return T("Service Unavailable");
    case 505: return T("HTTP Version Not Supported");
  }
  return T("Unknown");
}

/** The request line's start; the caller writes the target next. */
export function writeRequestLineStart(out: Out, method: Text): void {
  out.ascii(method);
  out.byte(0x20);
}

/** After the target: the rest of the head. contentLength < 0: no body. */
export function writeRequestHeadEnd(out: Out, host: ByteBuf, token: ByteBuf, contentType: Text, contentLength: i32): void {
  out.ascii(T(" HTTP/1.1\r\nHost: "));
  out.buf(host);
  out.ascii(T("\r\nUser-Agent: k3s-pico-node/0.1.0\r\nAccept: application/json\r\n"));
  if (token.len > 0) {
    out.ascii(T("Authorization: Bearer "));
    out.buf(token);
    out.ascii(T("\r\n"));
  }
  if (contentLength >= 0) {
    out.ascii(T("Content-Type: "));
    out.ascii(contentType);
    out.ascii(T("\r\nContent-Length: "));
    out.dec(<u64>contentLength);
    out.ascii(T("\r\n"));
  }
  out.ascii(T("\r\n"));
}

/** Status line and headers. allow: methods for a 405's Allow header, or "". */
export function writeResponseHead(out: Out, status: i32, contentType: Text, contentLength: i32, allow: Text, wwwAuthenticate: bool): void {
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
  out.ascii(T("\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n"));
}
