// Node conditions. lastTransitionTime moves only when a condition's status
// changes; any change of status, reason or message marks the status dirty so
// the node controller writes it (and otherwise only every status_report_ms).

import { ByteBuf } from "../lib/bytes";
import { now } from "../lib/clock";
import { T, Text, textEquals } from "../lib/text";

export const FALSE: i32 = 0;
export const TRUE: i32 = 1;
export const UNKNOWN: i32 = 2;

export const COND_READY = 0;
export const COND_MEMORY = 1;
export const COND_DISK = 2;
export const COND_PID = 3;
export const COND_NETWORK = 4;
export const COND_CONFIG = 5;
export const COND_FIRMWARE = 6;
export const CONDITION_COUNT = 7;

/** The node's own condition reporting the ConfigMap → region result. */
export const CONFIG_CONDITION_TYPE: Text = T("PicoConfigApplied");
/** The node's own condition reporting firmware updates (docs/firmware-update.md). */
export const FIRMWARE_CONDITION_TYPE: Text = T("PicoFirmware");

// Plain data, created once: no managed header needed.
@unmanaged
export class Condition {
  type: Text;
  status: i32 = UNKNOWN;
  reason: Text = T("");
  /** Fixed message (most conditions) ... */
  text: Text = T("");
  /** ... or one built at run time (the config condition). */
  built: ByteBuf | null;
  /** Monotonic ms of the last status change. */
  transitionAt: u64 = 0;

  constructor(type: Text, builtCap: i32) {
    this.type = type;
    this.built = builtCap > 0 ? ByteBuf.create(builtCap) : null;
  }
}

export function statusName(s: i32): Text {
  return s == TRUE ? T("True") : s == FALSE ? T("False") : T("Unknown");
}

// Condition types, indexed by COND_*.
const CONDITION_TYPES: usize = memory.data<u32>([
  T("Ready"), T("MemoryPressure"), T("DiskPressure"), T("PIDPressure"), T("NetworkUnavailable"), <u32>CONFIG_CONDITION_TYPE, <u32>FIRMWARE_CONDITION_TYPE,
]);
/**
 * Room for the config condition's message, built at run time. Its longest
 * form is a rejection: 'entry NNNN "' (12) + 32 entry bytes escaped as \xHH
 * (128) + '..." : ' (6) + the longest reason (70) + ' (resourceVersion ' (18)
 * + a 64-byte version + ' rejected; region unchanged)' (28) = 326 bytes.
 */
export const CONFIG_MESSAGE_BYTES = 336;
/** Room for the firmware condition's message: its longest form, a refusal naming two
 *  versions and the longest reason (~80 bytes), stays under 200. */
export const FIRMWARE_MESSAGE_BYTES = 200;

// Plain data, created once: no managed header needed.
@unmanaged
class ConditionSet {
  list: StaticArray<Condition> = new StaticArray<Condition>(CONDITION_COUNT);
  dirty: bool = true;

  // Built in a loop: wasm3 unwinds its C stack at each turn, where six
  // constructions in a row would nest it deeper at start-up (port_config.h).
  constructor() {
    for (let i = 0; i < CONDITION_COUNT; i++) {
      const builtCap = i == COND_CONFIG ? CONFIG_MESSAGE_BYTES : i == COND_FIRMWARE ? FIRMWARE_MESSAGE_BYTES : 0;
      unchecked(this.list[i] = new Condition(load<u32>(CONDITION_TYPES + <usize>(i << 2)), builtCap));
    }
  }

  /** i is one of the COND_* indices. */
  get(i: i32): Condition {
    return unchecked(this.list[i]);
  }

  private status(c: Condition, status: i32, reason: Text): void {
    if (c.status != status) {
      c.status = status;
      c.transitionAt = now();
      this.dirty = true;
    }
    if (!textEquals(c.reason, reason)) {
      c.reason = reason;
      this.dirty = true;
    }
  }

  /** Sets a condition with a fixed message. */
  set(i: i32, status: i32, reason: Text, message: Text): void {
    const c = this.get(i);
    this.status(c, status, reason);
    if (!textEquals(c.text, message)) {
      c.text = message;
      this.dirty = true;
    }
  }

  /** Sets a condition whose message was built at run time. */
  setWith(i: i32, status: i32, reason: Text, message: ByteBuf): void {
    const c = this.get(i);
    this.status(c, status, reason);
    const b = c.built;
    if (b != null && !b.equals(message)) {
      b.copyFrom(message);
      this.dirty = true;
    }
  }
}

export const conditions = new ConditionSet();
