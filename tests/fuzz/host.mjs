// The fuzz harness's host: the scripted FakeHost of the host tests, keeping
// every byte the core emits as raw bytes (never decoded, so invalid UTF-8
// stays visible), every region commit with the moment it happened, and able
// to snapshot and restore the whole core (memory + exported globals) and its
// own state exactly.
import fs from "node:fs";
import { FakeHost, CORE_WASM, ADMIN_IDENTITY } from "../host/fake_host.mjs";
import { exportMutableGlobals, GLOBAL_EXPORT_PREFIX } from "./wasm_globals.mjs";

export const TICK_MS = 100; // the ABI's slowest allowed tick

/** Compiles core.wasm with its mutable globals exported (see wasm_globals.mjs). */
export async function compileCore(file = CORE_WASM) {
  const { bytes, globals } = exportMutableGlobals(fs.readFileSync(file));
  return { module: await WebAssembly.compile(bytes), globals };
}

export class FuzzHost extends FakeHost {
  constructor(core, opts) {
    super(opts);
    this.core = core;
    this.commitLog = []; // { bytes, context }
    this.context = "boot"; // what the harness is delivering right now (for the region oracle)
    this.trapped = null;
    this.activity = 0; // bumped by every net_open and net_send: the harness reads requests only after some
    this.installs = 0; // certificates the core installed
  }

  async load() {
    await super.load(this.core.module);
    // One page, never grown (initial = maximum): one view serves every import call.
    this.memView = new Uint8Array(this.x.memory.buffer);
    this.globals = this.core.globals.map((i) => this.instance.exports[GLOBAL_EXPORT_PREFIX + i]);
    return this;
  }

  get mem() {
    return this.memView;
  }

  // ---- imports: raw bytes, no decoding ----
  _net_open(ptr, len) {
    this.activity++;
    const h = this.nextHandle++;
    this.conns.set(h, { handle: h, target: this.text(ptr, len), chunks: [], open: false, closed: false, server: false, tag: null });
    return h;
  }
  _net_send(h, ptr, len) {
    const c = this.conns.get(h);
    if (!c || c.closed) return -1;
    this.activity++;
    c.chunks.push(Buffer.from(this.mem.subarray(ptr, ptr + len)));
    return 0;
  }
  _rodata_read(offset, ptr, len) {
    // Most reads are a few bytes: a loop beats a subarray per call (about 80 calls per request).
    if (len > 32 || offset < 0 || len < 0 || offset + len > this.rodata.length) return super._rodata_read(offset, ptr, len);
    const mem = this.memView;
    for (let i = 0; i < len; i++) mem[ptr + i] = this.rodata[offset + i];
    return len;
  }
  _host_log(level, ptr, len) {
    if (this.logs.length < 400) this.logs.push({ level, line: this.text(ptr, len) });
  }
  _region_commit(ptr, len) {
    const r = super._region_commit(ptr, len);
    if (r === 0) this.commitLog.push({ bytes: this.region, context: this.context });
    return r;
  }
  _net_close(h) {
    const c = this.conns.get(h);
    if (c && !c.closed) {
      c.closedAt = this.now; // when a kubelet client got its answer
      c.closedByCore = true;
    }
    super._net_close(h);
  }
  // The kubelet port's TLS, as the fake host's, keeping no history (a run plays millions of inputs).
  _tls_csr(namePtr, nameLen, ipv4, outPtr, outCap) {
    if (!this.tls) return -1;
    const pem = `-----BEGIN CERTIFICATE REQUEST-----\nfuzz ${this.text(namePtr, nameLen)} ${ipv4 >>> 0}\n-----END CERTIFICATE REQUEST-----\n`;
    return pem.length > outCap ? -2 : this.writeString(pem, outPtr, outCap);
  }
  /** Takes PEM certificate armour (what a fuzzed answer garbles gets -2, as a real TLS stack's parse error). */
  _tls_install(ptr, len) {
    if (!this.tls) return -1;
    const pem = Buffer.from(this.mem.subarray(ptr, ptr + len)).toString("latin1");
    if (!/^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n?$/.test(pem)) return -2;
    const issuedAt = this.wallSec + Math.floor((this.now - 1000) / 1000);
    this.certValidity = [issuedAt, issuedAt + this.certLifetimeS];
    this.installs++;
    return 0;
  }
  _abort(msg, file, line, col) {
    this.trapped = `abort() at ${line}:${col}`;
    throw new Error(`core aborted at ${line}:${col}`);
  }

