// Drives one core through its ABI for the fuzz harness, as the simulator does
// (configure, start, tick on an injected clock, on_* events), with the
// healthy API server of world.mjs answering whatever is not being fuzzed.
// It walks the core once to each state where a request kind is pending and
// snapshots it; every input starts from a restored snapshot, injects its
// faults, then heals the server and checks liveness and the slots. It walks
// twice: on a host without TLS, and on one with it (snapshots "tls:<kind>"),
// where the core also gets its serving certificate by CSR. Kubelet-port
// clients connect with an identity; their reviews go to the same world.
import { FuzzHost, TICK_MS } from "./host.mjs";
import { World, CONFIG, KINDS, LEASE_KINDS, CSR_KINDS, REVIEW_KINDS, classify } from "./world.mjs";
import { HttpError, readRequests, readKubeletResponse } from "./http_check.mjs";
import { leaseBodyProblem, statusBodyProblem, memoryValuesCandidates, commitProblem, logTemplate, unescapeJsonBytes } from "./oracles.mjs";
import { parseMemoryValues } from "../../dist/tests/fuzz/reference/memory_values.js";

const LEASE_WINDOW_MS = 10_000;
const CONFIG_WINDOW_MS = 10_000;
const AUTH_RETRY_MS = 60_000; // auth_retry_ms (docs/host-abi.md)
const BACKOFF_MAX_MS = 30_000; // backoff_max_ms
const RETRY_AFTER_CEILING_MS = 300_000; // "status and ConfigMap requests may honour it up to 5 min" (issue 9)
const IDLE_TIMEOUT_MS = 10_000; // kubelet_idle_timeout_ms
const REQUEST_TIMEOUT_MS = 10_000; // request_timeout_ms
// A complete kubelet-port request waits for at most: the request on the review
// connection before it (a CSR, or the other slot's two reviews), then its own
// TokenReview and SubjectAccessReview, each bounded by request_timeout_ms.
const REVIEW_WAIT_MS = 4 * REQUEST_TIMEOUT_MS;
const CSR_POLL_MS = 5_000;
/** The heal-time checks' client certificate: a name no fuzz client uses, so no fuzzed review answer is cached for it. */
export const CHECKER_IDENTITY = "pico-fuzz-checker\nsystem:masters";
const WAIT_FOR_KIND_MS = 12_000; // a renewal interval and a Lease backoff
const HEAL_VALUE_OFFSETS = [3, 77, 512, 1023];
// Lease conflicts legitimately retry at once: up to 5 tries of read + write.
const MAX_SAME_REQUESTS_PER_TICK = 12;

/** Status and Retry-After of a response head, best effort (faults may be garbage). */
function headFacts(bytes) {
  const head = Buffer.from(bytes.subarray(0, 4096)).toString("latin1");
  const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(head)?.[1] ?? 0);
  const ra = /\r?\nretry-after:[ \t]*(\d{1,12})[ \t]*\r?\n/i.exec(head);
  return { status, retryAfterMs: ra ? Number(ra[1]) * 1000 : 0 };
}

/**
 * True if bytes are what a healthy server's open watch stream could be so far:
 * a clean 200 head for a chunked JSON stream, then whole chunks (their content
 * may be anything), not terminated. The healthy server then carries on with it.
 */
export function healthyStreamSoFar(bytes) {
  const text = Buffer.from(bytes).toString("latin1");
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) return false;
  const lines = text.slice(0, end).split("\r\n");
  if (!/^HTTP\/1\.1 200 [\x20-\x7e]*$/.test(lines[0])) return false;
  const headers = new Map();
  for (const l of lines.slice(1)) {
    const m = /^([\w-]+):[ \t]*([\x20-\x7e]*?)[ \t]*$/.exec(l);
    if (!m || headers.has(m[1].toLowerCase())) return false;
    headers.set(m[1].toLowerCase(), m[2]);
  }
  if (headers.get("content-type") !== "application/json" || headers.get("transfer-encoding") !== "chunked") return false;
  if (headers.has("content-length") || headers.has("content-encoding") || headers.has("connection") || headers.has("trailer")) return false;
  for (let i = end + 4; i < text.length; ) {
    const m = /^([0-9a-f]{1,6})\r\n/.exec(text.slice(i, i + 8));
    if (!m) return false;
    const size = parseInt(m[1], 16);
    if (size === 0) return false; // terminated: the stream has ended
    i += m[0].length + size;
    if (text.slice(i, i + 2) !== "\r\n") return false;
    i += 2;
  }
  return true;
}

