// The simulated Pico: runs the release core.wasm — the module the board runs —
// and implements every host import over node:net. It only moves bytes and
// reads simulated board facts; all node behaviour is the core's.
import fs from "node:fs";
import net from "node:net";
import tls from "node:tls";
import crypto from "node:crypto";
import os from "node:os";
import * as loader from "@assemblyscript/loader";
import { ServingKey } from "./serving_key.js";
import { SimFirmware } from "./firmware.js";

export const HOST_ABI_VERSION = 4;
/** Custom section of core.wasm holding its fixed texts (docs/host-abi.md, rodata_read). */
export const RODATA_SECTION = "pico.rodata";
const REGION_SIZE = 1024;
const TICK_MS = 50;
const LOG_LEVELS = ["error", "warn", "info", "debug"];
/** on_server_accept's listener argument (docs/host-abi.md). */
const LISTENER_KUBELET = 0;
const LISTENER_HEALTHZ = 1;
/** TLS connections on the kubelet port at once, as on the board; the next is refused. */
export const MAX_TLS_CONNECTIONS = 2;

/** TLS toward the API server, used until the proxy adds it (a node client certificate). */
export interface DirectTls {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export interface PicoOptions {
  name: string;
  /** http://HOST:PORT the core talks to (the proxy; or the API server when `tls` is set). */
  api: string;
  kubeletPort: number;
  /** The IPv4 address the Pico reports (InternalIP) and serves its kubelet port on; default 127.0.0.1. */
  address?: string;
  /** Plain port for /healthz (a Pico uses 10248); 0 or absent: none. */
  healthzPort?: number;
  /** The cluster's client CA (PEM): kubelet-port clients with a certificate it signed are who it names. */
  clientCa?: Buffer;
  configMap?: string;
  token?: string;
  tls?: DirectTls;
  /** Extra configuration lines (intervals, log_level). */
  extraConfig?: string;
  wasmFile: string;
  log?: (level: string, line: string) => void;
  /** Firmware updates as a board with a bootloader takes them; absent: this Pico takes none. */
  firmware?: SimFirmware;
}

/** The core's exports (docs/host-abi.md). */
interface CoreExports {
  memory: WebAssembly.Memory;
  abi_version(): number;
  io_buffer(): number;
  io_capacity(): number;
  configure(len: number): number;
  kubelet_port(): number;
  start(nowMs: number): number;
  tick(nowMs: number): void;
  on_net_connected(h: number): void;
  on_net_data(h: number, len: number): void;
  on_net_closed(h: number): void;
  on_net_error(h: number, code: number): void;
  on_server_accept(h: number, listener: number, identityLen: number): void;
  healthz_port(): number;
  on_server_data(h: number, len: number): void;
  on_server_closed(h: number): void;
  server_make_room(): number;
  mem_used(): number;
}

interface Conn {
  socket: net.Socket;
  server: boolean;
  closedByCore: boolean;
  /** A kubelet-port TLS connection: gives back its place when the core closes it. */
  release?: () => void;
}

/** Counters a benchmark or status line reads. */
export interface WireStats {
  bytesOut: number;
  bytesIn: number;
}

export class SimulatedPico {
  readonly opts: PicoOptions;
  readonly region = new Uint8Array(REGION_SIZE);
  /** core.wasm's fixed texts (its pico.rodata section), served by rodata_read. */
  private rodata = new Uint8Array(0);
  regionHeld = false;
  readonly wire: WireStats = { bytesOut: 0, bytesIn: 0 };
  ledOn = false;
  private exports!: CoreExports;
  private conns = new Map<number, Conn>();
  private nextHandle = 1;
  private server?: tls.Server;
  private healthzServer?: net.Server;
  /** The device's serving key (made here, never leaves) and the certificate installed for it. */
  private readonly servingKey = ServingKey.generate();
  private servingCert?: crypto.X509Certificate;
  private servingCertPem = "";
  private tlsOpen = 0;
  /** Each TLS connection's place among the MAX_TLS_CONNECTIONS, released once when it closes (by either side). */
  private readonly tlsPlaces = new Map<net.Socket, () => void>();
  private refusedOverLimit = false;
  private timer?: NodeJS.Timeout;
  private readonly started = process.hrtime.bigint();
  private readonly uniqueId: string;
  readonly address: string;

