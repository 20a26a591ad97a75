// npm run bench:firmware: for each engine (AOT, and wasm3 where present),
// builds the emulator image (PICO_BOARD=pico) and the Pico W image from one
// throwaway device configuration, runs the emulator image in rp2040js through
// a node's life on the fake network (bench/firmware_emulator.mjs), and prints
// one table, engine against engine: flash, static RAM, heap and stack, and
// cycles per operation, beside the targets the AOT engine is held to
// (issue 10). Figures only: nothing here is timed against a limit.
// Needs pico-sdk (PICO_SDK_PATH), arm-none-eabi-gcc, wabt, the RP2040 bootrom
// (RP2040_BOOTROM) and, for the wasm3 column, wasm3; without them it says so.
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { ROOT, CLOCK_HZ, EmulatedPico, elfFootprint, emulatorBuild, emulatorElf, findBootrom, runScenario, runWatchdogPaths } from "./firmware_emulator.mjs";
import { TlsWorld, hasTls } from "./firmware_tls.mjs";

const skip = (why) => { console.log(`bench:firmware skipped — ${why}`); process.exit(0); };
const sdk = process.env.PICO_SDK_PATH;
if (!sdk || !fs.existsSync(path.join(sdk, "pico_sdk_init.cmake"))) skip("PICO_SDK_PATH is not set to a pico-sdk 2.2 checkout (README, Firmware)");
if (spawnSync("arm-none-eabi-gcc", ["--version"]).status !== 0) skip("arm-none-eabi-gcc is not installed");
if (spawnSync("wasm2c", ["--version"]).status !== 0) skip("wasm2c is not installed (apt-get install wabt)");
const bootrom = findBootrom();
if (!bootrom.words) skip(bootrom.reason);
const wasm3 = process.env.FETCHCONTENT_SOURCE_DIR_WASM3;
const engines = wasm3 && fs.existsSync(path.join(wasm3, "source/wasm3.h")) ? ["aot", "wasm3"] : ["aot"];
if (engines.length === 1) console.log("bench:firmware: the wasm3 column is skipped — wasm3 is not present (set FETCHCONTENT_SOURCE_DIR_WASM3)");

const MAIN_SRAM = 256 * 1024; // the heap and static data share the main bank; the 2 x 4 KB scratch banks hold core stacks
const KB = (n) => `${(n / 1024).toFixed(1)} KB`;
const M = (cycles) => `${(cycles / 1e6).toFixed(2)} M`;

