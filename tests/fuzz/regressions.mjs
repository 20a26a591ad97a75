// The saved failing inputs (tests/fuzz/regressions/*.json): each holds a
// one-line description of the oracle that failed and why, the failure's
// signature, how it was found, and the (minimised) input itself. An "open"
// field names the known defect it shows while that defect is not fixed.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REGRESSIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "regressions");

export function loadRegressions(dir = REGRESSIONS_DIR) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort().map((f) => ({ file: f, ...JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) }));
}
