// Server-side parser for requests to the kubelet port (:10250).
//
// One request per connection: the server answers with Connection: close, so
// bytes after a complete request are ignored. Incomplete input gets no answer
// (the host times the connection out). Errors carry the status to answer with.
//
// Strictness (RFC 9112): HTTP/1.1 needs exactly one Host (§3.2); both
// Content-Length and Transfer-Encoding is rejected rather than resolved (§6.1,
// a smuggling signal); Transfer-Encoding other than a single "chunked" is 501.
// Heads accept CRLF or bare LF (see response_parser.ts); the chunked framing
// requires CRLF (see chunked.ts).

import { ByteBuf, isDigit, isSpaceOrTab, lowerAscii, packedByte } from "../lib/bytes";
import { CHUNK_TOO_LARGE, ChunkedDecoder } from "./chunked";
import { F_AUTHORIZATION, F_HOST, HttpHead, LX_DONE, LX_FAILED, isTchar } from "./response_parser";
import { T } from "../lib/text";

const LIT_HTTPS: u64 = 0x2f2f3a7370747468; // "https://"
const LIT_BEARER: u64 = 0x726572616562; // "bearer"

export const REQ_NEED_MORE: i32 = 0;
export const REQ_COMPLETE: i32 = 1;
export const REQ_ERROR: i32 = 2;

const SP: u8 = 0x20;

// Request line parts.
const RL_METHOD: i32 = 0;
const RL_TARGET: i32 = 1;
const RL_VERSION: i32 = 2;

// Request target forms.
const T_FIRST: i32 = 0;
const T_SCHEME: i32 = 1; // "http://" or "https://" of absolute-form
const T_AUTHORITY: i32 = 2; // skipped: the path is what routes
const T_PATH: i32 = 3;
const T_QUERY: i32 = 4;
const T_STAR: i32 = 5; // asterisk-form "*"

// Authorization value.
const A_SCHEME: i32 = 0;
const A_SPACE: i32 = 1;
const A_TOKEN: i32 = 2;
const A_AFTER: i32 = 3; // trailing whitespace
const A_BAD: i32 = 4; // not a usable bearer token: bearer stays empty

/** token68 (RFC 9110 §11.2), which bearer tokens and JWTs use. */
function isToken68(b: u8): bool {
  const l = lowerAscii(b);
  return (l >= 0x61 && l <= 0x7a) || isDigit(b) || b == 0x2d || b == 0x2e || b == 0x5f || b == 0x7e || b == 0x2b || b == 0x2f || b == 0x3d;
}

export class HttpRequestParser extends HttpHead {
  state: i32 = REQ_NEED_MORE;
  readonly method: ByteBuf = ByteBuf.create(16);
  readonly path: ByteBuf;
  readonly query: ByteBuf;
  /** Token of "Authorization: Bearer <token>"; empty if absent, another scheme, malformed or too long. */
  readonly bearer: ByteBuf;
  hasAuthorization: bool = false;
  readonly body: ByteBuf;
  chunked: bool = false;
  keepAlive: bool = false;
  /** Bytes that arrived after the request was complete (a pipelined next request, or junk). */
  trailing: i32 = 0;

  private readonly maxTarget: i32;
  private readonly maxBody: i32;
  private readonly decoder: ChunkedDecoder = new ChunkedDecoder(256);
  private rl: i32 = RL_METHOD;
  private target: i32 = T_FIRST;
  private targetLen: i32 = 0;
  private schemePos: i32 = 0;
  private versionPos: i32 = 0;
  private auth: i32 = A_SCHEME;
  private authPos: i32 = 0;
  private hostCount: i32 = 0;

  constructor(maxHead: i32 = 2048, maxTarget: i32 = 256, maxBody: i32 = 512, maxBearer: i32 = 96) {
    super(maxHead);
    this.bearer = ByteBuf.create(maxBearer);
    this.maxTarget = maxTarget;
    this.maxBody = maxBody;
    // Either part can be nearly the whole target.
    this.path = ByteBuf.create(maxTarget);
    this.query = ByteBuf.create(maxTarget);
    this.body = ByteBuf.create(maxBody);
  }

