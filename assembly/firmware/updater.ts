// FirmwareUpdater: turns the ConfigMap's firmware declaration into an update
// and reports each step in the Node's PicoFirmware condition
// (docs/firmware-update.md). It downloads and has the host verify the image,
// asks the host to install it (the board restarts into the bootloader), and on
// the new image's first boot confirms it once the node is Ready: the Lease
// renewed and the ConfigMap listed. An image that never confirms is rolled
// back by the bootloader, and the old image reports that here.

import { firmware_identity, firmware_boot_state, firmware_slot_finish, firmware_install, firmware_confirm } from "../host";
import { now } from "../lib/clock";
import { ByteBuf } from "../lib/bytes";
import { Out } from "../lib/out";
import { LOG_ERROR, LOG_INFO, LOG_WARN, logBegin, logEnd } from "../lib/log";
import { Backoff, BACKOFF_API } from "../api/backoff";
import { conditions, COND_FIRMWARE, FIRMWARE_MESSAGE_BYTES, TRUE, FALSE, UNKNOWN } from "../node/conditions";
import { T, Text } from "../lib/text";
import { FirmwareDeclaration, KEY_VERSION, KEY_SHA256, KEY_ALLOW_DOWNGRADE, keyName } from "./declaration";
import { IDENTITY_BYTES } from "./header";
import { FIRMWARE_REASON_DOWNGRADE, reasonName, reasonMessage, isReason } from "./reasons";
import { VERSION_NONE, versionAt, writeVersion } from "./version";
import { firmwareDownload, DL_IDLE, DL_COMPLETE, DL_FAILED, DL_REFUSED } from "./download";

const COMPONENT = T("firmware");

/** How long a verified image waits for the status write that says so before it is installed anyway. */
const INSTALL_REPORT_WAIT_MS: u64 = 10_000;

const ST_UNSUPPORTED = 0; // the host takes no updates
const ST_IDLE = 1; // nothing to do: running what is declared, or nothing declared
const ST_TRIAL = 2; // a new image on its first boots: confirm once Ready
const ST_DOWNLOADING = 3;
const ST_VERIFYING = 4;
const ST_INSTALLING = 5; // verified: waiting for the report to be written, then install
const ST_STOPPED = 6; // refused, rolled back or not installable: until the declaration changes

// Plain data, created once: no managed header needed.
@unmanaged
export class FirmwareUpdater {
  private state: i32 = ST_UNSUPPORTED;
  /** The running image's identity (header bytes 8..47). */
  private running: ByteBuf = ByteBuf.create(IDENTITY_BYTES);
  private runningVersion: u64 = 0;
  /** What is being worked on: the declared version and file digest. */
  private wanted: u64 = VERSION_NONE;
  private wantedDigest: ByteBuf = ByteBuf.create(32);
  /** The digest being declared, before it is compared with the one worked on. */
  private digest: ByteBuf = ByteBuf.create(32);
  private allowDowngrade: bool = false;
  /** A version the bootloader rolled back: not tried again while it stays declared. */
  private rolledBack: u64 = VERSION_NONE;
  private confirmedThisBoot: bool = false;
  private verifiedAt: u64 = 0;
  /** The last quarter of the file reported, so progress rewrites the status four times, not per packet. */
  private reportedQuarter: i32 = -1;
  private backoff: Backoff = new Backoff(BACKOFF_API);
  private msgOut: Out = new Out(FIRMWARE_MESSAGE_BYTES);
  /** The rolled-back version the host reports at boot. */
  private scratch: ByteBuf = ByteBuf.create(8);

  configure(): void {
    this.backoff.configure();
  }

