// npm run test:native. Always (Debian packages only: gcc, cmake, wabt,
// gcc-arm-none-eabi, clang with libclang-rt, libmbedtls-dev): the C unit tests; the TLS module against openssl and node:tls;
// the firmware image check against the TypeScript signer; the engine tests (small modules through
// the AOT engine, and wasm3 where present); libFuzzer over the AOT build (the
// saved crash inputs, then 10,000 inputs from a fixed seed); the generated core compiled for
// the RP2040's Cortex-M0+ (its size printed); the POSIX shell with the AOT
// engine on the real control plane (and with wasm3 where present), and each
// shell with a failing allocator through the out-of-memory sweep. Where
// pico-sdk is present too: the firmware with each engine and the emulator
// runs. Whatever cannot run says so in one line.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
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
  return r.stdout;
};
const has = (cmd) => spawnSync(cmd, ["--version"], { stdio: "ignore" }).status === 0;
const need = (cmd, install) => {
  if (!has(cmd)) {
    console.error(`${cmd} not found: ${install}`);
    process.exit(1);
  }
};
need("wasm2c", "apt-get install wabt (the AOT engine and the engine tests need wasm2c and wat2wasm 1.0.32)");
need("arm-none-eabi-gcc", "apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi");

const generator = has("ninja") ? ["-G", "Ninja"] : [];
const wasm3 = process.env.FETCHCONTENT_SOURCE_DIR_WASM3;
const withWasm3 = !!wasm3 && fs.existsSync(path.join(wasm3, "source/wasm3.h"));
const wasm3Def = withWasm3 ? [`-DFETCHCONTENT_SOURCE_DIR_WASM3=${wasm3}`] : [];

console.log(`C unit tests and engine tests (host gcc; engines: aot${withWasm3 ? ", wasm3" : ""})`);
quiet("cmake", ["-S", "tests/native", "-B", "build/native-tests", ...generator, ...wasm3Def]);
quiet("cmake", ["--build", "build/native-tests"]);
run("build/native-tests/native_unit_tests", []);
console.log("\nthe kubelet port's TLS module against openssl and node:tls (tests/native/tls_harness.c)");
run("node", ["--test", "tests/native/tls.test.mjs"], { PICO_TLS_HARNESS: path.join(root, "build/native-tests/tls_harness") });
console.log("\nsigned firmware images: the device's check (tests/native/firmware_image_harness.c) on images from the TypeScript signer");
run("node", ["--test", "tests/native/firmware_image.test.mjs"], { PICO_FIRMWARE_IMAGE_HARNESS: path.join(root, "build/native-tests/firmware_image_harness") });
const modules = "build/native-tests/modules";
const engineTests = [
  ["aot_traps", "traps", "traps"],
  ["aot_missing_import", "missing_import", "missing-import"],
  ["aot_wrong_signature", "wrong_signature", "wrong-signature"],
  ["aot_abi_v1", "abi_v1", "abi-mismatch"],
  ["aot_traps", "abi_v1", "other-module"],
  ...(withWasm3 ? [["wasm3", "traps", "traps"], ["wasm3", "missing_import", "missing-import"],
    ["wasm3", "wrong_signature", "wrong-signature"], ["wasm3", "abi_v1", "abi-mismatch"]] : []),
];
for (const [program, module, scenario] of engineTests) {
  console.log(`# engine_test_${program} ${module}.wasm ${scenario}`);
  run(`build/native-tests/engine_test_${program}`, [`${modules}/${module}.wasm`, scenario]);
}
if (!withWasm3) console.log("engine tests with wasm3: skipped — wasm3 is not present (set FETCHCONTENT_SOURCE_DIR_WASM3 to a wasm3 checkout)");

