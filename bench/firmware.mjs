// npm run bench:firmware: builds the emulator image (PICO_BOARD=pico) and the
// Pico W image from one throwaway device configuration, runs the emulator
// image in rp2040js through a node's life on the fake network
// (bench/firmware_emulator.mjs), and prints cycles per operation, the heap by
// stage, heap and stack high-water marks, flash and RAM, and the Pico W's RAM
// budget. Figures only: nothing here is timed against a limit.
// Needs pico-sdk (PICO_SDK_PATH), arm-none-eabi-gcc, wasm3 and the RP2040
// bootrom (RP2040_BOOTROM); without them it says so in one line.
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { DEVICE_CONFIG, EMULATOR_BUILD, ROOT, CLOCK_HZ, EmulatedPico, elfFootprint, findBootrom, runScenario } from "./firmware_emulator.mjs";

const skip = (why) => { console.log(`bench:firmware skipped — ${why}`); process.exit(0); };
const sdk = process.env.PICO_SDK_PATH;
if (!sdk || !fs.existsSync(path.join(sdk, "pico_sdk_init.cmake"))) skip("PICO_SDK_PATH is not set to a pico-sdk 2.2 checkout (README, Firmware)");
if (spawnSync("arm-none-eabi-gcc", ["--version"]).status !== 0) skip("arm-none-eabi-gcc is not installed");
const bootrom = findBootrom();
if (!bootrom.words) skip(bootrom.reason);

const KB = (n) => `${(n / 1024).toFixed(1)} KB`;
const PICO_W_BUILD = path.join(ROOT, "build/firmware-bench-w");
const MAIN_SRAM = 256 * 1024;
const MEMORY_PRESSURE_FREE_BYTES = 16 * 1024; // the core's default memory_pressure_free_bytes (docs/host-abi.md) // the heap and static data share the main bank; the 2 x 4 KB scratch banks hold core stacks

function build(board, dir, extra) {
  const device = path.join(ROOT, `build/${board}-bench-device.env`); // kept (under build/): CMake re-reads it on rebuilds
  fs.mkdirSync(path.dirname(device), { recursive: true });
  fs.writeFileSync(device, extra + DEVICE_CONFIG);
  console.log(`\n== building the ${board} image in ${path.relative(ROOT, dir)}`);
  const r = spawnSync("node", ["bin/pico-node.mjs", "firmware", "build", "--board", board, "--device", device, "--build-dir", dir], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

build("pico", EMULATOR_BUILD, "");
build("pico_w", PICO_W_BUILD, "wifi_ssid=bench-network\nwifi_password=not-a-secret\n");

console.log(`\n== running the emulator image in rp2040js (bootrom ${path.basename(bootrom.file)}); a minute or less`);
const started = Date.now();
const pico = new EmulatedPico({ bootrom: bootrom.words });
const run = runScenario(pico, (line) => console.log(`   ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s  ${line}`));
const cyclesPerSecond = pico.cycles / ((Date.now() - started) / 1000);

const ms = (cycles) => `${(cycles / CLOCK_HZ * 1000).toFixed(2)} ms`;
const row = (what, cycles, note = "") => console.log(`  ${what.padEnd(34)} ${String(cycles).padStart(11)} cycles  ${ms(cycles).padStart(10)}${note ? "  " + note : ""}`);

console.log(`\n== cycles per operation (executed cycles only; ms at ${CLOCK_HZ / 1e6} MHz, zero-wait memory: a lower bound)`);
row("boot → first API request", run.bootToFirstRequest.cycles, `(${run.firstRequest})`);
row("Lease renewal (PUT, round trip)", run.leaseRenewal.cycles);
if (run.statusBuild) row("status build (PATCH written)", run.statusBuild.cycles, `round trip ${run.statusRoundTrip.cycles} cycles`);
else console.log("  status build: no status write in a quiet moment of this run");
row("ConfigMap apply (1024 entries)", run.configMapApply.cycles, "(watch MODIFIED event in → region committed)");
console.log(`\n  kubelet request (accept → answer sent and closed)   first (compiles its code)   again`);
for (const [name, r] of Object.entries(run.requests)) {
  console.log(`  ${(name + " → " + r.first.status).padEnd(34)} ${String(r.first.cycles).padStart(11)} ${ms(r.first.cycles).padStart(10)}  ${String(r.again.cycles).padStart(11)} ${ms(r.again.cycles).padStart(10)}`);
}

const res = run.resources;
console.log("\n== wasm3 heap by boot stage (lazy compilation: code compiled on first call)");
for (const k of ["environment", "runtime", "parse", "load", "compile", "total"]) console.log(`  ${k.padEnd(12)} ${String(res[`wasm3_${k}`]).padStart(7)} B`);
console.log(`  heap in use once booted (configure + start ran): ${KB(res.heap_after_boot)}`);

console.log("\n== heap and stack after every path above ran");
console.log(`  heap in use now            ${KB(res.heap_in_use)}   (send queues ${res.send_queues} B)`);
console.log(`  heap high-water (arena)    ${KB(res.heap_arena)}   of ${KB(res.heap_size)} in this image`);
console.log(`  free heap now              ${KB(res.heap_free)}`);
console.log(`  shell stack high-water     ${KB(res.stack_used)} of ${KB(res.stack_size)}`);
console.log(`  core linear memory in use  ${res.core_mem_used} B; event pushes refused ${res.events_refused}`);

const emu = elfFootprint(path.join(EMULATOR_BUILD, "k3s_pico_node.elf"));
const w = elfFootprint(path.join(PICO_W_BUILD, "k3s_pico_node.elf"));
console.log("\n== flash and static RAM (ELF sections)");
console.log(`  emulator image (pico):  flash ${KB(emu.flash)}, static RAM ${KB(emu.ram)}`);
console.log(`  Pico W image (pico_w):  flash ${KB(w.flash)}, static RAM ${KB(w.ram)}`);

// The heap runs from the end of static data to the main bank's end: the Pico W's is the emulator image's, less the extra static RAM.
const heapW = res.heap_size - (w.ram - emu.ram);
const margin = heapW - res.heap_arena;
console.log("\n== Pico W RAM budget (the emulator's heap use; lwIP and cyw43 take static RAM only)");
console.log(`  main SRAM                        ${KB(MAIN_SRAM)}`);
console.log(`  static RAM of the Pico W image   ${KB(w.ram)}`);
console.log(`  heap available                   ${KB(heapW)}`);
console.log(`  heap high-water in the emulator  ${KB(res.heap_arena)}`);
console.log(`  margin (never handed out)        ${margin >= 0 ? "" : "-"}${KB(Math.abs(margin))}`);
// What board_free_heap reports (hal_pico.c): never handed out plus freed blocks; MemoryPressure compares it.
const freeW = heapW - res.heap_in_use;
console.log(`  free heap the core would report  ${KB(freeW)}${freeW < MEMORY_PRESSURE_FREE_BYTES ? "   (below" : "   (above"} the core's ${KB(MEMORY_PRESSURE_FREE_BYTES)} MemoryPressure threshold)`);
console.log(`\n(emulated ${(pico.cycles / 1e6).toFixed(0)} M cycles at ${(cyclesPerSecond / 1e6).toFixed(1)} M cycles/s of real time)`);
