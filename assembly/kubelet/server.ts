// The kubelet port (TLS, terminated by the host) and the plain healthz port:
// a few connection slots, each with its own request parser. Every request gets
// exactly one response. A well-formed HTTP/1.1 request keeps its connection
// for the next one (a 15 s scrape then costs no handshake); an idle kept
// connection makes room when a new client needs its slot, and closes after
// kubelet_keepalive_idle_ms. Parse errors get their 4xx/5xx and a close, a
// request not finished in time 408, a full house of busy slots 503. On the
// kubelet port a request is served only once access.ts allows it (401/403
// otherwise); the healthz port answers /healthz and nothing else, to anyone,
// as kubelet's does.

import { net_close } from "../host";
import { config } from "../config";
import { now } from "../lib/clock";
import { asciiEquals } from "../lib/bytes";
import { LOG_DEBUG, logBegin, logEnd } from "../lib/log";
import { HttpRequestParser, REQ_COMPLETE, REQ_ERROR } from "../http/request_parser";
import { writeResponseHead } from "../http/writer";
import { txBegin, txCount, txEnd, txJson, tx } from "../net/tx";
import { metrics } from "../metrics/counters";
import { findRoute, routeAllow, routeMethods, routePath, methodBit, M_GET, M_HEAD, R_HEALTHZ, R_LIVEZ, R_READYZ, R_PODS, R_SPEC, R_METRICS, R_METRICS_RESOURCE, R_PICO_STATUS, R_PICO_MEMORY, R_UNKNOWN, R_MALFORMED } from "./routes";
import { Render, setProblem, problem, renderProblem, renderStatus, renderOk, renderProblemText, notReadyReason, renderHealthzVerbose, renderPods, renderSpec, renderPicoStatus, renderPicoMemory, renderCommandAccepted } from "./pages";
import { renderMetrics, renderMetricsResource } from "./metrics_page";
import { runCommand } from "./command";
import { Access, ACCESS_ALLOWED, ACCESS_NEEDS_ACCESS_REVIEW, ACCESS_NEEDS_TOKEN_REVIEW, ACCESS_READING, ACCESS_REFUSED, BEARER_BYTES } from "./access";
import { reviews } from "./review";
import { ApiChannel } from "../api/channel";
import { T, Text, textLen } from "../lib/text";

export const KUBELET_SLOTS = 2;
/** on_server_accept's listener: the kubelet port (TLS), or the plain healthz port. */
export const LISTENER_KUBELET = 0;
export const LISTENER_HEALTHZ = 1;
// A bearer token is most of a request's head.
const MAX_HEAD = BEARER_BYTES + 2048;
const MAX_TARGET = 96;
const MAX_BODY = 128;

const JSON_TYPE: Text = T("application/json");
const TEXT_TYPE: Text = T("text/plain; charset=utf-8");
const PROMETHEUS_TYPE: Text = T("text/plain; version=0.0.4; charset=utf-8");

// Plain data, created once: no managed header needed.
@unmanaged
class Slot {
  handle: i32 = -1;
  openedAt: u64 = 0;
  listener: i32 = LISTENER_KUBELET;
  /** Kept open after a response: waiting for the connection's next request. */
  kept: bool = false;
  /** Bytes of the current request have arrived (a kept connection with none is idle). */
  gotBytes: bool = false;
  parser: HttpRequestParser = new HttpRequestParser(MAX_HEAD, MAX_TARGET, MAX_BODY, BEARER_BYTES);
  access: Access = new Access();
}

const slots: StaticArray<Slot> = [new Slot(), new Slot()];

function slotOf(handle: i32): Slot | null {
  for (let i = 0; i < KUBELET_SLOTS; i++) if (unchecked(slots[i]).handle == handle) return unchecked(slots[i]);
  return null;
}

/** Writes one response (head, and body unless HEAD), and closes the connection unless `keep`. */
function respond(handle: i32, route: i32, headOnly: bool, status: i32, contentType: Text, render: Render, allow: Text, keep: bool = false): void {
  let length = 0;
  // Body counted, head, body: one loop turn each, to bound wasm3's C stack
  // (see node/render.ts).
  for (let part = 0; part < 3; part++) {
    if (part == 0) {
      txCount();
      render(txJson);
      length = tx.count;
    } else if (part == 1) {
      writeResponseHead(txBegin(handle), status, contentType, length, allow, status == 401, !keep);
    } else if (!headOnly) {
      txJson.reset();
      render(txJson);
    }
  }
  txEnd();
  if (!keep) net_close(handle);
  metrics.http.add(route, status);
}

