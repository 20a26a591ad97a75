// The emulator image (PICO_BOARD=pico) in rp2040js: loads the ELF, boots it,
// and plays the fake network on UART1 (framing: native/pico/emulator/fake_link.h).
// The API server's side answers with the same responses the host tests use
// (tests/host/helpers.mjs), so the real C host layer and core.wasm see what
// a real control plane sends. Used by bench/firmware.mjs and
// tests/native/emulator.test.mjs.
//
// rp2040js ships no bootrom. Point RP2040_BOOTROM at the RP2040 B1 bootrom:
// a 16 KiB binary, or the `demo/bootrom.ts` file of the rp2040js GitHub
// repository as it is (README, Firmware). Never commit either.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ConsoleLogger, LogLevel, Simulator } from "rp2040js";
import { firmwareBuildDir } from "../dist/cli/firmware.js";
import { provisioningUf2 } from "../dist/cli/provisioning_record.js";
import { readUf2, RP2040_FAMILY_ID } from "../dist/cli/uf2.js";
import { apiResponse, chunk, status, parseRequest, parseResponse } from "../tests/host/fake_host.mjs";
import { CONFIG, NODE, nodeObject, leaseObject, configMap, configMapList } from "../tests/host/helpers.mjs";
import { closeClient, tlsConnect, tlsRequest, waitForCertificate } from "./firmware_tls.mjs";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export { ENGINES } from "../dist/cli/firmware.js";
/** Where `pico-node firmware build --board pico --engine E` puts the emulator image. */
export const emulatorBuild = (engine) => firmwareBuildDir("pico", engine);
export const emulatorElf = (engine) => path.join(emulatorBuild(engine), "k3s_pico_node.elf");
/** The emulator image built with the test signing key: k3s_pico_boot and k3s_pico_node for the run slot. */
export const emulatorUpdateBuild = (engine) => `${emulatorBuild(engine)}-updates`;
export const DEVICE_CONFIG = CONFIG; // node pico-test-1, api http://10.0.0.2:6080, the tests' token
export const CLOCK_HZ = 125e6;
const FLASH_BASE = 0x10000000;
const NS_PER_CYCLE = 1e9 / CLOCK_HZ;

// ---- prerequisites ----

/** The bootrom's words, or the one-line reason it is missing. */
export function findBootrom() {
  const file = process.env.RP2040_BOOTROM || path.join(ROOT, "build/rp2040-bootrom.bin");
  if (!fs.existsSync(file)) return { reason: `no RP2040 bootrom at ${file} (set RP2040_BOOTROM; README, Firmware)` };
  let words;
  if (file.endsWith(".ts")) { // rp2040js's demo/bootrom.ts: a Uint32Array literal
    const text = fs.readFileSync(file, "utf8");
    words = Uint32Array.from(text.slice(text.indexOf("[") + 1, text.lastIndexOf("]")).split(",").map((w) => w.trim()).filter(Boolean).map(Number));
  } else {
    const bytes = fs.readFileSync(file);
    words = new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + (bytes.length & ~3)));
  }
  if (words.length !== 4096) return { reason: `${file} is not a 16 KiB RP2040 bootrom (${words.length * 4} bytes)` };
  return { words, file };
}

// ---- ELF ----

/** Copies the ELF's loadable segments into flash (by physical address). */
export function loadElf(mcu, file) {
  const elf = fs.readFileSync(file);
  if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 1 || elf[5] !== 1) throw new Error(`${file}: not a 32-bit little-endian ELF`);
  const phoff = elf.readUInt32LE(28), phentsize = elf.readUInt16LE(42), phnum = elf.readUInt16LE(44);
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    const type = elf.readUInt32LE(ph), offset = elf.readUInt32LE(ph + 4), paddr = elf.readUInt32LE(ph + 12), filesz = elf.readUInt32LE(ph + 16);
    if (type !== 1 || filesz === 0) continue; // PT_LOAD with bytes
    if (paddr < FLASH_BASE || paddr + filesz > FLASH_BASE + mcu.flash.length) continue; // RAM-only (bss) segments
    mcu.flash.set(elf.subarray(offset, offset + filesz), paddr - FLASH_BASE);
  }
}

/** A symbol's address and size from the ELF's symbol table, or null. */
export function elfSymbol(file, name) {
  const elf = fs.readFileSync(file);
  const shoff = elf.readUInt32LE(32), shentsize = elf.readUInt16LE(46), shnum = elf.readUInt16LE(48);
  const section = (i) => ({ type: elf.readUInt32LE(shoff + i * shentsize + 4), offset: elf.readUInt32LE(shoff + i * shentsize + 16),
    size: elf.readUInt32LE(shoff + i * shentsize + 20), link: elf.readUInt32LE(shoff + i * shentsize + 24) });
  for (let i = 0; i < shnum; i++) {
    const symtab = section(i);
    if (symtab.type !== 2) continue; // SHT_SYMTAB
    const strtab = section(symtab.link);
    for (let at = symtab.offset; at < symtab.offset + symtab.size; at += 16) {
      const nameAt = strtab.offset + elf.readUInt32LE(at);
      if (elf.toString("latin1", nameAt, nameAt + name.length + 1) === name + "\0") return { address: elf.readUInt32LE(at + 4), size: elf.readUInt32LE(at + 8) };
    }
  }
  return null;
}

/**
 * Flash and static RAM of an ELF from its section headers: flash holds every
 * section with contents (code, read-only data, .data's initial values); RAM
 * is what the linker placed in the 256 KB main SRAM bank (.data, .bss, the
 * shell stack), which the heap does not get.
 */
