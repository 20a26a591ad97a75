// node tests/native/firmware.mjs [aot|wasm3]: where pico-sdk and picotool are
// present (and wasm3, for that engine), builds the Pico W firmware with the
// engine from a throwaway device configuration and checks what `picotool
// info -a` says, the engine included.
import { spawnSync } from "node:child_process";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pico-fw-"));
const device = path.join(dir, "device.env");
fs.writeFileSync(device, "wifi_ssid=test-network\nwifi_password=not-a-secret\nnode_name=pico-build-check\napi=http://192.0.2.1:6080\n");
const engine = process.argv[2] ?? "aot";
const { firmwareBuildDir } = await import("../../dist/cli/firmware.js");
const buildDir = firmwareBuildDir("pico_w", engine);
const build = spawnSync("node", ["bin/pico-node.mjs", "firmware", "build", "--engine", engine, "--device", device], { cwd: root, encoding: "utf8" });
fs.rmSync(dir, { recursive: true, force: true });
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
} else console.log("picotool info: skipped — picotool not found (set picotool_DIR)");
console.log(`${passed} passed, 0 failed`);