/** The client asked to keep the connection (HTTP/1.1) and sent nothing past its request (no pipelining). */
function keepable(s: Slot): bool {
  return s.parser.keepAlive && s.parser.trailing == 0;
}

/** The slot takes the same connection's next request. */
function rearm(s: Slot, handle: i32): void {
  s.handle = handle;
  s.openedAt = now();
  s.kept = true;
  s.gotBytes = false;
  s.parser.reset();
  s.access.nextRequest();
}

/** Closes the kept connection idle the longest, freeing its slot. True if there was one. */
function evictIdle(): bool {
  let oldest: Slot | null = null;
  for (let i = 0; i < KUBELET_SLOTS; i++) {
    const s = unchecked(slots[i]);
    if (s.handle >= 0 && s.kept && !s.gotBytes && (oldest == null || s.openedAt < oldest.openedAt)) oldest = s;
  }
  if (oldest == null) return false;
  net_close(oldest.handle);
  release(oldest);
  return true;
}

/** For the host: a new client is waiting and the host's own connection limit is reached. Returns 1 if an idle kept connection was closed for it. */
export function serverMakeRoom(): i32 {
  return evictIdle() ? 1 : 0;
}

function respondProblem(handle: i32, route: i32, status: i32, text: Text, allow: Text): void {
  setProblem(status, text);
  respond(handle, route, false, status, JSON_TYPE, renderProblem, allow);
}

/** 401, 403 or 503 from access control, with a Kubernetes Status body as kubelet's API does. */
function respondRefusal(s: Slot): void {
  const h = s.handle;
  const a = s.access;
  const keep = keepable(s);
  release(s);
  setProblem(a.refusalCode, a.refusal);
  if (a.refusalCode == 403) {
    // As kubelet words it: who, and what they may not do.
    problem.appendAscii(T(" (user="));
    problem.appendBuf(a.user);
    problem.appendAscii(T(", verb="));
    problem.appendAscii(a.verb);
    problem.appendAscii(T(", resource=nodes, subresource="));
    problem.appendAscii(a.subresource);
    problem.appendAscii(T(")"));
  }
  respond(h, R_UNKNOWN, false, a.refusalCode, JSON_TYPE, renderStatus, T(""), keep);
  if (keep) rearm(s, h);
}

function release(s: Slot): void {
  s.handle = -1;
  s.kept = false;
}

function hasQueryFlag(p: HttpRequestParser, flag: Text): bool {
  // "verbose", "verbose=1", "verbose=true" (anywhere in the query) all count.
  const q = p.query;
  const n = textLen(flag);
  for (let i = 0; i + n <= q.len; i++) {
    if ((i == 0 || q.at(i - 1) == 0x26) && asciiEquals(q.ptr + <usize>i, n, flag)) {
      if (i + n == q.len || q.at(i + n) == 0x26) return true;
      if (q.at(i + n) == 0x3d) return !(i + n + 1 < q.len && q.at(i + n + 1) == 0x30);
    }
  }
  return false;
}

function serve(s: Slot): void {
  const p = s.parser;
  const h = s.handle;
  const keep = keepable(s);
  release(s);
  let route = R_UNKNOWN;
  let headOnly = false;
  let status = 200;
  let contentType = JSON_TYPE;
  let render: Render = renderOk;
  let allow: Text = T("");
  // Choose, then respond() in a loop turn of its own (see respond).
  for (let step = 0; step < 2; step++) {
    if (step == 1) {
      respond(h, route, headOnly, status, contentType, render, allow, keep);
      if (keep) rearm(s, h);
      break;
    }
    let found = findRoute(p.path);
    // The healthz port serves /healthz only.
    if (s.listener == LISTENER_HEALTHZ && found != R_HEALTHZ) found = -1;
    const m = methodBit(p.method);
    if (found < 0) {
      setProblem(404, T("no such path"));
      problem.appendAscii(T(": "));
      problem.appendBuf(p.path);
      status = 404;
      render = renderProblem;
      continue;
    }
    route = found;
    if ((m & routeMethods(route)) == 0) {
      setProblem(405, T("method not allowed on "));
      problem.appendAscii(routePath(route));
      problem.appendAscii(T("; allowed: "));
      allow = routeAllow(route);
      problem.appendAscii(allow);
      status = 405;
      render = renderProblem;
      continue;
    }
    headOnly = m == M_HEAD;
    // One respond() call for every route: each case picks what differs.
    switch (route) {
      case R_HEALTHZ:
        if (hasQueryFlag(p, T("verbose"))) render = renderHealthzVerbose;
        else contentType = TEXT_TYPE;
        break;
      case R_LIVEZ:
        contentType = TEXT_TYPE;
        break;
      case R_READYZ: {
        contentType = TEXT_TYPE;
        const why = notReadyReason();
        if (textLen(why) > 0) {
          setProblem(503, why);
          status = 503;
          render = renderProblemText;
        }
        break;
      }
      case R_PODS:
        render = renderPods;
        break;
      case R_SPEC:
        render = renderSpec;
        break;
      case R_METRICS:
        contentType = PROMETHEUS_TYPE;
        render = renderMetrics;
        break;
      case R_METRICS_RESOURCE:
        contentType = PROMETHEUS_TYPE;
        render = renderMetricsResource;
        break;
      case R_PICO_STATUS:
        render = renderPicoStatus;
        break;
      case R_PICO_MEMORY:
        render = renderPicoMemory;
        break;
      default: {
        // R_PICO_COMMAND: never HEAD (POST only); access.ts allowed create on nodes/proxy.
        const why = runCommand(p.body.ptr, p.body.len);
        status = textLen(why) > 0 ? 400 : 202;
        if (status == 202) {
          render = renderCommandAccepted;
        } else {
          setProblem(status, why);
          render = renderProblem;
        }
      }
    }
  }
}

