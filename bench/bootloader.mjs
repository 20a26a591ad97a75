// npm run bench:bootloader — the Pico W bootloader in the emulator
// (bench/firmware_update_emulator.mjs): its size, what it adds to every boot
// (the run slot's image checked whole: signature and SHA-256), and one update
// through the fake proxy: bytes fetched, time from declaration to Confirmed,
// flash erases and programs, the swap boot's time with the flash chip's
// datasheet erase and program times. Needs the emulator image built with the
// test key (tests/native/run.mjs, where pico-sdk and mbedTLS are present).
import fs from "node:fs";
import {
  BOOT_ELF, HEADER, NODE_ELF, boardWithBootloader, bootLines, declare, lastCondition, signTest, updateBoardMissing,
} from "./firmware_update_emulator.mjs";
import { CLOCK_HZ, elfFootprint } from "./firmware_emulator.mjs";

const missing = updateBoardMissing();
if (missing) {
  console.log(`bench:bootloader: skipped — ${missing}`);
  process.exit(0);
}
// W25Q16JV typical times (the datasheet's maximums are 400 ms and 3 ms: bench/firmware_emulator.mjs FLASH_MAX_MS).
const FLASH_TYPICAL_MS = { erase: 45, program: 0.4 };
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const mcycles = (n) => `${(n / 1e6).toFixed(1)} M cycles (${(n / CLOCK_HZ * 1000).toFixed(0)} ms at 125 MHz)`;

const boot = elfFootprint(BOOT_ELF), image = elfFootprint(NODE_ELF);
const bootFlash = fs.statSync(BOOT_ELF.replace(/\.elf$/, ".bin")).size; // the flash bytes it takes, from 0x10000000 on
console.log(`bootloader k3s_pico_boot: flash ${kb(bootFlash)} of 36 KB, static RAM ${kb(boot.ram)}`);

const { pico, state, v100 } = boardWithBootloader();
console.log(`image: ${kb(v100.length)} signed file (header ${HEADER} B), firmware flash ${kb(image.flash)}`);
/** Cycles when the console's line count first passes n (checked every 4096 instructions). */
function cyclesAtLine(predicate, what, maxMs = 60_000) {
  pico.runUntil(() => pico.lines.some(predicate), { what, maxMs });
  return pico.cycles;
}
const started = cyclesAtLine((l) => l.startsWith("boot: firmware"), "the bootloader's verdict");
const appFirst = cyclesAtLine((l) => / I k3s-pico-node firmware /.test(l), "the firmware's first line");
console.log(`boot: power-on to the image started ${mcycles(started)}; the image's first line at ${mcycles(appFirst)}`);
console.log(`  (${bootLines(pico)[0]})`);

pico.runUntil(() => pico.watch, { what: "registered, watching", maxMs: 120_000 });
const v101 = signTest(v100.subarray(HEADER), [1, 0, 1]);
state.files = { "1.0.1": v101 };
pico.flashTimeMs = FLASH_TYPICAL_MS;
const ops = pico.flashOps.length, t0 = pico.ms;
declare(pico, state, "1.0.1", v101);
pico.runUntil(() => lastCondition(state).reason === "Confirmed", { what: "1.0.1 Confirmed", maxMs: 900_000, wallMs: 900_000 });
const update = pico.flashOps.slice(ops);
const swapLine = bootLines(pico).at(-1);
const erases = update.filter((o) => o.op === "erase").length, programs = update.filter((o) => o.op === "program").length;
console.log(`update 1.0.0 -> 1.0.1 through the fake proxy: ${state.servedBytes} bytes fetched (${(state.servedBytes / v101.length).toFixed(2)}x the file), ` +
  `Confirmed ${((pico.ms - t0) / 1000).toFixed(1)} s (emulated) after the declaration`);
console.log(`  flash: ${erases} sector erases, ${programs} page programs (download, state records, the swap)`);
console.log(`  the swap boot, at typical flash times (erase ${FLASH_TYPICAL_MS.erase} ms, program ${FLASH_TYPICAL_MS.program} ms): ${swapLine}`);