  reset(): void {
    this.resetHead();
    this.state = REQ_NEED_MORE;
    this.method.clear();
    this.path.clear();
    this.query.clear();
    this.bearer.clear();
    this.hasAuthorization = false;
    this.body.clear();
    this.chunked = false;
    this.keepAlive = false;
    this.trailing = 0;
    this.decoder.reset();
    this.rl = RL_METHOD;
    this.target = T_FIRST;
    this.targetLen = 0;
    this.schemePos = 0;
    this.versionPos = 0;
    this.hostCount = 0;
  }

  /** Returns the state: REQ_NEED_MORE, REQ_COMPLETE or REQ_ERROR. */
  feed(ptr: usize, len: i32): i32 {
    if (this.state != REQ_NEED_MORE) {
      if (this.state == REQ_COMPLETE) this.trailing += len;
      return this.state;
    }
    let i = 0;
    if (this.lx != LX_DONE) {
      i = this.lexHead(ptr, len);
      if (this.lx != LX_DONE) return this.checkFailed();
      if (!this.chunked && this.contentLength <= 0) {
        this.trailing = len - i;
        return (this.state = REQ_COMPLETE);
      }
    }
    const body = this.body;
    if (!this.chunked) {
      const want = <i32>this.contentLength - body.len;
      const take = len - i < want ? len - i : want;
      body.append(ptr + <usize>i, take);
      if (body.len == <i32>this.contentLength) {
        this.trailing = len - i - take;
        this.state = REQ_COMPLETE;
      }
      return this.state;
    }
    const dec = this.decoder;
    while (i < len) {
      const n = dec.feed(ptr + <usize>i, len - i);
      if (n < 0) {
        this.fail(dec.errorReason == CHUNK_TOO_LARGE ? 413 : 400, dec.errorReason);
        break;
      }
      i += n;
      // Declared sizes count, so an oversized chunk fails before its data arrives.
      if (body.len + dec.dataLen + dec.remaining > this.maxBody) {
        this.fail(413, T("body too large"));
        break;
      }
      body.append(dec.dataPtr, dec.dataLen);
      if (dec.done) {
        this.trailing = len - i;
        return (this.state = REQ_COMPLETE);
      }
    }
    return this.checkFailed();
  }

  private checkFailed(): i32 {
    if (this.lx == LX_FAILED) this.state = REQ_ERROR;
    return this.state;
  }

  protected startByte(b: u8): void {
    const rl = this.rl;
    if (rl == RL_METHOD) {
      if (b == SP) {
        if (this.method.len == 0) this.fail(400, T("malformed request line"));
        else this.rl = RL_TARGET;
      } else if (!isTchar(b)) {
        this.fail(400, T("invalid method"));
      } else if (!this.method.push(b)) {
        this.fail(501, T("method too long"));
      }
    } else if (rl == RL_TARGET) {
      if (b == SP) this.endTarget();
      else this.targetByte(b);
    } else {
      this.versionByte(this.versionPos++, b);
    }
  }

  private targetByte(b: u8): void {
    if (++this.targetLen > this.maxTarget) return this.fail(414, T("request target too long"));
    if (b <= SP || b >= 0x7f || b == 0x23) return this.fail(400, T("invalid request target"));
    switch (this.target) {
      case T_FIRST: {
        if (b == 0x2f) {
          this.path.push(b);
          this.target = T_PATH;
        } else if (b == 0x2a) {
          this.path.push(b);
          this.target = T_STAR;
        } else if (lowerAscii(b) == 0x68) {
          this.schemePos = 1;
          this.target = T_SCHEME;
        } else {
          this.fail(400, T("invalid request target"));
        }
        break;
      }
      case T_SCHEME: {
        // Matched against "https://", skipping the 's' for "http://".
        let p = this.schemePos;
        if (p == 4 && b == 0x3a) p = 5;
        if (lowerAscii(b) != packedByte(LIT_HTTPS, p)) return this.fail(400, T("invalid request target"));
        this.schemePos = ++p;
        if (p == 8) this.target = T_AUTHORITY;
        break;
      }
      case T_AUTHORITY: {
        if (b == 0x2f || b == 0x3f) {
          this.path.push(0x2f);
          this.target = b == 0x2f ? T_PATH : T_QUERY;
        }
        break;
      }
      case T_PATH: {
        if (b == 0x3f) this.target = T_QUERY;
        else this.path.push(b);
        break;
      }
      case T_QUERY: {
        this.query.push(b);
        break;
      }
      default: {
        this.fail(400, T("invalid request target"));
      }
    }
  }

