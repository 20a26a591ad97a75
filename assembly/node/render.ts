// The Node object as this node writes it: the registration body and the
// status patch. Reads only core state (identity, facts snapshot, conditions).

import { JsonWriter } from "../json/writer";
import { config } from "../config";
import { writeRfc3339 } from "../lib/wallclock";
import { wallMicrosAt } from "../api/time";
import { identity, writeIds, KUBELET_VERSION, INSTANCE_TYPE, CORE_VERSION } from "./identity";
import { facts, writeIpv4 } from "./facts";
import { Condition, conditions, CONDITION_COUNT, statusName } from "./conditions";
import { T, Text } from "../lib/text";
import { firmwareUpdater } from "../firmware/updater";

export function writeRegistration(w: JsonWriter): void {
  w.beginObject();
  w.fixed(T('"apiVersion":"v1","kind":"Node"'));
  w.key(T("metadata")).beginObject();
  w.kBuf(T("name"), config.nodeName);
  w.key(T("labels")).beginObject();
  w.kBuf(T("kubernetes.io/hostname"), config.nodeName);
  w.fixed(T('"kubernetes.io/arch":"arm","kubernetes.io/os":"linux"'));
  w.kStr(T("node.kubernetes.io/instance-type"), INSTANCE_TYPE);
  w.endObject();
  w.endObject();
  // The taints keep workloads and DaemonSets off a node that runs no containers.
  w.key(T("spec")).beginObject().key(T("taints")).beginArray();
  w.fixed(T('{"key":"k3s-pico-node.io/microcontroller","value":"rp2040","effect":"NoSchedule"}'));
  w.fixed(T('{"key":"k3s-pico-node.io/microcontroller","value":"rp2040","effect":"NoExecute"}'));
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
    writeMessage(w, c);
    w.endObject();
  }
  w.endArray();
  writeStatusFacts(w);
  w.endObject().endObject();
}

/** A condition's message: the one it built at run time, or its fixed one. */
export function writeMessage(w: JsonWriter, c: Condition): void {
  const built = c.built;
  if (built != null) w.kBuf(T("message"), built);
  else w.kStr(T("message"), c.text);
}

function writeTimeKey(w: JsonWriter, key: Text, micros: i64): void {
  const o = w.key(key).beginRawString();
  writeRfc3339(o, micros, false);
  w.endRawString();
}

// Capacity and allocatable, no pods; keep in step with CPU_CORES and SRAM_BYTES (facts.ts).
const RESOURCES: Text = T('{"cpu":"2","memory":"264Ki","pods":"0"}');

// One section per loop turn, to bound wasm3's C stack on the M0+ (README,
// Firmware: "Why the core is shaped"); helpers alone would not do, as binaryen
// inlines single-use ones back into one long function.
const STATUS_SECTIONS = 5;

function writeStatusFacts(w: JsonWriter): void {
  for (let section = 0; section < STATUS_SECTIONS; section++) writeStatusSection(w, section);
}

function writeStatusSection(w: JsonWriter, section: i32): void {
  switch (section) {
    case 0: {
      w.key(T("capacity")).fixed(RESOURCES);
      w.key(T("allocatable")).fixed(RESOURCES);
      w.key(T("addresses")).beginArray();
      if (facts.ipv4 != 0) {
        w.beginObject().kStr(T("type"), T("InternalIP"));
        const o = w.key(T("address")).beginRawString();
        writeIpv4(o, facts.ipv4);
        w.endRawString().endObject();
      }
      break;
    }
    case 1: {
      w.beginObject().kStr(T("type"), T("Hostname")).kBuf(T("address"), config.nodeName).endObject();
      w.endArray();
      break;
    }
    case 2: {
      w.key(T("daemonEndpoints")).beginObject().key(T("kubeletEndpoint")).beginObject();
      w.kNum(T("Port"), config.kubeletPort);
      w.endObject().endObject();
      break;
    }
    case 3: {
      w.key(T("nodeInfo")).beginObject();
      writeIds(w, T("machineID"), T("systemUUID"), T("bootID"));
      break;
    }
    default: {
      w.kBuf(T("kernelVersion"), identity.platform);
      const o = w.key(T("osImage")).beginRawString();
      o.ascii(T("k3s-pico-node "));
      o.ascii(CORE_VERSION);
      firmwareUpdater.writeRunning(o); // `kubectl get nodes -o wide` shows which image each board runs
      w.endRawString();
      w.kStr(T("containerRuntimeVersion"), T("none://"));
      w.kStr(T("kubeletVersion"), KUBELET_VERSION);
      w.fixed(T('"operatingSystem":"linux","architecture":"arm"'));
      w.endObject();
    }
  }
}
