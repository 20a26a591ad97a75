// HTTP/1.1 message heads and the client-side response parser.
//
// HttpHead lexes a head incrementally: it never stores the head, only counts it
// against a limit and keeps the few values the node uses. Header names are
// matched by buffering at most 17 lower-cased bytes (the longest name we know).
// It is shared by HttpResponseParser (below) and HttpRequestParser
// (request_parser.ts) so the lexer exists once in core.wasm; it belongs in a
// head.ts of its own.
//
// Line endings in heads: CRLF, or a bare LF (RFC 9112 §2.2 allows accepting it;
// hand-typed requests over nc use it). A CR not followed by LF is rejected.

import { ByteBuf, asciiEquals, isDigit, isSpaceOrTab, lowerAscii, packedByte } from "../lib/bytes";
import { ChunkedDecoder } from "./chunked";
import { T, Text, textToString } from "../lib/text";

const LIT_HTTP_SLASH: u64 = 0x2f50545448; // "HTTP/"

const CR: u8 = 0x0d;
const LF: u8 = 0x0a;
const SP: u8 = 0x20;

/** RFC 9110 tchar, as a bitmap over 0x00-0x7f. */
export function isTchar(b: u8): bool {
  if (b >= 0x80) return false;
  const w: u32 = b < 0x40 ? (b < 0x20 ? 0 : 0x03ff6cfa) : b < 0x60 ? 0xc7fffffe : 0x57ffffff;
  return ((w >> (b & 31)) & 1) != 0;
}

function isFieldCtl(b: u8): bool {
  return (b < 0x20 && b != 0x09) || b == 0x7f;
}

// Lexer states. LX_DONE and LX_FAILED end lexHead().
const LX_START: i32 = 0; // start line
const LX_START_CR: i32 = 1;
const LX_LINE: i32 = 2; // start of a field line or of the final empty line
const LX_NAME: i32 = 3;
const LX_OWS: i32 = 4; // whitespace before a value
const LX_VALUE: i32 = 5;
const LX_VALUE_CR: i32 = 6;
const LX_END_CR: i32 = 7;
export const LX_DONE: i32 = 8;
export const LX_FAILED: i32 = 9;

// Fields the node reads. Ids up to F_CT are handled here, the rest by hooks.
export const F_OTHER: i32 = 0;
export const F_CONTENT_LENGTH: i32 = 1;
export const F_TRANSFER_ENCODING: i32 = 2;
export const F_CONNECTION: i32 = 3;
export const F_CONTENT_TYPE: i32 = 4;
export const F_DATE: i32 = 5;
export const F_RETRY_AFTER: i32 = 6;
export const F_AUTHORIZATION: i32 = 7;
export const F_HOST: i32 = 8;
export const F_CONTENT_RANGE: i32 = 9;

// Token list state (Transfer-Encoding, Connection, Content-Type).
const TK_BEFORE: i32 = 0;
const TK_IN: i32 = 1;
const TK_AFTER: i32 = 2; // whitespace after a token
const TK_PARAMS: i32 = 3; // after ';' until the next ','

/** Larger values are not lengths the node could ever handle (and cannot overflow). */
const CL_MAX: i64 = 1_000_000_000_000_000;

export class HttpHead {
  /** Tests and diagnostics only (allocates). */
  errorReasonString(): string {
    return textToString(this.errorReason);
  }

  // The buffers first: fields initialise in order, and a call made after
  // fewer of the constructor's ops nests less C stack under wasm3 at start-up.
  private name: ByteBuf = ByteBuf.create(17);
  private tok: ByteBuf = ByteBuf.create(16);

  /** 400/413/414/431/501/505 for requests; 0 until something fails. */
  errorStatus: i32 = 0;
  errorReason: Text = T("");
  httpMinor: i32 = 0;
  contentLength: i64 = -1;
  /** Content-Type is application/json, parameters ignored. */
  contentTypeJson: bool = false;

  protected lx: i32 = LX_START;
  protected headBytes: i32 = 0;
  protected readonly maxHead: i32;
  /** Bytes of the start line seen so far. */
  protected startPos: i32 = 0;
  protected field: i32 = F_OTHER;

  protected teSeen: bool = false;
  protected teChunked: i32 = 0;
  protected teOther: bool = false;
  protected connClose: bool = false;
  protected connKeepAlive: bool = false;
  private clCur: i64 = 0;
  private clDigits: i32 = 0;
  private clEnded: bool = false;
  private tokState: i32 = TK_BEFORE;
  private tokBad: bool = false;

  constructor(maxHead: i32) {
    this.maxHead = maxHead;
  }

