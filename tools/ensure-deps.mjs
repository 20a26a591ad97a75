// Runs before `npm start` and `npm test` (argument: start or test): first
// checks the machine's prerequisites in about a second (tools/prerequisites.sh,
// which installs from Debian when run as root there, and otherwise stops at
// once naming the command), then on a fresh clone (or after package-lock.json
// changed) installs the locked dependencies, so the README's two commands work
// without a separate install step and never fail late for want of a tool.
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const goal = process.argv[2] === "start" ? "start" : "test";
const pre = spawnSync("bash", [path.join(root, "tools/prerequisites.sh"), "--install", goal], { cwd: root, stdio: "inherit" });
if (pre.status !== 0) process.exit(pre.status ?? 1);
const lock = path.join(root, "package-lock.json");
const installed = path.join(root, "node_modules/.package-lock.json");

const stale = !fs.existsSync(installed) || fs.statSync(lock).mtimeMs > fs.statSync(installed).mtimeMs;
if (stale) {
  console.log("installing dependencies (npm ci)…");
  const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
