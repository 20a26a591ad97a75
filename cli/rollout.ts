// pico-node firmware rollout: a published image to a fleet, a few devices at a
// time (docs/firmware-update.md). Each device's ConfigMap gets the version
// and digest; at most --max-unavailable devices are between their declaration
// and Confirmed at once; the first device that rolls back or refuses the image
// stops the rollout, with its reason, and no further device is touched. Run it
// again to resume: devices already on the version are skipped, those in flight
// are waited for.
import fs from "node:fs";
import { Kubeconfig, kubectl } from "./cluster.js";
import { decodeHeader, fileSha256, formatVersion } from "./firmware_image.js";
import { listDevices } from "./devices.js";

/** Reasons that mean the update is under way, or done. Any other PicoFirmware reason stops the rollout. */
const UNDER_WAY = new Set(["Downloading", "Verifying", "Verified", "Installed"]);
const DONE = new Set(["Confirmed", "Current"]);
const POLL_MS = 2_000;

export interface RolloutOptions {
  image: string;
  cluster: Kubeconfig;
  proxyDir: string;
  selector?: string;
  maxUnavailable: number;
  /** Longest one device may take from its declaration to Confirmed. */
  deviceTimeoutS: number;
  say: (line: string) => void;
}

interface Device {
  node: string;
  configMap: string; // namespace/name
}

interface Seen {
  running: string | null;
  reason: string | null;
  message: string;
  declared: string | null;
}

export async function rollout(o: RolloutOptions): Promise<boolean> {
  if (!fs.existsSync(o.image)) throw new Error(`${o.image}: no such file`);
  const file = fs.readFileSync(o.image);
  const header = decodeHeader(file);
  if (!header) throw new Error(`${o.image}: not a signed image (pico-node firmware verify says more)`);
  const version = formatVersion(header.version);
  const sha256 = fileSha256(file);
  if (!(o.maxUnavailable >= 1)) throw new Error("--max-unavailable must be 1 or more");

  const configMaps = new Map(listDevices(o.proxyDir).map((d) => [d.name, d.configMap]));
  const nodes = JSON.parse(kubectl(o.cluster, ["get", "nodes", ...(o.selector ? ["-l", o.selector] : []), "-o", "json"])).items as any[];
  const devices: Device[] = [];
  for (const n of nodes) {
    const name = n.metadata.name as string;
    const cm = configMaps.get(name);
    if (!cm) continue; // not a device of this proxy
    if (!n.status?.conditions?.some((c: any) => c.type === "PicoFirmware")) continue;
    devices.push({ node: name, configMap: cm });
  }
  if (devices.length === 0) throw new Error(`no enrolled device${o.selector ? ` matching ${o.selector}` : ""} reports PicoFirmware`);
  const shared = devices.filter((d, i) => devices.findIndex((x) => x.configMap === d.configMap) !== i);
  if (shared.length) throw new Error(`${shared.map((d) => d.node).join(", ")} share a ConfigMap with another device: a rollout declares per device`);
  o.say(`rollout of ${version} (sha256 ${sha256.slice(0, 12)}…) to ${devices.length} device(s), at most ${o.maxUnavailable} at a time`);

  const look = (): Map<string, Seen> => {
    const seen = new Map<string, Seen>();
    const all = JSON.parse(kubectl(o.cluster, ["get", "nodes", "-o", "json"])).items as any[];
    const cms = JSON.parse(kubectl(o.cluster, ["get", "configmaps", "-A", "-o", "json"])).items as any[];
    const declared = new Map(cms.map((c) => [`${c.metadata.namespace}/${c.metadata.name}`, c.data?.["firmware.sha256"] === sha256 ? c.data?.["firmware.version"] : null]));
    for (const d of devices) {
      const n = all.find((x) => x.metadata.name === d.node);
      const c = n?.status?.conditions?.find((x: any) => x.type === "PicoFirmware");
      seen.set(d.node, {
        running: /firmware (\d+\.\d+\.\d+)$/.exec(n?.status?.nodeInfo?.osImage ?? "")?.[1] ?? null,
        reason: c?.reason ?? null,
        message: c?.message ?? "",
        declared: declared.get(d.configMap) ?? null,
      });
    }
    return seen;
  };
  const isDone = (s: Seen) => s.running === version && DONE.has(s.reason ?? "");
  const declaredAt = new Map<string, number>();
  const t0 = Date.now();
  for (;;) {
    const seen = look();
    const done = devices.filter((d) => isDone(seen.get(d.node)!));
    const inFlight = devices.filter((d) => !isDone(seen.get(d.node)!) && seen.get(d.node)!.declared === version);
    for (const d of inFlight) {
      const s = seen.get(d.node)!;
      declaredAt.set(d.node, declaredAt.get(d.node) ?? Date.now());
      // A fresh declaration may still show the previous outcome for a moment: judge it once the node has moved.
      const moved = Date.now() - declaredAt.get(d.node)! > POLL_MS * 2;
      if (moved && s.reason && !UNDER_WAY.has(s.reason) && !DONE.has(s.reason)) {
        o.say(`stopped: ${d.node} reports ${s.reason}: ${s.message}`);
        o.say(`${done.length} of ${devices.length} on ${version}; ${devices.length - done.length - inFlight.length} not touched. Fix the image or the device, then run the same command to resume.`);
        return false;
      }
      if (Date.now() - declaredAt.get(d.node)! > o.deviceTimeoutS * 1000) {
        o.say(`stopped: ${d.node} has not confirmed ${version} within ${o.deviceTimeoutS} s (it reports ${s.reason ?? "nothing"}: ${s.message})`);
        return false;
      }
    }
    if (done.length === devices.length) {
      o.say(`done: ${devices.length} device(s) on ${version} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      return true;
    }
    const waiting = devices.filter((d) => !isDone(seen.get(d.node)!) && seen.get(d.node)!.declared !== version);
    for (const d of waiting.slice(0, Math.max(0, o.maxUnavailable - inFlight.length))) {
      const [ns, name] = d.configMap.split("/");
      kubectl(o.cluster, ["-n", ns, "patch", "configmap", name, "--type", "merge", "-p", JSON.stringify({ data: { "firmware.version": version, "firmware.sha256": sha256 } })]);
      declaredAt.set(d.node, Date.now());
      o.say(`declared ${version} for ${d.node} (${d.configMap}); ${done.length} done, ${inFlight.length + 1} in flight`);
      inFlight.push(d);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
