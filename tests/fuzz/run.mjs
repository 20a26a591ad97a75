// npm run fuzz [-- --inputs N --seconds S --seed X --target api,kubelet,memory_values --workers W --no-minimise --no-save]
// Fuzzes the release core.wasm on one worker thread per core, shows progress,
// saves one minimised input per distinct failure under tests/fuzz/regressions/,
// and ends with one summary line.
import os from "node:os";
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { Worker } from "node:worker_threads";
import { fileURLToPath } from "node:url";
import { ORACLES } from "./oracles.mjs";
import { REGRESSIONS_DIR, loadRegressions } from "./regressions.mjs";

const TARGETS = ["api", "kubelet", "memory_values"];

function parseArgs(argv) {
  const o = { inputs: 1_000_000, seconds: 540, seed: crypto.randomInt(2 ** 31), targets: TARGETS, workers: os.availableParallelism(), minimise: true, save: true, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    const number = (name) => {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 0) throw new Error(`${name} must be a whole number, got ${argv[i]}`);
      return v;
    };
    if (a === "--inputs") o.inputs = number("--inputs");
    else if (a === "--seconds") o.seconds = number("--seconds");
    else if (a === "--seed") o.seed = number("--seed");
    else if (a === "--workers") o.workers = Math.max(1, number("--workers"));
    else if (a === "--target") {
      o.targets = value().split(",");
      const bad = o.targets.filter((t) => !TARGETS.includes(t));
      if (bad.length) throw new Error(`unknown target ${bad.join(", ")}; targets: ${TARGETS.join(", ")}`);
    } else if (a === "--no-minimise") o.minimise = false;
    else if (a === "--no-save") o.save = false;
    else if (a === "--quiet") o.quiet = true;
    else throw new Error(`unknown option ${a}; options: --inputs N --seconds S --seed X --target ${TARGETS.join(",")} --workers W --no-minimise --no-save --quiet`);
  }
  return o;
}

function fileNameFor(record) {
  const hash = crypto.createHash("sha256").update(record.signature).digest("hex").slice(0, 8);
  const kind = record.input.target === "api" ? `-${record.input.answers[0].kind}` : "";
  return `${record.failure.oracle}-${record.input.target}${kind}-${hash}.json`;
}

function save(record) {
  fs.mkdirSync(REGRESSIONS_DIR, { recursive: true });
  const file = path.join(REGRESSIONS_DIR, fileNameFor(record));
  const { oracle, detail } = record.failure;
  const doc = {
    description: `${oracle} (${ORACLES[oracle]}): ${detail}`,
    signature: record.signature,
    found: `npm run fuzz -- --seed ${record.seed} (batch ${record.batch})`,
    input: record.input,
  };
  fs.writeFileSync(file, JSON.stringify(doc, null, 1) + "\n");
  return path.relative(process.cwd(), file);
}

/** Runs a fuzzing session; returns { failing, failures: Map(signature → { failure, input }) }. */
export async function main(argv) {
  const o = parseArgs(argv);
  const log = o.quiet ? () => {} : (line) => console.error(line);
  const known = new Set(loadRegressions().map((r) => r.signature));
  const deadline = Date.now() + o.seconds * 1000;
  const perWorker = Math.ceil(o.inputs / o.workers);
  log(`fuzz: seed ${o.seed}, ${o.workers} workers, up to ${o.inputs.toLocaleString("en")} inputs or ${o.seconds} s, targets ${o.targets.join(", ")}`);
  const started = Date.now();
  let inputs = 0;
  let failing = 0;
  const outcomes = new Set();
  const failures = new Map(); // signature -> { where, failure, input }
  const tty = process.stderr.isTTY && !o.quiet;
  let lastLine = 0;
  const progress = (force = false) => {
    const now = Date.now();
    if (o.quiet || (!force && now - lastLine < (tty ? 1000 : 10_000))) return;
    lastLine = now;
    const rate = inputs / Math.max(0.001, (now - started) / 1000);
    const line = `fuzz: ${inputs.toLocaleString("en")} inputs, ${Math.round(rate).toLocaleString("en")}/s, ${failing} failing (${failures.size} distinct), ${outcomes.size.toLocaleString("en")} outcomes, ${Math.max(0, Math.round((deadline - now) / 1000))} s left`;
    process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
  };
  const workerFile = fileURLToPath(new URL("./worker.mjs", import.meta.url));
  await Promise.all(
    Array.from({ length: o.workers }, (_, worker) => new Promise((resolve, reject) => {
      const w = new Worker(workerFile, { workerData: { seed: o.seed, worker, targets: o.targets, deadline, maxInputs: perWorker, minimise: o.minimise, known: [...known] } });
      w.on("message", (m) => {
        if (m.type === "progress") {
          inputs += m.inputs;
          failing += m.failing;
          for (const x of m.outcomes) outcomes.add(x);
          progress();
        } else if (m.type === "failure" && !failures.has(m.signature)) {
          const where = known.has(m.signature) ? "(already saved)" : o.save ? save(m) : "(not saved)";
          failures.set(m.signature, { where, failure: m.failure, input: m.input });
          if (tty) process.stderr.write("\n");
          log(`fuzz: new failure ${m.signature} → ${where}`);
        } else if (m.type === "done") resolve();
      });
      w.on("error", reject);
      w.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`worker ${worker} exited with ${code}`))));
    })),
  );
  progress(true);
  if (tty) process.stderr.write("\n");
  const seconds = (Date.now() - started) / 1000;
  const summary = `fuzz: ${inputs.toLocaleString("en")} inputs, ${Math.round(inputs / seconds).toLocaleString("en")} inputs/s, ${failing} oracle failures (${failures.size} distinct), ${outcomes.size.toLocaleString("en")} distinct outcomes (seed ${o.seed})`;
  if (!o.quiet) console.log(summary);
  return { failing, failures, inputs, summary };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    ({ failing }) => process.exit(failing ? 1 : 0),
    (e) => {
      console.error(`fuzz: ${e.message}`);
      process.exit(2);
    },
  );
}
