// The Node object as this node writes it: the registration body and the
// status patch. Reads only core state (identity, facts snapshot, conditions).

import { JsonWriter } from "../json/writer";
import { config } from "../config";
import { writeRfc3339 } from "../lib/wallclock";
import { wallMicrosAt } from "../api/time";
import { identity, writeIds, KUBELET_VERSION, INSTANCE_TYPE, CORE_VERSION } from "./identity";
import { facts, writeIpv4, SRAM_BYTES, CPU_CORES } from "./facts";
import { conditions, CONDITION_COUNT, statusName } from "./conditions";
import { T, Text } from "../lib/text";

/** Keeps workloads and DaemonSets off a node that runs no containers. */
export const TAINT_KEY: Text = T("k3s-pico-node.io/microcontroller");
export const TAINT_VALUE: Text = T("rp2040");

function writeTaint(w: JsonWriter, effect: Text): void {
  w.beginObject().kStr(T("key"), TAINT_KEY).kStr(T("value"), TAINT_VALUE).kStr(T("effect"), effect).endObject();
}

export function writeRegistration(w: JsonWriter): void {
  w.beginObject();
  w.kStr(T("apiVersion"), T("v1")).kStr(T("kind"), T("Node"));
  w.key(T("metadata")).beginObject();
  w.kBuf(T("name"), config.nodeName);
  w.key(T("labels")).beginObject();
  w.kBuf(T("kubernetes.io/hostname"), config.nodeName);
  w.kStr(T("kubernetes.io/arch"), T("arm"));
  w.kStr(T("kubernetes.io/os"), T("linux"));
  w.kStr(T("node.kubernetes.io/instance-type"), INSTANCE_TYPE);
  w.endObject();
  w.endObject();
  w.key(T("spec")).beginObject().key(T("taints")).beginArray();
  writeTaint(w, T("NoSchedule"));
  writeTaint(w, T("NoExecute"));
  w.endArray().endObject();
  w.key(T("status")).beginObject();
  writeStatusFacts(w);
  w.endObject();
  w.endObject();
}

/** Strategic-merge patch of the whole status; heartbeatMicros is fixed by the caller for both passes. */
export function writeStatusPatch(w: JsonWriter, heartbeatMicros: i64): void {
  w.beginObject().key(T("status")).beginObject();
  w.key(T("conditions")).beginArray();
  for (let i = 0; i < CONDITION_COUNT; i++) {
    const c = conditions.get(i);
    w.beginObject();
    w.kStr(T("type"), c.type).kStr(T("status"), statusName(c.status));
    writeTimeKey(w, T("lastHeartbeatTime"), heartbeatMicros);
    writeTimeKey(w, T("lastTransitionTime"), wallMicrosAt(c.transitionAt));
    w.kStr(T("reason"), c.reason);
    if (c.built != null) w.kBuf(T("message"), c.built!);
    else w.kStr(T("message"), c.text);
    w.endObject();
  }
  w.endArray();
  writeStatusFacts(w);
  w.endObject().endObject();
}

function writeTimeKey(w: JsonWriter, key: Text, micros: i64): void {
  const o = w.key(key).beginRawString();
  writeRfc3339(o, micros, false);
  w.endRawString();
}

function writeResources(w: JsonWriter, key: Text): void {
  w.key(key).beginObject();
  let o = w.key(T("cpu")).beginRawString();
  o.dec(<u64>CPU_CORES);
  w.endRawString();
  o = w.key(T("memory")).beginRawString();
  o.dec(<u64>(SRAM_BYTES / 1024));
  o.ascii(T("Ki"));
  w.endRawString();
  w.kStr(T("pods"), T("0"));
  w.endObject();
}

function writeStatusFacts(w: JsonWriter): void {
  writeResources(w, T("capacity"));
  writeResources(w, T("allocatable"));
  w.key(T("addresses")).beginArray();
  if (facts.ipv4 != 0) {
    w.beginObject().kStr(T("type"), T("InternalIP"));
    const o = w.key(T("address")).beginRawString();
    writeIpv4(o, facts.ipv4);
    w.endRawString().endObject();
  }
  w.beginObject().kStr(T("type"), T("Hostname")).kBuf(T("address"), config.nodeName).endObject();
  w.endArray();
  w.key(T("daemonEndpoints")).beginObject().key(T("kubeletEndpoint")).beginObject();
  w.kNum(T("Port"), config.kubeletPort);
  w.endObject().endObject();
  w.key(T("nodeInfo")).beginObject();
  writeIds(w, T("machineID"), T("systemUUID"), T("bootID"));
  w.kBuf(T("kernelVersion"), identity.platform);
  const o = w.key(T("osImage")).beginRawString();
  o.ascii(T("k3s-pico-node "));
  o.ascii(CORE_VERSION);
  w.endRawString();
  w.kStr(T("containerRuntimeVersion"), T("none://"));
  w.kStr(T("kubeletVersion"), KUBELET_VERSION);
  w.kStr(T("operatingSystem"), T("linux")).kStr(T("architecture"), T("arm"));
  w.endObject();
}
