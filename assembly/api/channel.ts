// ApiChannel: one connection to the API endpoint carrying one request at a
// time. The node controller and lease controller share one channel (so at most
// one of their requests is in flight); the ConfigMap watch has its own.
// Connections are kept alive between requests when the server allows it.
//
// Callbacks into a request (complete/failed) may run inside on_net_data; they
// only record results. New requests start from the controllers' pump(), which
// the core runs after every event, so a channel is never re-entered.

import { net_open, net_close } from "../host";
import { config } from "../config";
import { now } from "../lib/clock";
import { LOG_DEBUG, LOG_WARN, logBegin, logEnd, logThreshold } from "../lib/log";
import { JsonHandler, JsonReader } from "../json/reader";
import { HttpResponseParser, ResponseHandler } from "../http/response_parser";
import { writeRequestLineStart, writeRequestHeadEnd } from "../http/writer";
import { txBegin, txCount, txEnd, txJson, tx } from "../net/tx";
import { metrics, verbIndex } from "../metrics/counters";
import { wallClock } from "./time";
import { parseHttpDate } from "../lib/wallclock";
import { isSuccess } from "./outcome";
import { ApiRequest, FAIL_CLOSED, FAIL_CONNECT, FAIL_PROTOCOL, FAIL_SEND, FAIL_TIMEOUT } from "./request";
import { T, Text, textLen } from "../lib/text";

const STATE_CLOSED = 0;
const STATE_CONNECTING = 1;
const STATE_IDLE = 2; // connected, no request
const STATE_WAITING = 3; // request sent, response pending

/** Grace past a watch's timeoutSeconds before the core gives up on the server. */
const WATCH_GRACE_MS: u64 = 30_000;

export class ApiChannel extends ResponseHandler {
  readonly name: Text;
  handle: i32 = -1;
  private state: i32 = STATE_CLOSED;
  private req: ApiRequest | null = null;
  private parser: HttpResponseParser = new HttpResponseParser(this);
  private json: JsonReader;
  private deadline: u64 = 0;
  /** Request sent on a connection that had already served one (the server may have just closed it). */
  private reused: bool = false;
  private gotBytes: bool = false;
  private jsonBody: bool = false;
  /** Why the response being read cannot be used, decided from its head; "" if it can. */
  private refused: Text = T("");
  /** Last moment a complete response arrived (any status). */
  lastResponseAt: u64 = 0;
  hadResponse: bool = false;

  constructor(name: Text, jsonValueCap: i32) {
    super();
    this.name = name;
    this.json = new JsonReader(new JsonHandler(), jsonValueCap);
  }

  busy(): bool {
    return this.req != null;
  }

  /** Starts a request; the channel must not be busy. */
  start(req: ApiRequest): void {
    this.req = req;
    this.gotBytes = false;
    this.parser.reset();
    this.json.reset();
    this.json.handler = req;
    if (this.state == STATE_IDLE) {
      this.reused = true;
      this.send(req);
      return;
    }
    this.reused = false;
    this.open();
  }

  /** Drops the request and the connection without telling the request (shutdown, restart). */
  abort(): void {
    this.req = null;
    this.close();
  }

  private open(): void {
    this.close();
    this.handle = net_open(config.apiHostPort.ptr, config.apiHostPort.len);
    if (this.handle < 0) {
      this.handle = -1;
      this.fail(FAIL_CONNECT);
      return;
    }
    this.state = STATE_CONNECTING;
    this.deadline = now() + <u64>config.requestTimeoutMs;
  }

  private close(): void {
    if (this.handle >= 0) net_close(this.handle);
    this.handle = -1;
    this.state = STATE_CLOSED;
  }

  private send(req: ApiRequest): void {
    let bodyLen: i32 = -1;
    // Body counted, head, body: one loop turn each, to bound wasm3's C stack
    // (see node/render.ts).
    for (let part = 0; part < 3; part++) {
      if (part == 0) {
        if (req.hasBody) {
          txCount();
          req.renderBody(txJson);
          bodyLen = tx.count;
        }
      } else if (part == 1) {
        const out = txBegin(this.handle);
        writeRequestLineStart(out, req.method);
        req.writeTarget(out);
        writeRequestHeadEnd(out, config.apiHostPort, config.apiToken, req.contentType, bodyLen);
      } else if (bodyLen >= 0) {
        txJson.reset();
        req.renderBody(txJson);
      }
    }
    const sentBytes = tx.count;
    if (!txEnd()) {
      this.fail(FAIL_SEND);
      return;
    }
    metrics.apiBytesSent += <u64>sentBytes;
    this.state = STATE_WAITING;
    const timeout: u64 = req.isStream
      ? <u64>config.watchTimeoutS * 1000 + WATCH_GRACE_MS
      : <u64>config.requestTimeoutMs;
    this.deadline = now() + timeout;
  }

