// Leveled log lines, built in one fixed buffer and handed to the host whole.
// A line longer than the buffer is cut at a whole UTF-8 character and ends
// in "..." (the host still gets the prefix, and sees that it is one).

import { host_log } from "../host";
import { Out } from "./out";
import { utf8Boundary } from "./bytes";
import { T, Text } from "./text";

export const LOG_ERROR: i32 = 0;
export const LOG_WARN: i32 = 1;
export const LOG_INFO: i32 = 2;
export const LOG_DEBUG: i32 = 3;

const line = new Out(160);
let lineLevel: i32 = LOG_INFO;
/** Lines above this level are dropped; set from configuration. */
export let logThreshold: i32 = LOG_INFO;

export function setLogThreshold(level: i32): void {
  logThreshold = level;
}

/** Starts a line; write to the returned Out, then call logEnd(). */
export function logBegin(level: i32, component: Text): Out {
  lineLevel = level;
  line.beginBuffer();
  line.ascii(component);
  line.ascii(T(": "));
  return line;
}

export function logEnd(): void {
  if (lineLevel > logThreshold) return;
  const stage = line.stage;
  if (line.failed) {
    // The buffer filled: keep room for the marker.
    stage.len = utf8Boundary(stage.ptr, stage.cap - 3);
    for (let i = 0; i < 3; i++) stage.push(0x2e);
  }
  host_log(lineLevel, stage.ptr, stage.len);
}

/** A whole line from literals. */
export function log(level: i32, component: Text, text: Text): void {
  if (level > logThreshold) return;
  logBegin(level, component).ascii(text);
  logEnd();
}
