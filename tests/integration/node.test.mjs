// The simulated Pico — the release core.wasm — through the nginx proxy against a real kube-apiserver,
// etcd and kube-controller-manager (v1.34.10, built from Go modules).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { withPlane, until, get, raw, servingReady } from "./plane.mjs";

let plane;
let pico;
const NAME = "pico-it-1";

before(async () => {
  plane = await withPlane();
  [pico] = await plane.sim([NAME]);
  await servingReady(pico);
});
after(async () => plane?.close());

function node() {
  return plane.json(["get", "node", NAME]);
}

test("registers a Ready node with conditions, labels, capacity, addresses, node info and taints", async () => {
  const n = await until("Ready", () => {
    const n = node();
    return n.status.conditions?.find((c) => c.type === "Ready")?.status === "True" && n;
  });
  const types = n.status.conditions.map((c) => c.type).sort();
  assert.deepEqual(types, ["DiskPressure", "MemoryPressure", "NetworkUnavailable", "PIDPressure", "PicoConfigApplied", "PicoFirmware", "Ready"]);
  // This simulated Pico takes no firmware updates (none was configured), and says so.
  const firmware = n.status.conditions.find((c) => c.type === "PicoFirmware");
  assert.deepEqual([firmware.status, firmware.reason, firmware.message], ["Unknown", "NotSupported", "this board takes no firmware updates"]);
  for (const c of n.status.conditions) {
    assert.ok(c.lastHeartbeatTime, `${c.type} heartbeat`);
    assert.ok(c.lastTransitionTime, `${c.type} transition`);
  }
  assert.equal(n.metadata.labels["node.kubernetes.io/instance-type"], "rp2040-pico-w");
  assert.equal(n.metadata.labels["kubernetes.io/arch"], "arm");
  assert.equal(n.status.capacity.pods, "0");
  assert.equal(n.status.capacity.memory, "264Ki");
  assert.deepEqual(n.status.addresses.map((a) => a.type), ["InternalIP", "Hostname"]);
  assert.equal(n.status.daemonEndpoints.kubeletEndpoint.Port, pico.opts.kubeletPort);
  assert.match(n.status.nodeInfo.bootID, /^[0-9a-f-]{36}$/);
  const ours = n.spec.taints.filter((t) => t.key.startsWith("k3s-pico-node.io/"));
  assert.deepEqual(ours.map((t) => `${t.key}=${t.value}:${t.effect}`).sort(), [
    "k3s-pico-node.io/microcontroller=rp2040:NoExecute",
    "k3s-pico-node.io/microcontroller=rp2040:NoSchedule",
  ]);
  // The node lifecycle controller sees it Ready: its not-ready taint goes away.
  await until("not-ready taint removed", () => !node().spec.taints.some((t) => t.key === "node.kubernetes.io/not-ready"));
});

test("renews its Lease about every 10 s with a later renewTime, owned by the Node", async () => {
  const lease = () => plane.json(["-n", "kube-node-lease", "get", "lease", NAME]);
  const first = await until("lease", () => lease());
  assert.equal(first.spec.holderIdentity, NAME);
  assert.equal(first.spec.leaseDurationSeconds, 40);
  assert.equal(first.metadata.ownerReferences[0].uid, node().metadata.uid);
  const t0 = Date.now();
  const next = await until("a renewal", () => {
    const l = lease();
    return l.spec.renewTime !== first.spec.renewTime && l;
  }, 15_000);
  assert.ok(next.spec.renewTime > first.spec.renewTime);
  assert.ok(Date.now() - t0 <= 12_000);
});

test("kubectl patch of the ConfigMap reaches the region within a second; an invalid one changes nothing and says why", async () => {
  plane.kubectl(["patch", "configmap", "pico-config", "--type", "merge", "-p", JSON.stringify({ data: { memory_values: "0=0x11, 2=0x22, 1023=255" } })]);
  const t0 = Date.now();
  const mem = await until("bytes applied", async () => {
    const m = JSON.parse((await get(pico.opts.kubeletPort, "/pico/memory")).body);
    return m.hex.startsWith("110022") && m;
  }, 5000, 20);
  const applyMs = Date.now() - t0;
  assert.ok(applyMs < 1000, `applied in ${applyMs} ms`);
  assert.equal(mem.hex.slice(-2), "ff");
  assert.equal(Buffer.from(pico.region).toString("hex"), mem.hex);

  plane.kubectl(["patch", "configmap", "pico-config", "--type", "merge", "-p", JSON.stringify({ data: { memory_values: "0=0x01,1=0x02,2=0x03,2048=0x10" } })]);
  const cond = await until("condition False", () => {
    const c = node().status.conditions.find((c) => c.type === "PicoConfigApplied");
    return c.status === "False" && c;
  });
  assert.equal(cond.reason, "InvalidMemoryValues");
  assert.match(cond.message, /entry 4 "2048=0x10": offset 2048 out of range 0\.\.1023/);
  const after = JSON.parse((await get(pico.opts.kubeletPort, "/pico/memory")).body);
  assert.equal(after.hex, mem.hex, "region unchanged");
});

