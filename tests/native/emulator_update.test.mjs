// A firmware update on the emulated RP2040, bootloader included: flash holds
// k3s_pico_boot at 0 and a signed k3s_pico_node (1.0.0) in the run slot
// (native/pico/flash_layout.h), from the first-flash UF2. The bootloader
// checks the image and starts it; the ConfigMap declares 1.0.1; the firmware
// downloads it through the fake proxy into the download slot, checks it and
// restarts; the bootloader swaps the slots and boots 1.0.1 on trial, which
// confirms once Ready. Then 1.0.2, whose API never answers, runs out of trial
// boots and the bootloader swaps 1.0.1 back, which reports RolledBack. A
// changed byte is never started; a power cut mid-swap is finished by the
// next boot; a signed image linked for the start of flash is refused before
// the swap. tests/native/run.mjs builds the images with the test signing key
// where pico-sdk and mbedTLS are present; skipped without them or the RP2040
// bootrom.
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { emulatorBuild } from "../../bench/firmware_emulator.mjs";
import {
  HEADER, RUN_SLOT, bootLines, boardWithBootloader, declare, lastCondition, signTest, updateBoardMissing,
} from "../../bench/firmware_update_emulator.mjs";

const skip = updateBoardMissing();
const PLAIN_BIN = path.join(emulatorBuild("aot"), "k3s_pico_node.bin");

test("emulated Pico with the bootloader: boots a signed image, takes an update through the proxy, confirms it, and rolls back one that never becomes Ready",
  { skip, timeout: 1_800_000 }, () => {
    const { pico, state, v100 } = boardWithBootloader();
    // The same program as 1.0.1 and 1.0.2: what the bootloader and the update check is the signed file.
    const payload = v100.subarray(HEADER);
    const v101 = signTest(payload, [1, 0, 1]), v102 = signTest(payload, [1, 0, 2]);
    state.files = { "1.0.1": v101, "1.0.2": v102 };

    // 1. The bootloader checks 1.0.0 and starts it: it registers and lists its ConfigMap.
    pico.runUntil(() => pico.watch, { what: "1.0.0 registered and watching its ConfigMap", maxMs: 120_000 });
    assert.match(bootLines(pico)[0] ?? "", /^boot: firmware 1\.0\.0 \(pico, aot\) running, checked in \d+ ms$/, pico.lines.slice(0, 5).join("\n"));

    // 2. 1.0.1 declared.
    declare(pico, state, "1.0.1", v101);
    pico.runUntil(() => bootLines(pico).length >= 2, { what: "the restart into the bootloader after the download", maxMs: 600_000, wallMs: 900_000 });
    assert.ok(state.conditions.some((x) => x.reason === "Verified"), JSON.stringify(state.conditions));
    assert.ok(!pico.lines.some((l) => / E fatal/.test(l)), "an install is no failure");
    assert.match(bootLines(pico)[1], /^boot: firmware 1\.0\.1 \(pico, aot\) on trial, checked in \d+ ms after \d+ swap steps \(trial boot 1 of 3\)$/);
    assert.deepEqual(Buffer.from(pico.mcu.flash.subarray(RUN_SLOT, RUN_SLOT + v101.length)), v101, "the run slot holds 1.0.1 byte for byte");

    // 3. 1.0.1 becomes Ready and confirms.
    pico.runUntil(() => lastCondition(state).reason === "Confirmed", { what: "1.0.1 Confirmed on the Node", maxMs: 300_000 });
    assert.match(lastCondition(state).message, /1\.0\.1/);
    assert.deepEqual(pico.flashViolations, [], "every erase and program kept the chip's rules");

    // 4. 1.0.2 never becomes Ready (the API answers 503 once it is installed): after its trial boots the
    //    bootloader swaps 1.0.1 back, which reports RolledBack.
    declare(pico, state, "1.0.2", v102);
    pico.runUntil(() => bootLines(pico).length >= 3, { what: "the restart into 1.0.2", maxMs: 600_000, wallMs: 900_000 });
    state.down = true;
    pico.runUntil(() => bootLines(pico).some((l) => /rolled back to/.test(l)), { what: "the rollback to 1.0.1", maxMs: 3_600_000, wallMs: 1_200_000 });
    const rolled = bootLines(pico).at(-1);
    assert.match(rolled, /^boot: firmware 1\.0\.1 \(pico, aot\) rolled back to, checked in \d+ ms after \d+ swap steps$/);
    assert.equal(bootLines(pico).filter((l) => /1\.0\.2 .*on trial/.test(l)).length, 3, bootLines(pico).join("\n"));
    state.down = false;
    pico.runUntil(() => lastCondition(state).reason === "RolledBack", { what: "RolledBack on the Node", maxMs: 300_000 });
    assert.match(lastCondition(state).message, /1\.0\.2/);
    assert.deepEqual(Buffer.from(pico.mcu.flash.subarray(RUN_SLOT, RUN_SLOT + v101.length)), v101, "1.0.1 is back in the run slot");
    assert.deepEqual(pico.flashViolations, []);
  });

