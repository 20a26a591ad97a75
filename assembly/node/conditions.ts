// Node conditions. lastTransitionTime moves only when a condition's status
// changes; any change of status, reason or message marks the status dirty so
// the node controller writes it (and otherwise only every status_report_ms).

import { ByteBuf } from "../lib/bytes";
import { now } from "../lib/clock";

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
export const CONFIG_CONDITION_TYPE: string = "PicoConfigApplied";

export class Condition {
  type: string;
  status: i32 = UNKNOWN;
  reason: string = "";
  message: ByteBuf;
  /** Monotonic ms of the last status change. */
  transitionAt: u64 = 0;

  constructor(type: string, messageCap: i32) {
    this.type = type;
    this.message = new ByteBuf(messageCap);
  }
}

export function statusName(s: i32): string {
  return s == TRUE ? "True" : s == FALSE ? "False" : "Unknown";
}

class ConditionSet {
  list: StaticArray<Condition> = [
    new Condition("Ready", 64),
    new Condition("MemoryPressure", 64),
    new Condition("DiskPressure", 64),
    new Condition("PIDPressure", 64),
    new Condition("NetworkUnavailable", 64),
    new Condition(CONFIG_CONDITION_TYPE, 200),
  ];
  dirty: bool = true;
  private scratch: ByteBuf = new ByteBuf(200);

  get(i: i32): Condition {
    return this.list[i];
  }

  /** Sets a condition from literals. */
  set(i: i32, status: i32, reason: string, message: string): void {
    this.scratch.clear();
    this.scratch.appendAscii(message);
    this.setWith(i, status, reason, this.scratch);
  }

  /** Sets a condition whose message was built at run time. */
  setWith(i: i32, status: i32, reason: string, message: ByteBuf): void {
    const c = this.list[i];
    if (c.status != status) {
      c.status = status;
      c.transitionAt = now();
      this.dirty = true;
    }
    if (c.reason != reason) {
      c.reason = reason;
      this.dirty = true;
    }
    if (!c.message.equals(message)) {
      c.message.copyFrom(message);
      this.dirty = true;
    }
  }
}

export const conditions = new ConditionSet();