export function elfFootprint(file) {
  const elf = fs.readFileSync(file);
  const shoff = elf.readUInt32LE(32), shentsize = elf.readUInt16LE(46), shnum = elf.readUInt16LE(48);
  const SHF_ALLOC = 2, SHT_NOBITS = 8, RAM = 0x20000000, RAM_END = 0x20040000;
  let flash = 0, ram = 0;
  for (let i = 0; i < shnum; i++) {
    const sh = shoff + i * shentsize;
    const type = elf.readUInt32LE(sh + 4), flags = elf.readUInt32LE(sh + 8), addr = elf.readUInt32LE(sh + 12), size = elf.readUInt32LE(sh + 20);
    if (!(flags & SHF_ALLOC)) continue;
    if (type !== SHT_NOBITS) flash += size;
    if (addr >= RAM && addr < RAM_END) ram += size;
  }
  return { flash, ram };
}

// The boot ROM's function table (RP2040 datasheet 2.8.3): erase and program become a BKPT the harness takes.
const ROM_ERASE = 0xe0, ROM_PROGRAM = 0xe1;
const WATCHDOG_LOAD = 0x04; // the register watchdog_update() writes (RP2040 datasheet 4.7.6)
const WATCHDOG_TICKS_PER_MS = 2000; // rp2040js counts down at 2 MHz: 1 MHz ticks, two per tick (erratum RP2040-E1)
const ALLOCATORS = ["malloc", "calloc", "realloc"];
function hookRomFlash(mcu, onFlash) {
  const rom = new Uint8Array(mcu.bootrom.buffer, mcu.bootrom.byteOffset, mcu.bootrom.byteLength);
  const u16 = (at) => rom[at] | (rom[at + 1] << 8);
  const put16 = (at, v) => { rom[at] = v & 0xff; rom[at + 1] = v >> 8; };
  const stubs = { RE: ROM_ERASE, RP: ROM_PROGRAM };
  for (let at = u16(0x14); u16(at); at += 4) {
    const name = String.fromCharCode(u16(at) & 0xff, u16(at) >> 8);
    if (!(name in stubs)) continue;
    const entry = u16(at + 2) & ~1;
    put16(entry, 0xbe00 | stubs[name]); // bkpt #code
    put16(entry + 2, 0x4770);          // bx lr
  }
  mcu.onBreak = (code) => {
    if (code === ROM_ERASE || code === ROM_PROGRAM) onFlash(code);
  };
}

/** Writes a UF2's blocks into flash, as the boot ROM does with a file copied onto its drive. */
export function applyUf2(mcu, uf2) {
  for (const block of readUf2(uf2)) {
    if (block.familyId !== RP2040_FAMILY_ID) throw new Error(`UF2 block for 0x${block.address.toString(16)}: not the RP2040's family`);
    const at = block.address - FLASH_BASE;
    if (at < 0 || at + block.data.length > mcu.flash.length) throw new Error(`UF2 block for 0x${block.address.toString(16)}: outside flash`);
    mcu.flash.set(block.data, at);
  }
}

// ---- the link's frames (native/pico/emulator/fake_link.h) ----

const F = { CONNECTED: 0x43, DATA: 0x44, PEER_CLOSED: 0x46, FAILED: 0x45, ACCEPT: 0x41, REPORT: 0x52,
  OPEN: 0x4f, SEND: 0x53, CLOSE: 0x58, LISTEN: 0x4c, REGION: 0x47, RESOURCES: 0x72 };
const HEADER = 5;
const DATA_PIECE = 256; // bytes per DATA frame we send
export const RESOURCE_FIELDS = ["stack_used", "stack_size", "heap_size", "heap_arena", "heap_in_use", "heap_free",
  "heap_after_boot", "send_queues", "engine_heap", "core_mem_used", "events_refused"];
const enc = new TextEncoder();
const dec = new TextDecoder();

function frame(type, handle, payload = new Uint8Array(0)) {
  const f = new Uint8Array(HEADER + payload.length);
  f[0] = type; f[1] = handle & 0xff; f[2] = handle >> 8; f[3] = payload.length & 0xff; f[4] = payload.length >> 8;
  f.set(payload, HEADER);
  return f;
}

/** Length of a complete HTTP message at the start of text (Content-Length or none), or 0. */
export function completeMessage(text) {
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) return 0;
  const m = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, end));
  const total = end + 4 + (m ? Number(m[1]) : 0);
  return Buffer.byteLength(text) >= total ? total : 0;
}

// ---- the emulated board ----

