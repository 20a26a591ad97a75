// The region's flash log on the emulated RP2040: the image's own flash code
// (region_flash.c: flash_safe_execute, flash_range_erase/program, reads past
// the XIP cache) writes the log; the harness plays the boot ROM's erase and
// program with the chip's rules and can cut the power in the middle of one.
// After a power cut the board must restore the last whole region from flash
// before it reaches any API server. tests/native/run.mjs builds the image
// where pico-sdk is present; skipped without the image or the RP2040 bootrom.
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { emulatorElf, EmulatedPico, configMap, findBootrom, memoryValues, watchEvent } from "../../bench/firmware_emulator.mjs";

const bootrom = findBootrom();
const { DEFAULT_ENGINE } = await import("../../dist/cli/firmware.js");
const EMULATOR_ELF = emulatorElf(DEFAULT_ENGINE); // the shell's own code: the same with either engine
const skip = !fs.existsSync(EMULATOR_ELF) ? "the emulator image is not built (needs pico-sdk)" : bootrom.words ? false : bootrom.reason;
const LOG_OFFSET = 0x1ec000, LOG_BYTES = 20 * 4096; // native/pico/flash_layout.h
const KEY_OFFSET = 0x1ea000, KEY_BYTES = 2 * 4096;  // the device key's sectors (an image with TLS writes its key there)
const inLog = (o) => o.offset >= LOG_OFFSET && o.offset + o.bytes <= LOG_OFFSET + LOG_BYTES;
const inKey = (o) => o.offset >= KEY_OFFSET && o.offset + o.bytes <= KEY_OFFSET + KEY_BYTES;

/** Boots, lets the ConfigMap LIST (values 1) be applied and saved, and the watch open. */
function bootAndList() {
  const pico = new EmulatedPico({ elf: EMULATOR_ELF, bootrom: bootrom.words });
  pico.runUntil(() => pico.regions.length >= 1 && pico.watch, { what: "ConfigMap LIST applied and saved, watch open" });
  return pico;
}

/** Power comes back with no API server answering: what the board serves is what it restored from flash.
 *  (Its kubelet port needs a certificate and the API server's reviews, so the region is read from its RAM.) */
function restartOffline(pico) {
  pico.api = () => null;
  pico.powerCycle();
  pico.runUntil(() => pico.listening, { what: "kubelet port listening after the power cut" });
  const region = pico.regionInRam();
  return { hex: region && Buffer.from(region).toString("hex") };
}

test("emulated Pico: the region goes to the flash log through the SDK's flash functions and is restored after a power cut", { skip, timeout: 300_000 }, () => {
  const pico = bootAndList();
  const listed = memoryValues(1), modified = memoryValues(2);
  pico.data(pico.watch.handle, watchEvent("MODIFIED", configMap("101", modified.text)));
  pico.runUntil(() => pico.regions.length >= 2, { what: "MODIFIED ConfigMap applied and saved" });

  assert.deepEqual(pico.flashViolations, []);
  assert.ok(pico.flashOps.every((o) => inLog(o) || inKey(o)), "flash written only in the log and the key's sectors");
  const logOps = pico.flashOps.filter(inLog);
  const erases = logOps.filter((o) => o.op === "erase"), programs = logOps.filter((o) => o.op === "program");
  assert.deepEqual(erases.map((o) => [o.offset, o.bytes]), [[LOG_OFFSET, 4096]], "one sector erased: the log's first, once");
  assert.ok(programs.length >= 8 && programs.every((o) => o.bytes === 256),
    `page programs inside the log only: ${JSON.stringify(programs.map((o) => o.offset.toString(16)))}`);

  const memory = restartOffline(pico);
  assert.ok(pico.lines.some((l) => /region restored from persistent storage \(commit 2\)/.test(l)), pico.lines.slice(-20).join("\n"));
  assert.equal(memory.hex, Buffer.from(modified.bytes).toString("hex"));
  assert.notEqual(memory.hex, Buffer.from(listed.bytes).toString("hex"));
});

test("emulated Pico: a power cut in the middle of a flash write leaves the region before it, whole", { skip, timeout: 300_000 }, () => {
  const pico = bootAndList();
  const listed = memoryValues(1), modified = memoryValues(2);
  pico.cutPowerAtFlashOp = 3; // the third page program of the next record (an image: 1040 B over five pages)
  pico.data(pico.watch.handle, watchEvent("MODIFIED", configMap("101", modified.text)));
  pico.runUntil(() => pico.cutPowerAtFlashOp === 0, { what: "the power cut during the region's save" });
  assert.equal(pico.regions.length, 1, "the torn record was never reported saved");

  const memory = restartOffline(pico);
  assert.deepEqual(pico.flashViolations, []);
  assert.ok(pico.lines.some((l) => /region restored from persistent storage \(commit 1\)/.test(l)), pico.lines.slice(-20).join("\n"));
  assert.equal(memory.hex, Buffer.from(listed.bytes).toString("hex"));
});
