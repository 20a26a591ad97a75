// Harder lives on a real control plane (grace period shortened to 20 s; the
// ConfigMap watch cache off so that compaction shows as 410 on re-watch):
// a fleet, a frozen Pico, a control-plane restart, an expired resourceVersion.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { withPlane, until, get, servingReady } from "./plane.mjs";
import { clusterUp, clusterDown } from "../../dist/cli/cluster.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const PLANE_ENV = { NODE_MONITOR_GRACE_PERIOD: "20s", APISERVER_EXTRA_ARGS: "--watch-cache-sizes=configmaps#0" };
let plane;
let fleet;

before(async () => {
  plane = await withPlane(PLANE_ENV);
  fleet = await plane.sim(["pico-fleet-a", "pico-fleet-b", "pico-fleet-c"], "watch_timeout_s=3\n");
  for (const p of fleet) await servingReady(p);
});
after(async () => plane?.close());

const ready = (name) => {
  try {
    return plane.json(["get", "node", name]).status.conditions?.find((c) => c.type === "Ready")?.status;
  } catch {
    return "absent";
  }
};

async function metric(pico, name) {
  const body = (await get(pico.opts.kubeletPort, "/metrics")).body;
  const m = new RegExp(`^${name} (\\d+)`, "m").exec(body);
  return m ? Number(m[1]) : NaN;
}

test("a fleet of three: each Ready, each holding only its own Lease", async () => {
  for (const p of fleet) await until(`${p.opts.name} Ready`, () => ready(p.opts.name) === "True");
  const leases = plane.json(["-n", "kube-node-lease", "get", "leases"]).items;
  for (const p of fleet) {
    const l = leases.find((x) => x.metadata.name === p.opts.name);
    assert.equal(l.spec.holderIdentity, p.opts.name);
  }
  // The node authorizer confines each identity: a's certificate (held by the proxy) cannot touch b,
  // even presented to the API server directly.
  const r = await plane.asDevice("pico-fleet-a", "PATCH", "/api/v1/nodes/pico-fleet-b", { metadata: { labels: { x: "y" } } });
  assert.equal(r.status, 403, r.text);
  assert.match(r.json().message, /node "pico-fleet-a" is not allowed to modify node "pico-fleet-b"/);
});

test("over a minute: the Lease is renewed, status is not rewritten, and the watch resumes each time the server ends it", async () => {
  const p = fleet[0];
  // Start-up settled: the Node reports the ConfigMap applied (the first status write may precede the first LIST).
  await until("ConfigMap applied on the Node", () => plane.json(["get", "node", p.opts.name]).status.conditions?.find((c) => c.type === "PicoConfigApplied")?.reason === "Applied");
  const before = await metric(p, "pico_node_status_writes_total");
  const renewals = await metric(p, "pico_lease_renewals_total");
  const restarts = await metric(p, "pico_config_watch_restarts_total");
  await new Promise((r) => setTimeout(r, 60_000));
  assert.equal(await metric(p, "pico_node_status_writes_total"), before, "no status write in a minute");
  assert.ok((await metric(p, "pico_lease_renewals_total")) >= renewals + 5, "lease renewed meanwhile");
  assert.ok((await metric(p, "pico_config_watch_restarts_total")) >= restarts + 10, "watches (timeoutSeconds=3) ended and resumed");
  plane.kubectl(["patch", "configmap", "pico-config", "--type", "merge", "-p", JSON.stringify({ data: { memory_values: "5=0x55" } })]);
  await until("applied through a resumed watch", () => p.region[5] === 0x55, 10_000, 100);
});

test("a frozen Pico (SIGSTOP) goes Ready=Unknown with the unreachable taint, and recovers when thawed", async () => {
  // A separate `pico-node sim` process: it finds the plane's proxy, enrols itself there and goes through it.
  const name = "pico-frozen";
  const child = spawn(process.execPath, [path.join(ROOT, "bin/pico-node.mjs"), "sim", "--state", plane.state, "--name", name, "--kubelet-port", "30900", "--log-level", "debug"], { stdio: ["ignore", process.env.FROZEN_LOG ? fs.openSync(process.env.FROZEN_LOG, "w") : "ignore", process.env.FROZEN_LOG ? fs.openSync(process.env.FROZEN_LOG + ".err", "w") : "ignore"] });
  try {
    await until("frozen Pico Ready", () => ready(name) === "True", 30_000);
    process.kill(child.pid, "SIGSTOP");
    await until("Ready=Unknown", () => ready(name) === "Unknown", 40_000, 500);
    const taints = await until("unreachable taints", () => {
      const t = plane.json(["get", "node", name]).spec.taints ?? [];
      const u = t.filter((x) => x.key === "node.kubernetes.io/unreachable").map((x) => x.effect).sort();
      return u.length === 2 && u;
    }, 30_000, 500);
    assert.deepEqual(taints, ["NoExecute", "NoSchedule"]);
    process.kill(child.pid, "SIGCONT");
    await until("Ready again", () => ready(name) === "True", 30_000, 500);
    await until("taint gone", () => !(plane.json(["get", "node", name]).spec.taints ?? []).some((x) => x.key === "node.kubernetes.io/unreachable"), 30_000, 500);
  } finally {
    child.kill("SIGCONT");
    child.kill("SIGTERM");
  }
});

test("an expired resourceVersion (etcd compaction) is recovered by a fresh LIST, and changes still arrive", async () => {
  const p = fleet[1];
  const relists = await metric(p, "pico_config_relists_total");
  // Move the store's revision past the Pico's position, then compact it away.
  for (let i = 0; i < 5; i++) plane.kubectl(["create", "configmap", `filler-${i}`, `--from-literal=i=${i}`]);
  const r = spawnSync(plane.env.etcdCompact, ["-endpoint", plane.env.etcdEndpoint], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  await until("a re-LIST after 410", async () => (await metric(p, "pico_config_relists_total")) > relists, 30_000, 500);
  plane.kubectl(["patch", "configmap", "pico-config", "--type", "merge", "-p", JSON.stringify({ data: { memory_values: "7=0x77" } })]);
  await until("applied after the re-LIST", () => p.region[7] === 0x77, 10_000, 100);
});

test("after the whole control plane restarts, every Pico recovers with no manual step", async () => {
  clusterDown(plane.state);
  await new Promise((r) => setTimeout(r, 3000));
  clusterUp({ state: plane.state, nodes: [], env: PLANE_ENV });
  for (const p of fleet) {
    const lease = () => plane.json(["-n", "kube-node-lease", "get", "lease", p.opts.name]).spec.renewTime;
    const first = await until(`${p.opts.name} lease readable`, lease, 30_000);
    await until(`${p.opts.name} renewing again`, () => lease() !== first, 40_000, 500);
    assert.equal(ready(p.opts.name), "True");
  }
  plane.kubectl(["patch", "configmap", "pico-config", "--type", "merge", "-p", JSON.stringify({ data: { memory_values: "9=9" } })]);
  for (const p of fleet) await until(`${p.opts.name} follows its ConfigMap again`, () => p.region[9] === 9, 30_000, 200);
});
