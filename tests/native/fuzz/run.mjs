// npm run fuzz:native [-- --seconds N] [--runs N] [--seed N] [--no-save] [--quiet]
// libFuzzer over the AOT build (tests/native/fuzz/): builds it with clang into
// build/fuzz-native, writes the seeds (the JavaScript harness's corpus, saved
// inputs and generated inputs, seeds.mjs), fuzzes with progress for --seconds
// (default 300; libFuzzer starts again after each crash, from the corpus it
// grew), then groups the crashes, minimises and saves one of each new kind
// under tests/native/fuzz/regressions/, and ends with one summary line. With
// --runs, one process runs that many inputs from the seeds alone and stops at
// the first crash: npm test's seeded run.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BUILD_DIR, buildFuzzer, missingToolchain } from "./build.mjs";
import { writeSeeds } from "./seeds.mjs";
import { runLibFuzzer } from "./libfuzzer.mjs";
import { REGRESSIONS_DIR, knownEnvironment, openDefects, triage } from "./crashes.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const GENERATED_SEEDS = 100; // per target, from the JavaScript harness's generators
const MAX_LEN = 8192;        // the recorded corpus's largest message is 4.6 KB
const TIMEOUT_S = 20;        // an input takes milliseconds: 20 s is a hang
const MAX_RESTARTS = 25;     // after that many crashes in one session, triage them first

function parseArgs(argv) {
  const o = { seconds: 300, runs: 0, seed: 0, save: true, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const number = () => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0) throw new Error(`${a} needs a whole number, got ${argv[i] ?? "nothing"}`);
      return v;
    };
    if (a === "--seconds") o.seconds = number();
    else if (a === "--runs") o.runs = number();
    else if (a === "--seed") o.seed = number();
    else if (a === "--no-save") o.save = false;
    else if (a === "--quiet") o.quiet = true;
    else throw new Error(`unknown option ${a}; options: --seconds N --runs N --seed N --no-save --quiet`);
  }
  return o;
}

/** Runs the fuzzer; resolves with { summary, crashes: [triaged], ok }. */
export async function main(argv) {
  const o = parseArgs(argv);
  const say = (line) => !o.quiet && console.log(line);
  const missing = missingToolchain();
  if (missing) throw new Error(`fuzz:native needs clang with libFuzzer: ${missing}`);
  buildFuzzer({ quiet: o.quiet });
  const seeds = path.join(BUILD_DIR, "seeds");
  const count = writeSeeds(seeds, { generated: GENERATED_SEEDS });
  // --runs starts from nothing but the seeds, so a seed replays the same way anywhere.
  const corpus = path.join(BUILD_DIR, o.runs ? "corpus-seeded-run" : "corpus");
  if (o.runs) fs.rmSync(corpus, { recursive: true, force: true });
  fs.mkdirSync(corpus, { recursive: true });
  const crashDir = path.join(BUILD_DIR, "crashes");
  fs.mkdirSync(crashDir, { recursive: true });
  const before = new Set(fs.readdirSync(crashDir));
  const dirs = [corpus, seeds, path.join(HERE, "seeds"), REGRESSIONS_DIR].filter((d) => fs.existsSync(d));
  const args = [...dirs, `-max_len=${MAX_LEN}`, `-timeout=${TIMEOUT_S}`, `-dict=${path.join(HERE, "fuzz.dict")}`,
    `-artifact_prefix=${crashDir}/`, "-print_final_stats=1"];
  const handMade = fs.existsSync(path.join(HERE, "seeds")) ? fs.readdirSync(path.join(HERE, "seeds")).length : 0;
  const env = knownEnvironment(BUILD_DIR);
  const open = openDefects();
  say(`fuzz:native: ${count} seeds derived, ${handMade} hand-made; ${o.runs ? `${o.runs} inputs` : `${o.seconds} s`}${o.seed ? `, seed ${o.seed}` : ""}; crashes go to ${path.relative(process.cwd(), crashDir)}/`);
  for (const defect of new Set(open.map((d) => d.open))) say(`  known, open (passes): ${defect} — ${open.filter((d) => d.open === defect).map((d) => d.file).join(", ")}`);
  const binary = path.join(BUILD_DIR, "core_fuzz");
  const session = { started: Date.now(), execs: 0 };
  let r;
  for (let restart = 0; ; restart++) {
    const left = Math.round(o.seconds - (Date.now() - session.started) / 1000);
    const seed = o.seed ? [`-seed=${o.seed + restart}`] : [];
    const limits = o.runs ? [`-runs=${o.runs}`, `-max_total_time=${o.seconds}`] : [`-max_total_time=${left}`];
    r = await runLibFuzzer(binary, [...args, ...seed, ...limits], { quiet: o.quiet, env, since: session });
    session.execs += r.execs;
    if (o.runs || !r.failures || restart + 1 >= MAX_RESTARTS || o.seconds - (Date.now() - session.started) / 1000 < 10) break;
    say("  crash saved; libFuzzer starts again from the corpus");
  }
  r = { ...r, execs: session.execs, seconds: (Date.now() - session.started) / 1000 };
  const files = fs.readdirSync(crashDir).filter((f) => !before.has(f)).map((f) => path.join(crashDir, f));
  const found = `npm run fuzz:native -- ${o.runs ? `--runs ${o.runs}` : `--seconds ${o.seconds}`}${o.seed ? ` --seed ${o.seed}` : ""}`;
  const workDir = path.join(BUILD_DIR, "minimised");
  fs.mkdirSync(workDir, { recursive: true });
  const crashes = files.length ? triage(binary, files, { save: o.save, workDir, found, env }) : [];
  for (const c of crashes) {
    say(`  crash ${c.signature}\n    ${c.result.oracle}: ${c.result.detail.slice(0, 300)}${c.result.where ? `\n    at ${c.result.where}` : ""}`);
    say(`    input ${path.relative(process.cwd(), c.file)}${c.saved ? `, minimised into ${path.relative(process.cwd(), c.saved)} (+ .txt)` : ""}`);
  }
  const rate = r.seconds > 0 ? Math.round(r.execs / r.seconds) : 0;
  const summary = `fuzz:native: ${r.execs.toLocaleString("en")} inputs in ${Math.round(r.seconds)} s (${rate}/s), coverage ${r.cov} edges, ${r.ft} features, corpus ${r.corpus}, crashes ${files.length}${crashes.length ? ` (${crashes.length} distinct)` : ""}`;
  const ok = files.length === 0 && r.exitCode === 0 && !r.failures;
  if (!ok && !files.length) say(r.log.slice(-40).join("\n")); // failed without a crash file: show why
  console.log(summary);
  return { summary, crashes, ok, stats: r };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (r) => process.exit(r.ok ? 0 : 1),
    (e) => {
      console.error(e.message);
      process.exit(1);
    },
  );
}