  constructor(opts: PicoOptions) {
    this.opts = opts;
    this.address = opts.address ?? "127.0.0.1";
    if (!net.isIPv4(this.address)) throw new Error(`address ${this.address} is not an IPv4 address`);
    // Stable per name, different per device: a board's flash id stands in.
    this.uniqueId = crypto.createHash("sha256").update(opts.name).digest("hex").slice(0, 16);
  }

  private log(level: number, line: string): void {
    const name = LOG_LEVELS[level] ?? "info";
    if (this.opts.log) this.opts.log(name, line);
    else console.log(`${new Date().toISOString()} ${this.opts.name} ${name}: ${line}`);
  }

  private mem(): Uint8Array {
    // Re-read every time: the engine may replace the buffer.
    return new Uint8Array(this.exports.memory.buffer);
  }

  private bytes(ptr: number, len: number): Uint8Array {
    const m = this.mem();
    if (ptr < 0 || len < 0 || ptr + len > m.length) throw new Error(`core passed an out-of-bounds buffer ${ptr}+${len}`);
    return m.subarray(ptr, ptr + len);
  }

  private text(ptr: number, len: number): string {
    return Buffer.from(this.bytes(ptr, len)).toString("utf8");
  }

  private writeOut(s: string, ptr: number, cap: number): number {
    const b = Buffer.from(s).subarray(0, Math.max(0, cap));
    this.bytes(ptr, b.length).set(b);
    return b.length;
  }

  /** The import object: one entry per function in docs/host-abi.md. */
  private imports(): Record<string, Function> {
    return {
      host_log: (level: number, ptr: number, len: number) => this.log(level, this.text(ptr, len)),
      net_open: (ptr: number, len: number) => this.open(this.text(ptr, len)),
      net_send: (h: number, ptr: number, len: number) => this.send(h, ptr, len),
      net_close: (h: number) => this.close(h),
      net_ipv4: () => this.address.split(".").reduce((v, octet) => (v << 8) | Number(octet), 0) >>> 0,
      net_rssi_dbm: () => -55, // simulated
      region_commit: (ptr: number, len: number) => {
        if (len !== REGION_SIZE) return -1;
        this.region.set(this.bytes(ptr, len));
        this.regionHeld = true;
        return 0;
      },
      rodata_read: (offset: number, ptr: number, len: number) => {
        if (offset < 0 || len < 0 || offset + len > this.rodata.length) return -1;
        this.bytes(ptr, len).set(this.rodata.subarray(offset, offset + len));
        return len;
      },
      region_read: (offset: number, ptr: number, len: number) => {
        if (offset < 0 || len < 0 || offset + len > REGION_SIZE) return -1;
        if (!this.regionHeld) return 0;
        this.bytes(ptr, len).set(this.region.subarray(offset, offset + len));
        return len;
      },
      board_unique_id: (ptr: number, cap: number) => this.writeOut(this.uniqueId, ptr, cap),
      board_platform: (ptr: number, cap: number) => this.writeOut(`simulator ${process.version} (simulated RSSI, temperature)`, ptr, cap),
      board_free_heap: () => 180_000, // simulated: what a Pico W with the firmware has free
      board_memory_used: () => 270_336 - 180_000, // simulated: the rest of its SRAM
      board_temperature_mc: () => 27_000, // simulated
      board_cpu_busy_ms: () => Number((process.cpuUsage().user / 1000) | 0) >>> 0,
      random_u32: () => crypto.randomBytes(4).readUInt32LE(0),
      tls_csr: (namePtr: number, nameLen: number, ipv4: number, outPtr: number, outCap: number) => this.makeCsr(this.text(namePtr, nameLen), ipv4 >>> 0, outPtr, outCap),
      tls_install: (ptr: number, len: number) => this.install(this.text(ptr, len)),
      tls_cert_validity: (outPtr: number) => {
        const c = this.servingCert;
        if (!c) return -1;
        const out = Buffer.alloc(16);
        out.writeBigInt64LE(BigInt(Math.floor(Date.parse(c.validFrom) / 1000)), 0);
        out.writeBigInt64LE(BigInt(Math.floor(Date.parse(c.validTo) / 1000)), 8);
        this.bytes(outPtr, 16).set(out);
        return 0;
      },
      sha256: (ptr: number, len: number, outPtr: number) => {
        const digest = crypto.createHash("sha256").update(this.bytes(ptr, len)).digest();
        this.bytes(outPtr, 32).set(digest);
      },
      firmware_identity: (outPtr: number) => {
        const fw = this.opts.firmware;
        if (!fw) return -1;
        this.bytes(outPtr, 40).set(fw.identity());
        return 0;
      },
      firmware_boot_state: (outPtr: number) => {
        const fw = this.opts.firmware;
        if (!fw) return 0;
        const refused = Buffer.alloc(6);
        fw.refused.forEach((n, i) => refused.writeUInt16LE(n, 2 * i));
        this.bytes(outPtr, 6).set(refused);
        return fw.bootState;
      },
      firmware_slot_write: (offset: number, ptr: number, len: number) => this.opts.firmware?.write(offset, this.bytes(ptr, len)) ?? -2,
      firmware_slot_finish: (shaPtr: number) => this.opts.firmware?.finish(this.bytes(shaPtr, 32)) ?? -2,
      firmware_install: () => {
        const fw = this.opts.firmware;
        if (!fw || fw.install() !== 0) return -1;
        // As a board: the restart comes once the core's call has returned.
        setImmediate(() => void this.reboot("bootloader: installing the verified image; restarting"));
        return 0;
      },
      firmware_confirm: () => this.opts.firmware?.confirm() ?? -1,
      led_set: (on: number) => {
        this.ledOn = on !== 0;
        this.log(2, `LED ${this.ledOn ? "on" : "off"}`);
      },
      abort: (msg: number, file: number, line: number, col: number) => {
        throw new Error(`core.wasm aborted at ${line}:${col}`);
      },
    };
  }

