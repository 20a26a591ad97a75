// Enrolment: gives a device its own identity behind the proxy — a key and a
// node client certificate (held by the proxy, never by the Pico), a random
// token (held by the Pico), read access to its ConfigMap only — and writes the
// device.env `pico-node provision` and the simulator read. Revoke takes it away.
//
// Enrolling an enrolled device is idempotent: its key, certificate and token
// are kept (the certificate is re-signed only when it no longer verifies or
// expires within 30 days) and its RBAC and map entry are applied again.
// To replace a token, revoke the device and enrol it again.
import fs from "node:fs";
import crypto from "node:crypto";
import { clusterClientCa, grantConfigMap, revokeConfigMap, Kubeconfig } from "./cluster.js";
import { ProxySettings, readProxySettings } from "./proxy.js";
import { DeviceConfig, checkConfigMapRef, checkNodeName, deviceFiles, readDeviceConfig, writeDeviceConfig, writeDevicesConf, writePrivate } from "./devices.js";
import { certUsable, chooseSigner, newKey, nodeCsr, signWithCa, signWithCsrApi } from "./signing.js";
import { reloadNginx } from "./nginx.js";
import { withProxyLock } from "./lock.js";

export interface EnrollOptions {
  dir: string;
  configMap?: string;
  /** Overrides the proxy's signer setting for this run. */
  signer?: "auto" | "csr" | "ca";
  progress?: (line: string) => void;
}

export interface Enrolled {
  device: DeviceConfig;
  deviceEnv: string;
  /** What happened to its certificate. */
  certificate: "signed via the CSR API" | "signed with the client CA files" | "kept";
  tokenKept: boolean;
}

/** 256 random bits as hex: case-insensitive nginx map keys lose nothing. */
function newToken(): string {
  return crypto.randomBytes(32).toString("hex");
}

function existing(dir: string, name: string): DeviceConfig | null {
  const f = deviceFiles(dir, name);
  return fs.existsSync(f.env) ? readDeviceConfig(f.env) : null;
}

export async function enrollDevices(names: string[], o: EnrollOptions): Promise<Enrolled[]> {
  const say = o.progress ?? (() => {});
  readProxySettings(o.dir); // a clear error before anything else if there is no proxy here
  return withProxyLock(o.dir, say, () => enrollLocked(names, o, say));
}

async function enrollLocked(names: string[], o: EnrollOptions, say: (line: string) => void): Promise<Enrolled[]> {
  if (!names.length) throw new Error("enroll: name the device(s) to enrol, e.g. `pico-node enroll pico-kitchen`");
  names.forEach(checkNodeName);
  if (new Set(names).size !== names.length) throw new Error("enroll: a device is named twice");
  const configMap = o.configMap ?? "default/pico-config";
  checkConfigMapRef(configMap);
  const s: ProxySettings = { ...readProxySettings(o.dir), ...(o.signer ? { signer: o.signer } : {}) };
  const kube: Kubeconfig = { kubeconfig: s.kubeconfig };

  // Keys and CSRs for the devices whose certificate is missing or no longer good.
  const csrs = new Map<string, string>();
  for (const name of names) {
    const f = deviceFiles(o.dir, name);
    fs.mkdirSync(f.dir, { recursive: true, mode: 0o700 });
    if (!fs.existsSync(f.key)) newKey(f.key);
    if (!certUsable(f.cert, f.key, name, s.clientCaCert)) csrs.set(name, nodeCsr(f.key, name));
  }
  let how: Enrolled["certificate"] = "kept";
  if (csrs.size) {
    const signer = chooseSigner(s, kube);
    say(`signing ${csrs.size} node certificate(s) ${signer === "csr" ? "through the CSR API" : `with ${s.clientCaCert}`}`);
    const certs = signer === "csr" ? await signWithCsrApi(kube, csrs) : new Map([...csrs].map(([n, pem]) => [n, signWithCa(s, pem)]));
    for (const [name, pem] of certs) writePrivate(deviceFiles(o.dir, name).cert, pem);
    how = signer === "csr" ? "signed via the CSR API" : "signed with the client CA files";
  }

  // RBAC: read access to the ConfigMap; a device moved to another ConfigMap loses the old one.
  const [ns, cm] = configMap.split("/");
  for (const name of names) {
    const old = existing(o.dir, name);
    if (old && old.configMap !== configMap) {
      const [ons, ocm] = old.configMap.split("/");
      revokeConfigMap(kube, name, ons, ocm);
    }
  }
  grantConfigMap(kube, names, ns, cm);

  // The kubelet port's client CA, as the API server publishes it: the board verifies client certificates with it.
  let clientCa: string[] = [];
  try {
    clientCa = clusterClientCa(kube);
    say(`cluster client CA: ${clientCa.length} certificate(s) for the devices' kubelet port`);
  } catch (e) {
    say(`the cluster's client CA could not be read (${(e as Error).message}): the devices' kubelet port will accept bearer tokens only`);
  }
  const result: Enrolled[] = [];
  for (const name of names) {
    const old = existing(o.dir, name);
    const device: DeviceConfig = { name, api: s.publicUrl, token: old?.token ?? newToken(), configMap };
    const f = deviceFiles(o.dir, name);
    writeDeviceConfig(f.env, device, clientCa); // last: from now on the device is in the maps
    result.push({ device, deviceEnv: f.env, certificate: csrs.has(name) ? how : "kept", tokenKept: !!old });
  }
  writeDevicesConf(o.dir);
  if (await reloadNginx(s, false)) say("nginx reloaded");
  else say(`nginx is not running: the devices take effect when it starts (\`pico-node proxy start --dir ${o.dir}\`)`);
  return result;
}

export interface RevokeOptions {
  dir: string;
  progress?: (line: string) => void;
}

/** Removes the devices' map entries, keys and RBAC, then reloads nginx and waits for old workers to go. */
export async function revokeDevices(names: string[], o: RevokeOptions): Promise<void> {
  const say = o.progress ?? (() => {});
  readProxySettings(o.dir);
  return withProxyLock(o.dir, say, () => revokeLocked(names, o, say));
}

async function revokeLocked(names: string[], o: RevokeOptions, say: (line: string) => void): Promise<void> {
  if (!names.length) throw new Error("revoke: name the device(s) to revoke");
  names.forEach(checkNodeName);
  const s = readProxySettings(o.dir);
  const devices = names.map((name) => {
    const d = existing(o.dir, name);
    if (!d) throw new Error(`revoke: ${name} is not enrolled in ${o.dir}`);
    return d;
  });
  // Out of the maps first: whatever fails below, the device cannot pass nginx once it reloads.
  for (const d of devices) fs.rmSync(deviceFiles(o.dir, d.name).env);
  writeDevicesConf(o.dir);
  for (const d of devices) {
    const [ns, cm] = d.configMap.split("/");
    revokeConfigMap({ kubeconfig: s.kubeconfig }, d.name, ns, cm);
    fs.rmSync(deviceFiles(o.dir, d.name).dir, { recursive: true, force: true });
  }
  if (await reloadNginx(s, true)) say("nginx reloaded; no connection admitted before remains");
  else say(`nginx is not running: the devices are out of its configuration for when it starts`);
}