/** %XX-decoding into bytes (decodeURIComponent would insist on UTF-8). */
function decodeURIComponentBytes(s) {
  const out = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "%" && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) {
      out.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(s.charCodeAt(i) & 0xff);
  }
  return out;
}

const healRegions = new Map();
function healRegion(value) {
  if (!healRegions.has(value)) healRegions.set(value, Buffer.from(parseMemoryValues(Buffer.from(value)).region));
  return healRegions.get(value);
}

export class Driver {
  constructor(core) {
    this.core = core;
    this.snapshots = new Map();
  }

  /** Boots the core and walks it to every snapshot state. */
  async init() {
    this.host = await new FuzzHost(this.core).load();
    this.world = new World();
    this.beginInput();
    if (this.host.configure(CONFIG) !== 0) throw new Error(`configuration rejected: ${this.host.logText()}`);
    if (this.host.start() !== 0) throw new Error("core refused to start");
    this.memUsed = this.host.x.mem_used(); // fixed once started
    this.zeros = Buffer.alloc(this.host.mem.length - this.memUsed);
    if (this.host.mem.subarray(this.memUsed).some((b) => b !== 0)) throw new Error("memory above mem_used() is not zero after start");
    this.take("boot");
    // Twice: a host without TLS on the kubelet port, and one with it (snapshots "tls:<kind>"), where the core also gets its serving certificate.
    for (const prefix of ["", "tls:"]) {
      this.restore("boot");
      this.host.tls = prefix !== "";
      this.walk(new Set(KINDS.filter((k) => k !== "node-get" && (prefix || !CSR_KINDS.has(k)))), prefix);
      // A steady node: everything answered, the watch stream open (and the certificate installed).
      this.serveFor(prefix ? CSR_POLL_MS + 1000 : 1000);
      if (prefix && !this.host.certValidity) throw new Error(`no serving certificate installed in the steady state: ${this.host.logText()}`);
      this.take(`${prefix}steady`);
      // The Node already exists (an earlier life): registration answers 409, then a read.
      this.restore(`${prefix}registration`);
      this.world.node = { uid: "6d1f0c2e-0000-4000-8000-0000000000aa", rv: "77" };
      this.walk(new Set(["node-get"]), prefix);
    }
    this.snapshots.delete("boot");
    return this;
  }

  walk(wanted, prefix = "") {
    for (let t = 0; wanted.size > 0; t += TICK_MS) {
      if (t > 60_000) throw new Error(`walk never reached ${[...wanted].join(", ")}`);
      let p;
      while ((p = this.serve((k) => wanted.has(k)))) {
        this.pending.unshift(p);
        wanted.delete(p.kind);
        this.take(prefix + p.kind);
      }
      this.host.advance(TICK_MS);
    }
  }

  take(name) {
    this.snapshots.set(name, {
      core: this.host.snapshot(),
      world: this.world.clone(),
      pending: [...this.pending],
      lastRenewTime: this.state.lastRenewTime,
      lastLeaseBody: this.state.lastLeaseBody,
    });
  }

  restore(name) {
    const s = this.snapshots.get(name);
    this.host.restore(s.core);
    this.world = s.world.clone();
    this.beginInput();
    // The restored host has fresh connection objects: point the pending requests at them.
    this.pending = s.pending.map((p) => ({ ...p, c: this.host.conns.get(p.c.handle) }));
    this.seenActivity = -1;
    this.state.lastRenewTime = s.lastRenewTime;
    this.state.lastLeaseBody = s.lastLeaseBody;
  }

