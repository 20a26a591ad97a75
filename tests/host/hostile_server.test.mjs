// What a broken or hostile API server (or anything between it and the Pico)
// can and cannot do to the node: nothing it sends ends up unchecked in what
// the node writes, a bad response is a logged, retried protocol error that
// stores nothing, and no single answer stalls the Lease.
import { test } from "node:test";
import assert from "node:assert/strict";
import { apiResponse, chunk, status } from "./fake_host.mjs";
import { boot, requestTo, registerAll, nodeObject, leaseObject, configMap, configMapList, NODE, UID } from "./helpers.mjs";

const LIST = "/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dpico-config";
const LEASES = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases";

/** A response whose body is given byte for byte: each char of text is one byte (latin1), so "\xff" is the byte 0xff. */
function rawResponse(code, text) {
  const body = Buffer.from(text, "latin1");
  const head = apiResponse(code, "").replace(/Content-Length: \d+/, `Content-Length: ${body.length}`);
  return Buffer.concat([Buffer.from(head, "latin1"), body]);
}

function kubelet(h, path) {
  const raw = h.client(`GET ${path} HTTP/1.1\r\nHost: pico\r\n\r\n`).out;
  return { status: Number(raw.split(" ")[1]), body: raw.slice(raw.indexOf("\r\n\r\n") + 4) };
}

function allSentUtf8(h) {
  for (const c of h.conns.values()) assert.ok(!c.badUtf8, `connection ${c.handle} (${c.target}) carried bytes that are not UTF-8`);
}

/** Ticks until the core sends a request matching method and prefix; returns it with the time waited. */
function waitFor(h, method, prefix, maxMs) {
  const t0 = h.now;
  while (h.now - t0 <= maxMs) {
    h.tick(50);
    for (const c of h.pending()) {
      if (!c.open) h.connect(c);
      if (c.out.startsWith(`${method} ${prefix}`)) return { c, req: h.takeRequest(c), waited: h.now - t0 };
    }
  }
  return null;
}

function logsMatching(h, re) {
  return h.logs.filter((l) => re.test(l.line));
}

// ---- defect 2: server bytes are UTF-8-checked when read ----

test("a registration answer whose uid is not UTF-8 is a protocol error: retried, and the uid never reaches the Lease", async () => {
  const h = await boot();
  const reg = requestTo(h, "POST", "/api/v1/nodes");
  h.deliver(reg.c, rawResponse(201, `{"kind":"Node","apiVersion":"v1","metadata":{"name":"${NODE}","uid":"a\xffb","resourceVersion":"501"}}`));
  assert.equal(logsMatching(h, /node registration: malformed response \(invalid UTF-8 in string\); retrying in \d+ ms/).length, 1, h.logText());
  assert.equal(h.pending().filter((c) => c.out.includes("/leases")).length, 0, "no Lease request before a usable registration");
  const again = waitFor(h, "POST", "/api/v1/nodes", 1_000);
  assert.ok(again, "registration retried after the backoff");
  h.deliver(again.c, apiResponse(201, nodeObject()));
  const get = requestTo(h, "GET", `${LEASES}/${NODE}`);
  h.deliver(get.c, apiResponse(404, status(404, "NotFound", "not found")));
  const create = requestTo(h, "POST", LEASES);
  assert.equal(create.req.json.metadata.ownerReferences[0].uid, UID);
  allSentUtf8(h);
});

test("a LIST whose resourceVersion is not UTF-8 stores nothing: not applied, not shown, not written into status", async () => {
  const h = await boot();
  registerAll(h);
  const list = requestTo(h, "GET", LIST);
  const item = `{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"pico-config","namespace":"default","resourceVersion":"7\xff"},"data":{"memory_values":"0=1"}}`;
  h.deliver(list.c, rawResponse(200, `{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"7\xff"},"items":[${item}]}`));
  assert.equal(h.commits, 0, "nothing applied");
  assert.equal(logsMatching(h, /configmap list: malformed response \(invalid UTF-8 in string\)/).length, 1, h.logText());
  const memory = kubelet(h, "/pico/memory");
  assert.equal(JSON.parse(memory.body).resource_version, "");
  const relist = waitFor(h, "GET", LIST, 1_000);
  assert.ok(relist && !relist.req.target.includes("watch=1"), "LIST retried after the backoff");
  h.tick(2_000);
  for (const c of h.pending()) if (c.out.startsWith("PATCH")) assert.doesNotMatch(h.takeRequest(c).body, /7\ufffd/);
  allSentUtf8(h);
});

