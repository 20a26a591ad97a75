// What each kubelet-port path answers. Renderers read core state only (the
// facts snapshot is refreshed once before a response), so the counting pass
// and the writing pass produce the same bytes.

import { config } from "../config";
import { ByteBuf } from "../lib/bytes";
import { now } from "../lib/clock";
import { JsonWriter } from "../json/writer";
import { writeRfc3339 } from "../lib/wallclock";
import { wallClock, wallMicrosAt } from "../api/time";
import { identity, writeUuid, writeSystemUuid, CORE_VERSION } from "../node/identity";
import { facts, writeIpv4, SRAM_BYTES, CPU_CORES, CPU_FREQUENCY_KHZ, TEMPERATURE_UNKNOWN } from "../node/facts";
import { conditions, COND_CONFIG, statusName } from "../node/conditions";
import { leaseController } from "../node/lease";
import { nodeController } from "../node/controller";
import { apiChannel } from "../api/channels";
import { region } from "../config_map/region";

export type Render = (w: JsonWriter) => void;

/** Text for error bodies and 503 reasons, set just before the response. */
export const problem: ByteBuf = new ByteBuf(160);
export let problemCode: i32 = 0;

export function setProblem(code: i32, text: string): void {
  problemCode = code;
  problem.clear();
  problem.appendAscii(text);
}

export function renderProblem(w: JsonWriter): void {
  w.beginObject().kBuf("error", problem).kNum("code", problemCode).endObject();
}

export function renderOk(w: JsonWriter): void {
  w.out.ascii("ok");
}

export function renderProblemText(w: JsonWriter): void {
  w.out.buf(problem);
}

/** Why the node is not ready, or "" when it is. */
export function notReadyReason(): string {
  if (!facts.networkUp()) return "network down: no IPv4 address";
  if (!nodeController.registered()) return "Node not registered with the API server yet";
  if (!leaseController.fresh()) return "Lease not renewed within the lease duration";
  return "";
}

export function renderHealthzVerbose(w: JsonWriter): void {
  w.beginObject().kStr("status", "ok").key("checks").beginObject();
  w.kStr("ping", "ok");
  w.kStr("network", facts.networkUp() ? "ok" : "down");
  w.kStr("registered", nodeController.registered() ? "ok" : "pending");
  w.kStr("lease", leaseController.fresh() ? "ok" : "stale");
  const c = conditions.get(COND_CONFIG);
  w.kStr("config", c.status == 1 ? "ok" : c.status == 0 ? "rejected" : "pending");
  w.endObject().endObject();
}

export function renderPods(w: JsonWriter): void {
  w.beginObject().kStr("kind", "PodList").kStr("apiVersion", "v1");
  w.key("metadata").beginObject().endObject();
  w.key("items").beginArray().endArray();
  w.endObject();
}

export function renderSpec(w: JsonWriter): void {
  w.beginObject();
  w.kNum("num_cores", CPU_CORES);
  w.kNum("cpu_frequency_khz", CPU_FREQUENCY_KHZ);
  w.kNum("memory_capacity", SRAM_BYTES);
  w.kBuf("machine_id", identity.boardId);
  let o = w.key("system_uuid").beginRawString();
  writeSystemUuid(o);
  w.endRawString();
  o = w.key("boot_id").beginRawString();
  writeUuid(o, identity.bootId.ptr);
  w.endRawString();
  w.kStr("instance_type", "rp2040-pico-w");
  w.endObject();
}

function writeTime(w: JsonWriter, key: string, monoMs: u64, known: bool): void {
  w.key(key);
  if (!known || !wallClock.known) {
    w.nul();
    return;
  }
  const o = w.beginRawString();
  writeRfc3339(o, wallMicrosAt(monoMs), false);
  w.endRawString();
}

export function renderPicoStatus(w: JsonWriter): void {
  w.beginObject();
  w.kBuf("node", config.nodeName);
  w.kStr("version", CORE_VERSION);
  w.key("uptime_seconds").decimal(<i64>now(), 3);
  w.kNum("free_heap_bytes", facts.freeHeap);
  w.key("wifi_rssi_dbm");
  if (facts.rssiDbm != 0) w.num(facts.rssiDbm);
  else w.nul();
  w.key("temperature_celsius");
  if (facts.temperatureMc != TEMPERATURE_UNKNOWN) w.decimal(facts.temperatureMc, 3);
  else w.nul();
  w.key("ip");
  if (facts.ipv4 != 0) {
    writeIpv4(w.beginRawString(), facts.ipv4);
    w.endRawString();
  } else w.nul();
  w.kBool("registered", nodeController.registered());
  writeTime(w, "last_api_success", apiChannel.lastResponseAt, apiChannel.hadResponse);
  w.key("lease_age_seconds");
  if (leaseController.renewedOnce) w.decimal(<i64>(now() - leaseController.lastRenewAt), 3);
  else w.nul();
  w.kBool("ready", notReadyReason().length == 0);
  w.kBuf("applied_resource_version", region.version);
  const c = conditions.get(COND_CONFIG);
  w.key("config").beginObject().kStr("status", statusName(c.status)).kStr("reason", c.reason).kBuf("message", c.message).endObject();
  w.endObject();
}

export function renderPicoMemory(w: JsonWriter): void {
  w.beginObject();
  w.kBuf("resource_version", region.version);
  const o = w.key("crc32").beginRawString();
  o.ascii("0x");
  o.hex32(region.crc);
  w.endRawString();
  w.kNum("size", region.bytes.len);
  w.kNum("bytes_set", region.entries);
  w.kBool("restored_at_boot", region.restored);
  const h = w.key("hex").beginRawString();
  for (let i = 0; i < region.bytes.len; i++) h.hexByte(region.bytes.at(i));
  w.endRawString();
  w.endObject();
}

export function renderCommandAccepted(w: JsonWriter): void {
  w.beginObject().kStr("status", "accepted").kStr("command", "blink_led").endObject();
}