console.log("\nlibFuzzer over the AOT build (tests/native/fuzz; clang, ASan, UBSan): saved crashes, then a seeded run");
const { missingToolchain, buildFuzzer } = await import("./fuzz/build.mjs");
const noFuzzer = missingToolchain();
if (noFuzzer) console.log(`fuzz:native: skipped — ${noFuzzer}`);
else {
  const { savedInputs, openDefects, knownEnvironment } = await import("./fuzz/crashes.mjs");
  const { BUILD_DIR } = await import("./fuzz/build.mjs");
  const saved = savedInputs();
  if (saved.length) {
    const r = spawnSync(buildFuzzer({ quiet: true }), saved, { cwd: root, encoding: "utf8", env: knownEnvironment(BUILD_DIR) });
    if (r.status !== 0) {
      process.stderr.write(r.stderr.split("\n").filter((l) => !/^(INFO|Running|Executed|\*\*\*)/.test(l)).join("\n"));
      console.error(`a saved crash input fails again (tests/native/fuzz/regressions/; reproduce with build/fuzz-native/core_fuzz FILE)`);
      process.exit(1);
    }
    console.log(`  ${saved.length} saved crash input(s) replayed: none fails but the known open defects`);
    const { replay } = await import("./fuzz/crashes.mjs");
    for (const d of openDefects()) {
      const fixed = !replay(path.join(root, "build/fuzz-native/core_fuzz"), path.join(root, "tests/native/fuzz/regressions", d.file)).failed;
      console.log(`  ${fixed ? "FIXED (remove its open: line)" : "open"}: ${d.file} — ${d.open}`);
    }
  }
  const { main: fuzz } = await import("./fuzz/run.mjs");
  const r = await fuzz(["--runs", "10000", "--seed", "20260912", "--seconds", "180", "--no-save", "--quiet"]);
  for (const c of r.crashes) console.error(`  ${c.result.oracle}: ${c.result.detail}\n  reproduce: build/fuzz-native/core_fuzz ${path.relative(root, c.file)}`);
  if (!r.ok) process.exit(1);
}

console.log("\nthe AOT engine and the generated core for the RP2040 (arm-none-eabi-gcc, cortex-m0plus, no pico-sdk)");
quiet("cmake", ["-S", "tests/native/m0plus", "-B", "build/aot-m0plus", ...generator]);
quiet("cmake", ["--build", "build/aot-m0plus"]);
const sizes = quiet("arm-none-eabi-size", ["-t", "build/aot-m0plus/libcore_engine_module.a", "build/aot-m0plus/libcore_engine.a"]);
for (const line of sizes.trim().split("\n").slice(1)) {
  const [text, data, bss, , , ...file] = line.trim().split(/\s+/);
  console.log(`  ${file.join(" ").replace(/ \(ex .*\)$/, "").padEnd(16)} text ${text.padStart(7)}  data ${data.padStart(5)}  bss ${bss.padStart(6)}`);
}
console.log("  (unlinked objects: the firmware keeps only the functions the core reaches)");

console.log(`\nPOSIX shells (native/posix; engines: aot${withWasm3 ? ", wasm3" : ""})`);
const shells = [["aot", "build/posix"], ...(withWasm3 ? [["wasm3", "build/posix-wasm3"]] : [])];
// The AOT shell takes signed updates (posix_update.test.mjs) with a test signing key, made once outside the repo.
const testKey = path.join(os.homedir(), ".cache/pico-node/test-firmware-key/signing.pem");
if (!fs.existsSync(testKey)) quiet("node", ["bin/pico-node.mjs", "firmware", "keygen", "--key", testKey]);
const firmwareKeyDef = `-DPICO_FIRMWARE_PUBKEY=${testKey.replace(/\.pem$/, ".pub.pem")}`;
for (const [engine, dir] of shells) {
  quiet("cmake", ["-S", "native/posix", "-B", dir, ...generator, `-DPICO_NODE_ENGINE=${engine}`, ...(engine === "wasm3" ? wasm3Def : [firmwareKeyDef])]);
  quiet("cmake", ["--build", dir]);
}
if (!withWasm3) console.log("POSIX shell with wasm3: skipped — wasm3 is not present (set FETCHCONTENT_SOURCE_DIR_WASM3)");
// The same shells with the failing allocator (native/posix/allocation_faults.c), for the out-of-memory sweep.
const faultShells = shells.map(([engine, dir]) => [engine, `${dir}-faults`]);
for (const [engine, dir] of faultShells) {
  quiet("cmake", ["-S", "native/posix", "-B", dir, ...generator, `-DPICO_NODE_ENGINE=${engine}`, "-DPICO_NODE_ALLOCATION_FAULTS=ON", ...(engine === "wasm3" ? wasm3Def : [])]);
  quiet("cmake", ["--build", dir]);
}
run("node", ["--test", "tests/native/posix_alloc_faults.test.mjs"], {
  PICO_FAULT_SHELLS: faultShells.map(([engine, dir]) => `${engine}=${path.join(root, dir, "pico-node-posix")}`).join(","),
});
run("node", ["--test", "--test-concurrency=1", "tests/native/posix_plane.test.mjs", "tests/native/posix_keepalive.test.mjs"], {
  PICO_POSIX_SHELLS: shells.map(([engine, dir]) => `${engine}=${path.join(root, dir, "pico-node-posix")}`).join(","),
  // The keepalive test is the shell's own socket code: once, with the default engine.
  PICO_POSIX_SHELL: path.join(root, "build/posix/pico-node-posix"),
  PICO_BLACKHOLE_RELAY: path.join(root, "build/native-tests/blackhole_relay"),
});
run("node", ["--test", "tests/native/posix_update.test.mjs"], {
  PICO_POSIX_SHELL: path.join(root, "build/posix/pico-node-posix"),
  PICO_POSIX_LAUNCHER: path.join(root, "build/posix/pico-node-launcher"),
  PICO_FIRMWARE_TEST_KEY: testKey,
});