test("strings the core keeps are escaped wherever it writes them: JSON bodies, Prometheus labels, kubelet pages", async () => {
  const h = await boot();
  registerAll(h);
  const list = requestTo(h, "GET", LIST);
  const rv = '9"\\\u0001\u001f\n\u00e9';
  h.deliver(list.c, apiResponse(200, configMapList(rv, [configMap(rv, "0=0x42")])));
  assert.equal(h.commits, 1);
  let patch = null;
  for (let i = 0; i < 30 && !patch; i++) {
    h.tick(100);
    const c = h.pending().find((x) => x.out.startsWith("PATCH"));
    if (c) patch = h.takeRequest(c);
  }
  assert.ok(patch, "status written");
  const message = patch.json.status.conditions.find((c) => c.type === "PicoConfigApplied").message;
  assert.ok(message.includes(`resourceVersion ${rv} applied`), message);
  assert.doesNotMatch(patch.body, /[\u0000-\u001f]/, "no raw control characters in the JSON");
  assert.equal(JSON.parse(kubelet(h, "/pico/memory").body).resource_version, rv);
  const metrics = kubelet(h, "/metrics").body;
  assert.ok(metrics.includes('pico_config_info{resource_version="9\\"\\\\\u0001\u001f\\n\u00e9",'), metrics.split("\n").find((l) => l.startsWith("pico_config_info")));
  allSentUtf8(h);
});

// ---- degradation 3: Retry-After is capped by the Lease's own cap ----

test("a Lease answered 429 with Retry-After: 300 retries within the Lease's 7 s cap", async () => {
  const h = await boot();
  registerAll(h);
  h.tick(10_000);
  const put = requestTo(h, "PUT", `${LEASES}/`);
  h.deliver(put.c, apiResponse(429, status(429, "TooManyRequests", "slow down"), { extraHeaders: "Retry-After: 300\r\n" }));
  const retry = waitFor(h, "PUT", `${LEASES}/`, 10_000);
  assert.ok(retry, "renewal retried");
  assert.ok(retry.waited <= 7_050, `waited ${retry.waited} ms`);
});

test("status writes and the ConfigMap LIST honour a Retry-After of 300 s", async () => {
  const h = await boot();
  registerAll(h);
  const list = requestTo(h, "GET", LIST);
  h.deliver(list.c, apiResponse(503, status(503, "ServiceUnavailable", "busy"), { extraHeaders: "Retry-After: 300\r\n" }));
  h.freeHeap = 1000; // a condition changes: a status write is due
  const st = waitFor(h, "PATCH", `/api/v1/nodes/${NODE}/status`, 2_000);
  h.deliver(st.c, apiResponse(503, status(503, "ServiceUnavailable", "busy"), { extraHeaders: "Retry-After: 300\r\n" }));
  const seen = [];
  const t0 = h.now;
  while (h.now - t0 < 302_000 && seen.length < 2) {
    h.tick(500);
    for (const c of h.pending()) {
      if (!c.open) h.connect(c);
      if (!c.out) continue;
      const r = h.takeRequest(c);
      if (r.method === "PUT") h.deliver(c, apiResponse(200, leaseObject(String(h.now))));
      else {
        seen.push({ what: r.method, after: h.now - t0 });
        h.deliver(c, r.method === "PATCH" ? apiResponse(200, nodeObject()) : apiResponse(200, configMapList("5", [])));
      }
    }
  }
  assert.equal(seen.length, 2, JSON.stringify(seen));
  for (const s of seen) assert.ok(s.after >= 299_000, `${s.what} retried after ${s.after} ms`);
});

// ---- degradation 4: a watch event that does not decode ends the watch ----

/** Boots, applies "0=1" from a LIST at version 100, and opens the watch stream. */
async function watching() {
  const h = await boot();
  registerAll(h);
  const list = requestTo(h, "GET", LIST);
  h.deliver(list.c, apiResponse(200, configMapList("100", [configMap("100", "0=1")])));
  const watch = requestTo(h, "GET", LIST + "&watch=1");
  h.deliver(watch.c, apiResponse(200, "", { chunked: true }));
  return { h, watch };
}

