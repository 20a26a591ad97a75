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
export const CONDITION_COUNT = 6;

/** The node's own condition reporting the ConfigMap → region result. */
export const CONFIG_CONDITION_TYPE: Text = T("PicoConfigApplied");

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

// Plain data, created once: no managed header needed.
@unmanaged
class ConditionSet {
  list: StaticArray<Condition> = [
    new Condition(T("Ready"), 0),
    new Condition(T("MemoryPressure"), 0),
    new Condition(T("DiskPressure"), 0),
    new Condition(T("PIDPressure"), 0),
    new Condition(T("NetworkUnavailable"), 0),
    new Condition(CONFIG_CONDITION_TYPE, 200),
  ];
  dirty: bool = true;

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