  /** At start: what the host runs, and how this boot came about. */
  start(): void {
    if (firmware_identity(this.running.ptr) != 0) {
      // Through the built message, as every other: the condition's message is the one it builds.
      this.beginMessage().ascii(T("this board takes no firmware updates"));
      this.endMessage(UNKNOWN, T("NotSupported"), LOG_INFO);
      return;
    }
    this.running.len = IDENTITY_BYTES;
    this.runningVersion = versionAt(this.running.ptr);
    const boot = firmware_boot_state(this.scratch.ptr);
    this.state = ST_IDLE;
    const o = this.beginMessage();
    o.ascii(T("running "));
    writeVersion(o, this.runningVersion);
    if (boot == 1) {
      this.state = ST_TRIAL;
      o.ascii(T(" on trial: it confirms once the Lease is renewed and the ConfigMap listed"));
      this.endMessage(UNKNOWN, T("Installed"), LOG_INFO);
    } else if (boot == 2) {
      this.rolledBack = versionAt(this.scratch.ptr);
      this.reportRolledBack();
    } else {
      this.endMessage(TRUE, T("Current"), LOG_INFO);
    }
  }

  /** A new resourceVersion of the ConfigMap: what it declares now. */
  takeDeclaration(d: FirmwareDeclaration): void {
    if (this.state == ST_UNSUPPORTED) return;
    const problem = d.firstProblem();
    if (problem >= 0) return this.invalid(problem, T(" is not a string, or too long"));
    if (!d.declaresAnything()) {
      if (this.state == ST_TRIAL) return; // the image on trial still has to confirm
      this.wanted = VERSION_NONE;
      if (this.state == ST_STOPPED && this.rolledBack != VERSION_NONE) return; // keep reporting the rollback
      this.stopWork();
      this.reportRunning(T(" (no firmware.version declared)"));
      return;
    }
    const version = d.version();
    if (version == VERSION_NONE) return this.invalid(KEY_VERSION, T(" is not MAJOR.MINOR.PATCH (each 0..65535)"));
    if (!d.digest(this.digest.ptr)) return this.invalid(KEY_SHA256, T(" is not 64 hex digits"));
    this.digest.len = 32;
    const allow = d.allowDowngrade();
    if (allow < 0) return this.invalid(KEY_ALLOW_DOWNGRADE, T(" is neither \"true\" nor \"false\""));
    const sameWork = version == this.wanted && this.digest.equals(this.wantedDigest) && (allow == 1) == this.allowDowngrade;
    if (sameWork && this.state != ST_IDLE) return; // a ConfigMap change that leaves the firmware keys alone
    this.wanted = version;
    this.wantedDigest.copyFrom(this.digest);
    this.allowDowngrade = allow == 1;
    if (this.state == ST_TRIAL) return; // confirm first; the declaration is looked at again after
    this.begin();
  }

  /** Starts on `wanted` from the current state (a declaration, or after confirming). */
  private begin(): void {
    this.stopWork();
    if (this.wanted == VERSION_NONE || this.wanted == this.runningVersion) {
      this.reportRunning(T(""));
      return;
    }
    if (this.wanted == this.rolledBack) {
      this.reportRolledBack();
      return;
    }
    if (this.wanted < this.runningVersion && !this.allowDowngrade) return this.refused(FIRMWARE_REASON_DOWNGRADE);
    firmwareDownload.reset(this.running.ptr, this.wanted, this.allowDowngrade);
    this.backoff.succeeded();
    this.reportedQuarter = -1;
    this.state = ST_DOWNLOADING;
    this.reportProgress();
  }

  /** Runs after every event: moves the update along. */
  pump(listed: bool, leaseRenewed: bool): void {
    switch (this.state) {
      case ST_TRIAL: {
        if (listed && leaseRenewed) this.confirm();
        break;
      }
      case ST_DOWNLOADING: {
        if (firmwareDownload.busy()) {
          this.reportProgress();
          break;
        }
        const outcome = firmwareDownload.outcome;
        if (outcome == DL_COMPLETE && firmwareDownload.total > 0 && firmwareDownload.received == firmwareDownload.total) {
          this.state = ST_VERIFYING;
          this.reportVerifying();
        } else if (outcome == DL_REFUSED) {
          this.refused(firmwareDownload.refusal);
        } else if (outcome == DL_FAILED) {
          this.downloadFailed();
        } else if (outcome == DL_IDLE && this.backoff.ready()) {
          firmwareDownload.start();
        }
        break;
      }
      case ST_VERIFYING: {
        this.verify();
        break;
      }
      case ST_INSTALLING: {
        // The Node says "Verified" before the board restarts, when the status write gets through in time.
        if (!conditions.dirty || now() - this.verifiedAt >= INSTALL_REPORT_WAIT_MS) this.install();
        break;
      }
    }
  }

