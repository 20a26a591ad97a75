// A scripted host for core.wasm: implements every import in memory, lets a
// test play the API server and kubelet clients byte by byte, and drives the
// clock. The same release build the devices run is under test.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import crypto from "node:crypto";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const CORE_WASM = path.join(root, "build/core.wasm");
export const RODATA_SECTION = "pico.rodata";
export const HOST_IMPORTS = [
  "host_log", "net_open", "net_send", "net_close", "net_ipv4", "net_rssi_dbm", "region_commit",
  "region_read", "rodata_read", "board_unique_id", "board_platform", "board_free_heap", "board_temperature_mc",
  "board_cpu_busy_ms", "board_memory_used", "random_u32", "led_set", "abort", "tls_csr", "tls_install", "tls_cert_validity", "sha256",
  "firmware_identity", "firmware_boot_state", "firmware_slot_write", "firmware_slot_finish", "firmware_install", "firmware_confirm",
];
/** What a kubelet-port client presents by default: a client certificate of the cluster's admins. */
export const ADMIN_IDENTITY = "kubernetes-admin\nsystem:masters";
const REGION_SIZE = 1024;
const enc = new TextEncoder();
const dec = new TextDecoder();

export class FakeHost {
  constructor({ uniqueId = "e6614103e7452d2f", freeHeap = 150000, ipv4 = 0x0a00000f, seed = 1, firmware = null } = {}) {
    this.now = 1000;
    this.logs = [];
    this.conns = new Map(); // handle -> { target, out: string, open, closed, server }
    this.nextHandle = 1;
    this.region = null; // last committed bytes
    this.restoredRegion = null;
    this.commits = 0;
    this.refuseCommit = false;
    this.led = [];
    this.uniqueId = uniqueId;
    this.freeHeap = freeHeap;
    this.ipv4 = ipv4;
    this.seed = seed;
    this.busyMs = 0;
    // The kubelet port's TLS: off unless a test turns it on (tls_csr then answers).
    this.tls = false;
    this.csrs = [];
    this.installed = [];
    this.installResult = 0;
    /** [notBefore, notAfter] in Unix seconds of the installed certificate, or null. */
    this.certValidity = null;
    /** Seconds a certificate installed now is valid for (notBefore: wallSec plus the fake time passed). */
    this.certLifetimeS = 86400;
    this.wallSec = Date.parse("2026-11-22T22:03:00Z") / 1000;
    /** Firmware updates: null for a host that takes none, else a FakeFirmware. */
    this.firmware = firmware;
  }

  /** Instantiates core.wasm (or another file, or an already compiled WebAssembly.Module). */
  async load(file = CORE_WASM) {
    const module = file instanceof WebAssembly.Module ? file : await WebAssembly.compile(fs.readFileSync(file));
    this.module = module;
    const [rodata] = WebAssembly.Module.customSections(module, RODATA_SECTION);
    this.rodata = new Uint8Array(rodata ?? new ArrayBuffer(0));
    this.rodataReads = 0;
    const env = {};
    for (const name of HOST_IMPORTS) {
      if (!this[`_${name}`]) throw new Error(`fake host lacks ${name}`);
      env[name] = this[`_${name}`].bind(this);
    }
    this.instance = await WebAssembly.instantiate(module, { env });
    this.x = this.instance.exports;
    return this;
  }

  get mem() {
    return new Uint8Array(this.x.memory.buffer);
  }
  text(ptr, len) {
    return dec.decode(this.mem.subarray(ptr, ptr + len));
  }
  put(bytes) {
    const cap = this.x.io_capacity();
    if (bytes.length > cap) throw new Error("chunk larger than io_capacity");
    this.mem.set(bytes, this.x.io_buffer());
    return bytes.length;
  }

