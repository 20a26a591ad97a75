// What each kubelet-port path answers. Renderers read core state only (the
// facts snapshot is refreshed once before a response), so the counting pass
// and the writing pass produce the same bytes.

import { config } from "../config";
import { ByteBuf } from "../lib/bytes";
import { now } from "../lib/clock";
import { JsonWriter } from "../json/writer";
import { writeRfc3339 } from "../lib/wallclock";
import { wallClock, wallMicrosAt } from "../api/time";
import { writeIds, CORE_VERSION, INSTANCE_TYPE } from "../node/identity";
import { facts, writeIpv4, SRAM_BYTES, CPU_CORES, CPU_FREQUENCY_KHZ, TEMPERATURE_UNKNOWN } from "../node/facts";
import { conditions, COND_CONFIG, statusName } from "../node/conditions";
import { leaseController } from "../node/lease";
import { writeMessage } from "../node/render";
import { nodeController } from "../node/controller";
import { apiChannel, leaseChannel } from "../api/channels";
import { region } from "../config_map/region";
import { REGION_SIZE } from "../region/memory_values";
import { T, Text, textLen } from "../lib/text";

export type Render = (w: JsonWriter) => void;

/** Text for error bodies and 503 reasons, set just before the response. */
// Room for a 403's "(user=<128 bytes>, verb=…, subresource=…)".
export const problem: ByteBuf = ByteBuf.create(320);
export let problemCode: i32 = 0;

export function setProblem(code: i32, text: Text): void {
  problemCode = code;
  problem.clear();
  problem.appendAscii(text);
}

export function renderProblem(w: JsonWriter): void {
  w.beginObject().kBuf(T("error"), problem).kNum(T("code"), problemCode).endObject();
}

/** A Kubernetes Status (metav1.Status) for problemCode, as the API server and kubelet write them. */
export function renderStatus(w: JsonWriter): void {
  const code = problemCode;
  const reason = code == 401 ? T("Unauthorized") : code == 403 ? T("Forbidden") : code == 503 ? T("ServiceUnavailable") : T("InternalError");
  w.beginObject().fixed(T('"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure"'));
  w.kBuf(T("message"), problem).kStr(T("reason"), reason).kNum(T("code"), code).endObject();
}

export function renderOk(w: JsonWriter): void {
  w.out.ascii(T("ok"));
}

export function renderProblemText(w: JsonWriter): void {
  w.out.buf(problem);
}

/** Why the node is not ready, or "" when it is. */
export function notReadyReason(): Text {
  if (!facts.networkUp()) return T("network down: no IPv4 address");
  if (!nodeController.registered()) return T("Node not registered with the API server yet");
  if (!leaseController.fresh()) return T("Lease not renewed within the lease duration");
  return T("");
}

export function renderHealthzVerbose(w: JsonWriter): void {
  w.beginObject().fixed(T('"status":"ok"')).key(T("checks")).beginObject();
  w.fixed(T('"ping":"ok"'));
  w.kStr(T("network"), facts.networkUp() ? T("ok") : T("down"));
  w.kStr(T("registered"), nodeController.registered() ? T("ok") : T("pending"));
  w.kStr(T("lease"), leaseController.fresh() ? T("ok") : T("stale"));
  const c = conditions.get(COND_CONFIG);
  w.kStr(T("config"), c.status == 1 ? T("ok") : c.status == 0 ? T("rejected") : T("pending"));
  w.endObject().endObject();
}

export function renderPods(w: JsonWriter): void {
  w.fixed(T('{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[]}'));
}

export function renderSpec(w: JsonWriter): void {
  w.beginObject();
  w.kNum(T("num_cores"), CPU_CORES);
  w.kNum(T("cpu_frequency_khz"), CPU_FREQUENCY_KHZ);
  w.kNum(T("memory_capacity"), SRAM_BYTES);
  writeIds(w, T("machine_id"), T("system_uuid"), T("boot_id"));
  w.kStr(T("instance_type"), INSTANCE_TYPE);
  w.endObject();
}

function writeTime(w: JsonWriter, key: Text, monoMs: u64, known: bool): void {
  w.key(key);
  if (!known || !wallClock.known) {
    w.nul();
    return;
  }
  const o = w.beginRawString();
  writeRfc3339(o, wallMicrosAt(monoMs), false);
  w.endRawString();
}

const PICO_STATUS_SECTIONS = 4;

export function renderPicoStatus(w: JsonWriter): void {
  // One section per loop turn, to bound wasm3's C stack (see node/render.ts).
  for (let section = 0; section < PICO_STATUS_SECTIONS; section++) writePicoStatusSection(w, section);
}

function writePicoStatusSection(w: JsonWriter, section: i32): void {
  switch (section) {
    case 0: {
      w.beginObject();
      w.kBuf(T("node"), config.nodeName);
      w.kStr(T("version"), CORE_VERSION);
      w.key(T("uptime_seconds")).decimal(<i64>now(), 3);
      w.kNum(T("free_heap_bytes"), facts.freeHeap);
      break;
    }
    case 1: {
      w.key(T("wifi_rssi_dbm"));
      if (facts.rssiDbm != 0) w.num(facts.rssiDbm);
      else w.nul();
      w.key(T("temperature_celsius"));
      if (facts.temperatureMc != TEMPERATURE_UNKNOWN) w.decimal(facts.temperatureMc, 3);
      else w.nul();
      w.key(T("ip"));
      if (facts.ipv4 != 0) {
        writeIpv4(w.beginRawString(), facts.ipv4);
        w.endRawString();
      } else w.nul();
      break;
    }
    case 2: {
      w.kBool(T("registered"), nodeController.registered());
      // The newer of the node's and the Lease's last answers (the watch streams for minutes).
      const last = leaseChannel.lastResponseAt > apiChannel.lastResponseAt ? leaseChannel : apiChannel;
      writeTime(w, T("last_api_success"), last.lastResponseAt, last.hadResponse);
      w.key(T("lease_age_seconds"));
      if (leaseController.renewedOnce) w.decimal(<i64>(now() - leaseController.lastRenewAt), 3);
      else w.nul();
      break;
    }
    default: {
      w.kBool(T("ready"), textLen(notReadyReason()) == 0);
      w.kBuf(T("applied_resource_version"), region.version);
      const c = conditions.get(COND_CONFIG);
      w.key(T("config")).beginObject().kStr(T("status"), statusName(c.status)).kStr(T("reason"), c.reason);
      writeMessage(w, c);
      w.endObject();
      w.endObject();
    }
  }
}

export function renderPicoMemory(w: JsonWriter): void {
  w.beginObject();
  w.kBuf(T("resource_version"), region.version);
  const o = w.key(T("crc32")).beginRawString();
  o.ascii(T("0x"));
  o.hex32(region.crc);
  w.endRawString();
  w.kNum(T("size"), REGION_SIZE);
  w.kNum(T("bytes_set"), region.entries);
  w.kBool(T("restored_at_boot"), region.restored);
  region.writeHex(w.key(T("hex")).beginRawString());
  w.endRawString();
  w.endObject();
}

export function renderCommandAccepted(w: JsonWriter): void {
  w.fixed(T('{"status":"accepted","command":"blink_led"}'));
}
