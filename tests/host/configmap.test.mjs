// ConfigMap → region through the host interface: LIST, WATCH, apply, reject,
// delete, 410 recovery; the region only ever changes whole.
import { test } from "node:test";
import assert from "node:assert/strict";
import { apiResponse, chunk, status, parseResponse } from "./fake_host.mjs";
import { boot, requestTo, registerAll, configMap, configMapList, NODE } from "./helpers.mjs";

const LIST = "/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dpico-config";

function regionBytes(h) {
  return h.region ? [...h.region] : null;
}

function expectRegion(h, entries) {
  const want = new Array(1024).fill(0);
  for (const [o, v] of Object.entries(entries)) want[o] = v;
  assert.deepEqual(regionBytes(h), want);
}

async function listed(memoryValues, rv = "100") {
  const h = await boot();
  registerAll(h);
  const list = requestTo(h, "GET", LIST);
  h.deliver(list.c, apiResponse(200, configMapList(rv, memoryValues === null ? [] : [configMap(rv, memoryValues)])));
  return h;
}

/** Answers status writes until none comes for 2 s (changes are coalesced for
 *  status_min_interval_ms, 1 s, after a write); returns the config condition last written. */
function configCondition(h) {
  let last = null;
  for (let idle = 0; idle < 2000; ) {
    h.tick(100);
    const c = h.pending().find((x) => x.out.startsWith("PATCH"));
    if (!c) {
      idle += 100;
      continue;
    }
    idle = 0;
    last = h.takeRequest(c);
    h.deliver(c, apiResponse(200, { kind: "Node" }));
  }
  assert.ok(last, "a status write happened");
  return last.json.status.conditions.find((c) => c.type === "PicoConfigApplied");
}

test("LIST applies memory_values to the region in one commit and reports it on the Node", async () => {
  const h = await listed("0=0x42, 1=0x43,1023=255");
  expectRegion(h, { 0: 0x42, 1: 0x43, 1023: 255 });
  assert.equal(h.commits, 1);
  const cond = configCondition(h);
  assert.equal(cond.status, "True");
  assert.equal(cond.reason, "Applied");
  assert.match(cond.message, /resourceVersion 100 applied: 3 bytes set, crc32 0x[0-9a-f]{8}/);
});

test("a burst of ConfigMap changes is applied at once but costs one status write a second, carrying the latest result", async () => {
  const h = await listed("0=1");
  configCondition(h);
  const watch = requestTo(h, "GET", LIST + "&watch=1");
  h.deliver(watch.c, apiResponse(200, "", { chunked: true }));
  const written = [];
  const answerWrites = () => {
    for (const c of h.pending().filter((x) => x.out.startsWith("PATCH"))) {
      written.push(h.takeRequest(c).json.status.conditions.find((x) => x.type === "PicoConfigApplied").message);
      h.deliver(c, apiResponse(200, { kind: "Node" }));
    }
  };
  for (let i = 0; i < 5; i++) {
    h.deliver(watch.c, chunk(JSON.stringify({ type: "MODIFIED", object: configMap(String(101 + i), `${i}=7`) }) + "\n"));
    assert.equal(h.commits, 2 + i, "each version is applied when it arrives");
    answerWrites();
    h.tick(100);
  }
  for (let t = 0; t < 3000; t += 100) {
    answerWrites();
    h.tick(100);
  }
  assert.equal(written.length, 2, `one write for the first change, one for the rest: ${written.join(" / ")}`);
  assert.match(written[0], /resourceVersion 101 applied/);
  assert.match(written[1], /resourceVersion 105 applied/);
});