test("a garbage line in a watch stream ends the watch at once and re-LISTs, logged once", async () => {
  const { h, watch } = await watching();
  h.deliver(watch.c, chunk(JSON.stringify({ type: "MODIFIED", object: configMap("101", "0=2") }) + "\n"));
  h.deliver(watch.c, chunk("<html>proxy error</html>\n"));
  assert.ok(watch.c.closed, "the watch connection is closed at once");
  h.deliver(watch.c, chunk(JSON.stringify({ type: "MODIFIED", object: configMap("102", "0=3") }) + "\n"));
  const relist = waitFor(h, "GET", LIST, 1_000);
  assert.ok(relist && !relist.req.target.includes("watch=1"), "LIST again within a backoff");
  h.deliver(relist.c, apiResponse(200, configMapList("103", [configMap("103", "0=4")])));
  assert.equal(h.region[0], 4);
  assert.equal(logsMatching(h, /configmap watch: malformed response \(junk between documents\)/).length, 1, h.logText());
});

test("a watch event of no known type ends the watch and re-LISTs", async () => {
  const { h, watch } = await watching();
  h.deliver(watch.c, chunk(JSON.stringify({ kind: "Status", object: configMap("101", "0=2") }) + "\n"));
  assert.equal(h.region[0], 1, "not applied");
  const relist = waitFor(h, "GET", LIST, 1_000);
  assert.ok(relist && !relist.req.target.includes("watch=1"));
  assert.equal(logsMatching(h, /watch event cannot be used \(no known event type\); listing again/).length, 1, h.logText());
});

// ---- degradation 5: no silent truncation ----

test("a resourceVersion longer than 32 bytes is kept whole: a newer one sharing its first 32 bytes is applied", async () => {
  const h = await boot();
  registerAll(h);
  const base = "1".repeat(40);
  const list = requestTo(h, "GET", LIST);
  h.deliver(list.c, apiResponse(200, configMapList(`${base}0`, [configMap(`${base}0`, "0=1")])));
  const watch = requestTo(h, "GET", LIST + "&watch=1");
  assert.match(watch.req.target, new RegExp(`resourceVersion=${base}0&`));
  h.deliver(watch.c, apiResponse(200, "", { chunked: true }));
  h.deliver(watch.c, chunk(JSON.stringify({ type: "MODIFIED", object: configMap(`${base}1`, "0=2") }) + "\n"));
  assert.equal(h.region[0], 2);
  assert.equal(JSON.parse(kubelet(h, "/pico/memory").body).resource_version, `${base}1`);
});

test("a resourceVersion or uid longer than the documented 64 bytes is a protocol error, never a shorter value", async () => {
  const h = await boot();
  const reg = requestTo(h, "POST", "/api/v1/nodes");
  h.deliver(reg.c, apiResponse(201, nodeObject({ metadata: { name: NODE, uid: "u".repeat(65) } })));
  assert.equal(logsMatching(h, /node registration: malformed response \(metadata.uid is longer than 64 bytes\)/).length, 1, h.logText());
  const again = waitFor(h, "POST", "/api/v1/nodes", 1_000);
  h.deliver(again.c, apiResponse(201, nodeObject({ metadata: { name: NODE, uid: "u".repeat(64) } })));
  const get = requestTo(h, "GET", `${LEASES}/${NODE}`);
  h.deliver(get.c, apiResponse(404, status(404, "NotFound", "not found")));
  const create = requestTo(h, "POST", LEASES);
  assert.equal(create.req.json.metadata.ownerReferences[0].uid, "u".repeat(64));
  h.deliver(create.c, apiResponse(201, leaseObject("600")));

  const list = requestTo(h, "GET", LIST);
  const long = "9".repeat(65);
  h.deliver(list.c, apiResponse(200, configMapList(long, [configMap(long, "0=7")])));
  assert.equal(h.commits, 0);
  assert.equal(logsMatching(h, /configmap list: malformed response \(metadata.resourceVersion is longer than 64 bytes\)/).length, 1, h.logText());
});

// ---- degradation 6: an implausible Date is ignored and counted ----

