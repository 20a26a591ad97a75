// What a kubelet port must do for Kubernetes, checked the same way for every
// runtime that serves one (the simulated Pico, the POSIX shell): the API
// server's node proxy, webhook authn/authz, metrics-server, keep-alive.
// A target is { plane, name, host, port }.
import assert from "node:assert/strict";
import { until, get, getVia as getViaOnce } from "./plane.mjs";

/** The API server reaches the node through its node proxy, verifying the serving certificate. */
export async function nodeProxy({ plane, name }) {
  assert.equal(await plane.kubectlAsync(["get", "--raw", `/api/v1/nodes/${name}/proxy/healthz`]), "ok");
  const memory = JSON.parse(await plane.kubectlAsync(["get", "--raw", `/api/v1/nodes/${name}/proxy/pico/memory`]));
  assert.equal(memory.size, 1024);
  assert.match(memory.crc32, /^0x[0-9a-f]{8}$/);
}

/** No client certificate and no token: 401 with a Status body. */
export async function anonymousRefused({ plane, host, port }) {
  const res = await get(port, "/metrics/resource", "GET", { host, credentials: { ca: plane.kubeletCa } });
  assert.equal(res.status, 401);
  const status = JSON.parse(res.body);
  assert.equal(status.kind, "Status");
  assert.equal(status.reason, "Unauthorized");
}

/**
 * A ServiceAccount token without nodes/metrics: 403 naming it; once granted
 * nodes/metrics (after the 30 s the denial is cached), the metrics; still 403
 * on another subresource. account: a ServiceAccount name of the caller's own.
 */
export async function serviceAccountAuthorized({ plane, host, port }, account) {
  plane.kubectl(["create", "serviceaccount", account]);
  const token = plane.kubectl(["create", "token", account]).trim();
  const as = { host, credentials: { ca: plane.kubeletCa }, headers: { Authorization: `Bearer ${token}` } };
  const denied = await get(port, "/metrics/resource", "GET", as);
  assert.equal(denied.status, 403);
  assert.equal(JSON.parse(denied.body).message, `Forbidden (user=system:serviceaccount:default:${account}, verb=get, resource=nodes, subresource=metrics)`);
  plane.kubectl(["create", "clusterrole", `${account}-node-metrics`, "--verb=get", "--resource=nodes/metrics"]);
  plane.kubectl(["create", "clusterrolebinding", `${account}-node-metrics`, `--clusterrole=${account}-node-metrics`, `--serviceaccount=default:${account}`]);
  const allowed = await until("nodes/metrics granted", async () => {
    const r = await get(port, "/metrics/resource", "GET", as);
    return r.status === 200 && r;
  }, 45_000, 1000);
  assert.match(allowed.body, /^node_cpu_usage_seconds_total [\d.]+ \d+$/m);
  assert.match(allowed.body, /^node_memory_working_set_bytes \d+ \d+$/m);
  assert.equal((await get(port, "/pods", "GET", as)).status, 403);
}

/** kubectl top node lists the node within 60 s; the metrics API has non-zero CPU and memory. */
export async function listedByTopNode({ plane, name }) {
  const line = await until(`${name} in kubectl top node`, async () => {
    const out = await plane.kubectlAsync(["top", "node", name, "--no-headers"]).catch(() => "");
    return out.startsWith(`${name} `) && out;
  }, 60_000, 2000);
  // kubectl rounds to millicores and Mi (a Pico's ~120 KiB shows as 0Mi): the API below has the exact figures.
  const [, cpu, , memory] = line.trim().split(/\s+/);
  assert.match(cpu, /^\d+m$/);
  assert.match(memory, /^\d+(Ki|Mi)$/);
  const m = JSON.parse(await plane.kubectlAsync(["get", "--raw", `/apis/metrics.k8s.io/v1beta1/nodes/${name}`]));
  assert.ok(Number.parseInt(m.usage.memory) > 0, `memory ${m.usage.memory}`);
  assert.ok(Number.parseInt(m.usage.cpu) > 0, `cpu ${m.usage.cpu}`);
}

/**
 * A kept connection serves the next request; with both TLS places held by idle
 * kept connections a third client still gets in. metrics-server and the API
 * server hold kept connections of their own and may be mid-request: a client
 * that finds both places busy is refused at once, and tries again shortly.
 */
export async function keptAliveAndMakesRoom({ plane, host, port }) {
  const agents = [0, 1, 2].map(() => plane.keepAliveAgent());
  const getVia = async (agent, h, p, pathname) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await getViaOnce(agent, h, p, pathname);
      } catch (e) {
        if (attempt === 3 || e.code !== "ECONNRESET") throw e;
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  };
  try {
    const first = await getVia(agents[0], host, port, "/metrics/resource");
    const again = await getVia(agents[0], host, port, "/metrics/resource");
    assert.deepEqual([first.status, again.status], [200, 200]);
    assert.equal(again.localPort, first.localPort, "the same connection");
    assert.equal((await getVia(agents[1], host, port, "/healthz")).status, 200); // both places now held by idle kept connections
    assert.equal((await getVia(agents[2], host, port, "/healthz")).status, 200, "a third client is served: the longest idle connection made room");
    assert.equal((await getVia(agents[0], host, port, "/healthz")).status, 200, "the client whose connection was closed reconnects");
  } finally {
    for (const a of agents) a.destroy();
  }
}
