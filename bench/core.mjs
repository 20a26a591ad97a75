// npm run bench:core — figures for the release core.wasm: size by section,
// imports and exports, linear memory (static data, heap top, high-water mark
// after a long scripted life) against what the Pico backs, host-side time per
// operation, and ns/op of bench:firmware's operations on the POSIX build of
// each engine (AOT; wasm3 where present). Prints figures; asserts nothing.
import fs from "node:fs";
import { performance } from "node:perf_hooks";
import { CORE_WASM, FakeHost, RODATA_SECTION, apiResponse, chunk } from "../tests/host/fake_host.mjs";
import { boot, requestTo, registerAll, configMap, configMapList, runApi } from "../tests/host/helpers.mjs";

const PICO_BACKED_BYTES = 16384;
const bytes = fs.readFileSync(CORE_WASM);

function sections(buf) {
  const names = { 0: "custom", 1: "type", 2: "import", 3: "function", 5: "memory", 6: "global", 7: "export", 9: "element", 10: "code", 11: "data" };
  const out = {};
  let p = 8;
  const leb = () => { let r = 0, s = 0, x; do { x = buf[p++]; r |= (x & 0x7f) << s; s += 7; } while (x & 0x80); return r >>> 0; };
  while (p < buf.length) {
    const id = buf[p++];
    const len = leb();
    out[names[id] || `#${id}`] = len;
    p += len;
  }
  return out;
}

const mod = await WebAssembly.compile(bytes);
const sec = sections(bytes);
const rodataBytes = WebAssembly.Module.customSections(mod, RODATA_SECTION)[0]?.byteLength ?? 0;
console.log(`core.wasm ${bytes.length} bytes (code ${sec.code}, data ${sec.data}, texts ${rodataBytes} in "${RODATA_SECTION}", read from flash on the Pico)`);
console.log(`imports (${WebAssembly.Module.imports(mod).length}): ${WebAssembly.Module.imports(mod).map((i) => `${i.module}.${i.name}`).join(" ")}`);
console.log(`exports: ${WebAssembly.Module.exports(mod).map((e) => e.name).join(" ")}`);

// A long scripted life: registration, 1 h of lease renewals, 360 ConfigMap events
// (a 1024-entry one among them), kubelet scrapes every 15 s.
const h = await boot();
const used = h.x.mem_used();
registerAll(h);
const LIST = "/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dpico-config";
const list = requestTo(h, "GET", LIST);
const full = Array.from({ length: 1024 }, (_, i) => `${i}=0x${(i & 255).toString(16)}`).join(",");
let t0 = performance.now();
h.deliver(list.c, apiResponse(200, configMapList("10", [configMap("10", full)])));
const applyFullMs = performance.now() - t0;
let watch = requestTo(h, "GET", LIST + "&watch=1");
h.deliver(watch.c, apiResponse(200, "", { chunked: true }));
let watchStarted = h.now;
let events = 0, eventMs = 0, scrapes = 0, scrapeMs = 0, renewals = 0, renewMs = 0;
let eventTexts = 0, renewTexts = 0, scrapeTexts = 0;
const texts = () => h.rodataReads;
for (let i = 0; i < 360; i++) {
  if (h.now - watchStarted >= 280_000) {
    // Like the API server at timeoutSeconds: end the stream; the core watches again.
    h.deliver(watch.c, "0\r\n\r\n");
    h.tick(10);
    watch = requestTo(h, "GET", LIST + "&watch=1");
    h.deliver(watch.c, apiResponse(200, "", { chunked: true }));
    watchStarted = h.now;
  }
  const ev = chunk(JSON.stringify({ type: "MODIFIED", object: configMap(String(11 + i), `${i % 1024}=${i & 255},1000=1`) }) + "\n");
  t0 = performance.now();
  let r0 = texts();
  h.deliver(watch.c, ev);
  eventMs += performance.now() - t0;
  eventTexts += texts() - r0;
  events++;
  t0 = performance.now();
  r0 = texts();
  renewals += runApi(h, 10_000);
  renewMs += performance.now() - t0;
  renewTexts += texts() - r0;
  if (i % 2 === 0) {
    for (const p of ["/metrics", "/metrics/resource", "/pico/status", "/pico/memory"]) {
      t0 = performance.now();
      r0 = texts();
      h.client(`GET ${p} HTTP/1.1\r\nHost: pico\r\n\r\n`);
      scrapeMs += performance.now() - t0;
      scrapeTexts += texts() - r0;
      scrapes++;
    }
  }
}
const mem = h.mem;
let highest = 0;
for (let i = mem.length - 1; i >= 0; i--) if (mem[i] !== 0) { highest = i + 1; break; }
const probe = h.x.mem_heap_probe();
console.log(`linear memory: ${used} bytes used (static data + heap, fixed after start); Pico backs ${PICO_BACKED_BYTES}: ${used <= PICO_BACKED_BYTES ? "fits" : `over by ${used - PICO_BACKED_BYTES}`}`);
console.log(`high-water mark after 1 h scripted (${events} ConfigMap events, ${renewals} API responses, ${scrapes} kubelet requests): ${highest} bytes; heap grew after start: ${probe - used - 16 > 0 ? probe - used - 16 : 0} bytes`);
console.log(`host time (Node ${process.version}, not the Pico): apply 1024-entry memory_values ${applyFullMs.toFixed(2)} ms; watch event ${(eventMs / events * 1000).toFixed(0)} µs; 10 s of node/lease traffic incl. ticks ${(renewMs / events * 1000).toFixed(0)} µs; kubelet request ${(scrapeMs / scrapes * 1000).toFixed(0)} µs`);
console.log(`text reads (rodata_read host calls): watch event ${(eventTexts / events).toFixed(0)}; 10 s of node/lease traffic ${(renewTexts / events).toFixed(0)}; kubelet request ${(scrapeTexts / scrapes).toFixed(0)} on average`);
console.log(`region commits: ${h.commits} of ${events + 1} ConfigMap versions`);