  private endTarget(): void {
    const t = this.target;
    if (t == T_FIRST) return this.fail(400, T("malformed request line"));
    if (t == T_SCHEME) return this.fail(400, T("invalid request target"));
    if (t == T_AUTHORITY) this.path.push(0x2f); // "http://host" means "/"
    this.rl = RL_VERSION;
  }

  protected startEnd(): void {
    const rl = this.rl;
    if (rl == RL_METHOD) {
      // An empty line before the request line is ignored (RFC 9112 §2.2).
      if (this.method.len == 0) {
        this.restartStartLine();
      } else {
        this.fail(400, T("malformed request line"));
      }
    } else if (rl == RL_TARGET) {
      this.fail(400, T("request line has no HTTP version"));
    } else if (this.versionPos != 8) {
      this.fail(400, T("invalid HTTP version"));
    }
  }

  protected fieldStart(): void {
    const f = this.field;
    if (f == F_HOST) {
      this.hostCount++;
    } else if (f == F_AUTHORIZATION) {
      if (this.hasAuthorization) return this.fail(400, T("duplicate Authorization"));
      this.hasAuthorization = true;
      this.auth = A_SCHEME;
      this.authPos = 0;
    }
  }

  protected fieldByte(b: u8): void {
    if (this.field != F_AUTHORIZATION) return;
    switch (this.auth) {
      case A_SCHEME: {
        // "Bearer", any case, then one or more SP.
        const p = this.authPos;
        if (b == SP) this.auth = p == 6 ? A_SPACE : A_BAD;
        else if (p < 6 && lowerAscii(b) == packedByte(LIT_BEARER, p)) this.authPos = p + 1;
        else this.auth = A_BAD;
        break;
      }
      case A_SPACE: {
        if (b == SP) break;
        this.auth = A_TOKEN;
        // falls through: first token byte
      }
      case A_TOKEN: {
        if (isToken68(b)) {
          // A truncated token must never match: too long means no token.
          if (!this.bearer.push(b)) this.auth = A_BAD;
        } else {
          this.auth = isSpaceOrTab(b) ? A_AFTER : A_BAD;
        }
        break;
      }
      case A_AFTER: {
        if (!isSpaceOrTab(b)) this.auth = A_BAD;
        break;
      }
    }
  }

  protected fieldEnd(): void {
    if (this.field != F_AUTHORIZATION) return;
    const a = this.auth;
    if (a != A_TOKEN && a != A_AFTER) this.bearer.len = 0; // overflow stays set when it was too long
  }

  protected headEnd(): void {
    const minor = this.httpMinor;
    if (this.hostCount > 1) return this.fail(400, T("duplicate Host"));
    if (this.hostCount == 0 && minor >= 1) return this.fail(400, T("missing Host"));
    if (this.teSeen) {
      if (this.contentLength >= 0) return this.fail(400, T("both Content-Length and Transfer-Encoding"));
      if (minor == 0) return this.fail(400, T("Transfer-Encoding in HTTP/1.0"));
      if (this.teOther) return this.fail(501, T("unsupported Transfer-Encoding"));
      if (this.teChunked != 1) return this.fail(400, T("invalid Transfer-Encoding"));
      this.chunked = true;
    } else if (this.contentLength > <i64>this.maxBody) {
      return this.fail(413, T("body too large"));
    }
    this.keepAlive = minor >= 1 ? !this.connClose : this.connKeepAlive;
  }
}
