// The Node object as this node writes it: the registration body and the
// status patch. Reads only core state (identity, facts snapshot, conditions).

import { JsonWriter } from "../json/writer";
import { config } from "../config";
import { writeRfc3339 } from "../lib/wallclock";
import { wallMicrosAt } from "../api/time";
import { identity, writeUuid, writeSystemUuid, KUBELET_VERSION, INSTANCE_TYPE, CORE_VERSION } from "./identity";
import { facts, writeIpv4, SRAM_BYTES, CPU_CORES } from "./facts";
import { conditions, CONDITION_COUNT, statusName } from "./conditions";

/** Keeps workloads and DaemonSets off a node that runs no containers. */
export const TAINT_KEY: string = "k3s-pico-node.io/microcontroller";
export const TAINT_VALUE: string = "rp2040";

function writeTaint(w: JsonWriter, effect: string): void {
  w.beginObject().kStr("key", TAINT_KEY).kStr("value", TAINT_VALUE).kStr("effect", effect).endObject();
}

export function writeRegistration(w: JsonWriter): void {
  w.beginObject();
  w.kStr("apiVersion", "v1").kStr("kind", "Node");
  w.key("metadata").beginObject();
  w.kBuf("name", config.nodeName);
  w.key("labels").beginObject();
  w.kBuf("kubernetes.io/hostname", config.nodeName);
  w.kStr("kubernetes.io/arch", "arm");
  w.kStr("kubernetes.io/os", "linux");
  w.kStr("node.kubernetes.io/instance-type", INSTANCE_TYPE);
  w.endObject();
  w.endObject();
  w.key("spec").beginObject().key("taints").beginArray();
  writeTaint(w, "NoSchedule");
  writeTaint(w, "NoExecute");
  w.endArray().endObject();
  w.key("status").beginObject();
  writeStatusFacts(w);
  w.endObject();
  w.endObject();
}

/** Strategic-merge patch of the whole status; heartbeatMicros is fixed by the caller for both passes. */
export function writeStatusPatch(w: JsonWriter, heartbeatMicros: i64): void {
  w.beginObject().key("status").beginObject();
  w.key("conditions").beginArray();
  for (let i = 0; i < CONDITION_COUNT; i++) {
    const c = conditions.get(i);
    w.beginObject();
    w.kStr("type", c.type).kStr("status", statusName(c.status));
    writeTimeKey(w, "lastHeartbeatTime", heartbeatMicros);
    writeTimeKey(w, "lastTransitionTime", wallMicrosAt(c.transitionAt));
    w.kStr("reason", c.reason).kBuf("message", c.message);
    w.endObject();
  }
  w.endArray();
  writeStatusFacts(w);
  w.endObject().endObject();
}

function writeTimeKey(w: JsonWriter, key: string, micros: i64): void {
  const o = w.key(key).beginRawString();
  writeRfc3339(o, micros, false);
  w.endRawString();
}

function writeResources(w: JsonWriter, key: string): void {
  w.key(key).beginObject();
  let o = w.key("cpu").beginRawString();
  o.dec(<u64>CPU_CORES);
  w.endRawString();
  o = w.key("memory").beginRawString();
  o.dec(<u64>(SRAM_BYTES / 1024));
  o.ascii("Ki");
  w.endRawString();
  w.kStr("pods", "0");
  w.endObject();
}

function writeStatusFacts(w: JsonWriter): void {
  writeResources(w, "capacity");
  writeResources(w, "allocatable");
  w.key("addresses").beginArray();
  if (facts.ipv4 != 0) {
    w.beginObject().kStr("type", "InternalIP");
    const o = w.key("address").beginRawString();
    writeIpv4(o, facts.ipv4);
    w.endRawString().endObject();
  }
  w.beginObject().kStr("type", "Hostname").kBuf("address", config.nodeName).endObject();
  w.endArray();
  w.key("daemonEndpoints").beginObject().key("kubeletEndpoint").beginObject();
  w.kNum("Port", config.kubeletPort);
  w.endObject().endObject();
  w.key("nodeInfo").beginObject();
  w.kBuf("machineID", identity.boardId);
  let o = w.key("systemUUID").beginRawString();
  writeSystemUuid(o);
  w.endRawString();
  o = w.key("bootID").beginRawString();
  writeUuid(o, identity.bootId.ptr);
  w.endRawString();
  w.kBuf("kernelVersion", identity.platform);
  o = w.key("osImage").beginRawString();
  o.ascii("k3s-pico-node ");
  o.ascii(CORE_VERSION);
  w.endRawString();
  w.kStr("containerRuntimeVersion", "none://");
  w.kStr("kubeletVersion", KUBELET_VERSION);
  w.kStr("operatingSystem", "linux").kStr("architecture", "arm");
  w.endObject();
}