// ---- the same operations on the POSIX build of each engine (native/posix/replay.c) ----
// The life above's main operations are recorded as the exact calls into the core
// (bench/core_replay.mjs) and played through each engine's POSIX build with the
// shell's own host imports: nanoseconds per operation, the lowest of five batches
// (the machine may be busy with other work).
const { spawnSync } = await import("node:child_process");
const path = await import("node:path");
const { recordScenario } = await import("./core_replay.mjs");
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const wasm3 = process.env.FETCHCONTENT_SOURCE_DIR_WASM3;
const engines = [["aot", "build/posix"], ...(wasm3 && fs.existsSync(path.join(wasm3, "source/wasm3.h")) ? [["wasm3", "build/posix-wasm3"]] : [])];
const quiet = (cmd, args) => spawnSync(cmd, args, { cwd: ROOT, encoding: "utf8" });
if (quiet("wasm2c", ["--version"]).status !== 0) {
  console.log("\nPOSIX engines: skipped — wasm2c is not installed (apt-get install wabt)");
} else {
  const script = path.join(ROOT, "build/core-replay.txt");
  fs.writeFileSync(script, await recordScenario());
  const figures = {};
  for (const [engine, dir] of engines) {
    const generator = quiet("ninja", ["--version"]).status === 0 ? ["-G", "Ninja"] : [];
    for (const args of [["-S", "native/posix", "-B", dir, ...generator, `-DPICO_NODE_ENGINE=${engine}`, ...(engine === "wasm3" ? [`-DFETCHCONTENT_SOURCE_DIR_WASM3=${wasm3}`] : [])], ["--build", dir]]) {
      const r = quiet("cmake", args);
      if (r.status !== 0) throw new Error(`building the ${engine} POSIX shell failed:\n${r.stdout}${r.stderr}`);
    }
    for (let batch = 0; batch < 5; batch++) {
      const r = quiet(path.join(dir, "pico-node-replay"), ["--wasm", CORE_WASM, "--script", script, "--rounds", "50"]);
      if (r.status !== 0) throw new Error(`the ${engine} replay failed: ${r.stderr}`);
      for (const line of r.stdout.trim().split("\n").slice(1)) {
        const [, ns, label] = /^(\d+) (.*)$/.exec(line);
        const row = (figures[label] ??= {});
        row[engine] = Math.min(row[engine] ?? Infinity, Number(ns));
      }
    }
  }
  const nsPerOp = (ns) => (ns === undefined ? "–" : `${Math.round(ns).toLocaleString("en-US")} ns`);
  console.log(`\nns/op on the POSIX build of each engine: bench:firmware's operations replayed call for call (${process.arch}, lowest of 5 × 50 rounds; boot includes loading the module)`);
  console.log(`  ${"".padEnd(34)}${engines.map(([e]) => e.padStart(14)).join("")}${engines.length > 1 ? "   wasm3 / aot" : ""}`);
  for (const [label, row] of Object.entries(figures)) {
    const ratio = row.wasm3 && row.aot ? `${(row.wasm3 / row.aot).toFixed(1)}×`.padStart(15) : "";
    console.log(`  ${label.padEnd(34)}${engines.map(([e]) => nsPerOp(row[e]).padStart(14)).join("")}${ratio}`);
  }
  if (engines.length === 1) console.log("  wasm3: skipped — wasm3 is not present (set FETCHCONTENT_SOURCE_DIR_WASM3)");
}
