// Shared steps for the scripted conversations: boot a core, play the API
// server's part for registration and lease, answer the ConfigMap LIST.
import assert from "node:assert/strict";
import { FakeHost, apiResponse, status } from "./fake_host.mjs";

export const NODE = "pico-test-1";
export const UID = "1f2e3d4c-5b6a-4789-8a9b-0c1d2e3f4a5b";
export const CONFIG = `node_name=${NODE}\napi=http://10.0.0.2:6080\napi_token=t0ken-for-tests\n`;

export async function boot(opts = {}, extraConfig = "") {
  const h = await new FakeHost(opts).load();
  assert.equal(h.configure(CONFIG + extraConfig), 0, h.logText());
  assert.equal(h.start(), 0);
  return h;
}

/** The newest outbound connection with a request waiting; connects it first if needed. */
export function nextRequest(h) {
  for (const c of h.pending().reverse()) {
    if (!c.open) h.connect(c);
    if (c.out.length) return { c, req: h.takeRequest(c) };
  }
  return null;
}

/** Finds the pending request whose target starts with prefix. */
export function requestTo(h, method, prefix) {
  for (const c of h.pending()) {
    if (!c.open) h.connect(c);
  }
  for (const c of h.pending()) {
    if (!c.out.length) continue;
    const req = h.takeRequest(c);
    if (req.method === method && req.target.startsWith(prefix)) return { c, req };
    c.out = req.raw; // not this one: leave it
  }
  assert.fail(`no pending ${method} ${prefix}; pending: ${h.pending().map((c) => c.out.split("\r\n")[0]).join(" | ")}`);
}

export function nodeObject(extra = {}) {
  return { kind: "Node", apiVersion: "v1", metadata: { name: NODE, uid: UID, resourceVersion: "501", creationTimestamp: "2026-11-22T22:03:00Z" }, ...extra };
}

export function leaseObject(rv) {
  return {
    kind: "Lease", apiVersion: "coordination.k8s.io/v1",
    metadata: { name: NODE, namespace: "kube-node-lease", uid: "aa11", resourceVersion: rv, ownerReferences: [{ apiVersion: "v1", kind: "Node", name: NODE, uid: UID }] },
    spec: { holderIdentity: NODE, leaseDurationSeconds: 40, renewTime: "2026-11-22T22:03:00.000000Z" },
  };
}

/** Registration (201), lease create (404 → 201), first status write (200); `reg` if the caller took the POST already. */
export function registerAll(h, reg = requestTo(h, "POST", "/api/v1/nodes")) {
  h.deliver(reg.c, apiResponse(201, nodeObject()));
  const get = requestTo(h, "GET", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/");
  h.deliver(get.c, apiResponse(404, status(404, "NotFound", `leases.coordination.k8s.io "${NODE}" not found`)));
  const create = requestTo(h, "POST", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases");
  h.deliver(create.c, apiResponse(201, leaseObject("600")));
  const st = requestTo(h, "PATCH", `/api/v1/nodes/${NODE}/status`);
  h.deliver(st.c, apiResponse(200, nodeObject()));
  return { reg, create, st };
}

export function configMap(rv, memoryValues, name = "pico-config") {
  const cm = { kind: "ConfigMap", apiVersion: "v1", metadata: { name, namespace: "default", uid: "cm-uid", resourceVersion: rv } };
  if (memoryValues !== undefined) cm.data = { memory_values: memoryValues };
  return cm;
}

export function configMapList(rv, items) {
  return { kind: "ConfigMapList", apiVersion: "v1", metadata: { resourceVersion: rv }, items };
}

/** Plays the API server for node and lease traffic while time passes in 1 s steps. Returns requests answered. */
export function runApi(h, ms, answer = defaultAnswer) {
  let answered = 0;
  for (let t = 0; t < ms; t += 1000) {
    h.tick(Math.min(1000, ms - t));
    for (const c of h.pending()) {
      if (!c.open) h.connect(c);
      if (!c.out || c.out.includes("/configmaps")) continue;
      const r = h.takeRequest(c);
      h.deliver(c, answer(r));
      answered++;
    }
  }
  return answered;
}

let leaseVersion = 5000;
export function defaultAnswer(r) {
  if (r.method === "PATCH") return apiResponse(200, nodeObject());
  return apiResponse(200, leaseObject(String(leaseVersion++)));
}