  nowMs(): number {
    return Number((process.hrtime.bigint() - this.started) / 1_000_000n) >>> 0;
  }

  async start(): Promise<void> {
    const module = await WebAssembly.compile(fs.readFileSync(this.opts.wasmFile));
    const [rodata] = WebAssembly.Module.customSections(module, RODATA_SECTION);
    if (!rodata) throw new Error(`${this.opts.wasmFile} has no "${RODATA_SECTION}" section (built without tools/compact-text?)`);
    this.rodata = new Uint8Array(rodata);
    const instance = await loader.instantiate(module, { env: this.imports() as any });
    const exports = instance.exports as unknown as CoreExports;
    this.exports = exports;
    const abi = exports.abi_version() >>> 0;
    if (abi !== HOST_ABI_VERSION) throw new Error(`core.wasm speaks ABI ${abi}, this host ${HOST_ABI_VERSION}`);
    const lines = [
      `node_name=${this.opts.name}`,
      `api=${this.opts.api}`,
      this.opts.token ? `api_token=${this.opts.token}` : "",
      this.opts.configMap ? `configmap=${this.opts.configMap}` : "",
      `kubelet_port=${this.opts.kubeletPort}`,
      `healthz_port=${this.opts.healthzPort ?? 0}`,
      this.opts.extraConfig ?? "",
    ].filter(Boolean);
    const cfg = Buffer.from(lines.join("\n") + "\n");
    if (cfg.length > exports.io_capacity()) throw new Error("configuration larger than io_capacity");
    this.bytes(exports.io_buffer(), cfg.length).set(cfg);
    const errors = exports.configure(cfg.length);
    if (errors !== 0) throw new Error(`configuration rejected (${errors} errors; see log)`);
    await this.listenHealthz(exports.healthz_port());
    this.opts.firmware?.boot(Date.now());
    if (exports.start(this.nowMs()) !== 0) throw new Error("core refused to start");
    this.timer = setInterval(() => this.tickOrRollBack(), TICK_MS);
  }

  private tickOrRollBack(): void {
    const fw = this.opts.firmware;
    if (fw && !this.rebooting && fw.trialExpired(Date.now())) {
      const trial = fw.runningVersion();
      fw.rollBack();
      void this.reboot(`bootloader: ${trial} did not confirm within ${fw.trialMs / 1000} s; going back to ${fw.runningVersion()}`);
      return;
    }
    this.exports.tick(this.nowMs());
  }

  private rebooting = false;