if (!process.env.PICO_SDK_PATH) {
  console.log("firmware builds and emulator runs: skipped — PICO_SDK_PATH is not set (pico-sdk 2.2 with cyw43-driver and lwIP)");
  process.exit(0);
}
const engines = withWasm3 ? ["aot", "wasm3"] : ["aot"];
if (!withWasm3) console.log("firmware with wasm3: skipped — wasm3 is not present (set FETCHCONTENT_SOURCE_DIR_WASM3)");
for (const engine of engines) run("node", ["tests/native/firmware.mjs", engine]);
// The updatable build (bootloader and run slot) with the test key; the image check needs mbedTLS.
if (process.env.PICO_MBEDTLS_PATH) run("node", ["tests/native/firmware.mjs", "aot", "--updates", testKey.replace(/\.pem$/, ".pub.pem")]);
else console.log("updatable firmware build: skipped — PICO_MBEDTLS_PATH is not set (the image check needs mbedTLS 2.28)");

// The emulator images: built here, run in rp2040js by the test where the bootrom is present. Like the board's,
// they hold no device settings: the harness provisions each run's (bench/firmware_emulator.mjs).
const { emulatorBuild, findBootrom } = await import("../../bench/firmware_emulator.mjs");
for (const engine of engines) {
  console.log(`emulator image (PICO_BOARD=pico, ${engine}) in ${path.relative(root, emulatorBuild(engine))}: about a minute the first time`);
  quiet("node", ["bin/pico-node.mjs", "firmware", "build", "--board", "pico", "--engine", engine]);
}
// With the test signing key: the bootloader and the image for its run slot (emulator_update.test.mjs).
if (process.env.PICO_MBEDTLS_PATH) {
  const { emulatorUpdateBuild } = await import("../../bench/firmware_emulator.mjs");
  console.log(`emulator image with the bootloader (PICO_FIRMWARE_PUBKEY: the test key) in ${path.relative(root, emulatorUpdateBuild("aot"))}`);
  quiet("node", ["bin/pico-node.mjs", "firmware", "build", "--board", "pico", "--engine", "aot",
    "--firmware-pubkey", testKey.replace(/\.pem$/, ".pub.pem"), "--build-dir", emulatorUpdateBuild("aot")]);
} else console.log("emulator image with the bootloader: skipped — PICO_MBEDTLS_PATH is not set (the image check needs mbedTLS 2.28)");
const bootrom = findBootrom();
if (!bootrom.words) console.log(`emulator run: skipped — ${bootrom.reason}`);
run("node", ["--test", "tests/native/emulator.test.mjs", "tests/native/emulator_tls.test.mjs", "tests/native/emulator_fatal.test.mjs", "tests/native/emulator_flash.test.mjs",
  "tests/native/emulator_alloc_faults.test.mjs", "tests/native/emulator_provisioning.test.mjs", "tests/native/emulator_update.test.mjs"]);
