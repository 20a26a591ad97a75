// What a crash file shows (the oracle's line, or the sanitizer's summary and
// the first frame of ours), grouped by a signature; one of each group
// minimised with libFuzzer and saved into tests/native/fuzz/regressions/ with
// a text file saying what it showed, which npm test replays.
import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REGRESSIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "regressions");
const TARGETS = ["registration", "node-get", "status", "lease-get", "lease-create", "lease-renew", "list", "watch", "kubelet", "memory_values", "config"];

/** The target an input plays (its first byte; fuzz_input.h). */
export function targetOf(bytes) {
  const t = TARGETS[(bytes[0] ?? 0) % TARGETS.length];
  return t === "kubelet" || t === "memory_values" || t === "config" ? t : `api-${t}`;
}

/** Runs one input once (env: with FUZZ_KNOWN, an open defect passes): { failed, oracle, detail, where, output }. */
export function replay(binary, file, env = process.env) {
  const r = spawnSync(binary, [file], { encoding: "latin1", timeout: 120_000, env });
  const output = `${r.stdout}${r.stderr}`;
  const failed = r.status !== 0;
  const oracle = /^==fuzz== (\w+): (.*)$/m.exec(output);
  const sanitizer = /^SUMMARY: (AddressSanitizer|UndefinedBehaviorSanitizer): (.*)$/m.exec(output);
  const frame = /^\s+#\d+ 0x[0-9a-f]+ in (\S+) (\S*(?:native|tests)\/\S+)$/m.exec(output);
  const where = frame ? `${frame[1]} ${frame[2].replace(/^.*?\/(native|tests)\//, "$1/")}` : "";
  if (oracle) return { failed, oracle: oracle[1], detail: oracle[2], where: "", output }; // the oracle says what and where
  const undefinedBehaviour = /^(\S+?):\d+:\d+: runtime error: (.*)$/m.exec(output);
  if (undefinedBehaviour) {
    const site = /^(\S+):(\d+):\d+: runtime error/m.exec(output);
    return { failed, oracle: "ubsan", detail: undefinedBehaviour[2], where: `${site[1].replace(/^.*?\/(native|tests)\//, "$1/")}:${site[2]}`, output };
  }
  // The summary without the binary's addresses and build id, which change with every build.
  if (sanitizer) return { failed, oracle: sanitizer[1] === "AddressSanitizer" ? "asan" : "ubsan", detail: sanitizer[2].replace(/\s*\([^)]*\)/g, ""), where, output };
  if (/ERROR: libFuzzer: timeout/.test(output)) return { failed, oracle: "timeout", detail: "an input ran longer than -timeout", where, output };
  return { failed, oracle: failed ? "crash" : "", detail: failed ? (output.match(/ERROR: .*/)?.[0] ?? "exit status " + r.status) : "", where, output };
}

/** What groups crashes: the oracle and its message with numbers and quoted bytes taken out. */
export function signature(result) {
  const template = result.detail.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/0x[0-9a-f]+|\d+/g, "#").slice(0, 120);
  return `${result.oracle}: ${template}${result.where ? ` @ ${result.where.split(" ")[0]}` : ""}`;
}

/** Signatures already saved (the signature line of their text files). */
export function savedSignatures() {
  if (!fs.existsSync(REGRESSIONS_DIR)) return new Set();
  return new Set(fs.readdirSync(REGRESSIONS_DIR).filter((f) => f.endsWith(".txt"))
    .map((f) => /^signature: (.*)$/m.exec(fs.readFileSync(path.join(REGRESSIONS_DIR, f), "utf8"))?.[1]).filter(Boolean));
}

/** Saved failures marked open (an "open: …" line: a known defect not fixed yet), as { signature, target, open, file }. */
export function openDefects() {
  if (!fs.existsSync(REGRESSIONS_DIR)) return [];
  return fs.readdirSync(REGRESSIONS_DIR).filter((f) => f.endsWith(".txt")).map((f) => {
    const text = fs.readFileSync(path.join(REGRESSIONS_DIR, f), "utf8");
    const field = (name) => new RegExp(`^${name}: (.*)$`, "m").exec(text)?.[1];
    return { signature: field("signature"), target: field("target"), open: field("open"), file: f.replace(/\.txt$/, "") };
  }).filter((d) => d.signature && d.target && d.open);
}

/** Writes the open defects' signatures where the fuzzer reads them (FUZZ_KNOWN); returns the environment to run it with. */
export function knownEnvironment(buildDir) {
  const file = path.join(buildDir, "known-open.txt");
  fs.mkdirSync(buildDir, { recursive: true });
  fs.writeFileSync(file, openDefects().map((d) => `${d.target} ${d.signature}\n`).join(""));
  return { ...process.env, FUZZ_KNOWN: file };
}

/** The saved inputs (without their text files). */
export function savedInputs() {
  if (!fs.existsSync(REGRESSIONS_DIR)) return [];
  return fs.readdirSync(REGRESSIONS_DIR).filter((f) => !f.endsWith(".txt")).sort().map((f) => path.join(REGRESSIONS_DIR, f));
}

/** libFuzzer's -minimize_crash, kept only if the smaller input still shows the same failure. */
function minimise(binary, file, sig, workDir, env) {
  const out = path.join(workDir, `minimised-${path.basename(file)}`);
  spawnSync(binary, ["-minimize_crash=1", "-runs=4000", "-max_total_time=60", `-exact_artifact_path=${out}`, file], { stdio: "ignore", timeout: 180_000, env });
  if (!fs.existsSync(out) || fs.statSync(out).size >= fs.statSync(file).size) return file;
  return signature(replay(binary, out, env)) === sig ? out : file;
}

/**
 * Groups the crash files, describes one per group and (save) minimises and
 * saves those not saved before. Returns [{ signature, result, file, saved }].
 */
export function triage(binary, files, { save, workDir, found, env }) {
  const groups = new Map();
  for (const file of files) {
    const result = replay(binary, file, env);
    if (!result.failed) continue; // a flaky crash (or one only a fork's state made): nothing to save
    const sig = signature(result);
    const size = fs.statSync(file).size;
    if (!groups.has(sig) || groups.get(sig).size > size) groups.set(sig, { result, file, size });
  }
  const known = savedSignatures();
  const out = [];
  for (const [sig, { result, file }] of groups) {
    let saved = "";
    if (save && !known.has(sig)) {
      const small = minimise(binary, file, sig, workDir, env);
      const bytes = fs.readFileSync(small);
      const shown = small === file ? result : replay(binary, small, env); // the saved input's own words
      const name = `${result.oracle}-${targetOf(bytes)}-${crypto.createHash("sha256").update(sig).digest("hex").slice(0, 8)}`;
      fs.mkdirSync(REGRESSIONS_DIR, { recursive: true });
      saved = path.join(REGRESSIONS_DIR, name);
      fs.writeFileSync(saved, bytes);
      fs.writeFileSync(`${saved}.txt`, `${shown.oracle}: ${shown.detail}${shown.where ? `\n  at ${shown.where}` : ""}\ntarget: ${targetOf(bytes)}\nsignature: ${sig}\nfound: ${found}\n`);
    }
    out.push({ signature: sig, result, file, saved });
  }
  return out;
}
