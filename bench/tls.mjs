// npm run bench:tls: the kubelet port's TLS on the emulated RP2040 (the AOT
// emulator image, mbedTLS 2.28 through pico_mbedtls), against issue 12's
// targets: server-side handshake cycles (P-256), the longest stretch the main
// loop went without feeding the watchdog during one, heap per TLS connection
// and free heap with two open, a resumption's cycles, and the flash mbedTLS
// adds (from the linker maps of the images built). Figures only, nothing is
// timed against a limit. Needs what the emulator tests need (pico-sdk,
// PICO_MBEDTLS_PATH, the RP2040 bootrom); builds the images first.
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { CLOCK_HZ, EmulatedPico, ROOT, elfFootprint, emulatorBuild, emulatorElf, findBootrom } from "./firmware_emulator.mjs";
import { TlsWorld, settle, tlsConnect, waitForCertificate } from "./firmware_tls.mjs";

const skip = (why) => { console.log(`bench:tls skipped — ${why}`); process.exit(0); };
if (!process.env.PICO_SDK_PATH) skip("PICO_SDK_PATH is not set (pico-sdk 2.2; README, Firmware)");
if (!process.env.PICO_MBEDTLS_PATH) skip("PICO_MBEDTLS_PATH is not set (mbedtls 2.28.8; README, Firmware)");
const bootrom = findBootrom();
if (!bootrom.words) skip(bootrom.reason);

const KB = (n) => `${(n / 1024).toFixed(1)} KB`;
const M = (cycles) => `${(cycles / 1e6).toFixed(1)} M cycles (${(cycles / CLOCK_HZ * 1000).toFixed(0)} ms at 125 MHz)`;
const IN_BUFFER = 1024; // net_fake.c's NET_FAKE_TLS_IN_BYTES: what lwIP's pbufs hold on the board, outside the heap

function build(board, dir) {
  console.log(`== building the ${board} image (aot, TLS) in ${path.relative(ROOT, dir)}`);
  const r = spawnSync("node", ["bin/pico-node.mjs", "firmware", "build", "--board", board, "--engine", "aot", "--build-dir", dir],
    { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** Bytes of flash taken by mbedTLS's objects, from a GNU ld map: their sections placed at flash addresses. */
function mbedtlsFlash(map) {
  let total = 0;
  const re = /^ \.(?:text|rodata|data)[^\s]*\s*\n?\s+0x(1[0-9a-f]{7})\s+0x([0-9a-f]+)\s+\S*mbedtls[^\s]*\/library\/\S+\.o/gm;
  for (const m of fs.readFileSync(map, "utf8").matchAll(re)) total += parseInt(m[2], 16);
  return total;
}

const picoW = path.join(ROOT, "build/firmware-bench-w");
build("pico", emulatorBuild("aot"));
build("pico_w", picoW);
const elf = emulatorElf("aot");
if (!fs.readFileSync(elf).includes("kubelet port: TLS 1.2")) skip("the image was built without TLS (pico_mbedtls not found)");

const world = new TlsWorld();
try {
  const started = Date.now();
  const log = (line) => console.log(`   ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s  ${line}`);
  console.log("== the emulator image in rp2040js: a minute or two");
  const pico = new EmulatedPico({ elf, bootrom: bootrom.words, deviceConfig: world.deviceConfig() });
  pico.api = world.api(pico.apiState);
  await waitForCertificate(pico);
  log("certificate issued and installed");
  await settle(pico, 200);
  const idle = pico.report();

  const feedsBefore = pico.feedCycles.length;
  const full = await tlsConnect(pico, world, { identity: "admin" });
  if (!full.secure) throw new Error(`handshake failed: ${full.error?.message}`);
  await settle(pico, 100);
  const cycles = pico.feedCycles.slice(feedsBefore - 1);
  const longestStretch = Math.max(...cycles.slice(1).map((c, i) => c - cycles[i]));
  const one = pico.report();
  log(`full handshake: ${M(full.cycles)}`);
  const resumed = await tlsConnect(pico, world, { identity: "admin", session: full.session });
  if (!resumed.socket.isSessionReused()) throw new Error("the second handshake did not resume");
  await settle(pico, 100);
  const two = pico.report();
  log(`resumed handshake: ${M(resumed.cycles)}`);

  const perConnection = (two.heap_in_use - idle.heap_in_use) / 2 - IN_BUFFER;
  const flashW = mbedtlsFlash(`${picoW}/k3s_pico_node.elf.map`);
  // The Pico W's heap is the emulator image's less the static RAM lwIP and cyw43 add (bench/firmware.mjs).
  const w = elfFootprint(`${picoW}/k3s_pico_node.elf`), emu = elfFootprint(elf);
  const heapW = two.heap_size - (w.ram - emu.ram);
  const rows = [
    ["handshake, server side, P-256 (full)", M(full.cycles), "≤ 250 M cycles"],
    ["  longest main-loop stretch without a watchdog feed in it", M(longestStretch), `watchdog ${pico.watchdogTimeoutMs} ms`],
    ["resumption (session ticket)", M(resumed.cycles), "—"],
    ["heap per open TLS connection (after the handshake)", KB(perConnection), "≤ 40 KB"],
    ["heap high-water with two open (malloc's arena)", KB(two.heap_arena), "—"],
    ["free heap with two TLS connections open, Pico W", `${KB(heapW - two.heap_in_use + IN_BUFFER * 2)} of ${KB(heapW)}`, "—"],
    ["  the same, emulator image", `${KB(two.heap_free)} of ${KB(two.heap_size)}`, "—"],
    ["flash, Pico W image (all of it)", KB(w.flash), "—"],
    ["flash taken by mbedTLS (Pico W image)", KB(flashW), "—"],
  ];
  console.log("\n| TLS on the RP2040 (rp2040js, 125 MHz, zero-wait memory) | measured | target |\n|---|---|---|");
  for (const [what, value, target] of rows) console.log(`| ${what} | ${value} | ${target} |`);
  console.log(`\nheap in use: ${KB(idle.heap_in_use)} idle, ${KB(one.heap_in_use)} with one connection, ${KB(two.heap_in_use)} with two`
    + ` (each includes the emulator's ${IN_BUFFER}-byte ciphertext buffer, subtracted above: lwIP holds those bytes on the board).`);
  console.log("Cycles are executed cycles (idle skipped) from the client's connect to its secureConnect; real flash (XIP misses) makes them a lower bound.");
} finally {
  world.cleanup();
}