  /** Everything the core sent on c so far, as one Buffer (and forgets it). */
  take(c) {
    const b = c.chunks.length === 1 ? c.chunks[0] : Buffer.concat(c.chunks);
    c.chunks = [];
    return b;
  }
  sent(c) {
    return c.chunks.length === 1 ? c.chunks[0] : Buffer.concat(c.chunks);
  }

  /**
   * A kubelet-port client connection (accepted, no bytes yet): on listener 0
   * (the kubelet port) with its verified client certificate's names, or on
   * listener 1 (the plain healthz port, no identity).
   */
  accept(identity = ADMIN_IDENTITY, listener = 0) {
    const h = this.nextHandle++;
    const c = { handle: h, target: "client", chunks: [], open: true, closed: false, server: true, tag: null, listener };
    this.conns.set(h, c);
    const n = this.put(Buffer.from(identity, "latin1"));
    this.x.on_server_accept(h, listener, n);
    return c;
  }
  /** Delivers bytes in io-sized calls; stops once the core closed c (as the simulator does). */
  deliver(c, bytes) {
    const cap = this.x.io_capacity();
    // Whether the client asked HEAD (its response then has no body), from its first five bytes however they arrive.
    if (c.server && (c.prefix ?? "").length < 5) c.prefix = ((c.prefix ?? "") + bytes.subarray(0, 5).toString("latin1")).slice(0, 5);
    for (let i = 0; i < bytes.length && !c.closed; i += cap) {
      const n = this.put(bytes.subarray(i, i + cap));
      if (c.server) this.x.on_server_data(c.handle, n);
      else this.x.on_net_data(c.handle, n);
      this.hangUpAnswered();
    }
  }

  /**
   * The harness's kubelet clients send one request each and hang up once its
   * response is complete, as the core keeps an HTTP/1.1 connection open for
   * the next one: the client's close is when it got its answer.
   */
  hangUpAnswered() {
    for (const c of this.conns.values()) {
      if (!c.server || c.closed || !c.chunks.length) continue;
      const out = this.sent(c);
      const end = out.indexOf("\r\n\r\n");
      if (end < 0) continue;
      const length = /\r\ncontent-length: *(\d+)/i.exec(out.subarray(0, end).toString("latin1"));
      if (c.prefix !== "HEAD " && out.length < end + 4 + Number(length?.[1] ?? 0)) continue;
      c.closedAt = this.now;
      c.closed = true;
      this.x.on_server_closed(c.handle);
    }
  }
  /** Delivers bytes on c, cut at the given offsets (and at io_capacity). */
  deliverCut(c, bytes, cuts = []) {
    let from = 0;
    for (const cut of [...cuts.filter((x) => x > 0 && x < bytes.length).sort((a, b) => a - b), bytes.length]) {
      if (cut > from) {
        if (c.closed) return;
        this.deliver(c, bytes.subarray(from, cut));
      }
      from = cut;
    }
  }
  /** Advances the clock by ms in ticks of TICK_MS. */
  advance(ms) {
    const end = this.now + ms;
    while (this.now < end) {
      this.now = Math.min(end, this.now + TICK_MS);
      this.x.tick(this.now >>> 0);
      this.hangUpAnswered();
    }
  }

  // ---- exact snapshot / restore ----
  snapshot() {
    return {
      memory: Uint8Array.from(this.mem),
      globals: this.globals.map((g) => g.value),
      host: {
        now: this.now, nextHandle: this.nextHandle, region: this.region, restoredRegion: this.restoredRegion,
        commits: this.commits, seed: this.seed, busyMs: this.busyMs, freeHeap: this.freeHeap, led: [...this.led],
        tls: this.tls, certValidity: this.certValidity, installs: this.installs, ipv4: this.ipv4,
        conns: [...this.conns.values()].map((c) => ({ ...c, chunks: [...c.chunks] })),
      },
    };
  }
  restore(s) {
    this.mem.set(s.memory);
    s.globals.forEach((v, i) => (this.globals[i].value = v));
    const h = s.host;
    Object.assign(this, { now: h.now, nextHandle: h.nextHandle, region: h.region, restoredRegion: h.restoredRegion, commits: h.commits, seed: h.seed, busyMs: h.busyMs, freeHeap: h.freeHeap, led: [...h.led], tls: h.tls, certValidity: h.certValidity, installs: h.installs, ipv4: h.ipv4 });
    this.conns = new Map(h.conns.map((c) => [c.handle, { ...c, chunks: [...c.chunks] }]));
    this.logs = [];
    this.commitLog = [];
    this.context = "restore";
    this.trapped = null;
  }
}