  /** Per-input observations. */
  beginInput() {
    this.pending = this.pending ?? [];
    this.failures = [];
    this.state = { lastRenewTime: this.state?.lastRenewTime ?? "", lastLeaseBody: this.state?.lastLeaseBody ?? "" };
    this.watchBytes = new Map(); // handle -> bytes delivered on a LIST/WATCH connection
    this.versionsSeen = [];
    this.faultVersions = new Set();
    this.rate = { at: -1, counts: {} };
    this.allowed = { lease: 0, config: 0, cert: 0 };
    this.faultCounts = { node: 0, config: 0, cert: 0 };
    this.outcome = [];
    this.leaseOkAt = -1;
    this.kubeletConns = [];
    this.healed = false;
    this.sentAfterHeal = {};
    this.leaseRetryAfterMs = 0;
    this.adopted = false;
    this.reviewFaults = []; // fuzzed answers for the next reviews (kubelet target)
    this.reviewFaultsUsed = 0;
    this.reviewsSent = { "token-review": 0, "access-review": 0 };
    this.kubeletAccepts = 0; // kubelet-port (listener 0) connections made during the input
    this.installsAtStart = this.host?.installs ?? 0;
  }

  fail(oracle, detail) {
    if (this.failures.length < 5) this.failures.push({ oracle, detail });
  }

  // ---- the API side ----

  /** Connects what the core opened and reads every request it wrote into this.pending. */
  collect() {
    for (const c of this.host.conns.values()) {
      if (c.server) continue;
      if (c.closed) {
        if (c.chunks.length === 0) this.host.conns.delete(c.handle); // done with: keep the walk short
        continue;
      }
      if (!c.open) this.host.connect(c);
      if (c.chunks.length === 0) continue;
      const bytes = this.host.take(c);
      let reqs;
      try {
        reqs = readRequests(bytes);
      } catch (e) {
        if (!(e instanceof HttpError)) throw e;
        this.fail("apiHttp", `${e.message}; request ${JSON.stringify(bytes.subarray(0, 160).toString("latin1"))}`);
        continue;
      }
      for (const req of reqs) {
        if (req.error) this.fail("apiHttp", `${req.error}; request ${JSON.stringify(req.start)}`);
        const kind = classify(req);
        if (!kind) {
          this.fail("apiSemantics", `unexpected request ${req.method} ${req.target}`);
          continue;
        }
        this.checkRequest(kind, req);
        if (REVIEW_KINDS.has(kind)) this.reviewsSent[kind]++;
        if (this.healed) this.sentAfterHeal[kind] = (this.sentAfterHeal[kind] ?? 0) + 1;
        this.checkRate(kind);
        this.pending.push({ c, req, kind });
      }
    }
  }

  /** The same request again and again within one tick is a loop with no backoff. */
  checkRate(kind) {
    if (this.rate.at !== this.host.now) this.rate = { at: this.host.now, counts: {} };
    const n = (this.rate.counts[kind] = (this.rate.counts[kind] ?? 0) + 1);
    if (n === MAX_SAME_REQUESTS_PER_TICK + 1) this.fail("apiRate", `${kind} sent ${n} times within one ${TICK_MS} ms tick: a retry loop with no delay`);
  }

  checkRequest(kind, req) {
    let problem = "";
    if (kind === "lease-create" || kind === "lease-renew") problem = leaseBodyProblem(req.json, req.body, this.state);
    else if (kind === "status") problem = statusBodyProblem(req.json);
    if (problem) this.fail("apiSemantics", `${kind}: ${problem}`);
    // A resourceVersion the core sends back must be one the server sent, whole.
    let echoed = null;
    if (kind === "watch") echoed = Buffer.from(decodeURIComponentBytes(/[?&]resourceVersion=([^&]*)/.exec(req.target)?.[1] ?? "")).toString("latin1");
    else if (kind === "lease-renew" && typeof req.json?.metadata?.resourceVersion === "string") echoed = Buffer.from(req.json.metadata.resourceVersion, "utf8").toString("latin1");
    if (echoed && !this.world.versions.has(echoed) && !this.faultVersions.has(echoed)) {
      const longer = [...this.world.versions, ...this.faultVersions].find((v) => v.startsWith(echoed));
      if (longer) this.fail("apiSemantics", `${kind}: resourceVersion sent back cut to ${echoed.length} bytes (the server sent ${longer.length}: ${JSON.stringify(longer)})`);
    }
  }

