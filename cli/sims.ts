// Starting simulated Picos, for the CLI, npm start and the integration tests.
import fs from "node:fs";
import path from "node:path";
import net from "node:net";
import os from "node:os";
import crypto from "node:crypto";
import { SimulatedPico } from "../sim/pico.js";
import { SimFirmware } from "../sim/firmware.js";
import { ROOT, defaultStateDir, readEnv, ensureNodeIdentities, grantConfigMap, ClusterEnv } from "./cluster.js";
import { readProxySettings } from "./proxy.js";
import { runningPid } from "./nginx.js";
import { enrollDevices } from "./enroll.js";

export const WASM = path.join(ROOT, "build/core.wasm");

export function requireWasm(): void {
  if (!fs.existsSync(WASM)) throw new Error("build/core.wasm is missing: run `npm run build` first");
}

export async function freePort(from: number): Promise<number> {
  for (let p = from; p < from + 1000; p++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once("error", () => resolve(false));
      s.listen(p, "127.0.0.1", () => s.close(() => resolve(true)));
    });
    if (ok) return p;
  }
  throw new Error(`no free port from ${from}`);
}

export interface SimOptions {
  api: string;
  names: string[];
  kubeletPort: number;
  configMap?: string;
  token?: string;
  /** Per-node bearer tokens (enrolled devices behind the proxy); else `token` for all. */
  tokens?: Record<string, string>;
  state?: string;
  extraConfig?: string;
  /** The address the Picos report and serve the kubelet port on (default: simAddress()). */
  address?: string;
  /** The cluster's client CA (PEM) for the kubelet port; default: the local cluster's, when one is up. */
  clientCa?: Buffer;
  /** Firmware updates: the version each Pico starts with and the key its images must be signed with; absent: none. */
  firmware?: { version: string; trustedKey: crypto.KeyObject; trialMs?: number };
  log?: (name: string, level: string, line: string) => void;
}

/**
 * The address simulated Picos report and serve on: this machine's first
 * non-loopback IPv4, since the API server's node proxy refuses loopback
 * addresses (as it refuses link-local ones); 127.0.0.1 when there is none.
 */
export function simAddress(): string {
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === "IPv4" && !a.internal && !a.address.startsWith("169.254.")) return a.address;
  }
  return "127.0.0.1";
}

/** Whether a port is free on 127.0.0.1. */
async function portFree(port: number): Promise<boolean> {
  return (await freePort(port).catch(() => -1)) === port;
}

/** Starts simulated Picos; with an https:// API each uses its node certificate from the local cluster. */
export async function startSims(o: SimOptions): Promise<SimulatedPico[]> {
  requireWasm();
  const url = new URL(o.api);
  let env: ClusterEnv | null = null;
  if (url.protocol === "https:") {
    env = readEnv(o.state ?? defaultStateDir());
    if (!env) throw new Error(`--api is https: the node certificates come from a local cluster, and none is up at ${o.state ?? defaultStateDir()}`);
  } else if (url.protocol !== "http:") throw new Error(`--api must be http:// (the proxy) or https:// (the local API server): ${o.api}`);
  const [ns, cm] = (o.configMap ?? "default/pico-config").split("/");
  const identities = env ? ensureNodeIdentities(env, o.names) : null;
  if (env) grantConfigMap(env, o.names, ns, cm);
  const ca = env ? fs.readFileSync(env.caFile) : null;
  const local = env ?? readEnv(o.state ?? defaultStateDir());
  const clientCa = o.clientCa ?? (local ? fs.readFileSync(local.caFile) : undefined);
  const picos: SimulatedPico[] = [];
  let port = o.kubeletPort;
  for (const [index, name] of o.names.entries()) {
    port = await freePort(port);
    // The healthz ports count down from 2 below the first kubelet port (10248
    // for 10250, as on a Pico), clear of the kubelet ports counting up.
    const wanted = o.kubeletPort - 2 - index;
    const healthzPort = wanted > 1024 && (await portFree(wanted)) ? wanted : 0;
    const id = identities?.get(name);
    const tls = id && ca ? { ca, cert: fs.readFileSync(id.cert), key: fs.readFileSync(id.key) } : undefined;
    const pico = new SimulatedPico({
      name,
      api: `http://${url.host}`,
      kubeletPort: port,
      address: o.address ?? simAddress(),
      healthzPort,
      clientCa,
      configMap: o.configMap,
      token: o.tokens?.[name] ?? o.token,
      tls,
      extraConfig: o.extraConfig,
      wasmFile: WASM,
      log: o.log ? (level, line) => o.log!(name, level, line) : undefined,
      firmware: o.firmware && new SimFirmware(o.firmware),
    });
    await pico.start();
    picos.push(pico);
    port++;
  }
  return picos;
}


/**
 * The local proxy (<state>/proxy) if one is running: enrols the names there
 * (idempotent) and returns the proxy URL and their tokens; null otherwise.
 */
export async function viaLocalProxy(state: string, names: string[], configMap?: string, progress?: (line: string) => void): Promise<{ api: string; tokens: Record<string, string> } | null> {
  const dir = path.join(state, "proxy");
  if (!fs.existsSync(path.join(dir, "proxy.json"))) return null;
  const settings = readProxySettings(dir);
  if (!runningPid(settings)) return null;
  const enrolled = await enrollDevices(names, { dir, configMap, progress });
  return { api: settings.publicUrl, tokens: Object.fromEntries(enrolled.map((e) => [e.device.name, e.device.token])) };
}