/** A new connection; identity: its verified client certificate's names ("CN\nO1…", 0 bytes if none). */
export function serverAccept(handle: i32, listener: i32, identityPtr: usize, identityLen: i32): void {
  // A client with a request comes before a kept connection that has none.
  let s = freeSlot();
  if (s == null && evictIdle()) s = freeSlot();
  if (s == null) {
    respondProblem(handle, R_MALFORMED, 503, T("too many connections; try again"), T(""));
    return;
  }
  s.handle = handle;
  s.openedAt = now();
  s.listener = listener;
  s.kept = false;
  s.gotBytes = false;
  s.parser.reset();
  s.access.reset(identityPtr, listener == LISTENER_KUBELET ? identityLen : 0);
}

function freeSlot(): Slot | null {
  for (let i = 0; i < KUBELET_SLOTS; i++) if (unchecked(slots[i]).handle < 0) return unchecked(slots[i]);
  return null;
}

export function serverData(handle: i32, ptr: usize, len: i32): void {
  const s = slotOf(handle);
  if (s == null) return;
  if (!s.gotBytes) {
    // The 408 clock runs from the connection's start, or on a kept one from its next request's first byte.
    s.gotBytes = true;
    if (s.kept) s.openedAt = now();
  }
  const state = s.parser.feed(ptr, len);
  if (state == REQ_COMPLETE) {
    if (s.listener == LISTENER_HEALTHZ) {
      serve(s);
      return;
    }
    s.access.decide(s.parser);
    const phase = s.access.phase;
    if (phase == ACCESS_ALLOWED) serve(s);
    else if (phase == ACCESS_REFUSED) respondRefusal(s);
    // else it waits for a review: serverPump.
  } else if (state == REQ_ERROR) {
    release(s);
    respondProblem(handle, R_MALFORMED, s.parser.errorStatus, s.parser.errorReason, T(""));
  }
}

export function serverClosed(handle: i32): void {
  const s = slotOf(handle);
  if (s != null) release(s);
}

/** Answers 408 on connections that never finished their request; closes kept connections idle too long. */
export function serverTick(): void {
  for (let i = 0; i < KUBELET_SLOTS; i++) {
    const s = unchecked(slots[i]);
    if (s.handle >= 0 && s.kept && !s.gotBytes) {
      if (now() - s.openedAt >= <u64>config.kubeletKeepAliveIdleMs) {
        net_close(s.handle);
        release(s);
      }
      continue;
    }
    // A request waiting for a review is bounded by the review's own timeout.
    if (s.handle >= 0 && s.access.phase == ACCESS_READING && now() - s.openedAt >= <u64>config.kubeletIdleTimeoutMs) {
      const h = s.handle;
      release(s);
      const o = logBegin(LOG_DEBUG, T("kubelet"));
      o.ascii(T("request incomplete; 408"));
      logEnd();
      respondProblem(h, R_MALFORMED, 408, T("request not completed in time"), T(""));
    }
  }
}

/** Starts the review a waiting request needs, and answers requests whose review came back. */
export function serverPump(ch: ApiChannel): void {
  for (let i = 0; i < KUBELET_SLOTS; i++) {
    const s = unchecked(slots[i]);
    if (s.handle < 0) continue;
    const phase = s.access.phase;
    if (phase == ACCESS_ALLOWED) serve(s);
    else if (phase == ACCESS_REFUSED) respondRefusal(s);
    else if (phase == ACCESS_NEEDS_TOKEN_REVIEW || phase == ACCESS_NEEDS_ACCESS_REVIEW) reviews.start(ch, s.access, s.parser.bearer);
  }
}
