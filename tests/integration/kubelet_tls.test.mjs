// The kubelet port as Kubernetes expects it, on the real control plane: a
// serving certificate from a kubelet-serving CSR (approved beside the proxy,
// signed by the controller-manager with the cluster CA), the API server
// reaching the Pico through its node proxy with that certificate verified,
// and webhook authn/authz: anonymous 401, a ServiceAccount without
// nodes/metrics 403, with it 200.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { withPlane, until, get, raw, servingReady } from "./plane.mjs";
import * as checks from "./kubelet_checks.mjs";
import { simAddress } from "../../dist/cli/sims.js";

let plane;
let pico;
const NAME = "pico-tls-1";

before(async () => {
  plane = await withPlane();
  [pico] = await plane.sim([NAME]);
  await servingReady(pico);
});
after(async () => plane?.close());

test("the serving certificate is the cluster CA's, for the Pico's own name and address, from an approved kubelet-serving CSR", async () => {
  const cert = new crypto.X509Certificate(pico.servingCertificate);
  assert.ok(cert.verify(new crypto.X509Certificate(plane.kubeletCa).publicKey), "signed by the cluster CA");
  assert.equal(cert.subject.split("\n").sort().join(","), `CN=system:node:${NAME},O=system:nodes`);
  assert.deepEqual(cert.subjectAltName.split(", ").sort(), [`DNS:${NAME}`, `IP Address:${pico.address}`]);
  const csrs = plane.json(["get", "csr"]).items.filter((c) => c.spec.username === `system:node:${NAME}`);
  assert.ok(csrs.length >= 1);
  const csr = csrs.find((c) => c.status.certificate);
  assert.equal(csr.spec.signerName, "kubernetes.io/kubelet-serving");
  assert.match(csr.metadata.name, new RegExp(`^${NAME}-serving-[0-9a-f]{8}$`));
  // Approved by the approver beside the proxy (it runs `kubectl certificate approve`).
  assert.deepEqual(csr.status.conditions.map((c) => `${c.type}/${c.reason}`), ["Approved/KubectlApprove"]);
});

const target = () => ({ plane, name: NAME, host: pico.address, port: pico.opts.kubeletPort });
const loopbackOnly = simAddress() === "127.0.0.1" && "this machine has no non-loopback IPv4, and the API server's node proxy refuses loopback addresses";

test("the API server reaches the Pico through its node proxy, verifying the serving certificate", { skip: loopbackOnly }, () => checks.nodeProxy(target()));

test("anonymous requests get 401 with a Status body; the plain healthz port answers /healthz only", async () => {
  await checks.anonymousRefused(target());
  const healthz = await fetch(`http://127.0.0.1:${pico.opts.healthzPort}/healthz`);
  assert.equal(await healthz.text(), "ok");
  assert.equal((await fetch(`http://127.0.0.1:${pico.opts.healthzPort}/metrics`)).status, 404);
});

test("a ServiceAccount token without nodes/metrics gets 403 on /metrics/resource; granted nodes/metrics it gets the metrics", () =>
  checks.serviceAccountAuthorized(target(), "scraper"));

test("a third TLS connection at once is refused cleanly; the first two are served", async () => {
  const slow = [raw(pico.opts.kubeletPort, "GET /heal"), raw(pico.opts.kubeletPort, "GET /he")];
  await new Promise((r) => setTimeout(r, 300));
  await assert.rejects(get(pico.opts.kubeletPort, "/healthz"), /socket hang up|ECONNRESET|disconnected/);
  for (const s of slow) assert.match(await s, /^HTTP\/1\.1 408 /);
  await until("served again once they are gone", async () => (await get(pico.opts.kubeletPort, "/healthz")).body === "ok", 5000, 100);
});

test("kubectl top node lists the Pico with non-zero CPU and memory within 60 s (metrics-server verifying its serving certificate)", () =>
  checks.listedByTopNode(target()));

test("a kept-alive connection serves the next scrape without a new handshake; an idle one makes room for a new client", () =>
  checks.keptAliveAndMakesRoom(target()));