test("emulated Pico with the bootloader: power fails in the middle of the swap, and the next boot finishes it", { skip, timeout: 600_000 }, () => {
  const { pico, state, v100 } = boardWithBootloader();
  const v101 = signTest(v100.subarray(HEADER), [1, 0, 1]);
  state.files = { "1.0.1": v101 };
  pico.runUntil(() => pico.watch, { what: "1.0.0 registered and watching its ConfigMap", maxMs: 120_000 });
  declare(pico, state, "1.0.1", v101);
  pico.runUntil(() => pico.lines.some((l) => /restarting into the bootloader/.test(l)), { what: "the install's restart", maxMs: 600_000, wallMs: 900_000 });
  const before = pico.flashOps.length;
  pico.cutPowerAtFlashOp = 1500; // a few hundred sectors into the swap: the state records and the sector copies
  pico.runUntil(() => bootLines(pico).length >= 2, { what: "1.0.1 booted after the power cut", maxMs: 600_000, wallMs: 900_000 });
  assert.ok(pico.flashOps.length - before > 1500, "the power failed during the swap");
  assert.equal(pico.cutPowerAtFlashOp, 0);
  const [, steps] = bootLines(pico)[1].match(/^boot: firmware 1\.0\.1 \(pico, aot\) on trial, checked in \d+ ms after (\d+) swap steps \(trial boot 1 of 3\)$/) ?? [];
  assert.ok(Number(steps) > 0 && Number(steps) < 303, `the second boot finished the swap the first began: ${bootLines(pico)[1]}`);
  assert.deepEqual(Buffer.from(pico.mcu.flash.subarray(RUN_SLOT, RUN_SLOT + v101.length)), v101, "the run slot holds 1.0.1 byte for byte");
  pico.runUntil(() => lastCondition(state).reason === "Confirmed", { what: "1.0.1 Confirmed on the Node", maxMs: 300_000 });
  assert.deepEqual(pico.flashViolations, []);
});

test("emulated Pico with the bootloader: a changed byte in the run slot's image is never started", { skip, timeout: 300_000 }, () => {
  const { pico } = boardWithBootloader();
  pico.mcu.flash[RUN_SLOT + HEADER + 4096] ^= 0x01; // in the program's code, after the header: as a failing flash cell would
  pico.runUntil(() => bootLines(pico).length >= 1, { what: "the bootloader's verdict", maxMs: 30_000 });
  assert.match(bootLines(pico)[0], /^boot: no bootable image in the run slot \(Corrupted: .*\): copy a firmware UF2 to the RPI-RP2 drive$/);
  pico.idle(2000);
  assert.equal(pico.conns.size, 0, "the image never ran: no connection was opened");
});

test("emulated Pico with the bootloader: a signed image not linked for the run slot is refused before the swap, reported, and not fetched again",
  { skip: skip || (!fs.existsSync(PLAIN_BIN) && "the emulator image without the bootloader is not built"), timeout: 600_000 }, () => {
    const { pico, state } = boardWithBootloader();
    // The build without a key: linked at the start of flash, so it could never start from the run slot.
    const misplaced = signTest(fs.readFileSync(PLAIN_BIN), [1, 0, 1]);
    state.files = { "1.0.1": misplaced };
    pico.runUntil(() => pico.watch, { what: "1.0.0 registered and watching its ConfigMap", maxMs: 120_000 });
    declare(pico, state, "1.0.1", misplaced);
    pico.runUntil(() => bootLines(pico).length >= 2, { what: "the restart into the bootloader after the download", maxMs: 600_000, wallMs: 900_000 });
    assert.match(bootLines(pico)[1], /^boot: firmware 1\.0\.0 \(pico, aot\) kept \(the download was rejected\), checked in \d+ ms$/);
    pico.runUntil(() => lastCondition(state).reason === "RolledBack", { what: "RolledBack on the Node", maxMs: 120_000 });
    assert.match(lastCondition(state).message, /1\.0\.1/);
    const served = state.servedBytes;
    pico.idle(60_000);
    assert.equal(state.servedBytes, served, "the refused image is not fetched again while it is declared");
    assert.equal(bootLines(pico).length, 2, "no further restart");
  });