  // ---- imports ----
  _host_log(level, ptr, len) {
    const line = this.text(ptr, len);
    this.logs.push({ level, line });
    if (process.env.CORE_LOG) console.log(`[core ${level}] ${line}`);
  }
  _net_open(ptr, len) {
    const h = this.nextHandle++;
    this.conns.set(h, { handle: h, target: this.text(ptr, len), out: "", open: false, closed: false, server: false });
    return h;
  }
  _net_send(h, ptr, len) {
    const c = this.conns.get(h);
    if (!c || c.closed) return -1;
    checkUtf8(c, this.mem.subarray(ptr, ptr + len));
    c.out += this.text(ptr, len);
    return 0;
  }
  _net_close(h) {
    const c = this.conns.get(h);
    if (c) c.closed = true;
  }
  _net_ipv4() { return this.ipv4 >>> 0; }
  _net_rssi_dbm() { return -57; }
  _region_commit(ptr, len) {
    if (this.refuseCommit || len !== REGION_SIZE) return -1;
    this.region = Uint8Array.from(this.mem.subarray(ptr, ptr + len));
    this.commits++;
    return 0;
  }
  _region_read(offset, ptr, len) {
    if (offset < 0 || len < 0 || offset + len > REGION_SIZE) return -1;
    const held = this.region || this.restoredRegion;
    if (!held) return 0;
    this.mem.set(held.subarray(offset, offset + len), ptr);
    return len;
  }
  _rodata_read(offset, ptr, len) {
    if (this.rodataFails) return -1;
    if (offset < 0 || len < 0 || offset + len > this.rodata.length) return -1;
    this.mem.set(this.rodata.subarray(offset, offset + len), ptr);
    this.rodataReads++;
    return len;
  }
  _board_unique_id(ptr, cap) { return this.writeString(this.uniqueId, ptr, cap); }
  _board_platform(ptr, cap) { return this.writeString("fake host", ptr, cap); }
  _board_free_heap() { return this.freeHeap; }
  _board_temperature_mc() { return 27500; }
  _board_memory_used() { return 270336 - this.freeHeap; } // as a Pico: the SRAM not free
  _board_cpu_busy_ms() { return this.busyMs >>> 0; }
  _random_u32() {
    // deterministic xorshift so runs repeat
    let x = this.seed;
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    this.seed = x;
    return x;
  }
  _led_set(on) { this.led.push(on); }
  _tls_csr(namePtr, nameLen, ipv4, outPtr, outCap) {
    if (!this.tls) return -1;
    const name = this.text(namePtr, nameLen);
    this.csrs.push({ name, ipv4: ipv4 >>> 0 });
    const pem = `-----BEGIN CERTIFICATE REQUEST-----\nfake for ${name} ${ipv4 >>> 0}\n-----END CERTIFICATE REQUEST-----\n`;
    return pem.length > outCap ? -2 : this.writeString(pem, outPtr, outCap);
  }
  _tls_install(ptr, len) {
    if (!this.tls) return -1;
    this.installed.push(this.text(ptr, len));
    if (this.installResult !== 0) return this.installResult;
    const issuedAt = this.wallSec + Math.floor((this.now - 1000) / 1000);
    this.certValidity = [issuedAt, issuedAt + this.certLifetimeS];
    return 0;
  }
  _tls_cert_validity(outPtr) {
    if (!this.certValidity) return -1;
    const v = new DataView(this.x.memory.buffer, outPtr, 16);
    v.setBigInt64(0, BigInt(this.certValidity[0]), true);
    v.setBigInt64(8, BigInt(this.certValidity[1]), true);
    return 0;
  }
  _sha256(ptr, len, outPtr) {
    this.mem.set(crypto.createHash("sha256").update(this.mem.subarray(ptr, ptr + len)).digest(), outPtr);
  }
  _firmware_identity(outPtr) {
    if (!this.firmware) return -1;
    this.mem.set(this.firmware.identity(), outPtr);
    return 0;
  }
  _firmware_boot_state(outPtr) {
    if (!this.firmware) return 0;
    if (this.firmware.bootState === 2) this.mem.set(versionBytes(this.firmware.rolledBack), outPtr);
    return this.firmware.bootState;
  }
  _firmware_slot_write(offset, ptr, len) {
    return this.firmware ? this.firmware.write(offset, Buffer.from(this.mem.slice(ptr, ptr + len))) : -2;
  }
  _firmware_slot_finish(shaPtr) {
    return this.firmware ? this.firmware.finish(this.mem.slice(shaPtr, shaPtr + 32)) : -2;
  }
  _firmware_install() {
    if (!this.firmware) return -1;
    this.firmware.installs++;
    return this.firmware.installResult;
  }
  _firmware_confirm() {
    if (!this.firmware) return -1;
    this.firmware.confirms++;
    return 0;
  }
  _abort(msg, file, line, col) { throw new Error(`core aborted at ${line}:${col}`); }

  writeString(s, ptr, cap) {
    const b = enc.encode(s).subarray(0, cap);
    this.mem.set(b, ptr);
    return b.length;
  }