export class EmulatedPico {
  /**
   * @param {{ elf: string, bootrom: Uint32Array, api?: (req, conn) => string|Uint8Array|null, deviceConfig?: string|null,
   *   world?: TlsWorld, arrangeFlash?: (mcu) => void }} opt
   * deviceConfig: the device's settings (default DEVICE_CONFIG), provisioned as `pico-node provision` does it (its
   * UF2 applied to flash); null leaves the board unprovisioned (the area erased). arrangeFlash then changes the
   * flash before the first power-on (a bootloader and a signed image: the update test). With a world
   * (bench/firmware_tls.mjs), the configuration carries its client CA, the API signs the device's CSR and
   * answers reviews, and request() speaks TLS to the kubelet port.
   */
  constructor({ elf, bootrom, api, deviceConfig, world, arrangeFlash } = {}) {
    this.world = world ?? null;
    if (deviceConfig === undefined) deviceConfig = world ? world.deviceConfig() : DEVICE_CONFIG;
    this.sessions = new Map(); // request(): a TLS session per client identity, resumed
    this.elf = elf;
    this.bootrom = bootrom;
    this.nanosBase = 0;   // emulated time and cycles before the last reboot
    this.cyclesBase = 0;
    this.resets = [];     // watchdog resets: { ms, reason } (the firmware asked, or it was not fed)
    this.flashOps = [];   // erases and programs through the boot ROM: { op, offset, bytes, ms }
    this.flashViolations = []; // what the RP2040's flash cannot do (a program asking for a 0 -> 1 bit, misalignment)
    this.cutPowerAtFlashOp = 0; // n > 0: power fails during the nth flash operation from now, which is left torn
    // Time each erase and program takes, charged to the emulated clock (rp2040js does them at once): none,
    // unless set (runWatchdogPaths sets FLASH_MAX_MS).
    this.flashTimeMs = { erase: 0, program: 0 };
    this.feeds = [];      // emulated ms of each watchdog feed (a write of its LOAD register), across reboots
    this.feedCycles = []; // and the executed cycles then
    this.watchdogLoad = 0; // the last value loaded: the timeout the firmware configured, in 0.5 µs ticks
    this.allocations = null; // countAllocations(): { count, failAt, failed, entries }
    this.powerOn((mcu) => {
      loadElf(mcu, elf);
      if (deviceConfig !== null) applyUf2(mcu, provisioningUf2(deviceConfig));
      arrangeFlash?.(mcu);
    });
    this.console = "";
    this.lines = [];
    this.rx = []; // bytes received on the link, not yet a whole frame
    this.linkFrames = 0; // whole frames received from the firmware (any use of the network)
    this.tx = []; // frames waiting to enter the UART's FIFO
    this.txOffset = 0;
    this.conns = new Map(); // handle -> { handle, target, server, out, closed, events: [{what, cycles}] }
    this.regions = [];
    this.resources = null;
    this.listening = 0;
    this.nextClient = 0x4000;
    this.apiState = {};
    this.api = api ?? (world ? world.api(this.apiState) : defaultApi(this.apiState));
    this.echo = !!process.env.EMULATOR_CONSOLE;
    this.lastWake = 0;    // core.cycles when the firmware last woke from WFE/WFI
    this.lastWakeMs = 0;  // and the emulated time then
    this.asleep = false;
    this.unsettled = [];  // answered exchanges whose processing has not ended yet
  }

  /** A fresh RP2040 (bootrom, then fill(mcu) for flash and what survives a reset), started at boot2. */
  powerOn(fill) {
    const sim = new Simulator(); // only for its RP2040 on a simulation clock (125 MHz): runUntil drives it
    this.clock = sim.clock;
    this.mcu = sim.rp2040;
    this.mcu.logger = new ConsoleLogger(LogLevel.Error); // not its notes on registers it does not model (UART FIFO levels)
    this.mcu.loadBootrom(this.bootrom);
    hookRomFlash(this.mcu, (code) => this.onRomFlash(code));
    fill(this.mcu);
    this.mcu.core.PC = FLASH_BASE;
    this.mcu.uart[0].onByte = (b) => this.onConsoleByte(b);
    this.mcu.uart[1].onByte = (b) => this.onLinkByte(b);
    this.watchdog = Object.values(this.mcu.peripherals).find((p) => p.name === "WATCHDOG_BASE");
    const loadWatchdog = this.watchdog.writeUint32.bind(this.watchdog);
    this.watchdog.writeUint32 = (offset, value) => {
      if (offset === WATCHDOG_LOAD) {
        this.feeds.push(this.ms);
        this.feedCycles.push(this.cycles);
        this.watchdogLoad = value & 0xffffff;
      }
      loadWatchdog(offset, value);
    };
    this.watchdog.onWatchdogTrigger = () => {
      this.resetPending = true; // the reboot happens between instructions (runUntil)
      this.watchdog.alarm.enable = this.watchdog.timer.enable = false; // rp2040js would fire it again at once
    };
    this.resetPending = false;
  }

  /**
   * The boot ROM's flash_range_erase (r0 offset, r1 bytes) and flash_range_program (r0 offset, r1 data in
   * RAM, r2 bytes), as the chip's flash does them: erase 4 KB sectors to 0xFF, program 256-byte pages, bits
   * only from 1 to 0. A power cut set with cutPowerAtFlashOp leaves that operation half done.
   */
  onRomFlash(code) {
    const r = this.mcu.core.registers, flash = this.mcu.flash;
    const [offset, second, third] = [r[0], r[1], r[2]];
    const erase = code === ROM_ERASE, bytes = erase ? second : third;
    const unit = erase ? 4096 : 256;
    this.flashOps.push({ op: erase ? "erase" : "program", offset, bytes, ms: this.ms });
    if (offset % unit || bytes % unit) this.flashViolations.push(`${erase ? "erase" : "program"} of ${bytes} B at 0x${offset.toString(16)}: not whole ${unit}-byte units`);
    const cut = this.cutPowerAtFlashOp > 0 && --this.cutPowerAtFlashOp === 0;
    const done = cut ? bytes >> 1 : bytes; // torn: the first half made it
    this.clock.tick((erase ? this.flashTimeMs.erase * (bytes / unit) : this.flashTimeMs.program * (bytes / unit)) * 1e6);
    if (erase) flash.fill(0xff, offset, offset + done);
    else {
      for (let i = 0; i < done; i++) {
        const want = this.mcu.readUint8(second + i), now = flash[offset + i];
        if (want & ~now) this.flashViolations.push(`program at 0x${(offset + i).toString(16)}: 0x${want.toString(16)} over 0x${now.toString(16)} needs a 0 bit to become 1`);
        flash[offset + i] = now & want;
      }
    }
    if (cut) this.powerCutPending = true;
  }

