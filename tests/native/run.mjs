// npm run test:native: the C unit tests always (machine gcc + CMake, no SDK,
// no wasm3); the POSIX shell on the control plane where wasm3 is present; the
// firmware build and emulator run where pico-sdk is present too. Whatever
// cannot run says so in one line.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const run = (cmd, args, env = {}) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
const quiet = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, encoding: "utf8" });
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr);
    process.exit(r.status ?? 1);
  }
};

const generator = spawnSync("ninja", ["--version"]).status === 0 ? ["-G", "Ninja"] : [];
console.log("C unit tests (native/common, host gcc)");
quiet("cmake", ["-S", "tests/native", "-B", "build/native-tests", ...generator]);
quiet("cmake", ["--build", "build/native-tests"]);
run("build/native-tests/native_unit_tests", []);

const wasm3 = process.env.FETCHCONTENT_SOURCE_DIR_WASM3;
if (!wasm3 || !fs.existsSync(path.join(wasm3, "source/wasm3.h"))) {
  console.log("posix shell and firmware: skipped — wasm3 is not present (set FETCHCONTENT_SOURCE_DIR_WASM3 to a wasm3 checkout)");
  process.exit(0);
}
console.log("POSIX shell (native/posix, wasm3)");
quiet("cmake", ["-S", "native/posix", "-B", "build/posix", ...generator, `-DFETCHCONTENT_SOURCE_DIR_WASM3=${wasm3}`]);
quiet("cmake", ["--build", "build/posix"]);
run("node", ["--test", "--test-concurrency=1", "tests/native/posix_plane.test.mjs", "tests/native/posix_keepalive.test.mjs"], {
  PICO_POSIX_SHELL: path.join(root, "build/posix/pico-node-posix"),
  PICO_BLACKHOLE_RELAY: path.join(root, "build/native-tests/blackhole_relay"),
});

if (!process.env.PICO_SDK_PATH) {
  console.log("firmware build and emulator runs: skipped — PICO_SDK_PATH is not set (pico-sdk 2.2 with cyw43-driver and lwIP)");
  process.exit(0);
}
run("node", ["tests/native/firmware.mjs"]);

// The emulator image: built here, run in rp2040js by the test where the bootrom is present.
// Its device configuration stays beside the build (under build/, never committed): CMake re-reads it on rebuilds.
const { DEVICE_CONFIG, EMULATOR_BUILD, findBootrom } = await import("../../bench/firmware_emulator.mjs");
const device = path.join(root, "build/emulator-device.env");
fs.mkdirSync(path.dirname(device), { recursive: true });
fs.writeFileSync(device, DEVICE_CONFIG);
console.log(`emulator image (PICO_BOARD=pico) in ${path.relative(root, EMULATOR_BUILD)}: about two minutes the first time`);
quiet("node", ["bin/pico-node.mjs", "firmware", "build", "--board", "pico", "--device", device]);
const bootrom = findBootrom();
if (!bootrom.words) console.log(`emulator run: skipped — ${bootrom.reason}`);
run("node", ["--test", "tests/native/emulator.test.mjs", "tests/native/emulator_fatal.test.mjs", "tests/native/emulator_flash.test.mjs"]);