  // ---- driving the core ----
  configure(textConfig) {
    const n = this.put(enc.encode(textConfig));
    return this.x.configure(n);
  }
  start() {
    return this.x.start(this.now);
  }
  tick(ms = 0) {
    // Advance in steps so timers fire in order.
    const step = 50;
    let left = ms;
    do {
      const d = Math.min(step, left);
      this.now += d;
      left -= d;
      this.x.tick(this.now >>> 0);
    } while (left > 0);
  }
  /** Open outbound connections that have not been answered (newest last). */
  pending() {
    return [...this.conns.values()].filter((c) => !c.server && !c.closed);
  }
  connect(c) {
    c.open = true;
    this.x.on_net_connected(c.handle);
  }
  /** Delivers bytes to the core in io-sized chunks (or a given chunk size). */
  deliver(c, data, chunk = 0) {
    const bytes = typeof data === "string" ? enc.encode(data) : data;
    const size = chunk || this.x.io_capacity();
    for (let i = 0; i < bytes.length; i += size) {
      const n = this.put(bytes.subarray(i, i + size));
      if (c.server) this.x.on_server_data(c.handle, n);
      else this.x.on_net_data(c.handle, n);
    }
  }
  peerClose(c) {
    c.closed = true;
    if (c.server) this.x.on_server_closed(c.handle);
    else this.x.on_net_closed(c.handle);
  }
  fail(c, code = -14) {
    c.closed = true;
    this.x.on_net_error(c.handle, code);
  }
  /** Takes the request the core wrote on c (and clears it). */
  takeRequest(c) {
    const raw = c.out;
    c.out = "";
    return parseRequest(raw);
  }
  /**
   * A kubelet-port client: connects, sends raw, returns the connection.
   * identity: the names of its verified client certificate ("" for none);
   * listener 1 is the plain healthz port. Reviews the core asks for meanwhile
   * are answered with `review` ("allow", "deny", or null to leave them to the test).
   */
  client(raw, chunk = 0, { identity = ADMIN_IDENTITY, listener = 0, review = "allow" } = {}) {
    const h = this.nextHandle++;
    const c = { handle: h, target: "client", out: "", open: true, closed: false, server: true };
    this.conns.set(h, c);
    const n = this.put(enc.encode(identity));
    this.x.on_server_accept(h, listener, n);
    if (raw) this.deliver(c, raw, chunk);
    if (review) this.answerReviews(review === "allow");
    return c;
  }
  /** Answers every TokenReview / SubjectAccessReview the core has sent (then closes that connection). Returns them. */
  answerReviews(allowed, user = "system:serviceaccount:default:scraper", groups = ["system:serviceaccounts", "system:authenticated"]) {
    const answered = [];
    for (let round = 0; round < 4; round++) {
      for (const c of this.pending()) {
        if (!c.open) this.connect(c);
        const req = parseRequest(c.out);
        if (!req || !/(tokenreviews|subjectaccessreviews)$/.test(req.target)) continue;
        c.out = "";
        answered.push(req);
        const status = req.target.endsWith("tokenreviews") ? (allowed ? { authenticated: true, user: { username: user, groups } } : { authenticated: false, error: "invalid token" }) : { allowed };
        this.deliver(c, apiResponse(201, { ...req.json, status }));
        this.peerClose(c);
      }
    }
    return answered;
  }
  logText() {
    return this.logs.map((l) => l.line).join("\n");
  }
}

/** Everything the core sends on a connection must be UTF-8 (its HTTP heads are ASCII, its bodies JSON or text): c.badUtf8 says it was not. */
function checkUtf8(c, bytes) {
  c.utf8 ??= new TextDecoder("utf-8", { fatal: true });
  try {
    c.utf8.decode(bytes, { stream: true });
  } catch {
    c.badUtf8 = true;
    c.utf8 = new TextDecoder("utf-8", { fatal: true });
  }
}

export function parseRequest(raw) {
  const end = raw.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const [line, ...hs] = raw.slice(0, end).split("\r\n");
  const [method, target] = line.split(" ");
  const headers = {};
  for (const h of hs) {
    const i = h.indexOf(":");
    headers[h.slice(0, i).toLowerCase()] = h.slice(i + 1).trim();
  }
  const body = raw.slice(end + 4);
  return { method, target, headers, body, raw, json: body ? JSON.parse(body) : null };
}

export function parseResponse(raw) {
  const end = raw.indexOf("\r\n\r\n");
  const [line, ...hs] = raw.slice(0, end).split("\r\n");
  const status = Number(line.split(" ")[1]);
  const headers = {};
  for (const h of hs) {
    const i = h.indexOf(":");
    headers[h.slice(0, i).toLowerCase()] = h.slice(i + 1).trim();
  }
  return { status, headers, body: raw.slice(end + 4), line };
}

