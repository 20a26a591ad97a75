// The proxy's settings (proxy.json in its directory) and the nginx
// configuration rendered from the committed templates in proxy/.
import fs from "node:fs";
import os from "node:os";
import crypto from "node:crypto";
import path from "node:path";
import { ROOT, ClusterEnv } from "./cluster.js";
import { writeDevicesConf } from "./devices.js";
import { writeFaultsConf } from "./faults.js";

export type SignerChoice = "auto" | "csr" | "ca";

export interface ProxySettings {
  dir: string;
  /** ADDRESS:PORT nginx listens on. */
  listen: string;
  /** http://HOST:PORT the Picos put in api= (the LAN address of this host). */
  publicUrl: string;
  /** https://HOST:PORT of the API server. */
  apiServer: string;
  /** Name checked in the API server's certificate (its SANs). */
  apiServerName: string;
  /** CA that signed the API server's certificate. */
  apiCa: string;
  /** Admin kubeconfig used by enroll and revoke (CSRs, RBAC). */
  kubeconfig: string;
  /** The cluster's client CA, for signing without the CSR API. */
  clientCaCert?: string;
  clientCaKey?: string;
  signer: SignerChoice;
  /** nginx limit_req rate per device, e.g. "2r/s", and its burst. */
  rate: string;
  burst: number;
  /** true: included in the system nginx (conf.d); false: a stand-alone nginx in dir. */
  system: boolean;
  pidFile: string;
}

export const DEFAULT_PORT = 6080;
const TEMPLATES = path.join(ROOT, "proxy");
const SETTINGS = "proxy.json";

export const K3S = {
  apiServer: "https://127.0.0.1:6443",
  apiCa: "/var/lib/rancher/k3s/server/tls/server-ca.crt",
  kubeconfig: "/etc/rancher/k3s/k3s.yaml",
  clientCaCert: "/var/lib/rancher/k3s/server/tls/client-ca.crt",
  clientCaKey: "/var/lib/rancher/k3s/server/tls/client-ca.key",
};

export function defaultProxyDir(): string {
  return process.env.PICO_NODE_PROXY_DIR ?? path.join(os.homedir(), ".config/pico-node/proxy");
}

/** The settings for the local control plane of `cluster up` (its CA signs both ways). */
export function localPlaneSettings(env: ClusterEnv): Pick<ProxySettings, "apiServer" | "apiCa" | "kubeconfig" | "clientCaCert" | "clientCaKey"> {
  return {
    apiServer: env.apiUrl,
    apiCa: env.caFile,
    kubeconfig: env.kubeconfig,
    clientCaCert: path.join(env.pkiDir, "ca.crt"),
    clientCaKey: path.join(env.pkiDir, "ca.key"),
  };
}

/** The first non-loopback IPv4 address: what a Pico on the LAN dials. */
function lanAddress(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return "127.0.0.1";
}

export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:(\d{1,3}(?:\.\d{1,3}){3}|\*|localhost):)?(\d{1,5})$/.exec(listen);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port > 0 && port < 65536)) throw new Error(`--listen "${listen}": expected ADDRESS:PORT or PORT, e.g. 0.0.0.0:${DEFAULT_PORT}`);
  return { host: m[1] && m[1] !== "*" ? m[1] : "0.0.0.0", port };
}

export type ProxyInput = Partial<Omit<ProxySettings, "dir">> & { dir: string };

/** Fills defaults and checks everything a user can get wrong, naming the option. */
export function completeSettings(i: ProxyInput): ProxySettings {
  if (!i.apiServer || !i.apiCa || !i.kubeconfig) {
    throw new Error("say where the API server is: --k3s (on a k3s server), --local (the local control plane), or --api URL --api-ca FILE --kubeconfig FILE");
  }
  if (!/^https:\/\/[^/]+$/.test(i.apiServer)) throw new Error(`--api "${i.apiServer}": expected https://HOST:PORT (the proxy talks TLS to the API server)`);
  const dir = path.resolve(i.dir);
  const listen = i.listen ?? `0.0.0.0:${DEFAULT_PORT}`;
  const { host, port } = parseListen(listen);
  const publicUrl = i.publicUrl ?? `http://${host === "0.0.0.0" ? lanAddress() : host}:${port}`;
  if (!/^http:\/\/[^/:]+:\d+$/.test(publicUrl)) throw new Error(`--public-url "${publicUrl}": expected http://HOST:PORT (the Pico speaks plain HTTP to the proxy)`);
  const rate = i.rate ?? "2r/s";
  if (!/^\d+r\/[sm]$/.test(rate)) throw new Error(`--rate "${rate}": expected requests per second or minute, e.g. 2r/s or 60r/m`);
  const burst = i.burst ?? 20;
  if (!Number.isInteger(burst) || burst < 0) throw new Error(`--burst "${i.burst}": expected a whole number of requests`);
  const signer = i.signer ?? "auto";
  if (!["auto", "csr", "ca"].includes(signer)) throw new Error(`--signer "${signer}": expected auto, csr or ca`);
  if (signer === "ca" && (!i.clientCaCert || !i.clientCaKey)) throw new Error("--signer ca needs the cluster's client CA: --client-ca FILE.crt --client-ca-key FILE.key");
  for (const [flag, file] of [["--api-ca", i.apiCa], ["--kubeconfig", i.kubeconfig]] as const) {
    if (!fs.existsSync(file)) throw new Error(`${flag} ${file}: no such file`);
  }
  const system = i.system ?? false;
  return {
    dir,
    listen: `${host}:${port}`,
    publicUrl,
    apiServer: i.apiServer,
    apiServerName: i.apiServerName ?? "kubernetes",
    apiCa: path.resolve(i.apiCa),
    kubeconfig: path.resolve(i.kubeconfig),
    clientCaCert: i.clientCaCert && path.resolve(i.clientCaCert),
    clientCaKey: i.clientCaKey && path.resolve(i.clientCaKey),
    signer,
    rate,
    burst,
    system,
    pidFile: i.pidFile ?? (system ? "/run/nginx.pid" : path.join(dir, "nginx.pid")),
  };
}

