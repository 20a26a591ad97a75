// One image for every board (native/pico/provisioning_flash.c): the emulator
// image holds no device settings. Unprovisioned, or with a damaged record, the
// board says so and how to fix it on the UART, and waits with the watchdog fed:
// no reboot loop, no network. The UF2 `pico-node provision` writes, copied
// onto it as the boot ROM would, makes it a node. tests/native/run.mjs builds
// the image where pico-sdk is present; skipped without it or the RP2040 bootrom.
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { applyUf2, emulatorElf, EmulatedPico, findBootrom, DEVICE_CONFIG, ROOT } from "../../bench/firmware_emulator.mjs";

const bootrom = findBootrom();
const { DEFAULT_ENGINE } = await import("../../dist/cli/firmware.js");
const EMULATOR_ELF = emulatorElf(DEFAULT_ENGINE); // the shell's own code: the same with either engine
const skip = !fs.existsSync(EMULATOR_ELF) ? "the emulator image is not built (needs pico-sdk)" : bootrom.words ? false : bootrom.reason;
const AREA = 0x1e8000; // FLASH_PROVISIONING_OFFSET
const HOW_TO = /E run `pico-node provision NAME` and copy the UF2 it writes onto the board \(hold BOOTSEL while plugging it in\); waiting, no network until then$/;

/** Runs the board for ms of emulated time and checks it waited: the reason and the fix on the UART every minute,
 *  the watchdog fed, never reset, nothing on the network. */
function assertWaits(pico, reason, ms) {
  pico.idle(ms);
  const said = pico.lines.filter((l) => l.includes(`E this board is not provisioned: ${reason}`));
  assert.equal(said.length, 1 + Math.floor(ms / 60_000), pico.lines.join("\n"));
  assert.equal(pico.lines.filter((l) => HOW_TO.test(l)).length, said.length, pico.lines.join("\n"));
  assert.deepEqual(pico.resets, [], "no reboot");
  assert.ok(pico.feeds.filter((t) => t > ms - 2000).length > 0, "the watchdog is still fed at the end");
  assert.equal(pico.linkFrames, 0, "no network use");
  assert.equal(pico.flashOps.length, 0, "nothing written to flash");
}

test("emulated Pico: unprovisioned, it says so and how to fix it, and waits: no network, no reboot", { skip, timeout: 300_000 }, () => {
  const pico = new EmulatedPico({ elf: EMULATOR_ELF, bootrom: bootrom.words, deviceConfig: null });
  assertWaits(pico, "no provisioning record (the area is erased)", 65_000);
});

test("emulated Pico: a damaged provisioning record is named (one flipped byte: CRC), and the board waits", { skip, timeout: 300_000 }, () => {
  const pico = new EmulatedPico({ elf: EMULATOR_ELF, bootrom: bootrom.words });
  pico.mcu.flash[AREA + 20] ^= 0x01; // a byte of the settings text
  assertWaits(pico, "provisioning record corrupted (CRC32 0x", 5_000);
});

test("emulated Pico: the UF2 `pico-node provision` writes, copied onto a waiting board, makes it a node", { skip, timeout: 300_000 }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pico-provision-emu-"));
  try {
    const device = path.join(dir, "proxy/devices/pico-test-1");
    fs.mkdirSync(device, { recursive: true });
    fs.writeFileSync(path.join(device, "device.env"), `# as enrolment writes it\n${DEVICE_CONFIG}configmap=default/pico-config\n`);
    const uf2 = path.join(dir, "pico-test-1.uf2");
    const r = spawnSync(process.execPath, [path.join(ROOT, "bin/pico-node.mjs"), "provision", "pico-test-1", "--dir", path.join(dir, "proxy"), "-o", uf2],
      { encoding: "utf8", env: { ...process.env, PICO_WIFI_SSID: "emulated-network", PICO_WIFI_PASSWORD: "not-a-secret" } });
    assert.equal(r.status, 0, r.stdout + r.stderr);

    const pico = new EmulatedPico({ elf: EMULATOR_ELF, bootrom: bootrom.words, deviceConfig: null });
    pico.idle(2_000);
    assert.ok(pico.lines.some((l) => /not provisioned/.test(l)));
    applyUf2(pico.mcu, fs.readFileSync(uf2)); // the boot ROM writes the file's blocks, then the board starts again
    pico.powerCycle();
    const before = pico.lines.length;
    pico.runUntil(() => [...pico.conns.values()].some((c) => c.requests?.length), { what: "first API request" });
    const first = [...pico.conns.values()].find((c) => c.requests?.length).requests[0];
    assert.equal(`${first.method} ${first.target}`, "POST /api/v1/nodes", "it registers its Node");
    const after = pico.lines.slice(before);
    assert.ok(after.some((l) => /core: k3s-pico-node core .* starting as pico-test-1 via 10\.0\.0\.2:6080/.test(l)), after.join("\n"));
    assert.ok(!after.some((l) => /not provisioned/.test(l)), after.join("\n"));
    assert.equal(pico.resets.length, 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