  protected resetHead(): void {
    this.errorStatus = 0;
    this.errorReason = T("");
    this.httpMinor = 0;
    this.contentLength = -1;
    this.contentTypeJson = false;
    this.lx = LX_START;
    this.headBytes = 0;
    this.startPos = 0;
    this.field = F_OTHER;
    this.teSeen = false;
    this.teChunked = 0;
    this.teOther = false;
    this.connClose = false;
    this.connKeepAlive = false;
  }

  /** From startEnd(): the line was empty, lex another start line. */
  protected restartStartLine(): void {
    this.lx = LX_START;
    this.startPos = 0;
  }

  protected fail(status: i32, reason: Text): void {
    if (this.lx == LX_FAILED) return;
    this.errorStatus = status;
    this.errorReason = reason;
    this.lx = LX_FAILED;
  }

  // Hooks for the start line and the fields a subclass reads itself.
  protected startByte(b: u8): void {}
  protected startEnd(): void {}
  protected fieldStart(): void {}
  protected fieldByte(b: u8): void {}
  protected fieldEnd(): void {}
  /** The empty line ended the head (lx is LX_DONE); may restart or fail it. */
  protected headEnd(): void {}

  /** Checks "HTTP/1.d" byte by byte at start-line offset pos; sets httpMinor. */
  protected versionByte(pos: i32, b: u8): void {
    if (pos < 5) {
      if (b != packedByte(LIT_HTTP_SLASH, pos)) this.fail(400, T("invalid HTTP version"));
    } else if (pos == 5) {
      if (b != 0x31) this.fail(isDigit(b) ? 505 : 400, isDigit(b) ? T("HTTP version not supported") : T("invalid HTTP version"));
    } else if (pos == 6) {
      if (b != 0x2e) this.fail(400, T("invalid HTTP version"));
    } else if (pos == 7 && isDigit(b)) {
      this.httpMinor = <i32>b - 0x30;
    } else {
      this.fail(400, T("invalid HTTP version"));
    }
  }

  /** Lexes head bytes; returns bytes consumed, stopping when lx reaches LX_DONE or LX_FAILED. */
  protected lexHead(ptr: usize, len: i32): i32 {
    let i = 0;
    while (i < len && this.lx < LX_DONE) {
      const b = load<u8>(ptr + <usize>i);
      i++;
      if (++this.headBytes > this.maxHead) {
        this.fail(431, T("head too large"));
        break;
      }
      switch (this.lx) {
        case LX_START: {
          if (b == CR) this.lx = LX_START_CR;
          else if (b == LF) this.endStart();
          else {
            this.startByte(b);
            this.startPos++;
          }
          break;
        }
        case LX_START_CR: {
          if (b == LF) this.endStart();
          else this.fail(400, T("bare CR in head"));
          break;
        }
        case LX_LINE: {
          if (isTchar(b)) {
            this.name.clear();
            this.name.push(lowerAscii(b));
            this.lx = LX_NAME;
          } else if (b == CR) {
            this.lx = LX_END_CR;
          } else if (b == LF) {
            this.lx = LX_DONE;
            this.headEnd();
          } else if (isSpaceOrTab(b)) {
            this.fail(400, T("header line starts with whitespace"));
          } else {
            this.fail(400, T("invalid header name"));
          }
          break;
        }
        case LX_NAME: {
          if (isTchar(b)) {
            this.name.push(lowerAscii(b)); // past 17 bytes: overflow, an unknown name
          } else if (b == 0x3a) {
            this.field = this.lookupField();
            this.lx = LX_OWS;
            this.beginField();
          } else if (isSpaceOrTab(b)) {
            this.fail(400, T("whitespace before colon"));
          } else if (b == CR || b == LF) {
            this.fail(400, T("header line has no colon"));
          } else {
            this.fail(400, T("invalid header name"));
          }
          break;
        }
        case LX_OWS: {
          if (isSpaceOrTab(b)) break;
          this.lx = LX_VALUE;
          // falls through: first value byte
        }
        case LX_VALUE: {
          if (b == CR) {
            this.lx = LX_VALUE_CR;
          } else if (b == LF) {
            this.lx = LX_LINE;
            this.endField();
          } else if (isFieldCtl(b)) {
            this.fail(400, T("invalid header value"));
          } else if (this.field != F_OTHER) {
            this.valueByte(b);
          }
          break;
        }
        case LX_VALUE_CR: {
          if (b == LF) {
            this.lx = LX_LINE;
            this.endField();
          } else {
            this.fail(400, T("bare CR in head"));
          }
          break;
        }
        default: {
          // LX_END_CR
          if (b == LF) {
            this.lx = LX_DONE;
            this.headEnd();
          } else {
            this.fail(400, T("bare CR in head"));
          }
        }
      }
    }
    return i;
  }

