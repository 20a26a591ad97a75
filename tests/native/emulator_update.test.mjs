// A firmware update on the emulated RP2040, bootloader included: flash holds
// k3s_pico_boot at 0 and a signed k3s_pico_node (1.0.0) in the run slot
// (native/pico/flash_layout.h), as a board flashed over USB does. The
// bootloader checks the image and starts it; the ConfigMap declares 1.0.1;
// the firmware downloads it through the fake proxy into the download slot,
// checks it and restarts; the bootloader swaps the slots and boots 1.0.1 on
// trial, which confirms once Ready. Then 1.0.2, whose API never answers, runs
// out of trial boots and the bootloader swaps 1.0.1 back, which reports
// RolledBack. tests/native/run.mjs builds the images with the test signing
// key where pico-sdk and mbedTLS are present; skipped without them or the
// RP2040 bootrom.
import test from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  EmulatedPico, LIST_PATH, NODE, configMap, defaultApi, emulatorUpdateBuild, findBootrom, loadElf, elfSymbol, watchEvent,
} from "../../bench/firmware_emulator.mjs";
import { apiResponse, status } from "../host/fake_host.mjs";

const { signImage, fileSha256 } = await import("../../dist/cli/firmware_image.js");
const bootrom = findBootrom();
const build = emulatorUpdateBuild("aot");
const BOOT_ELF = path.join(build, "k3s_pico_boot.elf"), NODE_ELF = path.join(build, "k3s_pico_node.elf");
const TEST_KEY = path.join(os.homedir(), ".cache/pico-node/test-firmware-key/signing.pem");
const skip = !fs.existsSync(BOOT_ELF) ? "the emulator image with the bootloader is not built (needs pico-sdk, mbedTLS and the test signing key)"
  : bootrom.words ? false : bootrom.reason;

const FLASH_BASE = 0x10000000;
const RUN_SLOT = 0x009000, DOWNLOAD_SLOT = 0x0f6000, HEADER = 256; // flash_layout.h

/** The image's bytes as linked (after the run slot's header), with the device configuration the harness wrote. */
function payloadOf(mcu) {
  const end = elfSymbol(NODE_ELF, "__flash_binary_end").address - FLASH_BASE;
  return Buffer.from(mcu.flash.subarray(RUN_SLOT + HEADER, end));
}

const sign = (payload, version) =>
  signImage({ payload, version, board: "pico", engine: "aot", key: crypto.createPrivateKey(fs.readFileSync(TEST_KEY)) });

/**
 * The fake API server and proxy: the default answers, a ConfigMap that declares `state.declared` (a signed
 * file), the file itself at /firmware/pico/aot/<version>.pkfw with Range, and the PicoFirmware condition of
 * each status patch in state.conditions. state.down: every API request answers 503 (the proxy still serves).
 */
function updateApi(state) {
  const base = defaultApi(state);
  state.conditions = [];
  state.fileRequests = [];
  return (req, c, pico) => {
    const files = state.files ?? {};
    const m = req.target.match(/^\/firmware\/pico\/aot\/(\d+\.\d+\.\d+)\.pkfw$/);
    if (m && req.method === "GET") {
      const file = files[m[1]];
      state.fileRequests.push({ version: m[1], range: req.headers.range ?? null });
      if (!file) return apiResponse(404, status(404, "NotFound", "no such image"));
      const from = Number((req.headers.range ?? "bytes=0-").match(/^bytes=(\d+)-$/)[1]);
      const head = from > 0
        ? `HTTP/1.1 206 Partial Content\r\nContent-Range: bytes ${from}-${file.length - 1}/${file.length}\r\n`
        : "HTTP/1.1 200 OK\r\n";
      return Buffer.concat([Buffer.from(`${head}Content-Type: application/octet-stream\r\nContent-Length: ${file.length - from}\r\n\r\n`), file.subarray(from)]);
    }
    if (state.down) return apiResponse(503, status(503, "ServiceUnavailable", "the test took the API server away"));
    if (req.method === "PATCH" && req.target === `/api/v1/nodes/${NODE}/status`) {
      const condition = req.json?.status?.conditions?.find((x) => x.type === "PicoFirmware");
      if (condition) state.conditions.push({ reason: condition.reason, message: condition.message, at: pico.ms });
    }
    if (req.method === "GET" && req.target === LIST_PATH && state.declared)
      return apiResponse(200, { kind: "ConfigMapList", apiVersion: "v1", metadata: { resourceVersion: state.listVersion }, items: [declaring(state)] });
    return base(req, c, pico);
  };
}

/** The ConfigMap with state.declared's version and file digest. */
function declaring(state) {
  const cm = configMap(state.listVersion, state.listValues);
  cm.data["firmware.version"] = state.declared.version;
  cm.data["firmware.sha256"] = fileSha256(state.declared.file);
  return cm;
}

/** kubectl patch configmap: the watch tells the node. */
function declare(pico, state, version, file) {
  state.declared = { version, file };
  state.listVersion = String(Number(state.listVersion) + 1);
  pico.data(pico.watch.handle, watchEvent("MODIFIED", declaring(state)));
}

const bootLines = (pico) => pico.lines.filter((l) => l.startsWith("boot: "));
const lastCondition = (state) => state.conditions.at(-1) ?? {};

test("emulated Pico with the bootloader: boots a signed image, takes an update through the proxy, confirms it, and rolls back one that never becomes Ready",
  { skip, timeout: 1_800_000 }, () => {
    const state = {};
    let v100;
    const pico = new EmulatedPico({
      elf: NODE_ELF, bootrom: bootrom.words, api: null,
      arrangeFlash: (mcu) => {
        v100 = sign(payloadOf(mcu), [1, 0, 0]);
        mcu.flash.set(v100.subarray(0, HEADER), RUN_SLOT); // the payload is in place already: loaded from the ELF
        loadElf(mcu, BOOT_ELF);
      },
    });
    pico.api = updateApi(state);
    // The same program as 1.0.1 and 1.0.2: what the bootloader and the update check is the signed file.
    const payload = v100.subarray(HEADER);
    const v101 = sign(payload, [1, 0, 1]), v102 = sign(payload, [1, 0, 2]);
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