  /** Power off and on: only the flash is kept (SRAM and the watchdog's registers start afresh). */
  powerCycle() {
    const old = this.mcu;
    this.nanosBase += this.clock.nanos;
    this.cyclesBase += old.core.cycles;
    this.powerOn((mcu) => mcu.flash.set(old.flash));
    this.afterRestart();
  }

  afterRestart() {
    this.powerCutPending = false;
    this.console = "";
    this.rx = [];
    this.tx = [];
    this.txOffset = 0;
    this.listening = 0;
    this.watch = null;
  }

  /** The watchdog reset the chip: flash, SRAM and the watchdog's scratch and reason registers carry over. */
  reboot() {
    const old = this.mcu, watchdog = this.watchdog;
    this.resets.push({ ms: this.ms, reason: watchdog.reason === 2 ? "forced" : "timer" });
    this.nanosBase += this.clock.nanos;
    this.cyclesBase += old.core.cycles;
    this.powerOn((mcu) => {
      mcu.flash.set(old.flash);
      mcu.sram.set(old.sram);
      const next = Object.values(mcu.peripherals).find((p) => p.name === "WATCHDOG_BASE");
      next.scratchData.set(watchdog.scratchData);
      next.reason = watchdog.reason;
    });
    this.afterRestart();
  }

  restart() {
    if (this.powerCutPending) this.powerCycle();
    else this.reboot();
  }

  get cycles() { return this.cyclesBase + this.mcu.core.cycles; }
  get nanos() { return this.nanosBase + this.clock.nanos; }
  get ms() { return this.nanos / 1e6; }

  onConsoleByte(b) {
    if (b === 10) {
      const line = this.console.replace(/\r$/, "");
      this.lines.push(line);
      if (this.echo) console.log(`  | ${line}`);
      this.console = "";
    } else this.console += String.fromCharCode(b);
  }

  onLinkByte(b) {
    this.rx.push(b);
    while (this.rx.length >= HEADER) {
      const len = this.rx[3] | (this.rx[4] << 8);
      if (this.rx.length < HEADER + len) return;
      const f = this.rx.splice(0, HEADER + len);
      this.linkFrames++;
      this.onFrame(f[0], f[1] | (f[2] << 8), Uint8Array.from(f.slice(HEADER)));
    }
  }

  conn(handle) { return this.conns.get(handle); }
  mark(c, what) { c.events.push({ what, cycles: this.cycles, ms: this.ms }); }

  onFrame(type, handle, payload) {
    switch (type) {
      case F.OPEN: {
        const c = { handle, target: dec.decode(payload), server: false, out: "", closed: false, requests: [], exchanges: [], events: [] };
        this.conns.set(handle, c);
        this.mark(c, "open");
        this.send(frame(F.CONNECTED, handle));
        return;
      }
      case F.SEND: {
        const c = this.conn(handle);
        if (!c) return;
        if (c.onBytes) return c.onBytes(payload); // a binary peer (a TLS client: bench/firmware_tls.mjs)
        c.out += dec.decode(payload);
        if (!c.server) this.answerRequests(c);
        return;
      }
      case F.CLOSE: {
        const c = this.conn(handle);
        if (!c) return;
        c.closed = true;
        this.mark(c, "close");
        c.onClose?.();
        return;
      }
      case F.LISTEN: this.listening = payload[0] | (payload[1] << 8); return;
      case F.REGION: this.regions.push({ slot: payload, cycles: this.cycles }); return;
      case F.RESOURCES: {
        const v = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
        this.resources = Object.fromEntries(RESOURCE_FIELDS.map((k, i) => [k, v.getUint32(i * 4, true)]));
        return;
      }
      default: throw new Error(`fake network: unknown frame 0x${type.toString(16)} from the firmware`);
    }
  }

  /** Answers each complete request on an outbound connection through the API script. */
  answerRequests(c) {
    for (;;) {
      const n = completeMessage(c.out);
      if (!n) return;
      const raw = c.out.slice(0, n);
      c.out = c.out.slice(n);
      const req = parseRequest(raw);
      c.requests.push(req);
      this.mark(c, "request");
      // The exchange's cost: from the wake-up in which the firmware made the request to its first
      // sleep after the whole answer went in (a watch stream never ends: not counted).
      const exchange = { method: req.method, target: req.target, start: this.lastWake, startMs: this.lastWakeMs, requested: this.cycles, end: null };
      c.exchanges.push(exchange);
      const answer = this.api(req, c, this);
      if (answer) exchange.status = Number(Buffer.from(answer.slice(9, 12)).toString("latin1")); // a string, or bytes (a file)
      if (answer) this.data(c.handle, answer);
      if (answer && !/transfer-encoding: chunked/i.test(answer)) this.unsettled.push(exchange);
    }
  }

  send(bytes) { this.tx.push(bytes); }
  /** A kubelet-port client connects (LINK_ACCEPT): its connection record, bytes from the firmware to onBytes. */
  accept({ onBytes, onClose } = {}) {
    const handle = this.nextClient++;
    const c = { handle, target: "client", server: true, out: "", closed: false, events: [], onBytes, onClose };
    this.conns.set(handle, c);
    this.mark(c, "accept");
    this.send(frame(F.ACCEPT, handle));
    return c;
  }
  /** Queues bytes for a connection in DATA frames. */
  data(handle, text) {
    const bytes = typeof text === "string" ? enc.encode(text) : text;
    for (let i = 0; i < bytes.length; i += DATA_PIECE) this.send(frame(F.DATA, handle, bytes.subarray(i, i + DATA_PIECE)));
  }
  peerClose(handle) { this.send(frame(F.PEER_CLOSED, handle)); }