  /** A board reset: the core starts again from scratch; the region, the device key and the slots stay. */
  private async reboot(why: string): Promise<void> {
    if (this.rebooting) return;
    this.rebooting = true;
    this.log(1, why);
    try {
      await this.stop();
      // RAM does not survive a reset: the installed certificate goes (the core asks for one again), the key stays.
      this.servingCert = undefined;
      this.servingCertPem = "";
      this.server = undefined; // closed by stop(): the next certificate opens the port again
      this.tlsOpen = 0;
      this.tlsPlaces.clear();
      await this.start();
    } catch (e) {
      this.log(0, `restart failed: ${(e as Error).message}`);
    } finally {
      this.rebooting = false;
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const c of this.conns.values()) c.socket.destroy();
    this.conns.clear();
    const closing = (s?: net.Server) => new Promise<void>((resolve) => (s?.listening ? s.close(() => resolve()) : resolve()));
    await Promise.all([closing(this.server), closing(this.healthzServer)]);
  }

  memoryUsed(): number {
    return this.exports.mem_used();
  }

  // ---- delivering bytes into the core ----

  private deliver(h: number, data: Buffer, server: boolean): void {
    const cap = this.exports.io_capacity();
    const io = this.exports.io_buffer();
    for (let i = 0; i < data.length; i += cap) {
      const part = data.subarray(i, i + cap);
      this.bytes(io, part.length).set(part);
      if (server) this.exports.on_server_data(h, part.length);
      else this.exports.on_net_data(h, part.length);
      if (!this.conns.has(h)) return; // the core closed it while reading
    }
  }

  private track(socket: net.Socket, server: boolean): number {
    const h = this.nextHandle++;
    const conn: Conn = { socket, server, closedByCore: false };
    this.conns.set(h, conn);
    socket.on("data", (d: Buffer) => {
      if (conn.closedByCore) return;
      this.wire.bytesIn += server ? 0 : d.length;
      this.deliver(h, d, server);
    });
    // EOF, error or close: tell the core once, unless it closed the connection itself.
    const gone = (errno?: number) => {
      if (conn.closedByCore || !this.conns.has(h)) return;
      this.conns.delete(h);
      if (server) this.exports.on_server_closed(h);
      else if (errno !== undefined) this.exports.on_net_error(h, errno);
      else this.exports.on_net_closed(h);
    };
    socket.on("end", () => gone());
    socket.on("close", () => gone());
    socket.on("error", (e: NodeJS.ErrnoException) => gone(-(os.constants.errno as any)[e.code ?? ""] || -1));
    return h;
  }

  private open(target: string): number {
    const i = target.lastIndexOf(":");
    const host = target.slice(0, i);
    const port = Number(target.slice(i + 1));
    if (!host || !(port > 0)) return -1;
    const t = this.opts.tls;
    const socket = t
      ? tls.connect({ host, port, ca: t.ca, cert: t.cert, key: t.key, servername: host === "127.0.0.1" ? undefined : host })
      : net.connect({ host, port });
    socket.setNoDelay(true);
    const h = this.track(socket, false);
    socket.once(t ? "secureConnect" : "connect", () => {
      if (this.conns.get(h)?.closedByCore === false) this.exports.on_net_connected(h);
    });
    return h;
  }

  private send(h: number, ptr: number, len: number): number {
    const c = this.conns.get(h);
    if (!c || c.closedByCore || c.socket.destroyed) return -1;
    const copy = Buffer.from(this.bytes(ptr, len)); // the core's memory is reused at once
    if (!c.server) this.wire.bytesOut += len;
    c.socket.write(copy);
    return 0;
  }

  private close(h: number): void {
    const c = this.conns.get(h);
    if (!c) return;
    c.closedByCore = true;
    this.conns.delete(h);
    c.release?.();
    c.socket.end();
  }

  // ---- the kubelet port's TLS (the host's side of docs/host-abi.md "Serving certificate") ----

  private makeCsr(name: string, ipv4: number, outPtr: number, outCap: number): number {
    let pem: Buffer;
    try {
      const ip = ipv4 ? [ipv4 >>> 24, (ipv4 >>> 16) & 255, (ipv4 >>> 8) & 255, ipv4 & 255].join(".") : null;
      pem = Buffer.from(this.servingKey.csrPem(name, ip));
    } catch (e) {
      this.log(0, `cannot make a CSR: ${(e as Error).message}`);
      return -3;
    }
    if (pem.length > outCap) return -2;
    this.bytes(outPtr, pem.length).set(pem);
    return pem.length;
  }

