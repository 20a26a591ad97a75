// The POSIX shell — the firmware's C host layer with core.wasm in wasm3 — on
// the real control plane, through the real proxy, as a Pico on the LAN: it is
// enrolled, registers its Node, renews its Lease, applies a ConfigMap to the
// region (persisted to its state file) and serves a kubelet request. Needs the
// shell built (tests/native/run.mjs does it where wasm3 is present and passes
// its path in PICO_POSIX_SHELL); skipped otherwise.
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startPosixShell } from "./posix_shell.mjs";

const SHELL = process.env.PICO_POSIX_SHELL;
const NAME = "posix-shell-1";

test("POSIX shell: Node registered, Lease renewed, ConfigMap applied and saved, kubelet request served", { skip: SHELL ? false : "the POSIX shell was not built (no wasm3)", timeout: 120_000 }, async () => {
  const { withPlane, until, get } = await import("../integration/plane.mjs");
  const { freePort } = await import("../../dist/cli/sims.js");
  const plane = await withPlane();
  const state = fs.mkdtempSync(path.join(os.tmpdir(), "pico-posix-"));
  let shell, log = "";
  try {
    const [enrolled] = await plane.enroll([NAME]);
    const kubeletPort = await freePort(31250);
    shell = startPosixShell({ enrolled, state, kubeletPort, onLog: (d) => (log += d) });
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

    const status = await get(kubeletPort, "/pico/status");
    assert.equal(status.status, 200);
    const picoStatus = JSON.parse(status.body);
    assert.equal(picoStatus.registered, true);
    assert.equal(picoStatus.applied_resource_version, plane.json(["get", "configmap", "pico-config"]).metadata.resourceVersion);
    const access = fs.readFileSync(path.join(plane.proxy.dir, "logs/access.log"), "utf8");
    assert.match(access, new RegExp(`device=${NAME} .*PUT /apis/coordination\\.k8s\\.io/v1/namespaces/kube-node-lease/leases/${NAME}" status=200`), "the Lease went through the proxy as this device");
    assert.match(log, /wasm3 heap: /);
    shell.kill("SIGTERM");
    await exited;
  } catch (e) {
    if (log) console.error(log.split("\n").slice(-40).join("\n"));
    throw e;
  } finally {
    if (shell && shell.exitCode === null) shell.kill("SIGKILL");
    await plane.close();
    fs.rmSync(state, { recursive: true, force: true });
  }
});
