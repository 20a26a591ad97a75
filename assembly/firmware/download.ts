// FirmwareDownload: fetches one image file from the proxy into the host's
// download slot, on a connection of its own (the Lease and the ConfigMap watch
// never wait behind it). The first 256 bytes (the header) stay in the core
// until it has judged them; everything after goes to the host as it arrives.
// A connection that drops resumes with a Range request from the last byte the
// slot holds, never from zero.

import { net_open, net_close, firmware_slot_write } from "../host";
import { config } from "../config";
import { now } from "../lib/clock";
import { ByteBuf, isDigit } from "../lib/bytes";
import { HttpResponseParser, ResponseHandler } from "../http/response_parser";
import { writeRequestLineStart, writeDownloadHeadEnd } from "../http/writer";
import { txBegin, txEnd } from "../net/tx";
import { metrics } from "../metrics/counters";
import { Out } from "../lib/out";
import { T, Text } from "../lib/text";
import { HEADER_BYTES, checkHeader } from "./header";
import { isReason, FIRMWARE_OK, FIRMWARE_REASON_NOT_SIGNED, FIRMWARE_REASON_TOO_LARGE } from "./reasons";
import { writeVersion } from "./version";

/** What the last attempt came to. Nothing under way: start() when due. */
export const DL_IDLE = -1;
export const DL_RUNNING = 0;
/** Every byte of the file is in the slot. */
export const DL_COMPLETE = 1;
/** No (usable) answer: try again later from `received`. */
export const DL_FAILED = 2;
/** The image is refused (refusal holds the FIRMWARE_REASON_*): do not try again. */
export const DL_REFUSED = 3;

/** A bound on sizes read off the network that keeps every offset an i32; the host's slot is the real limit
 *  (2 MB of flash on a Pico, a POSIX shell's 4 MB slot), and it refuses what does not fit (TooLarge). */
const FILE_BYTES_MAX: i64 = 1 << 30;

// Plain data, created once: no managed header needed.
@unmanaged
class Target {
  /** The running image's identity (header bytes 8..47). */
  running: usize = 0;
  version: u64 = 0;
  allowDowngrade: bool = false;
}

export class FirmwareDownload extends ResponseHandler {
  handle: i32 = -1;
  outcome: i32 = DL_IDLE;
  /** Bytes of the file accepted so far: the header in `header`, then what the slot holds. */
  received: i32 = 0;
  /** The whole file's size once the header said it; -1 before. */
  total: i32 = -1;
  /** For DL_FAILED: what went wrong (a fixed text, and an HTTP status or 0). */
  failureText: Text = T("");
  failureStatus: i32 = 0;
  /** For DL_REFUSED: a FIRMWARE_REASON_*. */
  refusal: i32 = 0;
  private target: Target = new Target();
  private header: ByteBuf = ByteBuf.create(HEADER_BYTES);
  private parser: HttpResponseParser = new HttpResponseParser(this);
  private contentRange: ByteBuf = ByteBuf.create(48);
  private connected: bool = false;
  private deadline: u64 = 0;
  /** The response's body is the file from `received` on (checked in head()). */
  private bodyIsFile: bool = false;

  /** Forgets any earlier file: the next attempt starts at byte 0. */
  reset(running: usize, version: u64, allowDowngrade: bool): void {
    this.abort();
    this.target.running = running;
    this.target.version = version;
    this.target.allowDowngrade = allowDowngrade;
    this.startOver();
    this.outcome = DL_IDLE;
  }

  /** Drops the attempt and what it held: nothing is under way. */
  stop(): void {
    this.abort();
    this.startOver();
    this.outcome = DL_IDLE;
  }

  busy(): bool {
    return this.outcome == DL_RUNNING;
  }

  constructor() {
    super();
    this.parser.contentRange = this.contentRange;
  }

