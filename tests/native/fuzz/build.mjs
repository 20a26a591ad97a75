// Builds the libFuzzer target (tests/native/fuzz/CMakeLists.txt) with clang
// into build/fuzz-native; says in one line what is missing instead.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const BUILD_DIR = path.join(ROOT, "build/fuzz-native");
export const BINARY = path.join(BUILD_DIR, "core_fuzz");
export const INSTALL = "apt-get install clang libclang-rt-14-dev";

/** Why libFuzzer cannot be built here (clang or its runtime missing), or "" when it can. */
export function missingToolchain() {
  const builtins = spawnSync("clang", ["-print-libgcc-file-name", "--rtlib=compiler-rt"], { encoding: "utf8" });
  if (builtins.status !== 0) return `clang not found (${INSTALL})`;
  const fuzzer = builtins.stdout.trim().replace("builtins", "fuzzer");
  if (!fs.existsSync(fuzzer)) return `clang's libFuzzer runtime ${path.basename(fuzzer)} not found (${INSTALL})`;
  return "";
}

/** Configures (once) and builds; throws with the compiler's output on failure. */
export function buildFuzzer({ quiet = false } = {}) {
  const ninja = spawnSync("ninja", ["--version"], { stdio: "ignore" }).status === 0;
  const steps = [];
  if (!fs.existsSync(path.join(BUILD_DIR, "CMakeCache.txt")))
    steps.push(["cmake", ["-S", path.join(ROOT, "tests/native/fuzz"), "-B", BUILD_DIR, ...(ninja ? ["-G", "Ninja"] : [])]]);
  steps.push(["cmake", ["--build", BUILD_DIR]]);
  for (const [cmd, args] of steps) {
    const r = spawnSync(cmd, args, { cwd: ROOT, encoding: "utf8", env: { ...process.env, CC: "clang" } });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed:\n${r.stdout}${r.stderr}`);
    if (!quiet && r.stdout.includes("wasm2c")) process.stdout.write("  built the AOT core with clang, libFuzzer, ASan and UBSan\n");
  }
  return BINARY;
}