const DATE = "Sun, 22 Nov 2026 22:03:00 GMT";

/** A response as kube-apiserver writes it (headers as seen from 1.34). */
export function apiResponse(status, body, { chunked = false, extraHeaders = "", date = DATE } = {}) {
  const reason = { 200: "OK", 201: "Created", 404: "Not Found", 409: "Conflict", 410: "Gone", 401: "Unauthorized", 403: "Forbidden", 429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable" }[status] || "Status";
  const text = typeof body === "string" ? body : JSON.stringify(body);
  let head = `HTTP/1.1 ${status} ${reason}\r\nAudit-Id: 6f1c2a0e-8d7e-4a59-9a38-0c2c1f0e5a11\r\nCache-Control: no-cache, private\r\nContent-Type: application/json\r\nX-Kubernetes-Pf-Flowschema-Uid: 3f7c1c43-6a7e-4b0e-9b8c-5f0d0a6d2c11\r\nX-Kubernetes-Pf-Prioritylevel-Uid: 0b6c6a8e-2f8c-4e0b-8a4e-7c0f2b1d9e22\r\nDate: ${date}\r\n${extraHeaders}`;
  if (chunked) return `${head}Transfer-Encoding: chunked\r\n\r\n`;
  return `${head}Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`;
}

export function chunk(text) {
  return `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
}

export function status(code, reason, message) {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, details: {}, code };
}

function versionBytes([major, minor, patch]) {
  const b = Buffer.alloc(6);
  b.writeUInt16LE(major, 0);
  b.writeUInt16LE(minor, 2);
  b.writeUInt16LE(patch, 4);
  return b;
}

/** Builds an image file as docs/firmware-update.md lays it out, signed with nothing: the fake host
 *  plays the signature check (signatureOk), the core judges the rest. */
export function fakeImage({ version = [1, 1, 0], board = "pico_w", engine = "aot", payload = Buffer.alloc(3000, 7), tamper } = {}) {
  const header = Buffer.alloc(256);
  header.write("PKFW", 0, "ascii");
  header.writeUInt16LE(1, 4);
  header.writeUInt16LE(256, 6);
  versionBytes(version).copy(header, 8);
  header.write(board, 16, "ascii");
  header.write(engine, 32, "ascii");
  header.writeUInt32LE(payload.length, 48);
  crypto.createHash("sha256").update(payload).digest().copy(header, 52);
  tamper?.(header);
  const file = Buffer.concat([header, payload]);
  return { file, sha256: crypto.createHash("sha256").update(file).digest("hex") };
}

/** The host's side of firmware updates: a download slot in memory, checks played as a device would. */
export class FakeFirmware {
  constructor({ version = [1, 0, 0], board = "pico_w", engine = "aot", bootState = 0, rolledBack = [0, 0, 0], slotBytes = 1 << 20 } = {}) {
    Object.assign(this, { version, board, engine, bootState, rolledBack, slotBytes });
    this.slot = Buffer.alloc(0);
    this.writes = []; // [offset, len]
    this.signatureOk = true;
    this.installs = 0;
    this.installResult = 0;
    this.confirms = 0;
  }
  identity() {
    const b = Buffer.alloc(40);
    versionBytes(this.version).copy(b, 0);
    b.write(this.board, 8, "ascii");
    b.write(this.engine, 24, "ascii");
    return b;
  }
  write(offset, bytes) {
    this.writes.push([offset, bytes.length]);
    if (offset === 0) this.slot = Buffer.alloc(0);
    else if (offset !== this.slot.length) return -1;
    if (offset === 0 && bytes.length >= 256) {
      if (!this.signatureOk) return -(10 + 3); // BadSignature
      if (256 + bytes.readUInt32LE(48) > this.slotBytes) return -(10 + 6); // TooLarge
    }
    this.slot = Buffer.concat([this.slot, Buffer.from(bytes)]);
    return this.slot.length;
  }
  finish(declaredSha) {
    const payload = this.slot.subarray(256);
    const digest = crypto.createHash("sha256").update(payload).digest();
    if (payload.length !== this.slot.readUInt32LE(48) || !digest.equals(this.slot.subarray(52, 84))) return 9; // Corrupted
    if (!crypto.createHash("sha256").update(this.slot).digest().equals(Buffer.from(declaredSha))) return 10; // DigestMismatch
    return 0;
  }
}
