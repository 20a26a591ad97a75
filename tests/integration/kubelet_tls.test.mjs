// The kubelet port as Kubernetes expects it, on the real control plane: a
// serving certificate from a kubelet-serving CSR (approved beside the proxy,
// signed by the controller-manager with the cluster CA), the API server
// reaching the Pico through its node proxy with that certificate verified,
// and webhook authn/authz: anonymous 401, a ServiceAccount without
// nodes/metrics 403, with it 200.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { withPlane, until, get, getVia, raw, servingReady } from "./plane.mjs";
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
  assert.ok(csr.status.conditions.some((c) => c.type === "Approved" && c.reason === "PicoNodeServingApproved" || c.type === "Approved"));
});

const loopbackOnly = simAddress() === "127.0.0.1" && "this machine has no non-loopback IPv4, and the API server's node proxy refuses loopback addresses";

test("the API server reaches the Pico through its node proxy, verifying the serving certificate", { skip: loopbackOnly }, async () => {
  assert.equal(await plane.kubectlAsync(["get", "--raw", `/api/v1/nodes/${NAME}/proxy/healthz`]), "ok");
  const memory = JSON.parse(await plane.kubectlAsync(["get", "--raw", `/api/v1/nodes/${NAME}/proxy/pico/memory`]));
  assert.equal(memory.size, 1024);
  assert.match(memory.crc32, /^0x[0-9a-f]{8}$/);
});

test("anonymous requests get 401 with a Status body; the plain healthz port answers /healthz only", async () => {
  const res = await get(pico.opts.kubeletPort, "/metrics/resource", "GET", { credentials: { ca: plane.kubeletCa } });
  assert.equal(res.status, 401);
  const status = JSON.parse(res.body);
  assert.equal(status.kind, "Status");
  assert.equal(status.reason, "Unauthorized");
  const healthz = await fetch(`http://127.0.0.1:${pico.opts.healthzPort}/healthz`);
  assert.equal(await healthz.text(), "ok");
  assert.equal((await fetch(`http://127.0.0.1:${pico.opts.healthzPort}/metrics`)).status, 404);
});

test("a ServiceAccount token without nodes/metrics gets 403 on /metrics/resource; granted nodes/metrics it gets the metrics", async () => {
  plane.kubectl(["create", "serviceaccount", "scraper"]);
  const token = plane.kubectl(["create", "token", "scraper"]).trim();
  const asScraper = { credentials: { ca: plane.kubeletCa }, headers: { Authorization: `Bearer ${token}` } };
  const denied = await get(pico.opts.kubeletPort, "/metrics/resource", "GET", asScraper);
  assert.equal(denied.status, 403);
  assert.equal(JSON.parse(denied.body).message, "Forbidden (user=system:serviceaccount:default:scraper, verb=get, resource=nodes, subresource=metrics)");
  plane.kubectl(["create", "clusterrole", "node-metrics-reader", "--verb=get", "--resource=nodes/metrics"]);
  plane.kubectl(["create", "clusterrolebinding", "scraper-node-metrics", "--clusterrole=node-metrics-reader", "--serviceaccount=default:scraper"]);
  // The denial is cached for 30 s, as kubelet caches it.
  const allowed = await until("nodes/metrics granted", async () => {
    const r = await get(pico.opts.kubeletPort, "/metrics/resource", "GET", asScraper);
    return r.status === 200 && r;
  }, 45_000, 1000);
  assert.match(allowed.body, /^node_cpu_usage_seconds_total [\d.]+ \d+$/m);
  assert.match(allowed.body, /^node_memory_working_set_bytes \d+ \d+$/m);
  // The same token may still not read other subresources.
  assert.equal((await get(pico.opts.kubeletPort, "/pods", "GET", asScraper)).status, 403);
});

test("a third TLS connection at once is refused cleanly; the first two are served", async () => {
  const slow = [raw(pico.opts.kubeletPort, "GET /heal"), raw(pico.opts.kubeletPort, "GET /he")];
  await new Promise((r) => setTimeout(r, 300));
  await assert.rejects(get(pico.opts.kubeletPort, "/healthz"), /socket hang up|ECONNRESET|disconnected/);
  for (const s of slow) assert.match(await s, /^HTTP\/1\.1 408 /);
  await until("served again once they are gone", async () => (await get(pico.opts.kubeletPort, "/healthz")).body === "ok", 5000, 100);
});

test("kubectl top node lists the Pico with non-zero CPU and memory within 60 s (metrics-server verifying its serving certificate)", async () => {
  const line = await until("the Pico in kubectl top node", async () => {
    const out = await plane.kubectlAsync(["top", "node", NAME, "--no-headers"]).catch(() => "");
    return out.startsWith(`${NAME} `) && out;
  }, 60_000, 2000);
  // kubectl rounds to millicores and Mi (a Pico's ~120 KiB shows as 0Mi): the API below has the exact figures.
  const [, cpu, , memory] = line.trim().split(/\s+/);
  assert.match(cpu, /^\d+m$/);
  assert.match(memory, /^\d+(Ki|Mi)$/);
  const m = JSON.parse(await plane.kubectlAsync(["get", "--raw", `/apis/metrics.k8s.io/v1beta1/nodes/${NAME}`]));
  assert.ok(Number.parseInt(m.usage.memory) > 0, `memory ${m.usage.memory}`);
  assert.ok(Number.parseInt(m.usage.cpu) > 0, `cpu ${m.usage.cpu}`);
});

test("a kept-alive connection serves the next scrape without a new handshake; an idle one makes room for a new client", async () => {
  const agents = [0, 1, 2].map(() => plane.keepAliveAgent());
  const viaAgent = (agent, pathname) => getVia(agent, pico.address, pico.opts.kubeletPort, pathname);
  try {
    const first = await viaAgent(agents[0], "/metrics/resource");
    const again = await viaAgent(agents[0], "/metrics/resource");
    assert.deepEqual([first.status, again.status], [200, 200]);
    assert.equal(again.localPort, first.localPort, "the same connection");
    assert.equal((await viaAgent(agents[1], "/healthz")).status, 200); // both places now held by idle kept connections
    assert.equal((await viaAgent(agents[2], "/healthz")).status, 200, "a third client is served: the longest idle connection made room");
    assert.equal((await viaAgent(agents[0], "/healthz")).status, 200, "the client whose connection was closed reconnects");
  } finally {
    for (const a of agents) a.destroy();
  }
});