export function readProxySettings(dir: string): ProxySettings {
  const file = path.join(dir, SETTINGS);
  if (!fs.existsSync(file)) throw new Error(`no proxy is configured in ${dir}: run \`pico-node proxy config\` first (or pass --dir)`);
  return JSON.parse(fs.readFileSync(file, "utf8")) as ProxySettings;
}

function render(template: string, values: Record<string, string>): string {
  const text = fs.readFileSync(path.join(TEMPLATES, template), "utf8");
  return text.replace(/\{\{([A-Z_]+)\}\}/g, (_, k: string) => {
    if (!(k in values)) throw new Error(`${template}: no value for {{${k}}}`);
    return values[k];
  });
}

/** Worker processes drop root; they never read key files (the maps carry the PEM). */
function userLine(s: ProxySettings): string {
  if (!workersRunAsAnother(s) || s.system) return "# (not started as root: workers run as the invoking user)";
  const group = /^nogroup:/m.test(fs.readFileSync("/etc/group", "utf8")) ? "nogroup" : "nobody";
  return `user nobody ${group};`;
}

/** Whether nginx's workers run as another user than the proxy dir's owner (root drops them to nobody; a
 *  system nginx has its own): they cannot enter the 0700 proxy dir, so what they serve from disk lives elsewhere. */
function workersRunAsAnother(s: ProxySettings): boolean {
  return s.system || process.getuid?.() === 0;
}

/**
 * Where nginx serves firmware images from (`pico-node firmware publish` writes
 * there; images are signed and not secret). Inside the proxy dir when the
 * workers run as its owner; else under /var/lib/pico-node/firmware, one
 * directory per proxy, which workers running as nobody can enter.
 */
export function firmwareDir(s: ProxySettings): string {
  if (!workersRunAsAnother(s)) return path.join(s.dir, "firmware");
  return path.join("/var/lib/pico-node/firmware", crypto.createHash("sha256").update(s.dir).digest("hex").slice(0, 12));
}

/** Writes proxy.json, pico-node.conf, nginx.conf (stand-alone) and devices.conf into the proxy dir. */
export function writeProxyConfig(s: ProxySettings): string[] {
  fs.mkdirSync(s.dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(s.dir, 0o700);
  for (const sub of ["logs", "tmp"]) fs.mkdirSync(path.join(s.dir, sub), { recursive: true, mode: 0o700 });
  const values = {
    DIR: s.dir,
    LISTEN: s.listen,
    RATE: s.rate,
    BURST: String(s.burst),
    API_SERVER: s.apiServer,
    API_SERVER_NAME: s.apiServerName,
    API_CA: s.apiCa,
    USER_LINE: userLine(s),
    FIRMWARE_DIR: firmwareDir(s),
  };
  const written = [path.join(s.dir, SETTINGS), path.join(s.dir, "pico-node.conf")];
  fs.writeFileSync(written[0], JSON.stringify(s, null, 2) + "\n", { mode: 0o600 });
  fs.writeFileSync(written[1], render("pico-node.conf.template", values), { mode: 0o644 });
  if (!s.system) {
    written.push(path.join(s.dir, "nginx.conf"));
    fs.writeFileSync(written[2], render("nginx.conf.template", values), { mode: 0o644 });
  }
  writeDevicesConf(s.dir);
  written.push(path.join(s.dir, "devices.conf"));
  writeFaultsConf(s.dir);
  written.push(path.join(s.dir, "faults.conf"));
  return written;
}
