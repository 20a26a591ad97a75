// One fuzzing session on one thread: a driver, the generators, and the loop
// that draws seeded batches of inputs, runs them, and reports outcomes and
// (minimised) failures. Used by the worker threads of run.mjs and by the
// replay test; everything is deterministic for a given seed.
import fc from "fast-check";
import crypto from "node:crypto";
import { compileCore } from "./host.mjs";
import { Driver } from "./driver.mjs";
import { runInput } from "./targets.mjs";
import { inputArbitraries, TARGET_WEIGHTS } from "./generators.mjs";
import { loadCorpus } from "./corpus.mjs";
import { minimise, failureTemplate } from "./minimise.mjs";

export const BATCH = 250;

/** A 31-bit seed from the run's seed, the worker and the batch number. */
export function batchSeed(seed, worker, batch) {
  return crypto.createHash("sha256").update(`${seed}/${worker}/${batch}`).digest().readUInt32LE(0) >>> 1;
}

/** Which target batch b of worker w fuzzes: the weights, spread evenly over batches. */
export function batchTarget(targets, worker, batch) {
  const wheel = targets.flatMap((t) => Array(TARGET_WEIGHTS[t]).fill(t));
  return wheel[(batch * 7 + worker * 3) % wheel.length];
}

/** What groups failures: the failure's template and the target. */
export function failureSignature(f, input) {
  return `${failureTemplate(f)} | ${input.target}`;
}

export async function createSession() {
  const driver = await new Driver(await compileCore()).init();
  return { driver, arbitraries: inputArbitraries(loadCorpus()), run: (input) => runInput(driver, input) };
}

/**
 * Runs batches until `until(inputsSoFar)` says stop. Calls report({ inputs, failing, outcomes }) about
 * every 500 ms with the new outcomes since the last call, and onFailure(record) once per new
 * failure signature (minimised, unless already saved or past maxMinimised).
 */
export function fuzzLoop(session, { seed, worker, targets, until, report, onFailure, minimiseRuns = 600, maxMinimised = 25, known = new Set() }) {
  const seen = new Set();
  let outcomes = new Set();
  let inputs = 0;
  let failing = 0;
  let minimised = 0;
  let total = 0;
  let lastReport = Date.now();
  for (let batch = 0; !until(total); batch++) {
    const target = batchTarget(targets, worker, batch);
    for (const input of fc.sample(session.arbitraries[target], { seed: batchSeed(seed, worker, batch), numRuns: BATCH })) {
      const r = session.run(input);
      inputs++;
      total++;
      outcomes.add(r.outcome);
      if (r.failures.length) failing++;
      for (const f of r.failures) {
        const signature = failureSignature(f, input);
        if (seen.has(signature)) continue;
        seen.add(signature);
        let small = input;
        if (minimised < maxMinimised && !known.has(signature)) {
          minimised++;
          small = minimise(input, f, session.run, minimiseRuns);
        }
        const again = session.run(small).failures.find((g) => failureTemplate(g) === failureTemplate(f)) ?? f;
        onFailure({ signature, failure: again, input: small, original: small === input ? undefined : input, seed, batch });
      }
      if (Date.now() - lastReport > 500) {
        report({ inputs, failing, outcomes: [...outcomes] });
        outcomes = new Set();
        inputs = 0;
        failing = 0;
        lastReport = Date.now();
      }
      if (until(total)) break;
    }
  }
  report({ inputs, failing, outcomes: [...outcomes] });
}
