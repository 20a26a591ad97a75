// A real control plane for integration tests: started once per test file in a
// fresh state dir (binaries come from the shared cache), stopped at the end.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import http from "node:http";
import net from "node:net";
import { clusterUp, clusterDown, kubectl } from "../../dist/cli/cluster.js";
import { startSims } from "../../dist/cli/sims.js";

export async function withPlane(env = {}) {
  const state = fs.mkdtempSync(path.join(os.tmpdir(), "pico-it-"));
  const cluster = clusterUp({ state, nodes: [], env });
  const picos = [];
  return {
    state,
    env: cluster,
    kubectl: (args, input) => kubectl(cluster, args, input),
    json: (args) => JSON.parse(kubectl(cluster, [...args, "-o", "json"])),
    async sim(names, extraConfig = "lease_renew_ms=10000\n") {
      const started = await startSims({ api: cluster.apiUrl, names, kubeletPort: 30250 + picos.length * 10, state, extraConfig, log: () => {} });
      picos.push(...started);
      return started;
    },
    async close() {
      await Promise.all(picos.map((p) => p.stop()));
      clusterDown(state);
      fs.rmSync(state, { recursive: true, force: true });
    },
  };
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

/** A raw HTTP exchange on the kubelet port: what curl or the API server would send. */
export function raw(port, request, { endAfterWrite = false } = {}) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1");
    let data = "";
    s.on("data", (d) => (data += d));
    s.on("end", () => resolve(data));
    s.on("error", reject);
    s.write(request);
    if (endAfterWrite) s.end();
  });
}

export function get(port, pathname, method = "GET") {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path: pathname, method }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}