  private endStart(): void {
    this.lx = LX_LINE;
    this.startEnd();
  }

  private lookupField(): i32 {
    const n = this.name;
    if (n.overflow) return F_OTHER;
    const p = n.ptr;
    switch (n.len) {
      case 4:
        if (asciiEquals(p, 4, T("date"))) return F_DATE;
        if (asciiEquals(p, 4, T("host"))) return F_HOST;
        break;
      case 10:
        if (asciiEquals(p, 10, T("connection"))) return F_CONNECTION;
        break;
      case 11:
        if (asciiEquals(p, 11, T("retry-after"))) return F_RETRY_AFTER;
        break;
      case 12:
        if (asciiEquals(p, 12, T("content-type"))) return F_CONTENT_TYPE;
        break;
      case 13:
        if (asciiEquals(p, 13, T("authorization"))) return F_AUTHORIZATION;
        if (asciiEquals(p, 13, T("content-range"))) return F_CONTENT_RANGE;
        break;
      case 14:
        if (asciiEquals(p, 14, T("content-length"))) return F_CONTENT_LENGTH;
        break;
      case 17:
        if (asciiEquals(p, 17, T("transfer-encoding"))) return F_TRANSFER_ENCODING;
        break;
    }
    return F_OTHER;
  }

  private beginField(): void {
    const f = this.field;
    if (f == F_OTHER) return;
    if (f == F_CONTENT_LENGTH) {
      this.clCur = 0;
      this.clDigits = 0;
      this.clEnded = false;
    } else if (f <= F_CONTENT_TYPE) {
      if (f == F_TRANSFER_ENCODING) this.teSeen = true;
      this.tok.clear();
      this.tokState = TK_BEFORE;
      this.tokBad = false;
    } else {
      this.fieldStart();
    }
  }

  private valueByte(b: u8): void {
    const f = this.field;
    if (f == F_OTHER) return;
    if (f == F_CONTENT_LENGTH) {
      if (isDigit(b) && !this.clEnded) {
        this.clCur = this.clCur * 10 + <i64>(b - 0x30);
        this.clDigits++;
        if (this.clCur > CL_MAX) this.fail(400, T("invalid Content-Length"));
      } else if (isSpaceOrTab(b)) {
        this.clEnded = true;
      } else {
        this.fail(400, T("invalid Content-Length"));
      }
    } else if (f <= F_CONTENT_TYPE) {
      this.tokByte(b);
    } else {
      this.fieldByte(b);
    }
  }

  private endField(): void {
    const f = this.field;
    if (f == F_OTHER) return;
    if (f == F_CONTENT_LENGTH) {
      if (this.clDigits == 0) return this.fail(400, T("invalid Content-Length"));
      if (this.contentLength >= 0 && this.contentLength != this.clCur) {
        return this.fail(400, T("conflicting Content-Length"));
      }
      this.contentLength = this.clCur;
    } else if (f <= F_CONTENT_TYPE) {
      this.tokCommit();
    } else {
      this.fieldEnd();
    }
  }

  // Lists: elements split at ',' (not in Content-Type), parameters after ';'
  // ignored, empty elements skipped (RFC 9110 §5.6.1).
  private tokByte(b: u8): void {
    const ts = this.tokState;
    if (b == 0x2c && this.field != F_CONTENT_TYPE) {
      this.tokCommit();
      this.tok.clear();
      this.tokState = TK_BEFORE;
      this.tokBad = false;
    } else if (ts == TK_PARAMS) {
      // ignored
    } else if (b == 0x3b) {
      this.tokState = TK_PARAMS;
    } else if (isSpaceOrTab(b)) {
      if (ts == TK_IN) this.tokState = TK_AFTER;
    } else {
      if (ts == TK_AFTER) this.tokBad = true;
      this.tokState = TK_IN;
      this.tok.push(lowerAscii(b));
    }
  }

  private tokCommit(): void {
    const t = this.tok;
    const f = this.field;
    const bad = this.tokBad || t.overflow;
    if (f == F_TRANSFER_ENCODING) {
      if (t.len == 0 && !bad) return;
      if (!bad && t.equalsAscii(T("chunked"))) this.teChunked++;
      else this.teOther = true;
    } else if (f == F_CONNECTION) {
      if (bad) return;
      if (t.equalsAscii(T("close"))) this.connClose = true;
      else if (t.equalsAscii(T("keep-alive"))) this.connKeepAlive = true;
    } else {
      this.contentTypeJson = !bad && t.equalsAscii(T("application/json"));
    }
  }
}