  /**
   * Answers pending requests as the healthy server, except the first one whose
   * kind `want` accepts, which is returned unanswered. Repeats until quiet.
   */
  serve(want = null) {
    for (let round = 0; round < 60; round++) {
      if (this.pending.length === 0 && this.host.activity === this.seenActivity) return null; // nothing new
      this.seenActivity = this.host.activity;
      this.collect();
      if (this.pending.length === 0) return null;
      const i = want ? this.pending.findIndex((p) => want(p.kind)) : -1;
      if (i >= 0) return this.pending.splice(i, 1)[0];
      for (const p of this.pending.splice(0)) this.answerHealthy(p);
    }
    return null;
  }

  answerHealthy(p) {
    const { c, req, kind } = p;
    if (c.closed) return;
    if (REVIEW_KINDS.has(kind) && this.reviewFaults.length) {
      this.reviewFaultsUsed++;
      this.injectAnswer(p, this.reviewFaults.shift());
      return;
    }
    const { bytes, stream } = this.world.answer(kind, req, this.host.now);
    if ((kind === "lease-create" || kind === "lease-renew") && /^HTTP\/1\.1 20[01]/.test(bytes)) this.leaseOkAt = this.host.now;
    this.deliverTo(c, Buffer.from(bytes, "latin1"), [], `world:${kind}`);
    if (stream) c.tag = "stream";
  }

  deliverTo(c, bytes, cuts, context) {
    if (context.endsWith(":list") || context.endsWith(":watch") || context === "mv") {
      if (!this.watchBytes.has(c.handle)) this.watchBytes.set(c.handle, []);
      this.watchBytes.get(c.handle).push(bytes); // a value may span deliveries: scanned per connection
    }
    this.host.context = context;
    this.host.deliverCut(c, bytes, cuts);
    this.host.context = "idle";
  }

  /** Lets simulated time pass with the healthy server answering. */
  serveFor(ms) {
    const end = this.host.now + ms;
    while (this.host.now < end) {
      this.serve();
      this.host.advance(Math.min(TICK_MS, end - this.host.now));
    }
    this.serve();
  }

  /** Waits (serving everything else) until a request of `kind` is pending; null if none comes. */
  waitFor(kind) {
    const start = this.host.now;
    const heap = this.host.freeHeap;
    let p = null;
    while (!(p = this.serve((k) => k === kind)) && this.host.now - start < WAIT_FOR_KIND_MS) {
      // A status write comes only on a change: flip MemoryPressure every 2 s to cause one.
      if (kind === "status" && (this.host.now - start) % 2000 === 0) this.host.freeHeap = this.host.freeHeap === heap ? 1000 : heap;
      this.host.advance(TICK_MS);
    }
    this.host.freeHeap = heap;
    return p;
  }