  tick(): void {
    firmwareDownload.tick();
  }

  /** ", firmware X.Y.Z" for the Node's osImage; nothing on a host that takes no updates. */
  writeRunning(o: Out): void {
    if (this.state == ST_UNSUPPORTED) return;
    o.ascii(T(", firmware "));
    writeVersion(o, this.runningVersion);
  }

  /** Reported once; the next attempt starts when the backoff allows, from the byte the slot ends at. */
  private downloadFailed(): void {
    firmwareDownload.outcome = DL_IDLE;
    const delay = this.backoff.failed(-1);
    const o = this.beginMessage();
    o.ascii(T("downloading "));
    writeVersion(o, this.wanted);
    o.ascii(T(": "));
    o.ascii(firmwareDownload.failureText);
    if (firmwareDownload.failureStatus != 0) {
      o.byte(0x20);
      o.dec(<u64>firmwareDownload.failureStatus);
      o.ascii(T(" for "));
      firmwareDownload.writePath(o);
    }
    o.ascii(T(" at byte "));
    o.dec(<u64>firmwareDownload.received);
    o.ascii(T("; retrying in "));
    o.dec(delay);
    o.ascii(T(" ms"));
    this.endMessage(UNKNOWN, T("Downloading"), LOG_WARN);
    this.reportedQuarter = this.quarterDone(); // the trouble stays on the Node until the next quarter arrives
  }

  private verify(): void {
    const r = firmware_slot_finish(this.wantedDigest.ptr);
    if (r == 0) {
      this.state = ST_INSTALLING;
      this.verifiedAt = now();
      const o = this.beginMessage();
      writeVersion(o, this.wanted);
      o.ascii(T(" downloaded and verified (signature and SHA-256); installing: the board restarts into the bootloader"));
      this.endMessage(UNKNOWN, T("Verified"), LOG_INFO);
    } else if (isReason(r)) {
      this.refused(r);
    } else {
      this.state = ST_STOPPED;
      const o = this.beginMessage();
      writeVersion(o, this.wanted);
      o.ascii(T(": the board could not read the download slot back"));
      this.endMessage(FALSE, T("FlashFailed"), LOG_ERROR);
    }
  }

  private install(): void {
    const r = firmware_install();
    if (r == 0) {
      this.state = ST_STOPPED; // the host restarts the board when this call returns
      return;
    }
    this.state = ST_STOPPED;
    const o = this.beginMessage();
    writeVersion(o, this.wanted);
    o.ascii(T(" is verified but the bootloader could not be asked to install it (error "));
    o.decSigned(r);
    o.ascii(T(")"));
    this.endMessage(FALSE, T("InstallFailed"), LOG_ERROR);
  }

  private confirm(): void {
    const r = firmware_confirm();
    if (r != 0) {
      const o = logBegin(LOG_ERROR, COMPONENT);
      o.ascii(T("could not confirm the running image (error "));
      o.decSigned(r);
      o.ascii(T("); trying again"));
      logEnd();
      return;
    }
    this.confirmedThisBoot = true;
    this.state = ST_IDLE;
    const o = this.beginMessage();
    o.ascii(T("running "));
    writeVersion(o, this.runningVersion);
    o.ascii(T(", confirmed: the bootloader keeps it"));
    this.endMessage(TRUE, T("Confirmed"), LOG_INFO);
    if (this.wanted != VERSION_NONE && this.wanted != this.runningVersion) this.begin();
  }