  /** Moves queued bytes into UART1's receive FIFO while it has room (the link's flow control). */
  feed() {
    const uart = this.mcu.uart[1];
    while (this.tx.length && !uart.rxFIFO.full) {
      const f = this.tx[0];
      uart.feedByte(f[this.txOffset++]);
      if (this.txOffset === f.length) { this.tx.shift(); this.txOffset = 0; }
    }
  }

  /**
   * Runs until done() is true, checking it every few thousand instructions.
   * Idle time (WFE/WFI) is skipped to the next timer alarm; core.cycles counts
   * executed cycles only, so differences of it are the firmware's work.
   */
  runUntil(done, { what = "condition", maxMs = 60_000, wallMs = 300_000 } = {}) {
    let core = this.mcu.core;
    const limitNs = this.nanos + maxMs * 1e6;
    const wallEnd = Date.now() + wallMs;
    while (!done()) {
      for (let i = 0; i < 4096; i++) {
        if ((i & 31) === 0 && this.tx.length) this.feed();
        if (core.waiting) {
          if (!this.asleep) this.fallAsleep();
          if (this.tx.length && !this.mcu.uart[1].rxFIFO.full) { this.feed(); continue; }
          const ns = this.clock.nanosToNextAlarm;
          this.clock.tick(ns > 0 ? ns : 1000);
          if (this.resetPending || this.powerCutPending) { this.restart(); core = this.mcu.core; continue; }
          if (done()) return; // also when the alarm woke it: a firmware that only sleeps and wakes would run on
          if (!core.waiting) continue;
        } else {
          if (this.asleep) { this.asleep = false; this.lastWake = this.cycles; this.lastWakeMs = this.ms; }
          if (this.allocations !== null && this.allocations.entries.includes(core.registers[15] & ~1)) this.onAllocation(core);
          this.clock.tick(core.executeInstruction() * NS_PER_CYCLE);
          if (this.resetPending || this.powerCutPending) { this.restart(); core = this.mcu.core; }
        }
      }
      if (this.nanos > limitNs) throw new Error(`emulator: no ${what} within ${maxMs} emulated ms (console:\n${this.lines.slice(-15).join("\n")})`);
      if (Date.now() > wallEnd) throw new Error(`emulator: no ${what} within ${wallMs / 1000} s of real time`);
    }
  }

  /** The firmware sleeps: every answer fed so far has been dealt with. */
  fallAsleep() {
    this.asleep = true;
    if (this.tx.length) return; // bytes still to go in: it sleeps only because the FIFO waits for the ring
    for (const e of this.unsettled) { e.end = this.cycles; e.endMs = this.ms; }
    this.unsettled = [];
  }

  /** Lets emulated time pass (the firmware ticks, renews its Lease, …). */
  idle(ms) {
    const until = this.nanos + ms * 1e6;
    this.runUntil(() => this.nanos >= until, { what: `${ms} ms`, maxMs: ms + 1000 });
  }

  /**
   * One kubelet-port client over TLS (needs a world): connects as identity (a client certificate of the
   * world's client CA; null: none), resuming its earlier session, sends raw, waits for the answer, then
   * closes the connection (the core would keep it for the next request); returns the response and its cost
   * (the resumed handshake included). A connection the firmware refused answers status 0.
   */
  async request(raw, { identity = "admin" } = {}) {
    if (!this.world) throw new Error("request() speaks TLS: construct the EmulatedPico with a world (bench/firmware_tls.mjs)");
    if (!this.listening) throw new Error("the firmware is not listening on its kubelet port yet");
    const start = this.cycles, startMs = this.ms;
    const key = identity ?? "";
    const c = await tlsConnect(this, this.world, { identity: identity ?? undefined, session: this.sessions.get(key) });
    if (!c.secure) return { response: { status: 0, headers: {}, body: "" }, raw: "", cycles: this.cycles - start, ms: this.ms - startMs };
    const response = await tlsRequest(this, c, raw);
    const cost = { cycles: this.cycles - start, ms: this.ms - startMs };
    if (c.session) this.sessions.set(key, c.session);
    await closeClient(this, c);
    return { response, raw: c.received.toString(), ...cost };
  }

  /** Waits until the firmware serves its kubelet port with a certificate (needs a world). */
  async certified(maxMs = 60_000) { await waitForCertificate(this, maxMs); }

  /** The region bytes the board serves (its RAM copy, region_store's active slot), read from SRAM. */
  regionInRam() {
    const symbol = elfSymbol(this.elf, "region_ram");
    const SLOT = 12 + 1024, at = symbol.address - 0x20000000, sram = this.mcu.sram;
    const active = new DataView(sram.buffer, sram.byteOffset).getInt32(at + 2 * SLOT, true);
    return active < 0 ? null : sram.slice(at + active * SLOT + 12, at + active * SLOT + 12 + 1024);
  }

  /**
   * Counts each call of the C library's malloc, calloc and realloc (what pico-sdk's wrappers call, so a NULL
   * from here meets PICO_MALLOC_PANIC's check as a real one would; a realloc to 0 bytes frees and is not
   * counted); the failAt-th returns NULL at once, as newlib does on an exhausted heap. Later ones succeed.
   */
  countAllocations(elf, failAt = 0) {
    // A Thumb function's symbol has bit 0 set; an allocator the image never calls is not linked in (-1).
    const entries = ALLOCATORS.map((name) => (elfSymbol(elf, name)?.address ?? 0) & ~1 || -1);
    this.allocations = { entries, count: 0, failAt, failed: null };
  }

  onAllocation(core) {
    const a = this.allocations, r = core.registers;
    const which = a.entries.indexOf(r[15] & ~1);
    const bytes = which === 0 ? r[0] : which === 1 ? r[0] * r[1] : r[1];
    if (which === 2 && bytes === 0) return;
    if (++a.count !== a.failAt) return;
    a.failed = { n: a.count, call: `${ALLOCATORS[which]} of ${bytes} bytes`, caller: r[14] & ~1, ms: this.ms };
    r[0] = 0;
    core.PC = r[14] & ~1; // return NULL to the caller without running the allocator
  }

