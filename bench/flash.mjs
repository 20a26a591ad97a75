// npm run bench:flash: the region log's flash wear (bench/region_wear.c) —
// records and erases per simulated day at one ConfigMap change every 10 s,
// and the years until a sector reaches 100k erase cycles. Builds with the
// machine's C compiler and CMake (the C unit tests' build); no pico-sdk.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const step = (cmd, args, inherit = false) => {
  const r = spawnSync(cmd, args, { cwd: root, encoding: "utf8", stdio: inherit ? "inherit" : "pipe" });
  if (r.error) { console.log(`bench:flash skipped — ${cmd} is not installed`); process.exit(0); }
  if (r.status !== 0) {
    if (!inherit) process.stderr.write(r.stdout + r.stderr);
    process.exit(r.status ?? 1);
  }
};
const generator = spawnSync("ninja", ["--version"]).status === 0 ? ["-G", "Ninja"] : [];
step("cmake", ["-S", "tests/native", "-B", "build/native-tests", ...generator]);
step("cmake", ["--build", "build/native-tests", "--target", "region_wear_bench"]);
step(path.join(root, "build/native-tests/region_wear_bench"), [], true);