function renewalTimes(h, dates) {
  const times = [];
  let rv = 700;
  for (const date of dates) {
    const put = waitFor(h, "PUT", `${LEASES}/`, 11_000);
    times.push(put.req.json.spec.renewTime);
    h.deliver(put.c, apiResponse(200, leaseObject(String(rv++)), { date }));
  }
  return times;
}

for (const [what, date] of [
  ["in the year 9999", "Fri, 31 Dec 9999 23:59:59 GMT"],
  ["a day ahead", "Mon, 23 Nov 2026 22:03:30 GMT"],
  ["before 2020", "Tue, 31 Dec 2019 23:59:59 GMT"],
  ["unparsable", "yesterday"],
]) {
  test(`a Date ${what} is ignored and counted; renewTime goes on from the real time`, async () => {
    const h = await boot();
    registerAll(h);
    const normal = "Sun, 22 Nov 2026 22:03:00 GMT";
    const times = renewalTimes(h, [normal, date, normal, normal]);
    for (let i = 1; i < times.length; i++) assert.ok(times[i] > times[i - 1], `renewTime strictly increases: ${times}`);
    for (const t of times) assert.match(t, /^2026-11-22T22:0[34]:\d\d\.\d{6}Z$/, `${times}`);
    assert.match(kubelet(h, "/metrics").body, /\npico_wall_clock_dates_ignored_total 1\n/);
  });
}

test("a step of the server's clock beyond 5 minutes is believed once three Dates agree on it", async () => {
  const h = await boot();
  registerAll(h);
  const ahead = (s) => `Mon, 23 Nov 2026 22:03:${String(s).padStart(2, "0")} GMT`;
  const times = renewalTimes(h, ["Sun, 22 Nov 2026 22:03:00 GMT", ahead(10), ahead(20), ahead(30), ahead(40)]);
  assert.match(times[3], /^2026-11-22T/, "two agreeing Dates are not enough");
  assert.match(times[4], /^2026-11-23T22:03:4\d\.\d{6}Z$/, `${times}`);
});

// ---- degradation 7: duplicate keys ----

/** Boots and answers the first LIST with one ConfigMap whose data is the raw JSON given (keys may repeat). */
async function listedWithData(dataJson) {
  const h = await boot();
  registerAll(h);
  const list = requestTo(h, "GET", LIST);
  const item = `{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"pico-config","namespace":"default","resourceVersion":"50"},"data":${dataJson}}`;
  h.deliver(list.c, apiResponse(200, `{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"50"},"items":[${item}]}`));
  return h;
}

test("memory_values given twice in data: the last one wins, as with Go's encoding/json", async () => {
  const h = await listedWithData('{"memory_values":"0=1,1=1","memory_values":"2=2"}');
  assert.deepEqual([...h.region.subarray(0, 3)], [0, 0, 2]);
});

test("memory_values given as a string, then as a number: the last one wins and is rejected", async () => {
  const h = await listedWithData('{"memory_values":"0=1","memory_values":5}');
  assert.equal(h.commits, 0);
});

// ---- what is only shown (a server's message, a long log line) is cut visibly ----

test("a long server message is logged cut at a whole UTF-8 character and marked, never split", async () => {
  const { h, watch } = await watching();
  h.deliver(watch.c, chunk(JSON.stringify({ type: "ERROR", object: status(500, "InternalError", "é".repeat(100)) }) + "\n"));
  const [line] = logsMatching(h, /watch ended by the server: 500 /);
  assert.ok(line, h.logText());
  assert.match(line.line, /^configmap: watch ended by the server: 500 (é)+\.\.\.$/);
  assert.ok(Buffer.byteLength(line.line) <= 160, `${Buffer.byteLength(line.line)} bytes`);
});

// ---- found by the fuzzer: answers that made the core retry with no delay ----

