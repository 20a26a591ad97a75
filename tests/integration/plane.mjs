// A real control plane for integration tests: started once per test file in a
// fresh state dir (binaries come from the shared cache), stopped at the end.
// By default a real nginx proxy runs in front of it (<state>/proxy) and every
// simulated Pico is enrolled there and talks plain HTTP through it, as a
// Pico on the LAN does; `{ direct: true }` connects one straight to the API
// server with TLS instead.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import tls from "node:tls";
import { execFile, spawnSync } from "node:child_process";
import { clusterUp, clusterDown, kubectl } from "../../dist/cli/cluster.js";
import { startSims, freePort } from "../../dist/cli/sims.js";
import { completeSettings, localPlaneSettings, writeProxyConfig, firmwareDir } from "../../dist/cli/proxy.js";
import { startNginx, stopNginx } from "../../dist/cli/nginx.js";
import { enrollDevices } from "../../dist/cli/enroll.js";
import { deviceFiles } from "../../dist/cli/devices.js";
import { startApprover } from "../../dist/cli/approver.js";

/** Who the kubelet-port helpers below are: the plane's cluster admin (O=system:masters), verifying the Pico's serving certificate against the cluster CA. */
let kubeletClient = null;
/** kubelet port → the address its Pico serves it on. */
const kubeletHosts = new Map();
const hostOf = (port) => kubeletHosts.get(port) ?? "127.0.0.1";

export async function withPlane(env = {}, { proxy: withProxy = true, approver: withApprover = withProxy } = {}) {
  const state = fs.mkdtempSync(path.join(os.tmpdir(), "pico-it-"));
  const cluster = clusterUp({ state, nodes: [], env });
  let proxy = null;
  try {
    if (withProxy) {
      const port = await freePort(16080);
      proxy = completeSettings({ dir: path.join(state, "proxy"), ...localPlaneSettings(cluster), listen: `127.0.0.1:${port}` });
      writeProxyConfig(proxy);
      await startNginx(proxy);
    }
  } catch (e) {
    clusterDown(state);
    throw e;
  }
  // The serving-certificate approver runs beside the proxy, as `npm start` runs it.
  const approverLog = [];
  const approver = withApprover ? startApprover({ dir: proxy.dir, kubeconfig: cluster.kubeconfig, log: (l) => approverLog.push(l) }) : null;
  const pki = path.dirname(cluster.caFile);
  kubeletClient = { ca: fs.readFileSync(cluster.caFile), cert: fs.readFileSync(path.join(pki, "admin.crt")), key: fs.readFileSync(path.join(pki, "admin.key")) };
  const picos = [];
  /** Enrolment results by device name (token, certificate, device.env). */
  const enrolled = new Map();
  return {
    state,
    env: cluster,
    proxy,
    enrolled,
    approverLog,
    /** The cluster CA, which signs the Picos' serving certificates; the admin's client certificate and key. */
    kubeletCa: kubeletClient.ca,
    /** An HTTPS agent that keeps one connection alive, as the admin (as metrics-server and the API server keep theirs). */
    keepAliveAgent: () => new https.Agent({ keepAlive: true, maxSockets: 1, ...kubeletClient }),
    kubectl: (args, input) => kubectl(cluster, args, input),
    /** kubectl without blocking this process: for requests a simulated Pico here must answer. */
    kubectlAsync: (args) =>
      new Promise((resolve, reject) =>
        execFile("kubectl", ["--kubeconfig", cluster.kubeconfig, ...args], (err, stdout, stderr) => (err ? reject(new Error(`kubectl ${args.join(" ")}: ${stderr || err.message}`)) : resolve(stdout))),
      ),
    json: (args) => JSON.parse(kubectl(cluster, [...args, "-o", "json"])),
    async enroll(names, options = {}) {
      for (const e of await enrollDevices(names, { dir: proxy.dir, ...options })) enrolled.set(e.device.name, e);
      return names.map((n) => enrolled.get(n));
    },
    /** Simulated Picos; `firmware` ({ version, trustedKey, trialMs }) lets them take updates, `api` puts something (a relay) before the proxy. */
    async sim(names, extraConfig = "lease_renew_ms=10000\n", { direct = !proxy, firmware, api, configMap } = {}) {
      const kubeletPort = 30250 + picos.length * 10;
      // PICO_IT_LOG=1 shows the simulated Picos' core logs (quiet otherwise).
      const log = process.env.PICO_IT_LOG ? (name, level, line) => console.error(`[${name} ${level}] ${line}`) : () => {};
      const common = { names, kubeletPort, state, extraConfig, log, firmware, configMap };
      let started;
      if (direct) started = await startSims({ ...common, api: cluster.apiUrl });
      else {
        const devices = await this.enroll(names, configMap ? { configMap } : {});
        started = await startSims({ ...common, api: api ?? proxy.publicUrl, tokens: Object.fromEntries(devices.map((e) => [e.device.name, e.device.token])) });
      }
      picos.push(...started);
      for (const p of started) kubeletHosts.set(p.opts.kubeletPort, p.address);
      return started;
    },
    /** One request to the proxy as a Pico would send it (token: the bearer token, if any). */
    viaProxy(method, pathname, { token, body, headers = {} } = {}) {
      const u = new URL(proxy.publicUrl);
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const h = { ...headers, ...(token && { Authorization: `Bearer ${token}` }), ...(payload && { "Content-Type": method === "PATCH" ? "application/strategic-merge-patch+json" : "application/json" }) };
      return request(http, { host: u.hostname, port: u.port, method, path: pathname, headers: h, agent: false }, payload);
    },
    /** Straight to the API server with a device's own client certificate (no proxy). */
    asDevice(name, method, pathname, body) {
      const f = deviceFiles(proxy.dir, name);
      return this.withCertificate(f.cert, f.key, method, pathname, body);
    },
    /** Straight to the API server as whoever the client certificate (PEM files) names. */
    withCertificate(certFile, keyFile, method, pathname, body) {
      const u = new URL(cluster.apiUrl);
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const tls = { ca: fs.readFileSync(cluster.caFile), cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) };
      return request(https, { host: u.hostname, port: u.port, method, path: pathname, ...tls, agent: false, headers: payload ? { "Content-Type": method === "PATCH" ? "application/strategic-merge-patch+json" : "application/json" } : {} }, payload);
    },
    /** An admin request without spawning kubectl (for timing). */
    asAdmin(method, pathname, body) {
      const kc = fs.readFileSync(cluster.kubeconfig, "utf8");
      const pick = (k) => Buffer.from(new RegExp(`${k}: (\\S+)`).exec(kc)[1], "base64");
      const u = new URL(cluster.apiUrl);
      const payload = body === undefined ? undefined : JSON.stringify(body);
      return request(https, { host: u.hostname, port: u.port, method, path: pathname, ca: pick("certificate-authority-data"), cert: pick("client-certificate-data"), key: pick("client-key-data"), agent: false, headers: payload ? { "Content-Type": method === "PATCH" ? "application/merge-patch+json" : "application/json" } : {} }, payload);
    },
    /** Whether the aggregator serves metrics.k8s.io (APIService v1beta1.metrics.k8s.io Available=True). */
    metricsApiAvailable() {
      const conditions = this.json(["get", "apiservice", "v1beta1.metrics.k8s.io"]).status?.conditions ?? [];
      return conditions.some((c) => c.type === "Available" && c.status === "True");
    },
    /** What metrics-server has for a node: GET /apis/metrics.k8s.io/v1beta1/nodes/<name> as admin (404 until scraped twice). */
    nodeMetrics(name) {
      return this.asAdmin("GET", `/apis/metrics.k8s.io/v1beta1/nodes/${name}`);
    },
    accessLog() {
      return fs.readFileSync(path.join(proxy.dir, "logs/access.log"), "utf8").split("\n").filter(Boolean);
    },
    async close() {
      await approver?.stop();
      await Promise.all(picos.map((p) => p.stop()));
      try {
        if (proxy) await stopNginx(proxy);
        if (proxy) fs.rmSync(firmwareDir(proxy), { recursive: true, force: true }); // outside the state dir when run as root
      } finally {
        clusterDown(state);
        fs.rmSync(state, { recursive: true, force: true });
      }
    },
  };
}