test("WATCH starts from the list's resourceVersion with bookmarks and a bounded timeout, and MODIFIED applies", async () => {
  const h = await listed("0=1");
  const watch = requestTo(h, "GET", LIST + "&watch=1");
  assert.match(watch.req.target, /&resourceVersion=100&allowWatchBookmarks=true&timeoutSeconds=\d+$/);
  h.deliver(watch.c, apiResponse(200, "", { chunked: true }));
  const ev = JSON.stringify({ type: "MODIFIED", object: configMap("101", "5=0x05,6=6") }) + "\n";
  // Split the event across chunks and deliveries at awkward places.
  h.deliver(watch.c, chunk(ev.slice(0, 30)) + chunk(ev.slice(30, 31)), 7);
  assert.equal(h.commits, 1, "nothing applied before the event is complete");
  h.deliver(watch.c, chunk(ev.slice(31)), 3);
  expectRegion(h, { 5: 5, 6: 6 });
  assert.equal(h.commits, 2);
});

test("an invalid memory_values leaves the region untouched and sets the condition False naming the entry", async () => {
  const h = await listed("0=0x42");
  const watch = requestTo(h, "GET", LIST + "&watch=1");
  h.deliver(watch.c, apiResponse(200, "", { chunked: true }));
  const before = regionBytes(h);
  h.deliver(watch.c, chunk(JSON.stringify({ type: "MODIFIED", object: configMap("102", "0=0x01,1=0x02,2=0x03,2048=0x10") }) + "\n"));
  assert.deepEqual(regionBytes(h), before);
  assert.equal(h.commits, 1);
  const cond = configCondition(h);
  assert.equal(cond.status, "False");
  assert.equal(cond.reason, "InvalidMemoryValues");
  assert.match(cond.message, /entry 4 "2048=0x10": offset 2048 out of range 0\.\.1023/);
  assert.match(cond.message, /resourceVersion 102 rejected; region unchanged/);
});

test("the same resourceVersion is not applied twice; a BOOKMARK moves the watch position only", async () => {
  const h = await listed("0=9", "200");
  const watch = requestTo(h, "GET", LIST + "&watch=1");
  h.deliver(watch.c, apiResponse(200, "", { chunked: true }));
  h.deliver(watch.c, chunk(JSON.stringify({ type: "ADDED", object: configMap("200", "0=9") }) + "\n"));
  h.deliver(watch.c, chunk(JSON.stringify({ type: "BOOKMARK", object: { kind: "ConfigMap", apiVersion: "v1", metadata: { resourceVersion: "250", annotations: { "k8s.io/initial-events-end": "true" } } } }) + "\n"));
  assert.equal(h.commits, 1);
  h.tick(1_500);
  h.deliver(watch.c, "0\r\n\r\n"); // the server ends the watch (timeoutSeconds)
  h.tick(10);
  const again = requestTo(h, "GET", LIST + "&watch=1");
  assert.match(again.req.target, /resourceVersion=250&/);
});

test("DELETED keeps the last bytes and reports the deletion; a recreated ConfigMap applies", async () => {
  const h = await listed("7=7", "300");
  const watch = requestTo(h, "GET", LIST + "&watch=1");
  h.deliver(watch.c, apiResponse(200, "", { chunked: true }));
  h.deliver(watch.c, chunk(JSON.stringify({ type: "DELETED", object: configMap("301", "7=7") }) + "\n"));
  expectRegion(h, { 7: 7 });
  const cond = configCondition(h);
  assert.equal(cond.reason, "ConfigMapDeleted");
  assert.match(cond.message, /region keeps resourceVersion 300/);
  h.deliver(watch.c, chunk(JSON.stringify({ type: "ADDED", object: configMap("302", "8=8") }) + "\n"));
  expectRegion(h, { 8: 8 });
});