  /** Ends the request without a usable response: kind is one of FAIL_*, detail says what was wrong. */
  private fail(kind: i32, detail: Text = T("")): void {
    const req = this.req;
    this.close();
    if (req == null) return;
    // A kept-alive connection the server had just closed: retry once on a fresh one.
    if (this.reused && !this.gotBytes && (kind == FAIL_CLOSED || kind == FAIL_SEND)) {
      this.reused = false;
      this.open();
      return;
    }
    this.req = null;
    metrics.api.add(verbIndex(req.method), 0);
    req.failure = kind;
    req.failureDetail = detail;
    req.failed(kind);
  }

  // ---- host events ----

  onConnected(h: i32): void {
    if (h != this.handle || this.state != STATE_CONNECTING) return;
    const req = this.req;
    if (req == null) {
      this.state = STATE_IDLE;
      return;
    }
    this.send(req);
  }

  onData(h: i32, ptr: usize, len: i32): void {
    if (h != this.handle) return;
    metrics.apiBytesReceived += <u64>len;
    if (this.req == null) {
      // Bytes nobody asked for (or after a response): the connection is out of step.
      this.close();
      return;
    }
    this.gotBytes = true;
    const used = this.parser.feed(ptr, len);
    if (used < 0) {
      this.fail(FAIL_PROTOCOL, this.parser.errorReason);
      return;
    }
    // A body that does not decode (or that is not JSON at all) ends the
    // request now: a stream would otherwise run on unread until its deadline.
    if (this.req != null && this.unreadable()) {
      this.fail(FAIL_PROTOCOL, this.unreadableReason());
      return;
    }
    // done() has run if the message ended; leftovers mean the server is out of step.
    if (used < len && this.handle >= 0) this.close();
  }

  onClosed(h: i32): void {
    if (h != this.handle) return;
    this.handle = -1;
    this.state = STATE_CLOSED;
    if (this.req == null) return;
    // A body that runs until close ends here; anything else is cut short.
    if (this.gotBytes && this.parser.finish()) return;
    this.fail(FAIL_CLOSED);
  }

  onError(h: i32, code: i32): void {
    if (h != this.handle) return;
    this.handle = -1;
    const connecting = this.state == STATE_CONNECTING;
    this.state = STATE_CLOSED;
    if (this.req == null) return;
    const o = logBegin(LOG_DEBUG, this.name);
    o.ascii(T("host reported error "));
    o.decSigned(code);
    logEnd();
    this.fail(connecting ? FAIL_CONNECT : FAIL_CLOSED);
  }

  tick(): void {
    if (this.state == STATE_CONNECTING || this.state == STATE_WAITING) {
      if (now() >= this.deadline) this.fail(FAIL_TIMEOUT);
    }
  }

  // ---- response parser callbacks ----

  head(p: HttpResponseParser): void {
    const date = p.date;
    if (date.len > 0 && (date.overflow || !wallClock.observe(parseHttpDate(date.ptr, date.len), now()))) metrics.datesIgnored++;
    this.jsonBody = p.contentTypeJson;
    // Every success the API server sends is JSON: anything else is not its answer.
    this.refused = isSuccess(p.status) && !p.contentTypeJson ? T("a 2xx answer that is not JSON") : T("");
    const req = this.req;
    if (req != null) req.begin(p);
  }

  private unreadable(): bool {
    return textLen(this.refused) > 0 || this.json.failed;
  }

  private unreadableReason(): Text {
    return textLen(this.refused) > 0 ? this.refused : this.json.errorReason;
  }

  body(p: HttpResponseParser, ptr: usize, len: i32): void {
    // Once the JSON failed, the rest is not read; onData ends the request.
    if (this.jsonBody) this.json.feed(ptr, len);
  }

  done(p: HttpResponseParser): void {
    const req = this.req;
    if (req == null) return;
    // Not JSON, JSON that failed or stopped short; or a well-formed response
    // whose content cannot be used (a value over its bound, a field it must have).
    if (this.unreadable() || (this.jsonBody && !this.json.finish())) {
      this.fail(FAIL_PROTOCOL, this.unreadableReason());
      return;
    }
    const unusable = textLen(req.unusable) > 0 ? req.unusable : isSuccess(p.status) ? req.lacking() : T("");
    if (textLen(unusable) > 0) {
      this.fail(FAIL_PROTOCOL, unusable);
      return;
    }
    // The channel's bookkeeping, then the request's own handling in a loop
    // turn of its own, to bound wasm3's C stack (see node/render.ts).
    for (let step = 0; step < 2; step++) {
      if (step == 1) {
        req.complete(p);
        break;
      }
      this.req = null;
      this.hadResponse = true;
      this.lastResponseAt = now();
      metrics.api.add(verbIndex(req.method), p.status);
      if (logThreshold >= LOG_DEBUG) {
        const o = logBegin(LOG_DEBUG, this.name);
        o.ascii(req.label);
        o.ascii(T(": HTTP "));
        o.dec(<u64>p.status);
        logEnd();
      }
      if (p.connectionClose) this.close();
      else this.state = STATE_IDLE;
    }
  }
}