  /** The longest time (ms) between two watchdog feeds, of those around or within [fromMs, toMs]. */
  longestFeedGap(fromMs, toMs) {
    let longest = 0;
    for (let i = 1; i < this.feeds.length; i++) {
      if (this.feeds[i] >= fromMs && this.feeds[i - 1] <= toMs) longest = Math.max(longest, this.feeds[i] - this.feeds[i - 1]);
    }
    return longest;
  }

  /** The watchdog timeout the firmware set (ms), from the value it loads on each feed. */
  get watchdogTimeoutMs() { return this.watchdogLoad / WATCHDOG_TICKS_PER_MS; }

  /** Asks the firmware for its resource figures. */
  report() {
    this.resources = null;
    this.send(frame(F.REPORT, 0));
    this.runUntil(() => this.resources !== null, { what: "resource report" });
    return this.resources;
  }

  /** The region bytes (1024) of the newest persisted region record. */
  lastRegion() {
    const r = this.regions.at(-1);
    return r ? r.slot.subarray(12, 12 + 1024) : null; // region_slot: magic, sequence, crc, bytes
  }
}

// ---- the API server's side ----

export const LIST_PATH = "/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dpico-config";

/** 1024 entries "offset=0xNN" covering the whole region (the ConfigMap's memory_values), and the bytes they make. */
export function memoryValues(seed) {
  const bytes = new Uint8Array(1024);
  const entries = [];
  for (let i = 0; i < 1024; i++) {
    bytes[i] = (i * 7 + seed) & 0xff;
    entries.push(`${i}=0x${bytes[i].toString(16).padStart(2, "0")}`);
  }
  return { text: entries.join(","), bytes };
}

/**
 * Answers like kube-apiserver through the proxy: registration, the Node, Lease
 * get/create/renew, status patches, the ConfigMap LIST (`state.listValues` at
 * `state.listVersion`) and WATCH (headers only: events are sent by the script
 * with watchEvent()). `state.once` holds answers that replace the next
 * matching request's ({ method, target, response }), for the error paths.
 */
export function defaultApi(state = {}) {
  let leaseVersion = 600;
  let leaseExists = false;
  state.listValues ??= memoryValues(1).text;
  state.listVersion ??= "100";
  state.once ??= [];
  return (req, c, pico) => {
    const { method, target } = req;
    const override = state.once.findIndex((o) => o.method === method && o.target === target);
    if (override >= 0) return state.once.splice(override, 1)[0].response;
    if (method === "POST" && target === "/api/v1/nodes") return apiResponse(201, nodeObject());
    if (method === "GET" && target === `/api/v1/nodes/${NODE}`) return apiResponse(200, nodeObject());
    if (target.startsWith("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases")) {
      if (method === "GET") return leaseExists ? apiResponse(200, leaseObject(String(leaseVersion))) : apiResponse(404, status(404, "NotFound", `leases.coordination.k8s.io "${NODE}" not found`));
      leaseExists = true;
      return apiResponse(method === "POST" ? 201 : 200, leaseObject(String(++leaseVersion)));
    }
    if (method === "PATCH" && target === `/api/v1/nodes/${NODE}/status`) return apiResponse(200, nodeObject());
    if (method === "GET" && target.startsWith(LIST_PATH + "&watch=1")) {
      pico.watch = c;
      return apiResponse(200, "", { chunked: true });
    }
    if (method === "GET" && target === LIST_PATH) return apiResponse(200, configMapList(state.listVersion, [configMap(state.listVersion, state.listValues)]));
    return apiResponse(404, status(404, "NotFound", `no fake answer for ${method} ${target}`));
  };
}

/** One watch event as a chunk of the open watch stream. */
export function watchEvent(type, object) {
  return chunk(JSON.stringify({ type, object }) + "\n");
}

export { configMap, parseResponse, NODE };

// ---- the scripted run both the benchmark and the test use ----

/** The kubelet requests the run makes: every route and the error paths (each compiles code the first time). */
// [name, request, identity]: the admin's client certificate unless named (null: none, a bearer token or nothing).
export const KUBELET_REQUESTS = [
  ["healthz", "GET /healthz HTTP/1.1\r\nHost: pico\r\n\r\n"],
  ["healthz verbose", "GET /healthz?verbose=1 HTTP/1.1\r\nHost: pico\r\n\r\n"],
  ["readyz", "GET /readyz HTTP/1.1\r\nHost: pico\r\n\r\n"],
  ["livez", "GET /livez HTTP/1.1\r\nHost: pico\r\n\r\n"],
  ["pods", "GET /pods HTTP/1.1\r\nHost: pico\r\n\r\n"],
  ["spec", "GET /spec HTTP/1.1\r\nHost: pico\r\n\r\n"],
  ["pico/status", "GET /pico/status HTTP/1.1\r\nHost: pico\r\n\r\n"],
  ["pico/memory", "GET /pico/memory HTTP/1.1\r\nHost: pico\r\n\r\n"],
  ["metrics", "GET /metrics HTTP/1.1\r\nHost: pico\r\n\r\n"],
  ["metrics/resource", "GET /metrics/resource HTTP/1.1\r\nHost: pico\r\n\r\n"],
  ["404", "GET /nope HTTP/1.1\r\nHost: pico\r\n\r\n"],
  ["405", "DELETE /healthz HTTP/1.1\r\nHost: pico\r\n\r\n"],
  ["400", "GARBAGE\r\n\r\n"],
  ["command 401", commandRequest(""), null],
  ["command 202", commandRequest("Authorization: Bearer t0ken-for-tests\r\n"), null],
];

