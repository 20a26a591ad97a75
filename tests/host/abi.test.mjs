// The module's contract with its hosts: one memory page, imports only from
// "env" and only the documented ones, an ABI version, and linear memory use
// that stays within what the Pico backs (40 KiB) for a whole scripted life.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { FakeHost, CORE_WASM, HOST_IMPORTS, RODATA_SECTION, apiResponse, chunk } from "./fake_host.mjs";
import { boot, requestTo, registerAll, configMap, configMapList, runApi } from "./helpers.mjs";

// What the shells back (CORE_MEMORY_LIMIT_BYTES, native/common/shell_config.h):
// 40 KiB since the kubelet port's TLS-era state (bearer tokens, review caches,
// the CSR and certificate). Texts live in the module's "pico.rodata" section,
// not here; npm run bench:core prints the figure and the margin.
const CORE_MEMORY_BUDGET = 40 * 1024;

test("core.wasm declares exactly one 64 KiB page, imports only documented env functions, exports the ABI", async () => {
  const bytes = fs.readFileSync(CORE_WASM);
  const mod = await WebAssembly.compile(bytes);
  const imports = WebAssembly.Module.imports(mod);
  for (const i of imports) {
    assert.equal(i.module, "env", `${i.name} imported from ${i.module}`);
    assert.ok(HOST_IMPORTS.includes(i.name), `undocumented import ${i.name}`);
  }
  const exports = WebAssembly.Module.exports(mod).map((e) => e.name);
  for (const e of ["abi_version", "io_buffer", "io_capacity", "configure", "start", "tick", "on_net_connected", "on_net_data", "on_net_closed", "on_net_error", "on_server_accept", "on_server_data", "on_server_closed", "kubelet_port", "healthz_port", "server_make_room", "mem_used"]) {
    assert.ok(exports.includes(e), `missing export ${e}`);
  }
  // memory section: limits flag 1 (has max), min 1, max 1
  const h = await new FakeHost().load();
  assert.equal(h.x.memory.buffer.byteLength, 65536);
  assert.throws(() => h.x.memory.grow(1));
  assert.equal(h.x.abi_version(), 4);
});

test("fixed texts live in the pico.rodata section, not in linear memory, and a host that cannot serve them stops the core", async () => {
  const bytes = fs.readFileSync(CORE_WASM);
  const mod = await WebAssembly.compile(bytes);
  const [rodata] = WebAssembly.Module.customSections(mod, RODATA_SECTION);
  assert.ok(rodata, `core.wasm has no ${RODATA_SECTION} section`);
  const rodataText = Buffer.from(rodata).toString("latin1");
  const h = await boot();
  const linear = Buffer.from(h.mem.subarray(0, h.x.mem_used())).toString("latin1");
  for (const t of ["pico_lease_renewals_total", "kube-node-lease", "application/strategic-merge-patch+json"]) {
    assert.ok(rodataText.includes(t), `${t} missing from ${RODATA_SECTION}`);
    assert.ok(!linear.includes(t), `${t} copied into linear memory`);
  }
  // Served texts reach the wire unchanged...
  const ok = h.client("GET /healthz HTTP/1.1\r\nHost: pico\r\n\r\n");
  assert.match(ok.out, /^HTTP\/1\.1 200 OK\r\n/);
  // ...and a host that fails a read makes the core trap instead of sending garbage.
  h.rodataFails = true;
  assert.throws(() => h.client("GET /healthz HTTP/1.1\r\nHost: pico\r\n\r\n"), WebAssembly.RuntimeError);
});

test("configuration errors name the key and line, and nothing starts", async () => {
  const h = await new FakeHost().load();
  const errors = h.configure("node_name=Bad_Name\napi=https://x:1\nlease_renew_ms=5\nfoo=bar\n");
  assert.equal(errors, 6, "four bad lines, and the two required keys are still missing");
  const log = h.logText();
  assert.match(log, /line 1 'node_name': must be a lower-case DNS name/);
  assert.match(log, /line 2 'api': must be http:\/\/HOST:PORT/);
  assert.match(log, /line 3 'lease_renew_ms': must be a whole number from 100 to 3600000/);
  assert.match(log, /line 4 'foo': unknown key/);
  assert.match(log, /node_name is required/);
  assert.match(log, /api is required/);
  assert.equal(h.start(), -1);
});

test("what the configuration puts into request heads is checked: a bearer token's alphabet, a host name's", async () => {
  for (const [line, says] of [
    ["api_token=a\u0004b", /line 3 'api_token': must be a bearer token/],
    ["api_token=ab\rcd", /line 3 'api_token': must be a bearer token/],
    ["api_token=t\u00ffk", /line 3 'api_token': must be a bearer token/],
    ["api_token=a=b", /line 3 'api_token': must be a bearer token/],
  ]) {
    const h = await new FakeHost().load();
    assert.equal(h.configure(`node_name=pico-a\napi=http://10.0.0.2:6080\n${line}\n`), 1, h.logText());
    assert.match(h.logText(), says);
  }
  for (const api of ["http://pro\u0001xy:6080", "http://pro_xy:6080", "http://[::1:6080"]) {
    const h = await new FakeHost().load();
    assert.equal(h.configure(`node_name=pico-a\napi=${api}\n`), 2, api); // the line, and api is then missing
    assert.match(h.logText(), /line 2 'api': HOST must be a name or address/);
  }
  for (const ok of ["api=http://[fd00::2]:6080\napi_token=Zm9v+/_-.~==", "api=http://proxy.lan:6080\napi_token=abc"]) {
    const h = await new FakeHost().load();
    assert.equal(h.configure(`node_name=pico-a\n${ok}\n`), 0, h.logText());
  }
});

test("a long scripted life stays within the memory budget and allocates nothing after start", async () => {
  const h = await boot();
  const used = h.x.mem_used();
  assert.ok(used <= CORE_MEMORY_BUDGET, `mem_used ${used} over the ${CORE_MEMORY_BUDGET}-byte budget`);
  registerAll(h);
  const LIST = "/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dpico-config";
  const list = requestTo(h, "GET", LIST);
  const big = Array.from({ length: 1024 }, (_, i) => `${i}=0x${(i & 255).toString(16)}`).join(",");
  h.deliver(list.c, apiResponse(200, configMapList("10", [configMap("10", big)])));
  const watch = requestTo(h, "GET", LIST + "&watch=1");
  h.deliver(watch.c, apiResponse(200, "", { chunked: true }));
  for (let i = 0; i < 50; i++) {
    h.deliver(watch.c, chunk(JSON.stringify({ type: "MODIFIED", object: configMap(String(11 + i), i % 7 ? `${i}=${i}` : "bad") }) + "\n"), 97);
    assert.ok(runApi(h, 10_000) >= 1, "node and lease traffic flows");
    for (const p of ["/metrics", "/pico/status", "/pico/memory", "/healthz?verbose=1", "/nope"]) h.client(`GET ${p} HTTP/1.1\r\nHost: pico\r\n\r\n`);
  }
  const mem = h.mem;
  let highest = 0;
  for (let i = mem.length - 1; i >= 0; i--) if (mem[i] !== 0) { highest = i + 1; break; }
  assert.ok(highest <= used, `bytes written up to ${highest}, beyond the heap top ${used}`);
  const probe = h.x.mem_heap_probe();
  assert.ok(probe <= used + 32, `heap grew after start: ${used} → ${probe}`);
});