test("an in-stream 410 ERROR re-LISTs; so does HTTP 410 on the watch", async () => {
  const h = await listed("1=1", "400");
  const watch = requestTo(h, "GET", LIST + "&watch=1");
  h.deliver(watch.c, apiResponse(200, "", { chunked: true }));
  h.deliver(watch.c, chunk(JSON.stringify({ type: "ERROR", object: status(410, "Expired", "too old resource version: 400 (450)") }) + "\n"));
  h.tick(500); // one backoff step
  const relist = requestTo(h, "GET", LIST);
  assert.ok(!relist.req.target.includes("watch=1"));
  h.deliver(relist.c, apiResponse(200, configMapList("460", [configMap("455", "1=2")])));
  expectRegion(h, { 1: 2 });
  const w2 = requestTo(h, "GET", LIST + "&watch=1");
  assert.match(w2.req.target, /resourceVersion=460&/);
  h.deliver(w2.c, apiResponse(410, status(410, "Expired", "too old")));
  h.tick(1000); // the second step in a row (no watch has ended well since): 400-600 ms
  const relist2 = requestTo(h, "GET", LIST);
  assert.ok(!relist2.req.target.includes("watch=1"));
});

test("a missing ConfigMap is reported and changes nothing", async () => {
  const h = await listed(null, "500");
  assert.equal(h.commits, 0);
  const cond = configCondition(h);
  assert.equal(cond.reason, "ConfigMapNotFound");
});

test("a ConfigMap without data.memory_values is rejected rather than zeroing the region", async () => {
  const h = await listed("3=3", "600");
  const watch = requestTo(h, "GET", LIST + "&watch=1");
  h.deliver(watch.c, apiResponse(200, "", { chunked: true }));
  h.deliver(watch.c, chunk(JSON.stringify({ type: "MODIFIED", object: configMap("601", undefined) }) + "\n"));
  expectRegion(h, { 3: 3 });
  assert.equal(configCondition(h).reason, "MissingMemoryValues");
});

test("/pico/memory shows the applied bytes, resourceVersion and CRC-32", async () => {
  const h = await listed("0=0x42,1=0x43", "700");
  const c = h.client("GET /pico/memory HTTP/1.1\r\nHost: pico\r\n\r\n");
  const res = parseResponse(c.out);
  assert.equal(res.status, 200);
  const body = JSON.parse(res.body);
  assert.equal(body.resource_version, "700");
  assert.equal(body.hex.slice(0, 6), "424300");
  assert.equal(body.hex.length, 2048);
  const zlib = await import("node:zlib");
  assert.equal(body.crc32, "0x" + zlib.crc32(Buffer.from(h.region)).toString(16).padStart(8, "0"));
});

test("a region the host restored at boot is served with its CRC until a ConfigMap version replaces it", async () => {
  const { FakeHost } = await import("./fake_host.mjs");
  const { CONFIG } = await import("./helpers.mjs");
  const h = await new FakeHost().load();
  h.restoredRegion = new Uint8Array(1024);
  h.restoredRegion[10] = 0xaa;
  assert.equal(h.configure(CONFIG), 0);
  h.start();
  const mem = JSON.parse(parseResponse(h.client("GET /pico/memory HTTP/1.1\r\nHost: pico\r\n\r\n").out).body);
  assert.equal(mem.restored_at_boot, true);
  assert.equal(mem.hex.slice(20, 22), "aa");
  const zlib = await import("node:zlib");
  assert.equal(mem.crc32, "0x" + zlib.crc32(Buffer.from(h.restoredRegion)).toString(16).padStart(8, "0"));
  registerAll(h);
  const list = requestTo(h, "GET", LIST);
  h.deliver(list.c, apiResponse(200, configMapList("800", [configMap("800", "1=1")])));
  expectRegion(h, { 1: 1 });
});

test("a commit the board refuses leaves the region and reports CommitFailed", async () => {
  const h = await listed("2=2", "900");
  h.refuseCommit = true;
  const watch = requestTo(h, "GET", LIST + "&watch=1");
  h.deliver(watch.c, apiResponse(200, "", { chunked: true }));
  h.deliver(watch.c, chunk(JSON.stringify({ type: "MODIFIED", object: configMap("901", "3=3") }) + "\n"));
  expectRegion(h, { 2: 2 });
  assert.equal(configCondition(h).reason, "CommitFailed");
});