function request(mod, options, payload) {
  return new Promise((resolve, reject) => {
    const req = mod.request(options, (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) }));
    });
    req.on("error", reject);
    if (payload) req.write(payload);
    req.end();
  });
}

/** Runs `pico-node ARGS…` (from the repository root) and returns what it printed; fails the test unless it succeeds. */
export function picoNode(...args) {
  const r = spawnSync("node", ["bin/pico-node.mjs", ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`pico-node ${args.join(" ")} exited ${r.status}:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

export async function until(what, fn, timeoutMs = 20_000, stepMs = 250) {
  const t0 = Date.now();
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** GET on a kubelet port through a keep-alive agent; resolves with the status and the client's local port (the same one: the same connection). */
export function getVia(agent, host, port, pathname) {
  return new Promise((resolve, reject) => {
    const req = https.request({ host, port, path: pathname, agent }, (res) => {
      const localPort = res.socket.localPort; // the socket goes back to the agent at the end
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode, localPort }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** The Pico serves its kubelet port once its serving certificate is issued (CSR, approver, signer). */
export async function servingReady(pico, timeoutMs = 30_000) {
  await until(`${pico.opts.name}'s serving certificate`, () => pico.servingCertificate, timeoutMs, 100);
}

/** A raw HTTP exchange on the kubelet port over TLS as the cluster admin: what curl or the API server would send. */
export function raw(port, request, { endAfterWrite = false, credentials = kubeletClient } = {}) {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ port, host: hostOf(port), ...credentials });
    let data = "";
    s.on("data", (d) => (data += d));
    s.on("end", () => resolve(data));
    s.on("error", reject);
    s.write(request);
    if (endAfterWrite) s.end();
  });
}

/** One request on the kubelet port over TLS, as the cluster admin unless other credentials (cert/key, or headers with a token) are given. */
export function get(port, pathname, method = "GET", { credentials = kubeletClient, headers = {}, host = hostOf(port) } = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request({ host, port, path: pathname, method, headers, agent: false, ...credentials }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}
