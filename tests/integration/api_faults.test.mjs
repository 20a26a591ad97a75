// The node stays Ready while the API server fails what the Lease does not
// need: the proxy answers every status PATCH of the device with 500 for three
// minutes (`pico-node proxy fault`), while Lease writes pass, and meanwhile
// the Lease is deleted once (the node must re-check its Node without a status
// write). A real kube-controller-manager judges readiness from the Lease alone.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { withPlane, until } from "./plane.mjs";

const NAME = "pico-fault-1";
const FAULT_MS = 180_000;
/** The status backoff's cap (backoff_max_ms): the longest a retry waits once the fault is gone. */
const STATUS_BACKOFF_CAP_MS = 30_000;

let plane;
let pico;

before(async () => {
  plane = await withPlane();
  [pico] = await plane.sim([NAME]);
});
after(async () => plane?.close());

function proxyFault(...args) {
  const r = spawnSync("node", ["bin/pico-node.mjs", "proxy", "fault", ...args, "--dir", plane.proxy.dir], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test("proxy fault refuses a route or status it cannot inject, naming it", () => {
  for (const [args, says] of [
    [[NAME, "secrets", "500"], /route "secrets": expected one of node-register, node-read, node-status, lease-create, lease, config-map/],
    [[NAME, "lease", "404"], /code "404": expected 500 or 503/],
    [["Bad_Name", "lease", "500"], /Bad_Name/],
  ]) {
    const r = spawnSync("node", ["bin/pico-node.mjs", "proxy", "fault", ...args, "--dir", plane.proxy.dir], { encoding: "utf8" });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, says);
  }
  assert.match(proxyFault(), /no faults injected/);
});

const node = () => plane.json(["get", "node", NAME]);
const condition = (n, type) => n.status.conditions?.find((c) => c.type === type);
const lease = () => plane.json(["-n", "kube-node-lease", "get", "lease", NAME]);

test("status PATCHes failing with 500 for 3 minutes: the node stays Ready, renewTime advances every ~10 s, status recovers within one backoff", async () => {
  await until("Ready with the ConfigMap applied", () => {
    const n = node();
    return condition(n, "Ready")?.status === "True" && condition(n, "PicoConfigApplied")?.reason === "Applied";
  }, 30_000);

  assert.match(proxyFault(NAME, "node-status", "500"), /pico-fault-1 node-status → 500/);
  // A change the node must report: every status write it tries now fails at the proxy.
  plane.kubectl(["patch", "configmap", "pico-config", "--type", "merge", "-p", JSON.stringify({ data: { memory_values: "0=0x5a" } })]);
  const rv = plane.json(["get", "configmap", "pico-config"]).metadata.resourceVersion;
  await until("the new value in the region", () => pico.region[0] === 0x5a, 5_000, 50);

  const renewals = [];
  const t0 = Date.now();
  let deleted = false;
  while (Date.now() - t0 < FAULT_MS) {
    const n = node();
    assert.equal(condition(n, "Ready").status, "True", `Ready after ${Math.round((Date.now() - t0) / 1000)} s: ${JSON.stringify(condition(n, "Ready"))}`);
    assert.ok(!condition(n, "PicoConfigApplied").message.includes(`resourceVersion ${rv} `), "no status write got through the fault");
    if (!deleted && Date.now() - t0 > 60_000) {
      // Only the Lease whose renewTime was seen: a renewal landing unseen just before the delete would read as a gap.
      const seen = lease();
      if (renewals.at(-1) !== seen.spec.renewTime) renewals.push(seen.spec.renewTime);
      const r = await plane.asAdmin("DELETE", `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${NAME}`,
        { kind: "DeleteOptions", apiVersion: "v1", preconditions: { resourceVersion: seen.metadata.resourceVersion } });
      assert.ok(r.status === 200 || r.status === 409, `Lease delete: ${r.status} ${r.text}`); // 409: renewed meanwhile, try again
      deleted = r.status === 200;
    }
    let l = null;
    try {
      l = lease();
    } catch {
      // deleted a moment ago; the next renewal creates it again
    }
    if (l) {
      assert.equal(l.metadata.ownerReferences?.[0]?.uid, n.metadata.uid, "the Lease is owned by the Node that exists");
      if (renewals.at(-1) !== l.spec.renewTime) renewals.push(l.spec.renewTime);
    }
    await new Promise((r) => setTimeout(r, 2_000));
  }
  assert.ok(deleted, "the Lease was deleted during the fault");
  const gaps = renewals.slice(1).map((t, i) => (Date.parse(t) - Date.parse(renewals[i])) / 1000);
  assert.ok(renewals.length >= 16, `renewals during the fault: ${renewals.length}`);
  assert.ok(Math.max(...gaps) <= 12, `seconds between renewTimes: ${gaps.join(", ")}`);
  const failed = plane.accessLog().filter((l) => l.includes(`device=${NAME} `) && l.includes("PATCH") && l.includes("status=500"));
  assert.ok(failed.length >= 3, `status writes refused at the proxy: ${failed.length}`);

  proxyFault("--clear");
  const lifted = Date.now();
  await until("status written again", () => condition(node(), "PicoConfigApplied").message.includes(`resourceVersion ${rv} `), STATUS_BACKOFF_CAP_MS + 10_000, 500);
  const took = Date.now() - lifted;
  assert.ok(took <= STATUS_BACKOFF_CAP_MS + 2_000, `status recovered ${took} ms after the fault was lifted`);
  assert.equal(condition(node(), "Ready").status, "True");
});
