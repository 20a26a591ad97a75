// Out of memory is never fatal: the POSIX shell built with the failing
// allocator (native/posix/allocation_faults.c; wasm3 compiling lazily, as on
// the board) plays one scenario (alloc_fault_run.mjs: boot, register, Lease,
// 1024-entry ConfigMap LIST and MODIFIED event, every kubelet route, a Lease
// renewal) once to count its allocations, then once for every N from 1 to
// that count with the Nth allocation failing. Every run must keep the process
// alive, and afterwards answer /healthz, renew its Lease and hold the
// ConfigMap's newest values. tests/native/run.mjs builds the shells and
// passes them as PICO_FAULT_SHELLS=engine=path,…; skipped without any.
import test from "node:test";
import assert from "node:assert/strict";
import os from "node:os";
import { allocationFaultRun } from "./alloc_fault_run.mjs";

const SHELLS = (process.env.PICO_FAULT_SHELLS ?? "").split(",").filter(Boolean).map((s) => s.split("="));
// Runs at once: each mostly waits on its timers and the network.
const PARALLEL = 16 * os.cpus().length;

async function sweep(program, count) {
  const failures = [];
  let next = 1;
  const worker = async () => {
    for (let n; (n = next++) <= count; ) {
      const r = await allocationFaultRun(program, n);
      if (r.fault === null) r.why.push(`allocation #${n} was never made`);
      if (r.exit.code !== 0) r.why.push(`the process did not end cleanly on SIGTERM (exit ${r.exit.code}, signal ${r.exit.signal})`);
      if (r.why.length) failures.push({ n, ...r });
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return failures.sort((a, b) => a.n - b.n);
}

for (const [engine, program] of SHELLS.length ? SHELLS : [["none", null]]) {
  test(`POSIX shell (${engine}): whichever allocation fails, the node stays up, answers /healthz, renews its Lease and applies the ConfigMap`,
    { skip: program ? false : "the POSIX shell with the failing allocator was not built", timeout: 300_000 }, async (t) => {
      const clean = await allocationFaultRun(program, 0);
      assert.ok(clean.recovered, `the scenario without a fault: ${clean.why.join("; ")}\n${clean.log}`);
      const count = clean.allocations;
      assert.ok(count > 0, `the scenario allocates (${engine}): ${count}`);
      const started = Date.now();
      const failures = await sweep(program, count);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      t.diagnostic(`${engine}: ${count} allocations in the scenario; each failed in turn in ${seconds} s (${PARALLEL} runs at a time)`);
      assert.deepEqual(failures.map((f) => f.n), [], failures.slice(0, 3).map((f) =>
        `allocation #${f.n} failing (${f.fault}): ${f.why.join("; ")}\n${f.log.split("\n").slice(-25).join("\n")}`).join("\n\n"));
    });
}
