// node tests/native/firmware.mjs [aot|wasm3] [--updates KEY.pub.pem]: where
// pico-sdk and picotool are present (and wasm3, for that engine), builds the
// Pico W firmware with the engine (no device settings: one image for every
// board) and checks what `picotool info -a` says, the engine and the
// provisioning area included. With --updates: the updatable build instead,
// the bootloader within its 36 KB and the firmware linked for the run slot,
// and a first-flash UF2 made from them.
import { spawnSync } from "node:child_process";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const engine = process.argv[2] ?? "aot";
const updatesKey = process.argv[3] === "--updates" ? process.argv[4] : null;
const { firmwareBuildDir } = await import("../../dist/cli/firmware.js");
const buildDir = updatesKey ? `${firmwareBuildDir("pico_w", engine)}-updates` : firmwareBuildDir("pico_w", engine);
const build = spawnSync("node", ["bin/pico-node.mjs", "firmware", "build", "--engine", engine,
  ...(updatesKey ? ["--firmware-pubkey", updatesKey, "--build-dir", buildDir] : [])], { cwd: root, encoding: "utf8" });
if (build.status !== 0) {
  process.stderr.write(build.stdout + build.stderr);
  process.exit(1);
}
const out = build.stdout;
let passed = 0;
const check = (what, fn) => { fn(); passed++; console.log(`ok - ${what}`); };
if (updatesKey) {
  const { elfSymbol } = await import("../../bench/firmware_emulator.mjs");
  const bin = (name) => path.join(buildDir, name);
  check(`the bootloader fits its 36 KB (${fs.statSync(bin("k3s_pico_boot.bin")).size} bytes)`, () => assert.ok(fs.statSync(bin("k3s_pico_boot.bin")).size <= 36 * 1024));
  check("the firmware's vector table is in the run slot, after its header and boot stage 2", () =>
    assert.equal(elfSymbol(bin("k3s_pico_node.elf"), "__logical_binary_start").address, 0x10009200));
  if (/Program Information/.test(out)) {
    check("picotool shows the bootloader and its areas", () => {
      assert.match(out, /name:\s+k3s_pico_boot\n/);
      assert.match(out, /embedded drive:\s+0x10009000-0x100f6000 \(948K\): run slot\n/);
      assert.match(out, /embedded drive:\s+0x100f6000-0x101e3000 \(948K\): download slot\n/);
    });
  } else console.log("picotool info: skipped — picotool not found (set picotool_DIR)");
  check("a signed image and the bootloader make a first-flash UF2", () => {
    const key = updatesKey.replace(/\.pub\.pem$/, ".pem");
    const pkfw = path.join(buildDir, "check-1.0.0.pkfw");
    const sign = spawnSync("node", ["bin/pico-node.mjs", "firmware", "sign", bin("k3s_pico_node.bin"), "--version", "1.0.0", "--board", "pico_w",
      "--engine", engine, "--key", key, "--out", pkfw], { cwd: root, encoding: "utf8" });
    assert.equal(sign.status, 0, sign.stderr);
    const uf2 = spawnSync("node", ["bin/pico-node.mjs", "firmware", "uf2", pkfw, "--bootloader", bin("k3s_pico_boot.bin"), "--pubkey", updatesKey],
      { cwd: root, encoding: "utf8" });
    assert.equal(uf2.status, 0, uf2.stderr);
    assert.match(uf2.stdout, /firmware 1\.0\.0 \(pico_w, [a-z0-9]+; \d+ \+ 256 bytes\) in the run slot at 0x10009000/);
  });
  console.log(`${passed} passed, 0 failed`);
  process.exit(0);
}
check(`k3s_pico_node.uf2 built (${engine})`, () => assert.ok(fs.existsSync(path.join(buildDir, "k3s_pico_node.uf2"))));
if (/Program Information/.test(out)) {
  check("picotool names the program and its version", () => assert.match(out, /name:\s+k3s_pico_node\n\s+version:\s+\d+\.\d+\.\d+/));
  check("picotool shows description, URL, features and pins", () => {
    assert.match(out, /description:\s+Raspberry Pi Pico W as a Kubernetes node/);
    assert.match(out, /web site:\s+https?:\/\//);
    // picotool wraps long features: compare with the line breaks and indentation taken out.
    const features = out.replace(/\n\s+/g, " ");
    assert.match(features, engine === "aot" ? /core engine: AOT, core\.wasm compiled by wasm2c 1\.0\.32, host ABI 4/ : /core engine: wasm3 interpreter \(c9b579d\), host ABI 4/);
    assert.match(out, /23:\s+CYW43 WL_ON/);
    assert.match(out, /build date:/);
  });
  check("picotool lists the provisioning area beside the device key and the region log", () => {
    assert.match(out, /embedded drive:\s+0x101e8000-0x101ea000 \(8K\): provisioning\n/);
    assert.match(out, /embedded drive:\s+0x101ea000-0x101ec000 \(8K\): device key\n/);
  });
  check("the image holds no device settings", () => {
    const elf = fs.readFileSync(path.join(buildDir, "k3s_pico_node.elf"));
    assert.ok(!elf.includes("DEVICE_CONFIG_TEXT"), "no DEVICE_CONFIG_TEXT symbol");
  });
} else console.log("picotool info: skipped — picotool not found (set picotool_DIR)");
console.log(`${passed} passed, 0 failed`);
