// The kubelet port through the host interface: routing, methods, errors,
// limits. Clients present the cluster admins' certificate and every review is
// allowed here; kubelet_access.test.mjs tests who gets in.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseResponse } from "./fake_host.mjs";
import { boot, registerAll, NODE } from "./helpers.mjs";

/** One request on a connection of its own; the client hangs up after the answer (HTTP/1.1 would keep it). */
function get(h, path, method = "GET", extra = "") {
  const c = h.client(`${method} ${path} HTTP/1.1\r\nHost: pico\r\n${extra}\r\n`);
  const res = parseResponse(c.out);
  assert.ok(res.status > 0, "answered");
  if (!c.closed) h.peerClose(c);
  return res;
}

test("GET /healthz answers ok with correct length and type; HEAD has the same headers and no body", async () => {
  const h = await boot();
  const r = get(h, "/healthz");
  assert.equal(r.status, 200);
  assert.equal(r.body, "ok");
  assert.equal(r.headers["content-length"], "2");
  assert.match(r.headers["content-type"], /^text\/plain/);
  assert.equal(r.headers["connection"], undefined, "HTTP/1.1: the connection is kept");
  const head = get(h, "/healthz", "HEAD");
  assert.equal(head.status, 200);
  assert.equal(head.headers["content-length"], "2");
  assert.equal(head.body, "");
});

test("/healthz?verbose=1 lists the individual checks as JSON", async () => {
  const h = await boot();
  const r = get(h, "/healthz?verbose=1");
  const body = JSON.parse(r.body);
  assert.equal(body.checks.ping, "ok");
  assert.equal(body.checks.lease, "stale");
  assert.equal(Number(r.headers["content-length"]), Buffer.byteLength(r.body));
});

test("/readyz is 503 with the reason until the Lease is renewed, then 200", async () => {
  const h = await boot();
  const r = get(h, "/readyz");
  assert.equal(r.status, 503);
  assert.match(r.body, /not registered/);
  registerAll(h);
  assert.equal(get(h, "/readyz").status, 200);
  h.tick(41_000); // no renewal answered within the lease duration
  const stale = get(h, "/readyz");
  assert.equal(stale.status, 503);
  assert.match(stale.body, /Lease not renewed/);
});

test("/pods, /spec, /pico/status and the metrics endpoints answer with real content", async () => {
  const h = await boot();
  registerAll(h);
  const pods = JSON.parse(get(h, "/pods").body);
  assert.deepEqual(pods.items, []);
  assert.equal(pods.kind, "PodList");
  const spec = JSON.parse(get(h, "/spec").body);
  assert.equal(spec.num_cores, 2);
  assert.equal(spec.memory_capacity, 270336);
  assert.equal(spec.machine_id, "e6614103e7452d2f");
  const st = JSON.parse(get(h, "/pico/status").body);
  assert.equal(st.free_heap_bytes, 150000);
  assert.equal(st.ip, "10.0.0.15");
  assert.equal(st.registered, true);
  assert.equal(st.temperature_celsius, 27.5);
  const m = get(h, "/metrics");
  assert.match(m.headers["content-type"], /version=0\.0\.4/);
  for (const fam of ["pico_uptime_seconds", "pico_free_heap_bytes", "pico_http_requests_total", "pico_api_requests_total", "pico_lease_renewals_total"]) {
    assert.match(m.body, new RegExp(`# HELP ${fam} .+\n# TYPE ${fam} (gauge|counter)\n`));
  }
  // Node and Lease created, and one SubjectAccessReview each for nodes/proxy, nodes/spec and nodes/metrics (then cached).
  assert.match(m.body, /pico_api_requests_total\{verb="POST",code="201"\} 5/);
  assert.match(m.body, /pico_http_requests_total\{path="\/pods",code="200"\} 1/);
  assert.match(m.body, /pico_free_heap_bytes 150000/);
  const res = get(h, "/metrics/resource");
  assert.match(res.body, /^node_cpu_usage_seconds_total [\d.]+ \d+$/m);
  assert.match(res.body, /^node_memory_working_set_bytes 120336 \d+$/m);
});

test("unknown path → 404 JSON; wrong method → 405 with Allow", async () => {
  const h = await boot();
  const nf = get(h, "/nope");
  assert.equal(nf.status, 404);
  assert.deepEqual(JSON.parse(nf.body), { error: "no such path: /nope", code: 404 });
  const na = get(h, "/healthz", "DELETE");
  assert.equal(na.status, 405);
  assert.equal(na.headers["allow"], "GET, HEAD");
  const na2 = get(h, "/pico/command");
  assert.equal(na2.status, 405);
  assert.equal(na2.headers["allow"], "POST");
});

