// The simulated board's side of firmware updates (docs/firmware-update.md):
// a download slot in memory, the same image checks a device makes (the
// workstation's checkImage rules, with the trusted public key), and a
// bootloader's bookkeeping: install on the next boot, a trial that must
// confirm within a bounded time, and a rollback when it does not. The payload
// of a simulator image is never run: what "boots" is the same core.wasm,
// reporting the version the bootloader says it runs.
import type crypto from "node:crypto";
import {
  HEADER_BYTES, REASONS, SIM_BOARD, SIM_ENGINE, Reason, Version, checkHeader, checkImage, formatVersion, parseVersion,
} from "../cli/firmware_image.js";

/** The slot a Pico W has for a download (docs/firmware-update.md), header included. */
export const SIM_SLOT_BYTES = 948 * 1024;
/** How long a new image may take to confirm before the simulated bootloader goes back. */
export const DEFAULT_TRIAL_MS = 120_000;

export interface SimFirmwareOptions {
  version: string;
  trustedKey: crypto.KeyObject;
  trialMs?: number;
}

const code = (r: Reason): number => REASONS.indexOf(r) + 1;

export class SimFirmware {
  running: Version;
  private previous: Version | null = null;
  /** 0 confirmed (or nothing installed), 1 on trial, 2 rolled back (then `refused`; until the next install). */
  bootState = 0;
  refused: Version = [0, 0, 0];
  private slot = Buffer.alloc(0);
  private verified: Version | null = null;
  private installRequested = false;
  private trialDeadline = 0;
  readonly trialMs: number;

  constructor(private readonly opts: SimFirmwareOptions) {
    this.running = parseVersion(opts.version, "firmware version");
    this.trialMs = opts.trialMs ?? DEFAULT_TRIAL_MS;
  }

  runningVersion(): string {
    return formatVersion(this.running);
  }

  identity(): Buffer {
    const out = Buffer.alloc(40);
    this.running.forEach((n, i) => out.writeUInt16LE(n, 2 * i));
    out.write(SIM_BOARD, 8, "ascii");
    out.write(SIM_ENGINE, 24, "ascii");
    return out;
  }

  /** firmware_slot_write: bytes held after, -1 out of step, or -(10 + reason). */
  write(offset: number, bytes: Uint8Array): number {
    if (offset === 0) {
      this.slot = Buffer.alloc(0);
      this.verified = null;
    } else if (offset !== this.slot.length) return -1;
    const before = this.slot.length;
    this.slot = Buffer.concat([this.slot, bytes]);
    if (before < HEADER_BYTES && this.slot.length >= HEADER_BYTES) {
      const refusal = this.headerRefusal();
      if (refusal) {
        this.slot = Buffer.alloc(0);
        return -(10 + code(refusal));
      }
    }
    return this.slot.length;
  }

  /** What the device checks once the header is in: the key, the signature, the size (the core judged the rest). */
  private headerRefusal(): Reason | null {
    const { reason } = checkHeader(this.slot.subarray(0, HEADER_BYTES), this.opts.trustedKey, { slotBytes: SIM_SLOT_BYTES });
    return reason === "OK" ? null : reason;
  }

  /** firmware_slot_finish: 0 installable, or a reason code. */
  finish(declaredSha256: Uint8Array): number {
    const { reason, header } = checkImage(this.slot, this.opts.trustedKey, { slotBytes: SIM_SLOT_BYTES, declaredSha256: Buffer.from(declaredSha256).toString("hex") });
    if (reason !== "OK" || !header) return code(reason === "OK" ? "NotSigned" : reason);
    this.verified = header.version;
    return 0;
  }

  /** firmware_install: the next boot runs the verified image on trial. */
  install(): number {
    if (!this.verified) return -1;
    this.installRequested = true;
    return 0;
  }

  installPending(): boolean {
    return this.installRequested;
  }

  confirm(): number {
    if (this.bootState === 1) {
      this.bootState = 0;
      this.previous = null;
    }
    return 0;
  }

  /** The bootloader's turn, at every (re)start of the core. */
  boot(now: number): void {
    if (this.installRequested && this.verified) {
      this.installRequested = false;
      this.previous = this.running;
      this.running = this.verified;
      this.verified = null;
      this.bootState = 1;
      this.trialDeadline = now + this.trialMs;
    }
  }

  /** A trial past its deadline: the bootloader goes back (the caller restarts the core). */
  trialExpired(now: number): boolean {
    return this.bootState === 1 && now >= this.trialDeadline;
  }

  rollBack(): void {
    if (!this.previous) return;
    this.refused = this.running;
    this.running = this.previous;
    this.previous = null;
    this.bootState = 2;
  }
}
