// Scripted conversations through the host interface: the whole controller,
// as the release core.wasm, against an API server played by the test.
import { test } from "node:test";
import assert from "node:assert/strict";
import { apiResponse, status } from "./fake_host.mjs";
import { boot, requestTo, registerAll, nodeObject, leaseObject, NODE, UID } from "./helpers.mjs";

test("registers the Node with identity, labels, capacity, taints and node info", async () => {
  const h = await boot();
  const { req } = requestTo(h, "POST", "/api/v1/nodes");
  assert.equal(req.target, "/api/v1/nodes");
  assert.equal(req.headers["authorization"], "Bearer t0ken-for-tests");
  assert.equal(req.headers["host"], "10.0.0.2:6080");
  assert.equal(Number(req.headers["content-length"]), Buffer.byteLength(req.body));
  const n = req.json;
  assert.equal(n.kind, "Node");
  assert.equal(n.metadata.name, NODE);
  assert.deepEqual(n.metadata.labels, {
    "kubernetes.io/hostname": NODE, "kubernetes.io/arch": "arm", "kubernetes.io/os": "linux",
    "node.kubernetes.io/instance-type": "rp2040-pico-w",
  });
  assert.deepEqual(n.status.capacity, { cpu: "2", memory: "264Ki", pods: "0" });
  assert.deepEqual(n.status.allocatable, n.status.capacity);
  // The Node and the kubelet's /spec describe the same machine.
  const spec = JSON.parse(h.client("GET /spec HTTP/1.1\r\nHost: pico\r\n\r\n").out.split("\r\n\r\n")[1]);
  assert.equal(n.status.capacity.cpu, String(spec.num_cores));
  assert.equal(n.status.capacity.memory, `${spec.memory_capacity / 1024}Ki`);
  assert.deepEqual(n.spec.taints.map((t) => t.effect).sort(), ["NoExecute", "NoSchedule"]);
  assert.deepEqual(n.status.addresses, [{ type: "InternalIP", address: "10.0.0.15" }, { type: "Hostname", address: NODE }]);
  assert.equal(n.status.daemonEndpoints.kubeletEndpoint.Port, 10250);
  assert.equal(n.status.nodeInfo.machineID, "e6614103e7452d2f");
  assert.match(n.status.nodeInfo.bootID, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test("boot IDs differ between boots and machine IDs between boards", async () => {
  const a = await boot({ seed: 11 });
  const b = await boot({ seed: 12, uniqueId: "e6614103e7452d30" });
  const na = requestTo(a, "POST", "/api/v1/nodes").req.json.status.nodeInfo;
  const nb = requestTo(b, "POST", "/api/v1/nodes").req.json.status.nodeInfo;
  assert.notEqual(na.bootID, nb.bootID);
  assert.notEqual(na.machineID, nb.machineID);
  assert.notEqual(na.systemUUID, nb.systemUUID);
});

test("409 on registration adopts the existing Node's uid, then creates the Lease owned by it", async () => {
  const h = await boot();
  const reg = requestTo(h, "POST", "/api/v1/nodes");
  h.deliver(reg.c, apiResponse(409, status(409, "AlreadyExists", `nodes "${NODE}" already exists`)));
  const get = requestTo(h, "GET", `/api/v1/nodes/${NODE}`);
  h.deliver(get.c, apiResponse(200, nodeObject()));
  const lease = requestTo(h, "GET", `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${NODE}`);
  h.deliver(lease.c, apiResponse(404, status(404, "NotFound", "not found")));
  const create = requestTo(h, "POST", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases");
  const body = create.req.json;
  assert.equal(body.spec.holderIdentity, NODE);
  assert.equal(body.spec.leaseDurationSeconds, 40);
  assert.deepEqual(body.metadata.ownerReferences, [{ apiVersion: "v1", kind: "Node", name: NODE, uid: UID }]);
  assert.match(body.spec.renewTime, /^2026-11-22T22:03:00\.\d{6}Z$/);
});

test("renews the Lease every 10 s with a strictly increasing renewTime and the cached resourceVersion", async () => {
  const h = await boot();
  registerAll(h);
  let rv = 600;
  let last = "";
  for (let i = 0; i < 3; i++) {
    h.tick(10_000);
    const put = requestTo(h, "PUT", `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${NODE}`);
    assert.equal(put.req.json.metadata.resourceVersion, String(rv));
    assert.ok(put.req.json.spec.renewTime > last, `${put.req.json.spec.renewTime} after ${last}`);
    last = put.req.json.spec.renewTime;
    rv++;
    h.deliver(put.c, apiResponse(200, leaseObject(String(rv))));
  }
});

test("a Lease conflict re-reads and retries; after 5 conflicts it backs off", async () => {
  const h = await boot();
  registerAll(h);
  h.tick(10_000);
  for (let i = 0; i < 5; i++) {
    const put = requestTo(h, "PUT", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/");
    h.deliver(put.c, apiResponse(409, status(409, "Conflict", "the object has been modified")));
    if (i < 4) {
      const get = requestTo(h, "GET", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/");
      h.deliver(get.c, apiResponse(200, leaseObject(String(700 + i))));
    }
  }
  // Backing off: nothing sent at once.
  assert.equal(h.pending().filter((c) => c.out.length).length, 0);
  h.tick(8_000);
  requestTo(h, "GET", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/");
});

test("status is written once at registration, not on every lease renewal, and again after 5 minutes", async () => {
  const h = await boot();
  registerAll(h);
  let statusWrites = 0;
  for (let t = 0; t < 290_000; t += 10_000) {
    h.tick(10_000);
    for (const c of h.pending()) {
      if (!c.out) continue;
      const r = h.takeRequest(c);
      if (r.method === "PATCH") statusWrites++;
      const body = r.method === "PATCH" ? nodeObject() : leaseObject(String(1000 + t));
      h.deliver(c, apiResponse(200, body));
    }
  }
  assert.equal(statusWrites, 0, "no status rewrite while nothing changed");
  // Past status_report_ms (5 min) since the last write: one status write, lease renewals around it answered.
  for (let t = 0; t < 20_000; t += 1000) {
    h.tick(1000);
    for (const c of h.pending()) {
      if (!c.out || c.out.includes("configmaps")) continue;
      const r = h.takeRequest(c);
      if (r.method === "PATCH") statusWrites++;
      h.deliver(c, apiResponse(200, r.method === "PATCH" ? nodeObject() : leaseObject(String(5000 + t))));
    }
  }
  assert.equal(statusWrites, 1, "status written once after status_report_ms");
});

test("conditions carry heartbeat and transition times; transition time moves only on a status change", async () => {
  const h = await boot();
  const { st } = registerAll(h);
  const conds = Object.fromEntries(st.req.json.status.conditions.map((c) => [c.type, c]));
  for (const type of ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable", "PicoConfigApplied"]) {
    assert.ok(conds[type], `${type} present`);
    assert.match(conds[type].lastHeartbeatTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(conds[type].lastTransitionTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  }
  assert.equal(conds.Ready.status, "True");
  assert.equal(conds.MemoryPressure.status, "False");
  // Free heap drops under the threshold: MemoryPressure flips, is written at once, with a new transition time.
  h.tick(65_000);
  for (const c of h.pending()) if (c.out) { h.takeRequest(c); h.deliver(c, apiResponse(200, leaseObject("900"))); }
  h.freeHeap = 1000;
  h.tick(100);
  const patch = requestTo(h, "PATCH", `/api/v1/nodes/${NODE}/status`);
  const after = Object.fromEntries(patch.req.json.status.conditions.map((c) => [c.type, c]));
  assert.equal(after.MemoryPressure.status, "True");
  assert.notEqual(after.MemoryPressure.lastTransitionTime, conds.MemoryPressure.lastTransitionTime);
  assert.equal(after.Ready.lastTransitionTime, conds.Ready.lastTransitionTime);
});

test("a Node deleted in the cluster (404 on status) is registered again at once", async () => {
  const h = await boot();
  registerAll(h);
  h.freeHeap = 1000; // a change, so status is written (changes wait status_min_interval_ms after a write)
  h.tick(1000);
  const st = requestTo(h, "PATCH", `/api/v1/nodes/${NODE}/status`);
  h.deliver(st.c, apiResponse(404, status(404, "NotFound", `nodes "${NODE}" not found`)));
  const reg = requestTo(h, "POST", "/api/v1/nodes");
  assert.equal(reg.req.json.metadata.name, NODE);
  assert.match(h.logText(), /Node pico-test-1 gone \(404\); registering again/);
});

test("401 is logged naming the credential problem and retried slowly", async () => {
  const h = await boot();
  const reg = requestTo(h, "POST", "/api/v1/nodes");
  h.deliver(reg.c, apiResponse(401, status(401, "Unauthorized", "Unauthorized")));
  assert.match(h.logText(), /node registration: 401: credentials rejected \(check api_token/);
  h.tick(30_000);
  assert.equal(h.pending().filter((c) => c.out.startsWith("POST")).length, 0, "no retry within 30 s");
  h.tick(31_000);
  requestTo(h, "POST", "/api/v1/nodes");
});

test("5xx and refused connections back off exponentially with jitter, capped, honouring Retry-After", async () => {
  const h = await boot();
  const gaps = [];
  let last = h.now;
  for (let i = 0; i < 8; i++) {
    const c = h.pending().find((x) => !x.open);
    assert.ok(c, `attempt ${i} opened a connection`);
    h.fail(c, -13);
    const t0 = h.now;
    while (!h.pending().find((x) => !x.open)) h.tick(50);
    gaps.push(h.now - t0);
  }
  for (let i = 1; i < gaps.length; i++) assert.ok(gaps[i] >= gaps[i - 1] * 0.7 || gaps[i] >= 29_000, `grows: ${gaps}`);
  assert.ok(Math.max(...gaps) <= 30_050, `capped at 30 s: ${gaps}`);
  assert.ok(gaps[0] < 1000, `starts small: ${gaps}`);
  // Retry-After: 20 wins over a short backoff.
  const h2 = await boot();
  const reg = requestTo(h2, "POST", "/api/v1/nodes");
  h2.deliver(reg.c, apiResponse(429, status(429, "TooManyRequests", "slow down"), { extraHeaders: "Retry-After: 20\r\n" }));
  h2.tick(19_000);
  assert.equal(h2.pending().filter((c) => !c.open || c.out).length, 0);
  h2.tick(1_100);
  requestTo(h2, "POST", "/api/v1/nodes");
});

test("the Lease and status writes go on connections of their own, one request each", async () => {
  const h = await boot();
  registerAll(h);
  h.freeHeap = 1000;
  h.tick(10_000); // lease due and status dirty at once
  const inFlight = h.pending().filter((c) => c.out && !c.out.includes("configmaps"));
  assert.deepEqual(inFlight.map((c) => c.out.split(" ")[0]).sort(), ["PATCH", "PUT"]);
  assert.notEqual(inFlight[0].handle, inFlight[1].handle);
  // Nothing more starts while both are unanswered.
  h.tick(200);
  assert.equal(h.pending().filter((c) => c.out && !c.out.includes("configmaps")).length, 2);
});

test("Lease renewal failures back off from 200 ms and never wait more than 7 s", async () => {
  const h = await boot();
  registerAll(h);
  h.tick(10_000);
  const gaps = [];
  for (let i = 0; i < 8; i++) {
    const put = requestTo(h, "PUT", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/");
    h.deliver(put.c, apiResponse(500, status(500, "InternalError", "etcdserver: request timed out")));
    const t0 = h.now;
    while (!h.pending().some((c) => c.out.startsWith("PUT"))) h.tick(50);
    gaps.push(h.now - t0);
  }
  assert.ok(gaps[0] <= 400, `first retry soon: ${gaps}`);
  assert.ok(Math.max(...gaps) <= 7_050, `capped at 7 s: ${gaps}`);
  assert.ok(gaps[gaps.length - 1] >= 3_500, `grew toward the cap: ${gaps}`);
});

const LEASES = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases";

test("a Lease that vanished makes the node read its Node: deleted → registered again, the new Lease owned by the new uid", async () => {
  const h = await boot();
  registerAll(h);
  h.tick(10_000);
  const put = requestTo(h, "PUT", `${LEASES}/`);
  h.deliver(put.c, apiResponse(404, status(404, "NotFound", "leases.coordination.k8s.io not found")));
  const get = requestTo(h, "GET", `/api/v1/nodes/${NODE}`);
  h.deliver(get.c, apiResponse(404, status(404, "NotFound", `nodes "${NODE}" not found`)));
  h.tick(500); // registering again waits one backoff step
  const reg = requestTo(h, "POST", "/api/v1/nodes");
  h.deliver(reg.c, apiResponse(201, nodeObject({ metadata: { name: NODE, uid: "new-uid-2" } })));
  const read = requestTo(h, "GET", `${LEASES}/${NODE}`);
  h.deliver(read.c, apiResponse(404, status(404, "NotFound", "not found")));
  const create = requestTo(h, "POST", LEASES);
  assert.equal(create.req.json.metadata.ownerReferences[0].uid, "new-uid-2");
});

test("a Lease deleted while the Node still exists is created again after the Node is read", async () => {
  const h = await boot();
  registerAll(h);
  h.tick(10_000);
  const put = requestTo(h, "PUT", `${LEASES}/`);
  h.deliver(put.c, apiResponse(404, status(404, "NotFound", "not found")));
  const get = requestTo(h, "GET", `/api/v1/nodes/${NODE}`);
  h.deliver(get.c, apiResponse(200, nodeObject()));
  const create = requestTo(h, "POST", LEASES);
  assert.equal(create.req.json.metadata.ownerReferences[0].uid, UID);
});

test("a renewal answered 201 (the Lease was re-created by the PUT) also makes the node read its Node", async () => {
  const h = await boot();
  registerAll(h);
  h.tick(10_000);
  const put = requestTo(h, "PUT", `${LEASES}/`);
  h.deliver(put.c, apiResponse(201, leaseObject("990")));
  const get = requestTo(h, "GET", `/api/v1/nodes/${NODE}`);
  h.deliver(get.c, apiResponse(404, status(404, "NotFound", `nodes "${NODE}" not found`)));
  h.tick(500);
  requestTo(h, "POST", "/api/v1/nodes");
});

/** Plays the API server for ms: status PATCHes get `statusAnswer`, everything else a healthy answer. Returns Lease PUT times. */
function serveWithFailingStatus(h, ms, statusAnswer, { onLease } = {}) {
  const renewals = [];
  let rv = 700;
  for (let t = 0; t < ms; t += 100) {
    h.tick(100);
    for (const c of h.pending()) {
      if (!c.open) h.connect(c);
      if (!c.out || c.out.includes("/configmaps")) continue;
      const r = h.takeRequest(c);
      if (r.method === "PATCH") h.deliver(c, statusAnswer());
      else if (r.method === "PUT") {
        renewals.push(h.now);
        h.deliver(c, (onLease && onLease(renewals.length)) || apiResponse(200, leaseObject(String(rv++))));
      } else if (r.method === "GET" && r.target === `/api/v1/nodes/${NODE}`) h.deliver(c, apiResponse(200, nodeObject()));
      else if (r.method === "GET") h.deliver(c, apiResponse(200, leaseObject(String(rv++))));
      else if (r.method === "POST" && r.target === LEASES) h.deliver(c, apiResponse(201, leaseObject(String(rv++))));
      else assert.fail(`unexpected ${r.method} ${r.target}`);
    }
  }
  return renewals;
}

function readyz(h) {
  return h.client("GET /readyz HTTP/1.1\r\nHost: pico\r\n\r\n").out.split(" ")[1];
}

for (const [name, answer] of [
  ["500", () => apiResponse(500, status(500, "InternalError", "etcdserver: request timed out"))],
  ["503 with Retry-After: 300", () => apiResponse(503, status(503, "ServiceUnavailable", "busy"), { extraHeaders: "Retry-After: 300\r\n" })],
]) {
  for (const [what, leaseAnswer] of [
    ["404", () => apiResponse(404, status(404, "NotFound", "leases.coordination.k8s.io not found"))],
    ["201", () => apiResponse(201, leaseObject("990"))],
  ]) {
    test(`status writes failing with ${name} and one renewal answered ${what}: the Lease goes on every 10 s and the node stays ready`, async () => {
      const h = await boot();
      registerAll(h);
      h.freeHeap = 1000; // a condition change: status writes are due, and they all fail
      const renewals = serveWithFailingStatus(h, 180_000, answer, { onLease: (n) => (n === 3 ? leaseAnswer() : null) });
      const gaps = renewals.slice(1).map((t, i) => t - renewals[i]);
      assert.ok(renewals.length >= 17, `renewals in 3 minutes: ${renewals.length}`);
      assert.ok(Math.max(...gaps) <= 10_500, `gaps between Lease writes: ${gaps}`);
      assert.equal(readyz(h), "200");
    });
  }
}

test("after a long gap between renewals (hung board, outage) the node writes its status again", async () => {
  const h = await boot();
  registerAll(h);
  h.tick(10_000);
  let put = requestTo(h, "PUT", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/");
  h.deliver(put.c, apiResponse(200, leaseObject("601")));
  // For a minute nothing answers (the server was unreachable, or the board was frozen):
  // renewals time out and are retried; then one succeeds.
  h.tick(60_000);
  for (const c of h.pending()) if (!c.open) h.connect(c);
  put = requestTo(h, "PUT", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/");
  h.deliver(put.c, apiResponse(200, leaseObject("602")));
  const st = requestTo(h, "PATCH", `/api/v1/nodes/${NODE}/status`);
  assert.equal(st.req.json.status.conditions.find((c) => c.type === "Ready").status, "True");
});

test("a status change whose write got no response is written again after the backoff", async () => {
  const h = await boot();
  registerAll(h);
  h.freeHeap = 1000; // MemoryPressure flips (written status_min_interval_ms after the last write)
  h.tick(1000);
  const c = h.pending().find((x) => x.out.startsWith("PATCH"));
  assert.ok(c, "status write sent");
  h.takeRequest(c);
  h.fail(c, -104); // connection reset, no response: retried at once on a fresh connection…
  const retry = h.pending().find((x) => !x.open);
  assert.ok(retry, "retried on a fresh connection");
  h.fail(retry, -111); // …which is refused too: now it is a failure, backing off
  h.tick(2_000);
  for (const x of h.pending()) if (!x.open) h.connect(x);
  const again = requestTo(h, "PATCH", `/api/v1/nodes/${NODE}/status`);
  assert.equal(again.req.json.status.conditions.find((x) => x.type === "MemoryPressure").status, "True");
});