function build(board, engine, dir) {
  console.log(`\n== building the ${board} image with ${engine} in ${path.relative(ROOT, dir)}`);
  const r = spawnSync("node", ["bin/pico-node.mjs", "firmware", "build", "--board", board, "--engine", engine, "--build-dir", dir],
    { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** Runs one engine's images and returns its figures (null when its image has no TLS: no kubelet port). */
async function measure(engine) {
  const picoW = path.join(ROOT, `build/firmware-bench-w${engine === "aot" ? "" : `-${engine}`}`);
  build("pico", engine, emulatorBuild(engine));
  build("pico_w", engine, picoW);
  console.log(`\n== ${engine}: the emulator image in rp2040js (bootrom ${path.basename(bootrom.file)}); a minute or less`);
  const started = Date.now();
  if (!hasTls(emulatorElf(engine))) {
    console.log(`   skipped — the ${engine} image has no TLS, so no kubelet port to measure${engine === "aot" ? " (set PICO_MBEDTLS_PATH)" : ""}`);
    return null;
  }
  const world = new TlsWorld();
  const pico = new EmulatedPico({ elf: emulatorElf(engine), bootrom: bootrom.words, world });
  const log = (line) => console.log(`   ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s  ${line}`);
  const run = await runScenario(pico, log);
  const feedGaps = (await runWatchdogPaths(pico, run)).map(([path, w]) => [path, pico.longestFeedGap(w.fromMs, w.toMs)]);
  world.cleanup();
  log("each path again alone, for the watchdog: the longest time between two feeds");
  const res = run.resources;
  const emu = elfFootprint(emulatorElf(engine));
  const w = elfFootprint(path.join(picoW, "k3s_pico_node.elf"));
  // The heap runs from the end of static data to the main bank's end: the Pico W's is the emulator
  // image's, less the extra static RAM (lwIP and cyw43 take static RAM only; the heap use is the same).
  const heapW = res.heap_size - (w.ram - emu.ram);
  return {
    engine, run, res, emu, w, heapW, feedGaps, watchdogMs: pico.watchdogTimeoutMs, flashTimeMs: pico.flashTimeMs,
    freeW: heapW - res.heap_in_use, // what board_free_heap reports: never handed out plus freed blocks
    marginW: heapW - res.heap_arena, // never handed out
    rate: pico.cycles / ((Date.now() - started) / 1000),
    cycles: pico.cycles,
  };
}

const results = [];
for (const engine of [...engines]) {
  const r = await measure(engine);
  if (r) results.push(r);
  else engines.splice(engines.indexOf(engine), 1);
}
if (!results.length) skip("no image with TLS to run");

const rows = [
  ["flash, Pico W image", (r) => KB(r.w.flash), "≤ 600 KB"],
  ["static RAM, Pico W image", (r) => KB(r.w.ram), ""],
  ["heap available, Pico W", (r) => KB(r.heapW), ""],
  ["engine heap at boot", (r) => KB(r.res.engine_heap), ""],
  ["heap high-water after every path", (r) => KB(r.res.heap_arena), ""],
  ["free heap after every path, Pico W", (r) => KB(r.freeW), "≥ 150 KB"],
  ["C stack peak / size", (r) => `${KB(r.res.stack_used)} / ${KB(r.res.stack_size)}`, "≥ 2 KB margin"],
  ["boot → first API request", (r) => M(r.run.bootToFirstRequest.cycles), "≤ 2 M"],
  ["Lease renewal (PUT round trip)", (r) => M(r.run.leaseRenewal.cycles), ""],
  ["status build (PATCH written)", (r) => (r.run.statusBuild ? M(r.run.statusBuild.cycles) : "–"), "≤ 1 M"],
  ["ConfigMap apply, 1024 entries", (r) => M(r.run.configMapApply.cycles), "≤ 10 M"],
  ["/healthz first / again", (r) => `${M(r.run.requests.healthz.first.cycles)} / ${M(r.run.requests.healthz.again.cycles)}`, ""],
  ["/pico/memory (1 KB as hex)", (r) => M(r.run.requests["pico/memory"].again.cycles), ""],
  ["/metrics · /pico/status (first)", (r) => `${M(r.run.requests.metrics.first.cycles)} · ${M(r.run.requests["pico/status"].first.cycles)}`, ""],
];
const width = 19;
console.log(`\n== engine against engine (cycles at ${CLOCK_HZ / 1e6} MHz, rp2040js: zero-wait memory, so a lower bound)`);
console.log(`  ${"".padEnd(36)}${engines.map((e) => e.padStart(width)).join("")}   target (AOT)`);
for (const [what, figure, target] of rows) console.log(`  ${what.padEnd(36)}${results.map((r) => figure(r).padStart(width)).join("")}   ${target}`);
if (results.length === 2) {
  const [aot, w3] = results;
  const ratio = (f) => (f(w3) / f(aot)).toFixed(1);
  console.log(`  wasm3 / AOT cycles: boot ${ratio((r) => r.run.bootToFirstRequest.cycles)}×, Lease ${ratio((r) => r.run.leaseRenewal.cycles)}×, ` +
    `status ${aot.run.statusBuild && w3.run.statusBuild ? ratio((r) => r.run.statusBuild.cycles) : "–"}×, ConfigMap ${ratio((r) => r.run.configMapApply.cycles)}×`);
}

console.log("\n== kubelet requests over TLS (accept → answer sent and closed, a resumed handshake included), cycles: first / again");
console.log(`  ${"".padEnd(24)}${engines.map((e) => e.padStart(24)).join("")}`);
for (const name of Object.keys(results[0].run.requests)) {
  const cell = (r) => `${M(r.run.requests[name].first.cycles)} / ${M(r.run.requests[name].again.cycles)}`;
  console.log(`  ${(name + " → " + results[0].run.requests[name].first.status).padEnd(24)}${results.map((r) => cell(r).padStart(24)).join("")}`);
}

console.log("\n== RAM detail");
for (const r of results) {
  console.log(`  ${r.engine}: main SRAM ${KB(MAIN_SRAM)}; emulator image static RAM ${KB(r.emu.ram)}, flash ${KB(r.emu.flash)}; ` +
    `heap in use now ${KB(r.res.heap_in_use)} (after boot ${KB(r.res.heap_after_boot)}, send queues ${r.res.send_queues} B); ` +
    `Pico W heap never handed out ${KB(r.marginW)}; core linear memory in use ${r.res.core_mem_used} B; event pushes refused ${r.res.events_refused}`);
  console.log(`     (emulated ${(r.cycles / 1e6).toFixed(0)} M cycles at ${(r.rate / 1e6).toFixed(1)} M cycles/s of real time)`);
}

console.log(`\n== longest time between two watchdog feeds, per path (emulated ms; flash erase charged ${results[0].flashTimeMs.erase} ms and page program ${results[0].flashTimeMs.program} ms, the W25Q16JV's maximums)`);
console.log(`  ${"".padEnd(44)}${engines.map((e) => e.padStart(10)).join("")}`);
for (let i = 0; i < results[0].feedGaps.length; i++) {
  console.log(`  ${results[0].feedGaps[i][0].padEnd(44)}${results.map((r) => r.feedGaps[i][1].toFixed(0).padStart(10)).join("")}`);
}
for (const r of results) {
  const [path, longest] = r.feedGaps.reduce((a, b) => (b[1] > a[1] ? b : a));
  const margin = r.watchdogMs / longest;
  console.log(`  ${r.engine}: longest ${longest.toFixed(0)} ms (${path}); the watchdog timeout the firmware set is ${r.watchdogMs.toFixed(0)} ms = ` +
    `${margin.toFixed(1)}× it: ${margin >= 2 ? "ok (≥ 2×)" : "TOO SHORT (must be ≥ 2×: raise WATCHDOG_TIMEOUT_MS or split the work)"}`);
}
