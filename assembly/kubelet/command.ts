// POST /pico/command: {"command":"blink_led","params":{"times":5,"delay_ms":100}}.
// Parsed from the request body with a small JSON reader; every problem is
// named in the 400 answer.

import { ByteBuf } from "../lib/bytes";
import { JsonHandler, JsonReader, JSON_NUMBER, JSON_STRING } from "../json/reader";
import { blinker, BLINK_MAX_TIMES, BLINK_MIN_DELAY_MS, BLINK_MAX_DELAY_MS } from "./blink";
import { T, Text, textLen } from "../lib/text";

const DEFAULT_TIMES = 3;
const DEFAULT_DELAY_MS = 200;

class CommandBody extends JsonHandler {
  command: ByteBuf = ByteBuf.create(24);
  times: i64 = DEFAULT_TIMES;
  delayMs: i64 = DEFAULT_DELAY_MS;
  badParam: Text = T("");

  reset(): void {
    this.command.clear();
    this.times = DEFAULT_TIMES;
    this.delayMs = DEFAULT_DELAY_MS;
    this.badParam = T("");
  }

  scalar(r: JsonReader, kind: i32): void {
    if (r.at1(T("command"))) {
      if (kind == JSON_STRING) this.command.copyFrom(r.value);
      else this.badParam = T("command must be a string");
    } else if (r.at2(T("params"), T("times"))) {
      if (kind == JSON_NUMBER && r.isInteger()) this.times = r.intValue();
      else this.badParam = T("params.times must be a whole number");
    } else if (r.at2(T("params"), T("delay_ms"))) {
      if (kind == JSON_NUMBER && r.isInteger()) this.delayMs = r.intValue();
      else this.badParam = T("params.delay_ms must be a whole number");
    }
  }
}

const body = new CommandBody();
const reader = new JsonReader(body, 32);

/** Runs the command in the request body. Returns "" if accepted, else what was wrong. */
export function runCommand(ptr: usize, len: i32): Text {
  body.reset();
  reader.reset();
  if (!reader.feed(ptr, len) || !reader.finish() || reader.documents != 1) return T("body is not one JSON object");
  if (textLen(body.badParam) > 0) return body.badParam;
  if (body.command.len == 0) return T("missing \"command\"");
  if (!body.command.equalsAscii(T("blink_led"))) return T("unknown command (supported: blink_led)");
  if (body.times < 1 || body.times > BLINK_MAX_TIMES) return T("params.times must be 1..50");
  if (body.delayMs < BLINK_MIN_DELAY_MS || body.delayMs > BLINK_MAX_DELAY_MS) return T("params.delay_ms must be 10..5000");
  blinker.start(<i32>body.times, <i32>body.delayMs);
  return T("");
}