export const RESP_HEAD: i32 = 0;
export const RESP_BODY: i32 = 1;
export const RESP_DONE: i32 = 2;
export const RESP_FAILED: i32 = 3;

const BODY_NONE: i32 = 0;
const BODY_LENGTH: i32 = 1;
const BODY_CHUNKED: i32 = 2;
const BODY_CLOSE: i32 = 3;

/** Receives a response as it is parsed; override what you need. */
export class ResponseHandler {
  /** Status line and headers parsed, before any body byte. */
  head(p: HttpResponseParser): void {}
  /** Decoded (de-chunked) body bytes; the span is only valid during the call. */
  body(p: HttpResponseParser, ptr: usize, len: i32): void {}
  /** The message is complete. */
  done(p: HttpResponseParser): void {}
}

/**
 * Client-side parser for responses from kube-apiserver (directly or through
 * nginx). 1xx responses are skipped; Transfer-Encoding chunked overrides
 * Content-Length (RFC 9112 §6.3) and then marks the connection for closing,
 * as such a response may be an attempt at response splitting.
 */
export class HttpResponseParser extends HttpHead {
  handler: ResponseHandler;
  state: i32 = RESP_HEAD;
  status: i32 = 0;
  chunked: bool = false;
  connectionClose: bool = false;
  /** Delta-seconds; -1 if absent, -2 for the HTTP-date form (not kept). */
  retryAfterSeconds: i32 = -1;
  /** Raw Date value, trimmed; overflow set if it did not fit (an IMF-fixdate is 29 bytes). */
  readonly date: ByteBuf = ByteBuf.create(40);
  /** Raw Content-Range value (a 206's "bytes first-last/complete"), trimmed, overflow set if it did not fit;
   *  kept only by a parser given a buffer for it (downloads), so API channels spend no memory on it. */
  contentRange: ByteBuf | null = null;
  /** Response to a HEAD request: no body whatever the headers say. Set by reset(). */
  headRequest: bool = false;
  private readonly decoder: ChunkedDecoder = new ChunkedDecoder(4096);
  private bodyMode: i32 = BODY_NONE;
  private bodyLeft: i64 = 0;
  private raVal: i32 = 0;
  /** Retry-After: 0 empty, 1 digits, 2 whitespace after digits, 3 anything else. */
  private raState: i32 = 0;

  constructor(handler: ResponseHandler) {
    super(16384);
    this.handler = handler;
  }

  get failed(): bool {
    return this.state == RESP_FAILED;
  }

  /** Ready for the next response; headRequest says whether it answers a HEAD. */
  reset(headRequest: bool = false): void {
    this.resetHead();
    this.headRequest = headRequest;
    this.state = RESP_HEAD;
    this.status = 0;
    this.chunked = false;
    this.connectionClose = false;
    this.retryAfterSeconds = -1;
    this.date.clear();
    const range = this.contentRange;
    if (range != null) range.clear();
    this.decoder.reset();
    this.bodyMode = BODY_NONE;
    this.bodyLeft = 0;
  }

  /**
   * Returns bytes consumed. Stops at the end of the message, leaving any
   * further bytes to the caller; -1 once failed.
   */
  feed(ptr: usize, len: i32): i32 {
    let i = 0;
    while (i < len) {
      const st = this.state;
      if (st == RESP_HEAD) {
        i += this.lexHead(ptr + <usize>i, len - i);
        if (this.lx == LX_FAILED) {
          this.state = RESP_FAILED;
        } else if (this.lx == LX_DONE) {
          this.state = RESP_BODY;
          this.handler.head(this);
          if (this.bodyMode == BODY_NONE) {
            this.complete();
            break;
          }
        }
      } else if (st == RESP_BODY) {
        const mode = this.bodyMode;
        if (mode == BODY_CHUNKED) {
          const dec = this.decoder;
          const n = dec.feed(ptr + <usize>i, len - i);
          if (n < 0) {
            this.failBody(dec.errorReason);
            break;
          }
          i += n;
          if (dec.dataLen > 0) this.handler.body(this, dec.dataPtr, dec.dataLen);
          if (dec.done) {
            this.complete();
            break;
          }
        } else {
          let n = len - i;
          if (mode == BODY_LENGTH && <i64>n > this.bodyLeft) n = <i32>this.bodyLeft;
          this.bodyLeft -= n;
          const at = ptr + <usize>i;
          i += n;
          this.handler.body(this, at, n);
          if (mode == BODY_LENGTH && this.bodyLeft == 0) {
            this.complete();
            break;
          }
        }
      } else {
        break;
      }
    }
    return this.state == RESP_FAILED ? -1 : i;
  }

