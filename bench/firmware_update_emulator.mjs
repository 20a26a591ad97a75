// A board with the bootloader in the emulator (bench/firmware_emulator.mjs):
// flash holds k3s_pico_boot at 0 and k3s_pico_node, signed with the test key,
// in the run slot (native/pico/flash_layout.h), from the UF2 a new board is
// flashed with (pico-node firmware uf2); the fake API declares firmware in
// the ConfigMap and the fake proxy serves the signed files with Range. Used by
// tests/native/emulator_update.test.mjs and bench/bootloader.mjs.
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { apiResponse, status } from "../tests/host/fake_host.mjs";
import {
  EmulatedPico, LIST_PATH, NODE, applyUf2, configMap, defaultApi, emulatorUpdateBuild, findBootrom, watchEvent,
} from "./firmware_emulator.mjs";

const { HEADER_BYTES, signImage, fileSha256 } = await import("../dist/cli/firmware_image.js");
const { RUN_SLOT: RUN_SLOT_AREA } = await import("../dist/cli/flash_layout.js");
const { firstFlashUf2 } = await import("../dist/cli/first_flash.js");

export const UPDATE_BUILD = emulatorUpdateBuild("aot");
export const BOOT_ELF = path.join(UPDATE_BUILD, "k3s_pico_boot.elf");
export const NODE_ELF = path.join(UPDATE_BUILD, "k3s_pico_node.elf");
const NODE_BIN = path.join(UPDATE_BUILD, "k3s_pico_node.bin"), BOOT_BIN = path.join(UPDATE_BUILD, "k3s_pico_boot.bin");
export const TEST_KEY = path.join(os.homedir(), ".cache/pico-node/test-firmware-key/signing.pem");
export const RUN_SLOT = RUN_SLOT_AREA.offset, HEADER = HEADER_BYTES; // flash_layout.h, the image header

/** Why the board cannot run here, or false. */
export function updateBoardMissing() {
  const bootrom = findBootrom();
  if (!fs.existsSync(BOOT_ELF) || !fs.existsSync(TEST_KEY)) return "the emulator image with the bootloader is not built (needs pico-sdk, mbedTLS and the test signing key)";
  return bootrom.words ? false : bootrom.reason;
}

export const signTest = (payload, version) =>
  signImage({ payload, version, board: "pico", engine: "aot", key: crypto.createPrivateKey(fs.readFileSync(TEST_KEY)) });

/**
 * A powered board flashed as a new one is: the UF2 `pico-node firmware uf2` makes (the bootloader, 1.0.0 —
 * the build's k3s_pico_node.bin signed with the test key — in the run slot, the swap state erased), and the
 * provisioning UF2. Returns { pico, state, v100 }; state drives updateApi.
 */
export function boardWithBootloader() {
  const state = {};
  const v100 = signTest(fs.readFileSync(NODE_BIN), [1, 0, 0]);
  const uf2 = firstFlashUf2(v100, fs.readFileSync(BOOT_BIN));
  const pico = new EmulatedPico({ elf: BOOT_ELF, bootrom: findBootrom().words, api: () => null, arrangeFlash: (mcu) => applyUf2(mcu, uf2) });
  pico.api = updateApi(state);
  return { pico, state, v100 };
}

/**
 * The fake API server and proxy: the default answers, a ConfigMap declaring state.declared ({ version, file }),
 * the files of state.files at /firmware/pico/aot/<version>.pkfw with Range, each status patch's PicoFirmware
 * condition in state.conditions, the bytes served in state.servedBytes. state.down: every API request answers
 * 503 (the proxy still serves files).
 */
function updateApi(state) {
  const base = defaultApi(state);
  state.conditions = [];
  state.servedBytes = 0;
  return (req, c, pico) => {
    const m = req.target.match(/^\/firmware\/pico\/aot\/(\d+\.\d+\.\d+)\.pkfw$/);
    if (m && req.method === "GET") {
      const file = state.files?.[m[1]];
      if (!file) return apiResponse(404, status(404, "NotFound", "no such image"));
      const from = Number((req.headers.range ?? "bytes=0-").match(/^bytes=(\d+)-$/)[1]);
      const head = from > 0
        ? `HTTP/1.1 206 Partial Content\r\nContent-Range: bytes ${from}-${file.length - 1}/${file.length}\r\n`
        : "HTTP/1.1 200 OK\r\n";
      state.servedBytes += file.length - from;
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
export function declare(pico, state, version, file) {
  state.declared = { version, file };
  state.listVersion = String(Number(state.listVersion) + 1);
  pico.data(pico.watch.handle, watchEvent("MODIFIED", declaring(state)));
}

export const bootLines = (pico) => pico.lines.filter((l) => l.startsWith("boot: "));
export const lastCondition = (state) => state.conditions.at(-1) ?? {};