  /** One attempt, from `received` on. */
  start(): void {
    this.abort();
    this.outcome = DL_RUNNING;
    this.failureText = T("");
    this.failureStatus = 0;
    this.parser.reset();
    this.connected = false;
    this.handle = net_open(config.apiHostPort.ptr, config.apiHostPort.len);
    if (this.handle < 0) {
      this.handle = -1;
      this.fail(T("connection failed"), 0);
      return;
    }
    this.deadline = now() + <u64>config.requestTimeoutMs;
  }

  abort(): void {
    if (this.handle >= 0) net_close(this.handle);
    this.handle = -1;
    if (this.outcome == DL_RUNNING) this.outcome = DL_FAILED;
  }

  /** The request path: /firmware/<board>/<engine>/<version>.pkfw */
  writePath(o: Out): void {
    o.ascii(T("/firmware/"));
    writeName(o, this.target.running + 8);
    o.byte(0x2f);
    writeName(o, this.target.running + 24);
    o.byte(0x2f);
    writeVersion(o, this.target.version);
    o.ascii(T(".pkfw"));
  }

  private fail(text: Text, status: i32): void {
    if (this.handle >= 0) net_close(this.handle);
    this.handle = -1;
    this.failureText = text;
    this.failureStatus = status;
    this.outcome = DL_FAILED;
  }

  private refuse(reason: i32): void {
    if (this.handle >= 0) net_close(this.handle);
    this.handle = -1;
    this.refusal = reason;
    this.outcome = DL_REFUSED;
  }

  // ---- host events (ignored unless they are for this connection) ----

  onConnected(h: i32): void {
    if (h != this.handle || this.connected) return;
    this.connected = true;
    const out = txBegin(h);
    writeRequestLineStart(out, T("GET"));
    this.writePath(out);
    writeDownloadHeadEnd(out, config.apiHostPort, config.apiToken, this.received);
    if (!txEnd()) this.fail(T("send failed"), 0);
    else this.deadline = now() + <u64>config.requestTimeoutMs;
  }

  onData(h: i32, ptr: usize, len: i32): void {
    if (h != this.handle) return;
    metrics.apiBytesReceived += <u64>len;
    this.deadline = now() + <u64>config.requestTimeoutMs; // an idle timeout: a big file takes as long as it takes
    const used = this.parser.feed(ptr, len);
    if (used < 0 && this.outcome == DL_RUNNING) this.fail(this.parser.errorReason, 0);
  }

  onClosed(h: i32): void {
    if (h != this.handle) return;
    this.handle = -1;
    if (this.outcome != DL_RUNNING) return;
    if (this.parser.finish()) return; // a body that runs until close ended here (done() ran)
    this.fail(T("connection closed before the file ended"), 0);
  }

  onError(h: i32, code: i32): void {
    if (h != this.handle) return;
    this.handle = -1;
    if (this.outcome == DL_RUNNING) this.fail(this.connected ? T("connection lost") : T("connection failed"), 0);
  }

  tick(): void {
    if (this.outcome == DL_RUNNING && now() >= this.deadline) this.fail(T("timed out"), 0);
  }

  // ---- response parser callbacks ----

  head(p: HttpResponseParser): void {
    this.bodyIsFile = false;
    if (p.status == 200 && this.received == 0) this.bodyIsFile = true;
    else if (p.status == 206 && rangeStart(this.contentRange) == <i64>this.received) this.bodyIsFile = true;
    else if (p.status == 206 || (p.status == 200 && this.received > 0)) {
      // A server that answers a Range with the whole file or another range: start over.
      this.startOver();
      this.fail(T("the server did not resume where the slot ends; starting over"), p.status);
    } else {
      if (p.status == 416) this.startOver(); // the range is past the file's end: it is not the file begun
      this.fail(T("HTTP"), p.status);
    }
  }

