// node tests/native/fuzz/seeds.mjs OUT_DIR [--generated N]
// Writes libFuzzer seeds in the format of fuzz_input.h from what the
// JavaScript harness uses: the recorded corpus (tests/fuzz/corpus/), every
// saved input (tests/fuzz/regressions/) and, with --generated, N inputs per
// target drawn from its fast-check generators with a fixed seed; and for the
// configuration target, the harness's configuration and device.env.example. The seeds are
// derived, so they live in the build directory, never in git.
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { loadCorpus } from "../../fuzz/corpus.mjs";
import { loadRegressions } from "../../fuzz/regressions.mjs";
import { inputArbitraries } from "../../fuzz/generators.mjs";
import { jsonLiteral } from "../../fuzz/bytes_json.mjs";
import { KINDS, CONFIG } from "../../fuzz/world.mjs";

export const TARGET_KUBELET = 8;
export const TARGET_MEMORY_VALUES = 9;
export const TARGET_CONFIG = 10;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const GAPS_MS = [0, 50, 100, 1000, 2000, 4000, 11000, 12000]; // FUZZ_GAPS_MS
const ENDS = { close: 0, reset: 1, refuse: 2 };
const GENERATED_SEED = 20260912;

/** Bytes as fuzz_input.h sends them: every 0xFF doubled. */
function escaped(bytes) {
  const out = [];
  for (const b of bytes) out.push(...(b === 0xff ? [0xff, 0xff] : [b]));
  return out;
}

const cut = (gapMs) => [0xff, GAPS_MS.findLastIndex((g) => g <= gapMs)];
const latin1 = (s) => Buffer.from(s, "latin1");

/** One API answer: its pieces with the gaps between them, how it ends, how often it is sent. */
function answerOps(a) {
  const bytes = latin1(a.bytes);
  const cuts = [...new Set((a.cuts ?? []).filter((x) => x > 0 && x < bytes.length))].sort((x, y) => x - y);
  const out = [];
  if (a.end === "refuse") out.push(0xff, 0x80 | ENDS.refuse);
  let from = 0;
  cuts.forEach((at, i) => {
    out.push(...escaped(bytes.subarray(from, at)), ...cut(a.gaps?.[i] ?? 0));
    from = at;
  });
  out.push(...escaped(bytes.subarray(from)));
  if (a.end in ENDS && a.end !== "refuse") out.push(0xff, 0x80 | ENDS[a.end]);
  if ((a.repeat ?? 1) > 1) out.push(0xff, 0xc0 | Math.min(15, a.repeat - 1));
  return out;
}

/** A JavaScript harness input (tests/fuzz/generators.mjs) in the C harness's format. */
export function convert(input) {
  if (input.target === "api") {
    const out = [KINDS.indexOf(input.answers[0].kind)];
    input.answers.forEach((a, i) => {
      if (i > 0) out.push(0xff, 0x40 | KINDS.indexOf(a.kind));
      out.push(...answerOps(a));
    });
    return Buffer.from(out);
  }
  if (input.target === "kubelet") {
    const out = [TARGET_KUBELET];
    const rounds = Math.max(...input.conns.map((c) => c.pieces.length));
    for (let r = 0; r < rounds; r++) {
      input.conns.forEach((c, k) => {
        const piece = c.pieces[r];
        if (!piece) return;
        if (k > 0 || r > 0) out.push(0xff, 0x40 | k);
        if (piece.gap) out.push(...cut(piece.gap));
        out.push(...escaped(latin1(piece.bytes)));
      });
    }
    input.conns.forEach((c, k) => c.end === "close" && out.push(0xff, 0x40 | k, 0xff, 0x80));
    return Buffer.from(out);
  }
  // memory_values: the JSON literals' insides as they are (raw), an earlier member first
  const inside = (s, mask) => latin1(jsonLiteral(s, mask).slice(1, -1));
  const out = [TARGET_MEMORY_VALUES];
  if (input.dup !== null && input.dup !== undefined) out.push(...escaped(inside(input.dup, 0)), 0xff, 0x40);
  out.push(...escaped(inside(input.value, input.escapes)));
  out.push(0xff, 0x80 | 0x02 | (input.via === "list" ? 1 : 0));
  return Buffer.from(out);
}

/** Every seed, as { name, bytes }. */
export function seeds({ generated = 0 } = {}) {
  const out = [];
  for (const [kind, messages] of Object.entries(loadCorpus())) {
    const target = kind === "kubelet" ? TARGET_KUBELET : KINDS.indexOf(kind);
    messages.forEach((m, i) => out.push({ name: `corpus-${kind}-${i + 1}`, bytes: Buffer.concat([Buffer.from([target]), Buffer.from(escaped(latin1(m)))]) }));
  }
  const example = fs.readFileSync(path.join(ROOT, "device.env.example"));
  for (const [name, text] of [["config-harness", latin1(CONFIG)], ["config-harness-debug", latin1(`${CONFIG}log_level=debug\n`)], ["config-example", example]])
    out.push({ name, bytes: Buffer.concat([Buffer.from([TARGET_CONFIG]), Buffer.from(escaped(text))]) });
  for (const r of loadRegressions()) out.push({ name: `regression-${r.file.replace(/\.json$/, "")}`, bytes: convert(r.input) });
  if (generated > 0) {
    for (const [target, arbitrary] of Object.entries(inputArbitraries(loadCorpus()))) {
      fc.sample(arbitrary, { seed: GENERATED_SEED, numRuns: generated }).forEach((input, i) => out.push({ name: `generated-${target}-${i + 1}`, bytes: convert(input) }));
    }
  }
  return out;
}

/** Writes the seeds into dir (emptied first); returns how many. */
export function writeSeeds(dir, options) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const all = seeds(options);
  for (const s of all) fs.writeFileSync(path.join(dir, `${s.name}-${crypto.createHash("sha1").update(s.bytes).digest("hex").slice(0, 8)}`), s.bytes);
  return all.length;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [dir, flag, n] = process.argv.slice(2);
  if (!dir || (flag && (flag !== "--generated" || !/^\d+$/.test(n ?? "")))) {
    console.error("usage: node tests/native/fuzz/seeds.mjs OUT_DIR [--generated N]");
    process.exit(2);
  }
  console.log(`${writeSeeds(dir, { generated: flag ? Number(n) : 0 })} seeds in ${dir}`);
}