  /** tls_install: serve the kubelet port with this certificate from now on. */
  private install(pem: string): number {
    let cert: crypto.X509Certificate;
    try {
      cert = new crypto.X509Certificate(pem);
    } catch {
      return -2;
    }
    if (!this.servingKey.matches(pem)) return -3;
    this.servingCert = cert;
    this.servingCertPem = pem;
    const context = { key: this.servingKey.keyPem(), cert: pem };
    if (this.server) this.server.setSecureContext(context);
    else this.listenTls(context);
    return 0;
  }

  /** The names of a client certificate the client CA vouches for: "CN\nO1\nO2", or "" (kubelet's x509 authenticator). */
  private static identity(socket: tls.TLSSocket): string {
    if (!socket.authorized) return "";
    const subject = socket.getPeerCertificate().subject ?? {};
    const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
    const [cn] = list(subject.CN);
    return cn ? [cn, ...list(subject.O)].join("\n") : "";
  }

  private listenTls(context: tls.SecureContextOptions): void {
    const port = this.exports.kubelet_port();
    const server = tls.createServer({
      ...context,
      minVersion: "TLSv1.2",
      ecdhCurve: "P-256",
      // Client certificates are optional (bearer tokens are the other way in)
      // and verified against the client CA; the core decides what an unverified one gets.
      requestCert: true,
      rejectUnauthorized: false,
      ...(this.opts.clientCa && { ca: this.opts.clientCa }),
    });
    // A board has room for two TLS sessions: a third client gets the place of
    // an idle kept connection (the core closes it), or is refused at once.
    server.on("connection", (socket: net.Socket) => {
      // The core's net_close of the idle one releases its place at once (close()).
      if (this.tlsOpen >= MAX_TLS_CONNECTIONS) this.exports.server_make_room();
      if (this.tlsOpen >= MAX_TLS_CONNECTIONS) {
        if (!this.refusedOverLimit) this.log(1, `kubelet port: refusing a connection over the limit of ${MAX_TLS_CONNECTIONS} TLS connections`);
        this.refusedOverLimit = true;
        socket.destroy();
        return;
      }
      this.refusedOverLimit = false;
      this.tlsOpen++;
      let counted = true;
      const release = () => {
        if (counted) this.tlsOpen--;
        counted = false;
      };
      this.tlsPlaces.set(socket, release);
      socket.once("close", () => {
        release();
        this.tlsPlaces.delete(socket);
      });
    });
    server.on("secureConnection", (socket: tls.TLSSocket) => {
      const h = this.accept(socket, LISTENER_KUBELET, SimulatedPico.identity(socket));
      const conn = this.conns.get(h);
      const raw = (socket as unknown as { _parent?: net.Socket })._parent;
      if (conn && raw) conn.release = this.tlsPlaces.get(raw);
    });
    server.on("tlsClientError", () => {}); // a failed handshake is the client's problem; the socket is closed
    server.once("error", (e) => this.log(0, `cannot listen on the kubelet port ${port}: ${e.message}`));
    server.listen(port, this.address, () => this.log(2, `kubelet port ${this.address}:${port} serving TLS`));
    this.server = server;
  }

  private accept(socket: net.Socket, listener: number, identity: string): number {
    const h = this.track(socket, true);
    const id = Buffer.from(identity);
    const len = id.length <= this.exports.io_capacity() ? id.length : 0;
    this.bytes(this.exports.io_buffer(), len).set(id.subarray(0, len));
    this.exports.on_server_accept(h, listener, len);
    return h;
  }

  private listenHealthz(port: number): Promise<void> {
    if (!port) return Promise.resolve();
    this.healthzServer = net.createServer((socket) => this.accept(socket, LISTENER_HEALTHZ, ""));
    return new Promise((resolve, reject) => {
      this.healthzServer!.once("error", reject);
      this.healthzServer!.listen(port, "127.0.0.1", () => resolve());
    });
  }

  /** The certificate the kubelet port serves (PEM), once one is installed. */
  get servingCertificate(): string {
    return this.servingCertPem;
  }
}
