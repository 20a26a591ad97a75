// The POSIX shell — the firmware's C host layer, with each engine it was
// built with — on the real control plane, through the real proxy, as a Pico
// on the LAN: it is enrolled, registers its Node, renews its Lease, applies a
// ConfigMap to the region (persisted to its state file) and serves a kubelet
// request. tests/native/run.mjs builds the shells (AOT always, wasm3 where it
// is present) and passes them as PICO_POSIX_SHELLS=engine=path,…; skipped
// without any.
import test, { after, before } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startPosixShell } from "./posix_shell.mjs";

const SHELLS = (process.env.PICO_POSIX_SHELLS ?? "").split(",").filter(Boolean).map((s) => s.split("="));
const ENGINE_NAMES = { aot: /, aot \(wasm2c 1\.0\.32\)$/, wasm3: /, wasm3$/ };

let plane, get, getVia, until, freePort;
before(async () => {
  if (!SHELLS.length) return;
  ({ withPlane: plane, until, get, getVia } = await import("../integration/plane.mjs"));
  ({ freePort } = await import("../../dist/cli/sims.js"));
  plane = await plane();
});
after(async () => plane?.close?.());

for (const [index, [engine, SHELL]] of (SHELLS.length ? SHELLS : [["none", null]]).entries()) {
  const NAME = `posix-${engine}-1`;
  const first = 0x11 + index; // each shell applies other bytes, so each sees a watch event of its own
  test(`POSIX shell (${engine}): Node registered, Lease renewed, ConfigMap applied and saved, kubelet request served`, { skip: SHELL ? false : "the POSIX shell was not built", timeout: 120_000 }, async () => {
    const state = fs.mkdtempSync(path.join(os.tmpdir(), "pico-posix-"));
    let shell, log = "";
    try {
      const [enrolled] = await plane.enroll([NAME]);
      const kubeletPort = await freePort(31250);
      shell = startPosixShell({ shell: SHELL, enrolled, state, kubeletPort, clientCa: plane.env.caFile, onLog: (d) => (log += d) });
      const exited = new Promise((resolve) => shell.on("exit", (code) => resolve(code)));
      const alive = () => { if (shell.exitCode !== null) throw new Error(`shell exited (${shell.exitCode}):\n${log}`); };

      const node = await until("the Node Ready", () => {
        alive();
        const n = plane.json(["get", "node", NAME]);
        return n.status?.conditions?.find((c) => c.type === "Ready")?.status === "True" && n;
      }, 30_000);
      assert.match(node.status.nodeInfo.kernelVersion, /^posix shell, /);
      assert.match(node.status.nodeInfo.kernelVersion, ENGINE_NAMES[engine]);
      const lease = () => plane.json(["-n", "kube-node-lease", "get", "lease", NAME]);
      const created = await until("the Lease", () => lease(), 15_000);
      await until("a renewal", () => lease().spec.renewTime > created.spec.renewTime, 15_000);

      plane.kubectl(["patch", "configmap", "pico-config", "--type", "merge", "-p", JSON.stringify({ data: { memory_values: `0=${first}, 1=0x22, 1023=255` } })]);
      const regionFile = path.join(state, "region.bin");
      const saved = await until("the region saved", () => {
        alive();
        if (!fs.existsSync(regionFile)) return false;
        const b = fs.readFileSync(regionFile);
        return b.length === 12 + 1024 && b[12] === first && b[13] === 0x22 && b[12 + 1023] === 0xff && b;
      }, 15_000);
      assert.equal(saved.readUInt32LE(0), 0x4e474552); // the region record's magic

      // Over TLS as the cluster admin, once its serving certificate is issued (CSR, approver, signer).
      await until("the POSIX shell's serving certificate", () => /serving the kubelet port with the certificate/.test(log), 30_000);
      const status = await get(kubeletPort, "/pico/status");
      assert.equal(status.status, 200);
      // Kept-alive connections hold both TLS places; a third client still gets in (the idle one gives way).
      const agents = [0, 1, 2].map(() => plane.keepAliveAgent());
      try {
        for (const agent of agents) assert.equal((await getVia(agent, "127.0.0.1", kubeletPort, "/healthz")).status, 200);
        const [first, again] = [await getVia(agents[2], "127.0.0.1", kubeletPort, "/healthz"), await getVia(agents[2], "127.0.0.1", kubeletPort, "/healthz")];
        assert.equal(again.localPort, first.localPort, "the same connection serves the next request");
      } finally {
        for (const agent of agents) agent.destroy();
      }
      const picoStatus = JSON.parse(status.body);
      assert.equal(picoStatus.registered, true);
      assert.equal(picoStatus.applied_resource_version, plane.json(["get", "configmap", "pico-config"]).metadata.resourceVersion);
      const access = fs.readFileSync(path.join(plane.proxy.dir, "logs/access.log"), "utf8");
      assert.match(access, new RegExp(`device=${NAME} .*PUT /apis/coordination\\.k8s\\.io/v1/namespaces/kube-node-lease/leases/${NAME}" status=200`), "the Lease went through the proxy as this device");
      assert.match(log, new RegExp(`core memory: \\d+ of 40960 bytes backed in use; engine ${engine}`));
      shell.kill("SIGTERM");
      await exited;
    } catch (e) {
      if (log) console.error(log.split("\n").slice(-40).join("\n"));
      throw e;
    } finally {
      if (shell && shell.exitCode === null) shell.kill("SIGKILL");
      fs.rmSync(state, { recursive: true, force: true });
    }
  });
}