  /**
   * The peer closed the connection. Completes a body read until close (calling
   * done) and returns true; true if already complete; otherwise fails.
   */
  finish(): bool {
    const st = this.state;
    if (st == RESP_DONE) return true;
    if (st == RESP_BODY && this.bodyMode == BODY_CLOSE) {
      this.complete();
      return true;
    }
    if (st == RESP_HEAD) this.failBody(T("connection closed mid-head"));
    else if (st == RESP_BODY) this.failBody(T("connection closed mid-body"));
    return false;
  }

  private complete(): void {
    this.state = RESP_DONE;
    this.handler.done(this);
  }

  private failBody(reason: Text): void {
    this.fail(0, reason);
    this.state = RESP_FAILED;
  }

  protected startByte(b: u8): void {
    // "HTTP/1.1 200 OK": version, SP, three digits, SP, reason phrase.
    const pos = this.startPos;
    if (pos < 8) {
      this.versionByte(pos, b);
    } else if (pos == 8 || pos == 12) {
      if (b != SP) this.fail(0, T("malformed status line"));
    } else if (pos < 12) {
      if (!isDigit(b)) return this.fail(0, T("malformed status line"));
      this.status = this.status * 10 + <i32>b - 0x30;
      if (pos == 11 && (this.status < 100 || this.status > 599)) this.fail(0, T("malformed status line"));
    } else if (isFieldCtl(b)) {
      this.fail(0, T("malformed status line"));
    }
  }

  protected startEnd(): void {
    // The reason phrase may be empty, even without its SP.
    if (this.startPos < 12) this.fail(0, T("malformed status line"));
  }

  protected fieldStart(): void {
    if (this.field == F_CONTENT_RANGE) {
      const range = this.contentRange;
      if (range != null) range.clear();
    } else if (this.field == F_DATE) {
      this.date.clear();
    } else if (this.field == F_RETRY_AFTER) {
      this.raVal = 0;
      this.raState = 0;
    }
  }

  protected fieldByte(b: u8): void {
    if (this.field == F_CONTENT_RANGE) {
      const range = this.contentRange;
      if (range != null) range.push(b);
    } else if (this.field == F_DATE) {
      this.date.push(b);
    } else if (this.field == F_RETRY_AFTER) {
      const rs = this.raState;
      if (isDigit(b) && rs <= 1) {
        const v = this.raVal * 10 + <i32>b - 0x30;
        this.raVal = v > 100_000_000 ? 100_000_000 : v; // ~3 years; never overflows
        this.raState = 1;
      } else if (isSpaceOrTab(b) && rs >= 1) {
        if (rs == 1) this.raState = 2;
      } else {
        this.raState = 3;
      }
    }
  }

  protected fieldEnd(): void {
    if (this.field == F_CONTENT_RANGE) {
      const r = this.contentRange;
      if (r != null) while (r.len > 0 && isSpaceOrTab(r.at(r.len - 1))) r.len--;
    } else if (this.field == F_DATE) {
      const d = this.date;
      while (d.len > 0 && isSpaceOrTab(d.at(d.len - 1))) d.len--;
    } else if (this.field == F_RETRY_AFTER) {
      const rs = this.raState;
      this.retryAfterSeconds = rs == 3 ? -2 : rs == 0 ? -1 : this.raVal;
    }
  }

  protected headEnd(): void {
    const s = this.status;
    if (s < 200) {
      if (s == 101) return this.fail(0, T("unexpected 101 response"));
      this.reset(this.headRequest); // interim response: parse the next head
      return;
    }
    if (this.teSeen) {
      if (this.httpMinor == 0) return this.fail(0, T("Transfer-Encoding in HTTP/1.0"));
      if (this.teOther) return this.fail(0, T("unsupported Transfer-Encoding"));
      if (this.teChunked != 1) return this.fail(0, T("invalid Transfer-Encoding"));
      this.chunked = true;
    }
    let mode = BODY_CLOSE;
    if (this.headRequest || s == 204 || s == 304) mode = BODY_NONE;
    else if (this.chunked) mode = BODY_CHUNKED;
    else if (this.contentLength >= 0) mode = this.contentLength == 0 ? BODY_NONE : BODY_LENGTH;
    this.bodyMode = mode;
    this.bodyLeft = this.contentLength;
    this.connectionClose =
      this.connClose ||
      (this.httpMinor == 0 && !this.connKeepAlive) ||
      mode == BODY_CLOSE ||
      (this.chunked && this.contentLength >= 0);
  }
}