test("malformed → 400, oversized head → 431, oversized body → 413, and others are still served", async () => {
  const h = await boot();
  const bad = h.client("GARBAGE\r\n\r\n");
  assert.equal(parseResponse(bad.out).status, 400);
  const big = h.client(`GET /healthz HTTP/1.1\r\nHost: pico\r\nX-Fill: ${"a".repeat(5000)}\r\n\r\n`, 500);
  assert.equal(parseResponse(big.out).status, 431);
  const body = "x".repeat(1000);
  const huge = h.client(`POST /pico/command HTTP/1.1\r\nHost: pico\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  assert.equal(parseResponse(huge.out).status, 413);
  assert.equal(get(h, "/livez").status, 200);
});

test("a client that never finishes its request gets 408 after the idle timeout and frees its slot", async () => {
  const h = await boot();
  const slow = [h.client("GET /heal"), h.client("GET /he")]; // every slot taken
  const refused = h.client("");
  assert.equal(parseResponse(refused.out).status, 503, "a full house is answered, not hung");
  h.tick(10_100);
  for (const c of slow) assert.equal(parseResponse(c.out).status, 408);
  assert.equal(get(h, "/healthz").status, 200);
});

test("POST /pico/command is allowed to whoever may create nodes/proxy: 202, LED blinks; 400 names a bad parameter", async () => {
  const h = await boot();
  const cmd = JSON.stringify({ command: "blink_led", params: { times: 2, delay_ms: 100 } });
  const req = (body) => `POST /pico/command HTTP/1.1\r\nHost: pico\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  const c = h.client(req(cmd), 0, { review: null });
  const [sar] = h.answerReviews(true);
  assert.deepEqual(sar.json.spec.resourceAttributes, { verb: "create", resource: "nodes", subresource: "proxy", name: NODE });
  assert.equal(parseResponse(c.out).status, 202);
  h.tick(1000);
  assert.deepEqual(h.led, [1, 0, 1, 0]);
  const badCmd = JSON.stringify({ command: "blink_led", params: { times: 500 } });
  const bad = parseResponse(h.client(req(badCmd)).out);
  assert.equal(bad.status, 400);
  assert.match(JSON.parse(bad.body).error, /params\.times must be 1\.\.50/);
});


// ---- keep-alive: a scrape every 15 s reuses its connection (no TLS handshake each time) ----

const request = (path, extra = "") => `GET ${path} HTTP/1.1\r\nHost: pico\r\n${extra}\r\n`;

/** The responses written on c so far, in order. */
function responses(c) {
  const out = [];
  let rest = c.out;
  while (rest.includes("\r\n\r\n")) {
    const r = parseResponse(rest);
    const end = rest.indexOf("\r\n\r\n") + 4 + Number(r.headers["content-length"] ?? 0);
    out.push(parseResponse(rest.slice(0, end)));
    rest = rest.slice(end);
  }
  return out;
}

test("an HTTP/1.1 connection serves request after request; Connection: close and HTTP/1.0 end it", async () => {
  const h = await boot();
  const c = h.client(request("/healthz"));
  assert.equal(c.closed, false, "kept");
  h.deliver(c, request("/livez"));
  h.deliver(c, request("/spec"));
  h.answerReviews(true); // nodes/spec: a review of its own
  assert.deepEqual(responses(c).map((r) => r.status), [200, 200, 200]);
  assert.equal(c.closed, false);
  h.deliver(c, request("/healthz", "Connection: close\r\n"));
  assert.equal(responses(c).at(-1).headers.connection, "close");
  assert.equal(c.closed, true);
  const old = h.client("GET /healthz HTTP/1.0\r\n\r\n");
  assert.equal(parseResponse(old.out).headers.connection, "close");
  assert.equal(old.closed, true);
});

test("a pipelined second request is not read: the first is answered and the connection closed", async () => {
  const h = await boot();
  const c = h.client(request("/healthz") + request("/livez"));
  assert.equal(responses(c).length, 1);
  assert.equal(responses(c)[0].headers.connection, "close");
  assert.equal(c.closed, true);
});

test("a kept connection idle for kubelet_keepalive_idle_ms is closed without a word; one mid-request gets its 408", async () => {
  const h = await boot();
  const idle = h.client(request("/healthz"));
  const partial = h.client(request("/healthz"));
  h.tick(40_000);
  h.deliver(partial, "GET /livez HTTP/1.1\r\n"); // the next request starts, and stalls
  h.tick(10_100);
  assert.equal(responses(partial).at(-1).status, 408, "408 counts from the request's first byte");
  assert.equal(idle.closed, false, "idle 60 s not reached yet");
  h.tick(10_000);
  assert.equal(idle.closed, true);
  assert.equal(responses(idle).length, 1, "closed without another response");
});

test("a new client takes the slot of an idle kept connection; busy ones are not cut off", async () => {
  const h = await boot();
  const a = h.client(request("/healthz"));
  h.tick(100);
  const b = h.client(request("/healthz"));
  h.tick(100);
  assert.equal(h.x.server_make_room(), 1, "the connection idle the longest closed for the host");
  assert.equal(a.closed, true);
  const c = h.client(request("/livez"));
  assert.equal(responses(c)[0].status, 200, "the new client took a's slot");
  h.tick(100);
  const d = h.client(request("/spec"));
  assert.equal(b.closed, true, "b, idle, made room for d");
  assert.equal(responses(d)[0].status, 200);
  // Both slots busy mid-request: nobody is evicted, the next client gets 503, the host no room.
  h.deliver(c, "GET /heal");
  h.deliver(d, "GET /he");
  assert.equal(h.x.server_make_room(), 0);
  const e = h.client(request("/healthz"));
  assert.equal(parseResponse(e.out).status, 503);
  assert.equal(c.closed || d.closed, false);
});

test("a kept connection with a client certificate stays that user; a bearer token is checked again on each request", async () => {
  const h = await boot();
  const token = "Authorization: Bearer tok-1\r\n";
  const c = h.client(request("/metrics", token), 0, { identity: "", review: null });
  assert.equal(h.answerReviews(true).length, 2); // TokenReview, SubjectAccessReview
  h.deliver(c, request("/metrics")); // no token this time: anonymous
  assert.deepEqual(responses(c).map((r) => r.status), [200, 401]);
  const cert = h.client(request("/metrics"), 0, { identity: "carol", review: null });
  assert.equal(h.answerReviews(true).length, 1);
  h.deliver(cert, request("/metrics"));
  assert.deepEqual(responses(cert).map((r) => r.status), [200, 200]);
});