test("a ConfigMap with many entries applies whole", async () => {
  const values = Array.from({ length: 512 }, (_, i) => `${i * 2}=0x${(i & 255).toString(16)}`).join(",");
  plane.kubectl(["patch", "configmap", "pico-config", "--type", "merge", "-p", JSON.stringify({ data: { memory_values: values } })]);
  await until("512 entries applied", async () => {
    const m = JSON.parse((await get(pico.opts.kubeletPort, "/pico/memory")).body);
    return m.bytes_set === 512 && m;
  });
  assert.equal(pico.region[2 * 200], 200);
  assert.equal(pico.region[2 * 200 + 1], 0);
});

test("a deleted ConfigMap keeps the bytes and is reported; recreated, it applies again", async () => {
  const before = Buffer.from(pico.region).toString("hex");
  plane.kubectl(["delete", "configmap", "pico-config"]);
  const cond = await until("deletion reported", () => {
    const c = node().status.conditions.find((c) => c.type === "PicoConfigApplied");
    return c.reason === "ConfigMapDeleted" && c;
  });
  assert.equal(cond.status, "False");
  assert.equal(Buffer.from(pico.region).toString("hex"), before, "region kept");
  plane.kubectl(["create", "configmap", "pico-config", "--from-literal=memory_values=3=0x33"]);
  await until("recreated ConfigMap applied", () => pico.region[3] === 0x33 && pico.region[0] === 0, 5000, 50);
  await until("condition True again", () => node().status.conditions.find((c) => c.type === "PicoConfigApplied").status === "True");
});

test("kubectl delete node: the node is back within 15 s", async () => {
  const uid = node().metadata.uid;
  plane.kubectl(["delete", "node", NAME, "--wait=false"]);
  const t0 = Date.now();
  const back = await until("re-registration", () => {
    const n = node();
    return n.metadata.uid !== uid && n.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") && n;
  }, 15_000, 200);
  assert.ok(Date.now() - t0 <= 15_000);
  assert.notEqual(back.metadata.uid, uid);
});

test("the kubelet port answers every path, HEAD, wrong methods, unknown paths and malformed requests", async () => {
  const port = pico.opts.kubeletPort;
  assert.equal((await get(port, "/healthz")).body, "ok");
  const head = await get(port, "/healthz", "HEAD");
  assert.equal(head.status, 200);
  assert.equal(head.headers["content-length"], "2");
  assert.equal((await get(port, "/readyz")).status, 200);
  assert.equal((await get(port, "/livez")).status, 200);
  assert.deepEqual(JSON.parse((await get(port, "/pods")).body).items, []);
  assert.equal(JSON.parse((await get(port, "/spec")).body).num_cores, 2);
  assert.match((await get(port, "/metrics")).body, /pico_lease_renewals_total \d+/);
  assert.match((await get(port, "/metrics/resource")).body, /node_memory_working_set_bytes \d+/);
  const status = JSON.parse((await get(port, "/pico/status")).body);
  assert.equal(status.node, NAME);
  assert.equal(status.registered, true);
  assert.ok(status.lease_age_seconds <= 11, `lease age ${status.lease_age_seconds}`);
  // Commands need create on nodes/proxy: the admin has it; nobody without credentials does.
  const command = 'POST /pico/command HTTP/1.1\r\nHost: x\r\nContent-Length: 23\r\n\r\n{"command":"blink_led"}';
  assert.match(await raw(port, command, { credentials: { ca: plane.kubeletCa } }), /^HTTP\/1\.1 401 /);
  assert.match(await raw(port, command), /^HTTP\/1\.1 202 /);
  const wrong = await get(port, "/metrics", "DELETE");
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.allow, "GET, HEAD");
  assert.equal((await get(port, "/nope")).status, 404);
  assert.match(await raw(port, "BLAH\r\n\r\n"), /^HTTP\/1\.1 400 /);
  assert.match(await raw(port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX: ${"y".repeat(5000)}\r\n\r\n`), /^HTTP\/1\.1 431 /);
  // A slow client that never finishes does not stop others being served.
  const slow = raw(port, "GET /heal");
  assert.equal((await get(port, "/healthz")).status, 200);
  assert.match(await slow, /^HTTP\/1\.1 408 /);
});
