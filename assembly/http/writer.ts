// The one place HTTP heads are written: requests to the API server and
// responses on the kubelet port. Lengths always come from a counting pass.

import { ByteBuf } from "../lib/bytes";
import { Out } from "../lib/out";

export function reasonPhrase(status: i32): string {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
  }
  return "Unknown";
}

/** The request line's start; the caller writes the target next. */
export function writeRequestLineStart(out: Out, method: string): void {
  out.ascii(method);
  out.byte(0x20);
}

/** After the target: the rest of the head. contentLength < 0: no body. */
export function writeRequestHeadEnd(out: Out, host: ByteBuf, token: ByteBuf, contentType: string, contentLength: i32): void {
  out.ascii(" HTTP/1.1\r\nHost: ");
  out.buf(host);
  out.ascii("\r\nUser-Agent: k3s-pico-node/0.1.0\r\nAccept: application/json\r\n");
  if (token.len > 0) {
    out.ascii("Authorization: Bearer ");
    out.buf(token);
    out.ascii("\r\n");
  }
  if (contentLength >= 0) {
    out.ascii("Content-Type: ");
    out.ascii(contentType);
    out.ascii("\r\nContent-Length: ");
    out.dec(<u64>contentLength);
    out.ascii("\r\n");
  }
  out.ascii("\r\n");
}

/** Status line and headers. allow: methods for a 405's Allow header, or "". */
export function writeResponseHead(out: Out, status: i32, contentType: string, contentLength: i32, allow: string, wwwAuthenticate: bool): void {
  out.ascii("HTTP/1.1 ");
  out.dec(<u64>status);
  out.byte(0x20);
  out.ascii(reasonPhrase(status));
  out.ascii("\r\nContent-Type: ");
  out.ascii(contentType);
  out.ascii("\r\nContent-Length: ");
  out.dec(<u64>contentLength);
  if (allow.length > 0) {
    out.ascii("\r\nAllow: ");
    out.ascii(allow);
  }
  if (wwwAuthenticate) out.ascii("\r\nWWW-Authenticate: Bearer realm=\"pico-node\"");
  out.ascii("\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n");
}
