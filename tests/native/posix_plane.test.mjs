// The POSIX shell — the firmware's C host layer with core.wasm in wasm3 — on
// the real control plane: it registers its Node, renews its Lease, applies a
// ConfigMap to the region (persisted to its state file) and serves a kubelet
// request. Needs the shell built (tests/native/run.mjs does it where wasm3 is
// present and passes its path in PICO_POSIX_SHELL); skipped otherwise.
//
// The core speaks plain HTTP to a proxy that adds TLS and the node's client
// certificate; until this test uses the project's proxy, a few lines of
// node:tls play that part.
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import net from "node:net";
import tls from "node:tls";
import { spawn } from "node:child_process";

const SHELL = process.env.PICO_POSIX_SHELL;
const NAME = "posix-shell-1";
const WASM = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../build/core.wasm");

/** Forwards plain TCP from 127.0.0.1:<port> to the API server over TLS with the node's certificate. */
function tlsForwarder(apiUrl, identity, ca) {
  const api = new URL(apiUrl);
  const server = net.createServer((plain) => {
    const secure = tls.connect({ host: api.hostname, port: Number(api.port), ca, cert: identity.cert, key: identity.key });
    plain.pipe(secure).pipe(plain);
    const end = () => { plain.destroy(); secure.destroy(); };
    plain.on("error", end);
    secure.on("error", end);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function httpGet(port, pathname) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1");
    let data = "";
    s.on("data", (d) => (data += d));
    s.on("end", () => resolve(data));
    s.on("error", reject);
    s.write(`GET ${pathname} HTTP/1.1\r\nHost: pico\r\n\r\n`);
  });
}

test("POSIX shell: Node registered, Lease renewed, ConfigMap applied and saved, kubelet request served", { skip: SHELL ? false : "the POSIX shell was not built (no wasm3)", timeout: 120_000 }, async () => {
  const { withPlane, until } = await import("../integration/plane.mjs");
  const { ensureNodeIdentities, grantConfigMap } = await import("../../dist/cli/cluster.js");
  const plane = await withPlane();
  const state = fs.mkdtempSync(path.join(os.tmpdir(), "pico-posix-"));
  let shell, forwarder, log = "";
  try {
    const ids = ensureNodeIdentities(plane.env, [NAME]);
    grantConfigMap(plane.env, [NAME], "default", "pico-config");
    const id = ids.get(NAME);
    forwarder = await tlsForwarder(plane.env.apiUrl, { cert: fs.readFileSync(id.cert), key: fs.readFileSync(id.key) }, fs.readFileSync(plane.env.caFile));
    const kubeletPort = await freePort();
    const config = path.join(state, "device.env");
    fs.writeFileSync(config, [
      "# written by posix_plane.test.mjs",
      "wifi_ssid=unused-on-posix",
      `node_name=${NAME}`,
      `api=http://127.0.0.1:${forwarder.address().port}`,
      `kubelet_port=${kubeletPort}`,
      "lease_renew_ms=2000",
      "",
    ].join("\n"));
    shell = spawn(SHELL, ["--config", config, "--wasm", WASM, "--state", state], { stdio: ["ignore", "ignore", "pipe"] });
    shell.stderr.on("data", (d) => (log += d));
    const exited = new Promise((resolve) => shell.on("exit", (code) => resolve(code)));
    const alive = () => { if (shell.exitCode !== null) throw new Error(`shell exited (${shell.exitCode}):\n${log}`); };

    const node = await until("the Node Ready", () => {
      alive();
      const n = plane.json(["get", "node", NAME]);
      return n.status?.conditions?.find((c) => c.type === "Ready")?.status === "True" && n;
    }, 30_000);
    assert.match(node.status.nodeInfo.kernelVersion, /posix shell, wasm3/);
    const lease = () => plane.json(["-n", "kube-node-lease", "get", "lease", NAME]);
    const first = await until("the Lease", () => lease(), 15_000);
    await until("a renewal", () => lease().spec.renewTime > first.spec.renewTime, 15_000);

    plane.kubectl(["patch", "configmap", "pico-config", "--type", "merge", "-p", JSON.stringify({ data: { memory_values: "0=0x11, 1=0x22, 1023=255" } })]);
    const regionFile = path.join(state, "region.bin");
    const saved = await until("the region saved", () => {
      alive();
      if (!fs.existsSync(regionFile)) return false;
      const b = fs.readFileSync(regionFile);
      return b.length === 12 + 1024 && b[12] === 0x11 && b[13] === 0x22 && b[12 + 1023] === 0xff && b;
    }, 15_000);
    assert.equal(saved.readUInt32LE(0), 0x4e474552); // the region record's magic

    const status = await httpGet(kubeletPort, "/pico/status");
    assert.match(status, /^HTTP\/1\.1 200 /);
    assert.match(log, /wasm3 heap: /);
    shell.kill("SIGTERM");
    await exited;
  } catch (e) {
    if (log) console.error(log.split("\n").slice(-40).join("\n"));
    throw e;
  } finally {
    if (shell && shell.exitCode === null) shell.kill("SIGKILL");
    forwarder?.close();
    await plane.close();
    fs.rmSync(state, { recursive: true, force: true });
  }
});