  body(p: HttpResponseParser, ptr: usize, len: i32): void {
    if (!this.bodyIsFile || this.outcome != DL_RUNNING) return;
    let at = 0;
    if (this.received < HEADER_BYTES) {
      const take = min(len, HEADER_BYTES - this.received);
      this.header.append(ptr, take);
      this.received += take;
      at = take;
      if (this.received < HEADER_BYTES) return;
      if (!this.headerAccepted()) return;
    }
    if (at < len) this.toSlot(ptr + <usize>at, len - at);
  }

  done(p: HttpResponseParser): void {
    if (this.outcome != DL_RUNNING || !this.bodyIsFile) return;
    if (this.total >= 0 && this.received == this.total) {
      if (this.handle >= 0) net_close(this.handle);
      this.handle = -1;
      this.outcome = DL_COMPLETE;
    } else {
      this.fail(T("the response ended before the file did"), 0);
    }
  }

  /** The 256 header bytes are here: judge them, then hand them to the host. */
  private headerAccepted(): bool {
    const h = this.header.ptr;
    const verdict = checkHeader(h, this.target.running, this.target.version, this.target.allowDowngrade);
    if (verdict != FIRMWARE_OK) {
      this.startOver();
      this.refuse(verdict);
      return false;
    }
    const payload = load<u32>(h, 48);
    const fileBytes = <i64>HEADER_BYTES + <i64>payload;
    if (payload == 0 || fileBytes > FILE_BYTES_MAX) {
      this.startOver();
      this.refuse(payload == 0 ? FIRMWARE_REASON_NOT_SIGNED : FIRMWARE_REASON_TOO_LARGE);
      return false;
    }
    this.total = <i32>fileBytes;
    return this.slotWrite(0, h, HEADER_BYTES);
  }

  private toSlot(ptr: usize, len: i32): void {
    if (this.total >= 0 && <i64>this.received + <i64>len > <i64>this.total) {
      this.startOver();
      this.fail(T("the server sent more bytes than the header declares"), 0);
      return;
    }
    if (this.slotWrite(this.received, ptr, len)) this.received += len;
  }

  /** Hands bytes at file offset `offset` to the host; false (and the attempt ended) if it refused them. */
  private slotWrite(offset: i32, ptr: usize, len: i32): bool {
    const held = firmware_slot_write(offset, ptr, len);
    if (held == offset + len) return true;
    if (held <= -11 && isReason(-held - 10)) {
      this.startOver();
      this.refuse(-held - 10);
    } else {
      // The slot is not where the core thinks it is (or the flash failed): from zero.
      this.startOver();
      this.fail(held == -2 ? T("the board could not write the download slot") : T("the download slot lost its place"), 0);
    }
    return false;
  }

  private startOver(): void {
    this.received = 0;
    this.total = -1;
    this.header.clear();
  }
}

/** "bytes FIRST-LAST/COMPLETE" → FIRST, or -1 if the value is not that shape. */
function rangeStart(v: ByteBuf): i64 {
  if (v.overflow || v.len < 9) return -1;
  const p = v.ptr;
  if (load<u8>(p) != 0x62 || load<u8>(p, 1) != 0x79 || load<u8>(p, 2) != 0x74 || load<u8>(p, 3) != 0x65 || load<u8>(p, 4) != 0x73 || load<u8>(p, 5) != 0x20) return -1;
  let n: i64 = 0;
  let digits = 0;
  for (let i = 6; i < v.len; i++) {
    const b = load<u8>(p + <usize>i);
    if (b == 0x2d) return digits > 0 ? n : -1;
    if (!isDigit(b) || ++digits > 10) return -1;
    n = n * 10 + <i64>(b - 0x30);
  }
  return -1;
}

/** A NUL-padded 16-byte name (board or engine), up to its first NUL. */
function writeName(o: Out, ptr: usize): void {
  for (let i = 0; i < 16; i++) {
    const b = load<u8>(ptr + <usize>i);
    if (b == 0) return;
    o.byte(b);
  }
}

export const firmwareDownload = new FirmwareDownload();