function commandRequest(auth) {
  const cmd = JSON.stringify({ command: "blink_led", params: { times: 2, delay_ms: 100 } });
  return `POST /pico/command HTTP/1.1\r\nHost: pico\r\nContent-Type: application/json\r\n${auth}Content-Length: ${cmd.length}\r\n\r\n${cmd}`;
}

/** Answered API exchanges so far matching method, target prefix and status. */
function answered(pico, method, targetPrefix, status) {
  return exchanges(pico).filter((e) => e.method === method && e.target.startsWith(targetPrefix) && e.status === status);
}

const NODE_STATUS = `/api/v1/nodes/${NODE}/status`;
const LEASE = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${NODE}`;

/**
 * The API server's unhappy answers, each of which runs (and, the first time,
 * compiles) code of its own: the Node deleted under the node (status 404, then
 * 409 on the new POST: adopt it), a ConfigMap the node must reject, a Lease
 * conflict, and a watch that expires in-stream (410) whose re-LIST first meets
 * a 503 with Retry-After. Returns what the firmware did.
 */
function runErrorPaths(pico, currentValues) {
  const state = pico.apiState;
  const regionsBefore = pico.regions.length;
  const patches = () => answered(pico, "PATCH", NODE_STATUS, 200).length;
  const patchesBefore = patches();
  state.once.push(
    { method: "PATCH", target: NODE_STATUS, response: apiResponse(404, status(404, "NotFound", `nodes "${NODE}" not found`)) },
    { method: "POST", target: "/api/v1/nodes", response: apiResponse(409, status(409, "AlreadyExists", `nodes "${NODE}" already exists`)) },
  );
  // The rejected ConfigMap changes the node's condition, so its status write meets the 404.
  pico.data(pico.watch.handle, watchEvent("MODIFIED", configMap("102", "0=0x42, 2048=1")));
  pico.runUntil(() => answered(pico, "GET", `/api/v1/nodes/${NODE}`, 200).length > 0 && patches() > patchesBefore, { what: "the deleted Node adopted again and its status written", maxMs: 30_000 });
  const rejectedKeptRegion = pico.regions.length === regionsBefore;

  const puts = () => answered(pico, "PUT", LEASE, 200).length;
  const putsBefore = puts();
  state.once.push({ method: "PUT", target: LEASE, response: apiResponse(409, status(409, "Conflict", `Operation cannot be fulfilled on leases.coordination.k8s.io "${NODE}": the object has been modified`)) });
  pico.runUntil(() => answered(pico, "PUT", LEASE, 409).length > 0 && puts() > putsBefore, { what: "the Lease renewed after a conflict", maxMs: 30_000 });

  const oldWatch = pico.watch;
  const listsBefore = answered(pico, "GET", LIST_PATH, 200).length;
  state.listVersion = "103";
  state.listValues = currentValues;
  state.once.push({ method: "GET", target: LIST_PATH, response: apiResponse(503, status(503, "ServiceUnavailable", "etcd leader changed"), { extraHeaders: "Retry-After: 1\r\n" }) });
  pico.data(oldWatch.handle, watchEvent("ERROR", { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "too old resource version: 100 (600)", reason: "Expired", code: 410 }));
  pico.runUntil(() => pico.watch !== oldWatch && answered(pico, "GET", LIST_PATH, 200).length > listsBefore, { what: "the expired watch re-listed (after a 503) and watching again", maxMs: 30_000 });
  return {
    readopted: answered(pico, "POST", "/api/v1/nodes", 409).length === 1,
    rejectedKeptRegion,
    leaseConflictRetried: true,
    relistedAfter503: answered(pico, "GET", LIST_PATH, 503).length === 1,
  };
}

/**
 * The watchdog's view of each path, after runScenario: every kubelet route,
 * a 1024-entry ConfigMap apply and the status write it causes, a Lease
 * renewal, and a region save that moves the flash log to a new sector (so it
 * erases one, its datasheet maximum time charged), each run alone: the
 * firmware is quiet before it and until the feed after it (SETTLE_MS).
 * Returns [path, { fromMs, toMs }] windows of emulated time; boot is
 * runScenario's own.
 */
export async function runWatchdogPaths(pico, out) {
  const windows = [["boot (reset → first API request)", { fromMs: 0, toMs: out.bootToFirstRequest.ms }]];
  pico.flashTimeMs = FLASH_MAX_MS;
  const alone = async (name, step) => {
    pico.idle(SETTLE_MS);
    const fromMs = pico.ms;
    await step();
    const toMs = pico.ms;
    pico.idle(SETTLE_MS); // the feed that ends the step's gap
    windows.push([name, { fromMs, toMs }]);
  };
  for (const [name, raw, identity] of KUBELET_REQUESTS) await alone(`kubelet ${name}`, () => pico.request(raw, { identity }));
  const saved = pico.regions.length;
  const sent = (e, method) => e.method === method && e.end !== null;
  const patchesBefore = exchanges(pico).filter((e) => sent(e, "PATCH")).length;
  await alone("ConfigMap apply, 1024 entries", () => {
    pico.data(pico.watch.handle, watchEvent("MODIFIED", configMap("300", memoryValues(3).text)));
    pico.runUntil(() => pico.regions.length > saved, { what: "the MODIFIED ConfigMap applied" });
  });
  // The status write the apply set off (its condition changed), from the wake-up in which it was built.
  pico.runUntil(() => exchanges(pico).filter((e) => sent(e, "PATCH")).length > patchesBefore, { what: "the status written", maxMs: 5_000 });
  const patch = exchanges(pico).filter((e) => sent(e, "PATCH")).at(-1);
  pico.idle(SETTLE_MS);
  windows.push(["status write (after the apply)", { fromMs: patch.startMs, toMs: patch.endMs }]);
  const putsBefore = exchanges(pico).filter((e) => sent(e, "PUT")).length;
  pico.runUntil(() => exchanges(pico).filter((e) => sent(e, "PUT")).length > putsBefore, { what: "a Lease renewal", maxMs: 15_000 });
  const put = exchanges(pico).filter((e) => sent(e, "PUT")).at(-1);
  pico.idle(SETTLE_MS);
  windows.push(["Lease renewal", { fromMs: put.startMs, toMs: put.endMs }]);
  // Whole-region changes until one moves the log to a new sector: that save erases it.
  const erases = () => pico.flashOps.filter((o) => o.op === "erase").length;
  const erasesBefore = erases();
  for (let seed = 4; erases() === erasesBefore; seed++) {
    if (seed > 12) throw new Error("nine whole-region saves and the region log never moved to a new sector");
    const n = pico.regions.length;
    await alone("region save moving to a new sector (erase)", () => {
      pico.data(pico.watch.handle, watchEvent("MODIFIED", configMap(String(300 + seed), memoryValues(seed).text)));
      pico.runUntil(() => pico.regions.length > n, { what: "the changed region saved" });
    });
    if (erases() === erasesBefore) windows.pop(); // a save within the sector: not the one measured
  }
  return windows;
}

const SETTLE_MS = 100; // two of the shell's ticks
// The Pico W's flash (W25Q16JV) datasheet maximums: 4 KB sector erase 400 ms, 256-byte page program 3 ms
// (typical: 45 ms and 0.4 ms). Interrupts are off meanwhile, and nothing feeds the watchdog.
export const FLASH_MAX_MS = { erase: 400, program: 3 };

/** All API exchanges so far, oldest first. */
function exchanges(pico) {
  return [...pico.conns.values()].filter((c) => !c.server).flatMap((c) => c.exchanges).sort((a, b) => a.requested - b.requested);
}

/**
 * Boots the image and plays one node's life through the fake network:
 * registration, Lease, status, ConfigMap LIST (1024 entries) and a MODIFIED
 * watch event, a Lease renewal, and every kubelet request twice (the first
 * compiles its code). Returns what happened and what it cost.
 */
export async function runScenario(pico, log = () => {}) {
  const out = { requests: {}, regions: [] };
  const firstRequest = () => [...pico.conns.values()].find((c) => !c.server && c.requests?.length);
  pico.runUntil(() => firstRequest(), { what: "first API request" });
  const reg = firstRequest();
  out.bootToFirstRequest = { cycles: reg.events.find((e) => e.what === "request").cycles, ms: pico.ms };
  out.firstRequest = `${reg.requests[0].method} ${reg.requests[0].target}`;
  log(`booted: first request ${out.firstRequest} after ${out.bootToFirstRequest.cycles} cycles`);

  pico.runUntil(() => pico.regions.length >= 1 && pico.watch, { what: "ConfigMap LIST applied and WATCH open" });
  out.listRegion = pico.lastRegion();
  log("registered, Lease created, status written, ConfigMap listed and applied");
  await pico.certified();
  log("serving certificate issued (CSR) and installed");

  for (const pass of ["first", "again"]) {
    for (const [name, raw, identity] of KUBELET_REQUESTS) {
      const r = await pico.request(raw, { identity });
      (out.requests[name] ??= {})[pass] = { status: r.response.status, body: r.response.body, headers: r.response.headers, cycles: r.cycles, ms: r.ms };
    }
    log(`kubelet requests served over TLS (${pass})`);
  }

  const next = memoryValues(2);
  out.modifiedValues = next.bytes;
  const start = pico.cycles, startMs = pico.ms;
  pico.data(pico.watch.handle, watchEvent("MODIFIED", configMap("101", next.text)));
  pico.runUntil(() => pico.regions.length >= 2, { what: "MODIFIED ConfigMap applied" });
  out.configMapApply = { cycles: pico.regions.at(-1).cycles - start, ms: pico.ms - startMs };
  out.watchRegion = pico.lastRegion();
  log("watch event MODIFIED applied");

  // A renewal after the kubelet requests: one during them shares its wake-up with TLS handshake steps.
  const renewal = () => exchanges(pico).find((e) => e.method === "PUT" && e.end !== null && e.startMs >= startMs);
  pico.runUntil(() => renewal(), { what: "Lease renewal", maxMs: 15_000 });
  const put = renewal();
  out.leaseRenewal = { cycles: put.end - put.start };
  // The status write after the MODIFIED event (its condition changed): build = until the request is out.
  const patch = exchanges(pico).filter((e) => e.method === "PATCH" && e.end !== null).at(-1);
  out.statusBuild = patch ? { cycles: patch.requested - patch.start } : null;
  out.statusRoundTrip = patch ? { cycles: patch.end - patch.start } : null;
  log("Lease renewed");

  const m = await pico.request("GET /pico/memory HTTP/1.1\r\nHost: pico\r\n\r\n");
  out.memoryAfter = JSON.parse(m.response.body);

  out.errorPaths = runErrorPaths(pico, next.text);
  log("error paths: Node deleted and adopted, ConfigMap rejected, Lease conflict, watch expired and re-listed after a 503");
  out.resources = pico.report();
  out.apiRequests = [...pico.conns.values()].filter((c) => !c.server).flatMap((c) => (c.requests ?? []).map((r) => `${r.method} ${r.target.split("?")[0]}`));
  return out;
}