/** Plays the API server for ms, answering each request with answer(r) (null: a healthy answer). Returns requests by "METHOD target-prefix". */
function serve(h, ms, answer) {
  const seen = {};
  let rv = 900;
  for (let t = 0; t < ms; t += 50) {
    h.tick(50);
    for (let round = 0; round < 20; round++) {
      let any = false;
      for (const c of h.pending()) {
        if (!c.open) h.connect(c);
        if (!c.out) continue;
        const r = h.takeRequest(c);
        if (!r) continue;
        any = true;
        const key = `${r.method} ${r.target.split("?")[0]}${r.target.includes("watch=1") ? "?watch" : ""}`;
        seen[key] = (seen[key] ?? 0) + 1;
        const custom = answer(r);
        if (custom !== null) {
          h.deliver(c, custom);
          if (custom.endsWith?.("\r\n\r\n") || custom === "") h.peerClose(c);
        } else if (r.target.startsWith(LEASES)) h.deliver(c, apiResponse(r.method === "POST" ? 201 : 200, leaseObject(String(rv++))));
        else if (r.target.startsWith("/api/v1/nodes")) h.deliver(c, apiResponse(r.method === "POST" ? 201 : 200, nodeObject()));
        else if (r.target.includes("watch=1")) h.deliver(c, apiResponse(200, "", { chunked: true }));
        else h.deliver(c, apiResponse(200, configMapList("100", [configMap("100", "0=1")])));
      }
      if (!any) break;
    }
  }
  return seen;
}

for (const [what, key, answer] of [
  ["a LIST answered without a list resourceVersion", `GET /api/v1/namespaces/default/configmaps`,
    (r) => (r.target.startsWith(LIST) && !r.target.includes("watch=1") ? apiResponse(200, { kind: "ConfigMapList", apiVersion: "v1", metadata: {}, items: [] }) : null)],
  ["a watch answered 200 that ends at once with no event", `GET /api/v1/namespaces/default/configmaps?watch`,
    (r) => (r.target.includes("watch=1") ? apiResponse(200, "", { chunked: true }) + "0\r\n\r\n" : null)],
  ["registration answered 409 and the Node GET 404, over and over", `POST /api/v1/nodes`,
    (r) => (r.method === "POST" && r.target === "/api/v1/nodes" ? apiResponse(409, status(409, "AlreadyExists", "exists"))
      : r.method === "GET" && r.target === `/api/v1/nodes/${NODE}` ? apiResponse(404, status(404, "NotFound", "gone")) : null)],
  ["a Lease create answered 404 (no kube-node-lease namespace)", `POST ${LEASES}`,
    (r) => (r.target.startsWith(LEASES) ? apiResponse(404, status(404, "NotFound", 'namespaces "kube-node-lease" not found')) : null)],
  ["every status write answered 404 (the Node it just registered gone again)", `PATCH /api/v1/nodes/${NODE}/status`,
    (r) => (r.method === "PATCH" ? apiResponse(404, status(404, "NotFound", "gone")) : null)],
  ["a watch answered 200 in text/plain", `GET /api/v1/namespaces/default/configmaps?watch`,
    (r) => (r.target.includes("watch=1") ? apiResponse(200, "", { chunked: true }).replace("Content-Type: application/json", "Content-Type: text/plain") + chunk('{"type":"ADDED"}\n') : null)],
]) {
  test(`${what}: retried after a growing backoff, never as fast as the server answers`, async () => {
    const h = await boot();
    const seen = serve(h, 3_000, answer);
    // 200 ms doubling (+ up to 50 % jitter): at most 5 tries in 3 s.
    assert.ok(seen[key] >= 2 && seen[key] <= 5, `${key}: ${seen[key]} in 3 s (${JSON.stringify(seen)})`);
  });
}

test("a ConfigMap without a resourceVersion is not applied", async () => {
  const h = await boot();
  registerAll(h);
  const list = requestTo(h, "GET", LIST);
  const cm = configMap("5", "0=9");
  delete cm.metadata.resourceVersion;
  h.deliver(list.c, apiResponse(200, configMapList("5", [cm])));
  assert.equal(h.commits, 0);
  assert.equal(logsMatching(h, /configmap list: malformed response \(the ConfigMap in the list has no metadata.resourceVersion\)/).length, 1, h.logText());
});

test("a registration answer without a uid is not adopted (a Lease owned by uid \"\" would be refused)", async () => {
  const h = await boot();
  const reg = requestTo(h, "POST", "/api/v1/nodes");
  h.deliver(reg.c, apiResponse(201, { kind: "Node", apiVersion: "v1", metadata: { name: NODE } }));
  assert.equal(logsMatching(h, /node registration: malformed response \(the Node in the answer has no metadata.uid\)/).length, 1, h.logText());
  h.tick(1_000);
  assert.equal(h.pending().filter((c) => c.out.includes("/leases")).length, 0);
});