  /** Delivers one fuzzed answer to a pending request p. */
  injectAnswer(p, answer) {
    const bytes = Buffer.from(answer.bytes, "latin1");
    const { c, kind } = p;
    const group = LEASE_KINDS.has(kind) ? "lease" : kind === "list" || kind === "watch" ? "config" : kind === "status" ? "status" : CSR_KINDS.has(kind) ? "cert" : REVIEW_KINDS.has(kind) ? "review" : "node";
    this.noteDelays(group, bytes, answer.end);
    for (const m of bytes.toString("latin1").matchAll(/"resourceVersion"\s*:\s*"((?:[^"\\]|\\.)*)"/g)) {
      this.versionsSeen.push(m[1]);
      this.faultVersions.add(Buffer.from(unescapeJsonBytes(m[1])).toString("latin1"));
      // Scanned in the raw bytes: a chunk boundary inside the value puts chunk framing in the match.
      const unframed = m[1].replace(/\r\n[0-9a-fA-F]+(;[^\r]*)?\r\n/g, "");
      if (unframed !== m[1]) this.faultVersions.add(Buffer.from(unescapeJsonBytes(unframed)).toString("latin1"));
    }
    if (answer.end === "refuse") {
      if (!c.closed) this.host.fail(c, -111);
      this.outcome.push(`${kind}:refused`);
      return;
    }
    c.tag = "fuzz";
    c.kind = kind;
    const gaps = answer.gaps ?? [];
    let from = 0;
    const cuts = [...(answer.cuts ?? []).filter((x) => x > 0 && x < bytes.length)].sort((a, b) => a - b);
    cuts.push(bytes.length);
    cuts.forEach((cut, i) => {
      if (c.closed || cut <= from) return;
      this.deliverTo(c, bytes.subarray(from, cut), [], `fuzz:${kind}`);
      from = cut;
      if (gaps[i]) this.serveFor(Math.min(gaps[i], 60_000)); // a slow answer; the rest of the server goes on
    });
    this.host.context = `fuzz:${kind}`; // a body delimited by the close completes here
    if (!c.closed && answer.end === "close") this.host.peerClose(c);
    else if (!c.closed && answer.end === "reset") this.host.fail(c, -104);
    this.host.context = "idle";
    if (!c.closed && answer.end !== "close" && answer.end !== "reset") c.tag = kind === "watch" && healthyStreamSoFar(bytes) ? "fuzz-stream" : "fuzz-open";
    const { status } = headFacts(bytes);
    this.outcome.push(`${kind}:${status ? `${Math.floor(status / 100)}xx` : "x"}`);
  }

  /** How long the core may legitimately wait before the next try, given what a fault said. */
  noteDelays(group, bytes, end) {
    // Status, review and CSR faults must never delay the Lease or the ConfigMap.
    if (group === "status" || group === "review") return; // a failed review is answered 503 at once: no backoff
    const { status, retryAfterMs } = headFacts(bytes);
    if (group === "cert") {
      // The serving certificate's backoff (BACKOFF_API), then a poll; Retry-After up to 5 min; 401/403 pause.
      const n = ++this.faultCounts.cert;
      let delay = Math.min(BACKOFF_MAX_MS, 600 * 2 ** n) + CSR_POLL_MS;
      if (status === 401 || status === 403) delay = Math.max(delay, AUTH_RETRY_MS + CSR_POLL_MS);
      if (retryAfterMs && end !== "refuse") delay = Math.max(delay, Math.min(retryAfterMs, RETRY_AFTER_CEILING_MS) + CSR_POLL_MS);
      this.allowed.cert = Math.max(this.allowed.cert, delay);
      return;
    }
    if (group === "lease") {
      this.leaseRetryAfterMs = Math.max(this.leaseRetryAfterMs, retryAfterMs);
      if (status === 401 || status === 403) this.allowed.lease = Math.max(this.allowed.lease, AUTH_RETRY_MS);
      return; // Lease backoff (≤ 7 s, Retry-After capped to it) fits in the 10 s window
    }
    const n = ++this.faultCounts[group];
    // A fault may count as more than one failure (a timeout, then a malformed retry): double slack.
    let delay = Math.min(BACKOFF_MAX_MS, 600 * 2 ** n);
    if (status === 401 || status === 403) delay = Math.max(delay, AUTH_RETRY_MS);
    if (retryAfterMs && end !== "refuse") delay = Math.max(delay, Math.min(retryAfterMs, RETRY_AFTER_CEILING_MS));
    if (group === "node") this.allowed.lease = Math.max(this.allowed.lease, delay);
    this.allowed.config = Math.max(this.allowed.config, delay);
  }

  // ---- after the faults ----

  /** The faults stop: open fuzzed connections close, a new ConfigMap version appears, time runs. */
  heal() {
    this.reviewFaults = [];
    this.world.passVersions(this.versionsSeen);
    const offset = HEAL_VALUE_OFFSETS[this.host.now % HEAL_VALUE_OFFSETS.length];
    this.world.cm = { rv: this.world.nextRv(), value: `${offset}=0x5a, 0x10=${(this.host.now / TICK_MS) & 0xff}` };
    this.expectedRegion = healRegion(this.world.cm.value);
    for (const c of this.host.conns.values()) {
      if (c.server || c.closed) continue;
      if (c.tag === "fuzz-stream") {
        c.tag = "stream";
        this.adopted = true;
      }
      if (c.tag === "fuzz-open" || c.tag === "fuzz") {
        this.host.context = `fuzz:${c.kind}`;
        this.host.peerClose(c);
        this.host.context = "idle";
      }
      else if (c.tag === "stream") this.deliverTo(c, Buffer.from(this.world.event()), [], "world:watch");
    }
    const healAt = this.host.now;
    this.healed = true;
    this.leaseOkAt = -1;
    let configOkAt = -1;
    const leaseBudget = LEASE_WINDOW_MS + this.allowed.lease;
    const configBudget = CONFIG_WINDOW_MS + this.allowed.config;
    const kubeletBudget = Math.max(0, ...this.kubeletConns.filter((k) => !k.c.closed).map((k) => this.kubeletDeadline(k) - healAt));
    // With TLS, a certificate must be installed (or still be) after the faults: CSR faults may delay it by their backoff.
    // (A certificate installed during the faults is served until its renewal: nothing more to ask for.)
    const certWanted = this.host.tls && this.faultCounts.cert > 0 && this.host.installs === this.installsAtStart;
    const certBudget = certWanted ? CONFIG_WINDOW_MS + CSR_POLL_MS + this.allowed.cert : 0;
    const installsAtHeal = this.host.installs;
    const budget = Math.max(leaseBudget, configBudget, kubeletBudget, certBudget);
    let leaseAt = -1; // the first renewal after the faults stopped
    let ready = null; // /readyz once renewed: asked each tick until 200 (a Lease write can land before re-registration does)
    for (;;) {
      this.serve();
      if (leaseAt < 0 && this.leaseOkAt >= 0) leaseAt = this.leaseOkAt;
      if (leaseAt >= 0 && ready?.status !== 200) ready = this.kubelet(`GET /readyz HTTP/1.1\r\nHost: pico\r\n\r\n`);
      if (configOkAt < 0 && this.host.region && this.expectedRegion.equals(this.host.region)) configOkAt = this.host.now;
      const kubeletDone = this.host.now - healAt >= kubeletBudget;
      const certDone = !certWanted || this.host.installs > installsAtHeal;
      if ((leaseAt >= 0 && ready?.status === 200 && configOkAt >= 0 && kubeletDone && certDone) || this.host.now - healAt >= budget) break;
      this.host.advance(TICK_MS);
    }
    if (leaseAt < 0 || leaseAt - healAt > leaseBudget) {
      const sent = [...LEASE_KINDS].reduce((n, k) => n + (this.sentAfterHeal[k] ?? 0), 0);
      const why = sent ? "Lease requests sent, none renewed" : "no Lease request sent";
      const ra = this.leaseRetryAfterMs > 7000 ? `, after a Lease answer with Retry-After ${this.leaseRetryAfterMs / 1000} s` : "";
      this.fail("leaseLiveness", `no Lease renewal within ${leaseBudget / 1000} s after the faults stopped: ${why}${ra} (${this.lastWarning()})`);
    } else if (ready?.status !== 200) {
      this.fail("leaseLiveness", `/readyz ${ready?.status} within ${budget / 1000} s of the faults stopping: ${ready?.body?.toString().slice(0, 80)}`);
    }
    if (configOkAt < 0) {
      const asked = (this.sentAfterHeal.list ?? 0) + (this.sentAfterHeal.watch ?? 0);
      const why = this.adopted ? "the new version went down the watch stream the faults had used" : asked ? "LIST/WATCH answered, version not applied" : "no LIST or WATCH sent";
      const longest = Math.max(0, ...this.versionsSeen.map((v) => v.length));
      const rv = longest > 20 ? `, after a resourceVersion of ${longest} bytes` : "";
      this.fail("configLiveness", `ConfigMap resourceVersion ${this.world.cm.rv} not applied within ${configBudget / 1000} s after the faults stopped: ${why}${rv} (${this.lastWarning()})`);
    }
    if (certWanted && this.host.installs === installsAtHeal) {
      const asked = (this.sentAfterHeal["csr-create"] ?? 0) + (this.sentAfterHeal["csr-read"] ?? 0);
      this.fail("certLiveness", `no serving certificate installed within ${certBudget / 1000} s after CSR faults stopped: ${asked ? `${asked} CSR requests answered healthily, none installed` : "no CSR request sent"} (${this.lastWarning()})`);
    }
  }

  /** The core's last warning, without what the server said: what the core was stuck on. */
  lastWarning() {
    const w = this.host.logs.filter((l) => l.level <= 1).pop();
    return w ? `last warning: ${w.line.slice(0, 160)}` : "nothing logged";
  }

  // ---- the kubelet side ----

  /** One whole request on a fresh connection (its reviews answered by the healthy server); returns the checked response (or null). */
  kubelet(raw) {
    const c = this.accept(CHECKER_IDENTITY);
    this.host.deliverCut(c, Buffer.from(raw, "latin1"));
    this.serve();
    return this.checkKubelet(c, raw.startsWith("HEAD "), "check");
  }

  /** A kubelet-port or healthz-port client connection, counted for the review oracle. */
  accept(identity, listener = 0) {
    if (listener === 0) this.kubeletAccepts++;
    return this.host.accept(identity, listener);
  }

  /** When a client must have had its answer: its request read (or 408), then the reviews it may wait for. */
  kubeletDeadline(k) {
    return Math.max(k.acceptedAt + IDLE_TIMEOUT_MS, k.completedAt ?? 0) + REVIEW_WAIT_MS + 2 * TICK_MS;
  }

  /** The response the core wrote on a kubelet connection that has ended (the core closed it, or the client hung up after its answer), checked strictly. */
  checkKubelet(c, head, label) {
    if (!c.closed) return null;
    const bytes = this.host.sent(c);
    try {
      return readKubeletResponse(bytes, false, c.closedByCore);
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      if (head) {
        try {
          return readKubeletResponse(bytes, true, c.closedByCore);
        } catch {}
      }
      this.fail("kubeletHttp", `${label}: ${e.message}; response ${JSON.stringify(bytes.subarray(0, 200).toString("latin1"))}`);
      return null;
    }
  }

  /** Two clients at once on the healthz port (which needs no review; the slots are the kubelet port's): both must be served (no slot leaked). */
  checkSlots() {
    const a = this.accept("", 1);
    const b = this.accept("", 1);
    for (const c of [a, b]) this.host.deliverCut(c, Buffer.from("GET /healthz HTTP/1.1\r\n"));
    for (const c of [a, b]) this.host.deliverCut(c, Buffer.from("Host: pico\r\n\r\n"));
    const got = [a, b].map((c) => this.checkKubelet(c, false, "slot check")?.status);
    if (got[0] !== 200 || got[1] !== 200) this.fail("slots", `two fresh /healthz requests got ${got.map((s) => s ?? "no answer").join(" and ")}`);
  }

  // ---- after every input ----

  /** Reviews come from kubelet-port clients only: one of each kind per request, sent at most twice (the channel's one resend on a kept-alive connection the server had closed). */
  checkReviewRate() {
    for (const [kind, n] of Object.entries(this.reviewsSent)) {
      if (n > 2 * this.kubeletAccepts) this.fail("apiRate", `${kind} sent ${n} times for ${this.kubeletAccepts} kubelet-port connections: reviews not driven by clients`);
    }
  }

  finish() {
    this.checkReviewRate();
    const above = Buffer.from(this.host.mem.buffer, this.memUsed);
    if (!above.equals(this.zeros)) {
      const i = above.findIndex((b) => b !== 0);
      this.fail("memory", `byte at ${this.memUsed + i} (above mem_used ${this.memUsed}) is 0x${this.host.mem[this.memUsed + i].toString(16)}`);
    }
    const candidates = [...this.watchBytes.values()].flatMap((parts) => memoryValuesCandidates(Buffer.concat(parts)));
    for (const commit of this.host.commitLog) {
      const problem = commit.context.startsWith("world:") || commit.context.startsWith("fuzz:") || commit.context === "mv" ? commitProblem(commit, candidates) : `region committed while ${commit.context}`;
      if (problem) this.fail("region", problem);
    }
    const warnings = [...new Set(this.host.logs.filter((l) => l.level <= 1).map((l) => logTemplate(l.line)))].sort();
    return { failures: this.failures, outcome: `${this.outcome.join(",")}|${warnings.join(";")}` };
  }

  /**
   * Restores a snapshot, runs `faults` (the input), heals the server and checks
   * liveness, runs `afterHeal` (target checks that need the time), then the
   * slots and the common oracles. Traps become failures.
   */
  run(snapshot, faults, afterHeal = () => {}) {
    this.restore(snapshot);
    try {
      faults();
      this.heal();
      afterHeal();
      this.checkSlots();
    } catch (e) {
      if (!(e instanceof WebAssembly.RuntimeError) && !this.host.trapped) throw e;
      this.fail("trap", `${this.host.trapped ?? e.message}`);
    }
    return this.finish();
  }
}

