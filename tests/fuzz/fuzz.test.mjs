// npm run test:fuzz: every saved failing input (tests/fuzz/regressions/) is
// replayed on a fresh core and must pass every oracle, and a seeded smoke of
// 20,000 generated inputs runs on one worker per core. A regression marked
// "open" names a known, unfixed defect: it is reported as a todo until the fix
// lands (then remove the mark), and smoke failures of the same signature are
// reported the same way. Anything else fails.
import { test } from "node:test";
import crypto from "node:crypto";
import fc from "fast-check";
import assert from "node:assert/strict";
import { createSession } from "./session.mjs";
import { loadRegressions } from "./regressions.mjs";
import { main as fuzz } from "./run.mjs";

const SMOKE_INPUTS = 20_000;
const SMOKE_SEED = 20260912;

const regressions = loadRegressions();
const open = new Map(regressions.filter((r) => r.open).map((r) => [r.signature, r]));

test("a restored snapshot plays an input exactly as a fresh core does (memory, globals, every observation)", async () => {
  const dirty = await createSession();
  const fingerprint = (session, r) => {
    const h = crypto.createHash("sha256").update(session.driver.host.mem);
    for (const g of session.driver.host.globals) h.update(String(g.value));
    return `${JSON.stringify(r)} ${h.digest("hex")}`;
  };
  for (const [target, arb] of Object.entries(dirty.arbitraries)) {
    const inputs = fc.sample(arb, { seed: SMOKE_SEED, numRuns: 8 });
    for (const input of inputs) dirty.run(input); // leave the core in whatever state these inputs made
    for (const input of inputs) {
      const fresh = await createSession();
      assert.equal(fingerprint(dirty, dirty.run(input)), fingerprint(fresh, fresh.run(input)), `${target} input ${JSON.stringify(input).slice(0, 200)}`);
    }
  }
});

for (const r of regressions) {
  test(`regression ${r.file}: ${r.description.slice(0, 100)}`, { todo: r.open ? `open: ${r.open}` : false }, async () => {
    const session = await createSession(); // fresh: nothing carried over from another input
    const { failures } = session.run(r.input);
    assert.deepEqual(failures.map((f) => `${f.oracle}: ${f.detail}`), []);
  });
}

test(`seeded smoke: ${SMOKE_INPUTS.toLocaleString("en")} inputs over every target`, async (t) => {
  const { inputs, failures, summary } = await fuzz(["--inputs", String(SMOKE_INPUTS), "--seconds", "300", "--seed", String(SMOKE_SEED), "--no-save", "--no-minimise", "--quiet"]);
  t.diagnostic(summary);
  assert.ok(inputs >= SMOKE_INPUTS, `ran ${inputs} inputs`);
  const unknown = [];
  for (const [signature, { failure, input }] of failures) {
    if (open.has(signature)) t.diagnostic(`known (${open.get(signature).open}): ${signature}`);
    else unknown.push(`${signature}\n    ${failure.oracle}: ${failure.detail}\n    input: ${JSON.stringify(input).slice(0, 400)}`);
  }
  assert.deepEqual(unknown, [], "failures no open regression explains (save one with npm run fuzz)");
});