  private refused(reason: i32): void {
    this.stopWork();
    this.state = ST_STOPPED;
    const o = this.beginMessage();
    writeVersion(o, this.wanted);
    o.ascii(T(" refused: "));
    o.ascii(reasonMessage(reason));
    o.ascii(T("; still running "));
    writeVersion(o, this.runningVersion);
    this.endMessage(FALSE, reasonName(reason), LOG_WARN);
  }

  private invalid(key: i32, what: Text): void {
    if (this.state == ST_TRIAL) return;
    this.stopWork();
    this.state = ST_STOPPED;
    this.wanted = VERSION_NONE;
    const o = this.beginMessage();
    o.ascii(T("data."));
    o.ascii(keyName(key));
    o.ascii(what);
    o.ascii(T("; still running "));
    writeVersion(o, this.runningVersion);
    this.endMessage(FALSE, T("InvalidDeclaration"), LOG_WARN);
  }

  /** Until another version is declared, the rolled-back one stays the news (it is not fetched again). */
  private reportRolledBack(): void {
    this.state = ST_STOPPED;
    const o = this.beginMessage();
    o.ascii(T("running "));
    writeVersion(o, this.runningVersion);
    o.ascii(T("; "));
    writeVersion(o, this.rolledBack);
    o.ascii(T(" never confirmed (crash, watchdog or no network), so the bootloader went back; declare another version to try again"));
    this.endMessage(FALSE, T("RolledBack"), LOG_WARN);
  }

  private reportRunning(suffix: Text): void {
    this.state = ST_IDLE;
    const o = this.beginMessage();
    o.ascii(T("running "));
    writeVersion(o, this.runningVersion);
    if (this.confirmedThisBoot) {
      o.ascii(T(", confirmed: the bootloader keeps it"));
      this.endMessage(TRUE, T("Confirmed"), LOG_INFO);
      return;
    }
    o.ascii(T(", as declared"));
    o.ascii(suffix);
    this.endMessage(TRUE, T("Current"), LOG_INFO);
  }

  private quarterDone(): i32 {
    const total = firmwareDownload.total;
    return total > 0 ? <i32>((<i64>firmwareDownload.received * 4) / <i64>total) : 0;
  }

  private reportProgress(): void {
    const total = firmwareDownload.total;
    const quarter = this.quarterDone();
    if (quarter == this.reportedQuarter) return;
    this.reportedQuarter = quarter;
    const o = this.beginMessage();
    o.ascii(T("downloading "));
    writeVersion(o, this.wanted);
    o.ascii(T(" from "));
    firmwareDownload.writePath(o);
    if (total > 0) {
      o.ascii(T(": "));
      o.dec(<u64>firmwareDownload.received);
      o.ascii(T(" of "));
      o.dec(<u64>total);
      o.ascii(T(" bytes"));
    }
    this.endMessage(UNKNOWN, T("Downloading"), LOG_INFO);
  }

  private reportVerifying(): void {
    const o = this.beginMessage();
    writeVersion(o, this.wanted);
    o.ascii(T(": all "));
    o.dec(<u64>firmwareDownload.total);
    o.ascii(T(" bytes in the download slot; verifying"));
    this.endMessage(UNKNOWN, T("Verifying"), LOG_INFO);
  }

  private stopWork(): void {
    firmwareDownload.stop();
    if (this.state != ST_UNSUPPORTED && this.state != ST_TRIAL) this.state = ST_IDLE;
  }

  private beginMessage(): Out {
    this.msgOut.beginBuffer();
    return this.msgOut;
  }

  private endMessage(status: i32, reason: Text, level: i32): void {
    conditions.setWith(COND_FIRMWARE, status, reason, this.msgOut.stage);
    const o = logBegin(level, COMPONENT);
    o.buf(this.msgOut.stage);
    logEnd();
  }
}

export const firmwareUpdater = new FirmwareUpdater();
