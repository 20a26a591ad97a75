// node tests/native/firmware.mjs [aot|wasm3]: where pico-sdk and picotool are
// present (and wasm3, for that engine), builds the Pico W firmware with the
// engine (no device settings: one image for every board) and checks what
// `picotool info -a` says, the engine and the provisioning area included.
import { spawnSync } from "node:child_process";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const engine = process.argv[2] ?? "aot";
const { firmwareBuildDir } = await import("../../dist/cli/firmware.js");
const buildDir = firmwareBuildDir("pico_w", engine);
const build = spawnSync("node", ["bin/pico-node.mjs", "firmware", "build", "--engine", engine], { cwd: root, encoding: "utf8" });
if (build.status !== 0) {
  process.stderr.write(build.stdout + build.stderr);
  process.exit(1);
}
const out = build.stdout;
let passed = 0;
const check = (what, fn) => { fn(); passed++; console.log(`ok - ${what}`); };
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
