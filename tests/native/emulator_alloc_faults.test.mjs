// Out of memory on the emulated board (rp2040js, the image as built, with
// PICO_MALLOC_PANIC off): the harness fails the Nth call of the C library's
// malloc/calloc/realloc (EmulatedPico.countAllocations: NULL is returned
// through pico-sdk's wrapper, as an exhausted heap would) in a short node
// life: boot, register, Lease, 1024-entry ConfigMap LIST and MODIFIED event,
// the kubelet answers that queue bytes (/metrics, /pico/memory, /pico/status,
// /healthz, each over TLS), a Lease renewal. Every run must end without a
// panic, a fatal error or a watchdog reset, and then answer /healthz, renew
// its Lease and hold the ConfigMap's newest values. The AOT engine itself
// takes nothing from the heap; mbedTLS does (the device key, the CSR, each
// TLS session), so its allocations are failed like wasm3's: a spread of 5
// (EMULATOR_ALLOCATION_SWEEP=N: a spread of N; =all: every one);
// tests/native/posix_alloc_faults.test.mjs fails every one on the POSIX
// shell. tests/native/run.mjs builds the images where pico-sdk is present;
// skipped without them, the image's TLS (the kubelet port needs it) or the
// RP2040 bootrom.
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { ENGINES, EmulatedPico, configMap, emulatorElf, findBootrom, memoryValues, watchEvent } from "../../bench/firmware_emulator.mjs";
import { TlsWorld, hasTls } from "../../bench/firmware_tls.mjs";

const bootrom = findBootrom();
const LEASES = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases";
const REQUESTS = ["/metrics", "/pico/memory", "/pico/status", "/healthz"].map((p) => `GET ${p} HTTP/1.1\r\nHost: pico\r\n\r\n`);
const SWEEP = process.env.EMULATOR_ALLOCATION_SWEEP ?? "5"; // wasm3: how many allocations to fail, spread, or all

/** Runs until done(), or gives up after ms of emulated time: a fault may have refused the step. */
function tryUntil(pico, done, what, maxMs) {
  try {
    pico.runUntil(done, { what, maxMs });
    return true;
  } catch (e) {
    if (/^emulator: no /.test(e.message) && !/real time/.test(e.message)) return false;
    throw e;
  }
}

const leaseWrites = (pico) => [...pico.conns.values()].filter((c) => !c.server).flatMap((c) => c.exchanges)
  .filter((e) => e.target.startsWith(LEASES) && (e.method === "PUT" || e.method === "POST") && e.status < 300);

/** The serving certificate installed within ms of emulated time; false if a fault kept it away. */
async function certified(pico, ms) {
  try {
    await pico.certified(ms);
    return true;
  } catch (e) {
    if (/^emulator: no /.test(e.message)) return false;
    throw e;
  }
}

/** One life with allocation failAt failing (0: none): { allocations, failed, why[] }. */
async function run(elf, failAt, world) {
  const pico = new EmulatedPico({ elf, bootrom: bootrom.words, world });
  pico.countAllocations(elf, failAt);
  const next = memoryValues(2);
  tryUntil(pico, () => pico.watch && pico.regions.length >= 1, "LIST applied and WATCH open", 30_000);
  pico.apiState.listVersion = "101"; // a re-LIST after a restart finds the new values too
  pico.apiState.listValues = next.text;
  if (pico.watch) pico.data(pico.watch.handle, watchEvent("MODIFIED", configMap("101", next.text)));
  const saved = pico.regions.length;
  tryUntil(pico, () => pico.regions.length > saved, "MODIFIED applied", 10_000);
  if (tryUntil(pico, () => pico.listening, "the kubelet port", 10_000) && await certified(pico, 20_000))
    for (const raw of REQUESTS) await pico.request(raw);
  const leases = leaseWrites(pico).length;
  tryUntil(pico, () => leaseWrites(pico).length > leases, "a Lease renewal", 15_000);
  const allocations = pico.allocations.count;

  // Recovery, allocations succeeding again.
  const why = [];
  const afterMs = Math.max(pico.ms, pico.allocations.failed?.ms ?? 0);
  let healthz = null;
  tryUntil(pico, () => pico.listening, "the kubelet port", 10_000);
  if (!(await certified(pico, 30_000))) why.push("no serving certificate installed after the fault");
  for (let i = 0; i < 20 && pico.listening && healthz?.response.status !== 200; i++) {
    healthz = await pico.request("GET /healthz HTTP/1.1\r\nHost: pico\r\n\r\n");
    if (healthz.response.status !== 200) pico.idle(500);
  }
  if (healthz?.response.status !== 200) why.push(`/healthz answered ${healthz ? healthz.response.status : "nothing"}`);
  const renewedAfter = () => leaseWrites(pico).some((e) => e.endMs > afterMs);
  if (!tryUntil(pico, renewedAfter, "a Lease renewal after the fault", 30_000)) why.push("no Lease renewal after the fault");
  const memory = pico.listening && (await pico.request("GET /pico/memory HTTP/1.1\r\nHost: pico\r\n\r\n"));
  if (!memory || memory.response.status !== 200 || JSON.parse(memory.response.body).hex !== Buffer.from(next.bytes).toString("hex")) why.push("the region does not hold the ConfigMap's newest values");
  if (pico.resets.length) why.push(`${pico.resets.length} watchdog reset(s)`);
  const fatal = pico.lines.find((l) => / E (fatal|SDK panic)|panic/i.test(l));
  if (fatal) why.push(`the console says: ${fatal}`);
  if (why.length) why.push(`console:\n${pico.lines.slice(-20).join("\n")}`);
  return { allocations, failed: pico.allocations.failed, why };
}

for (const engine of ENGINES) {
  const elf = emulatorElf(engine);
  const skip = !fs.existsSync(elf) ? `the ${engine} emulator image is not built (needs pico-sdk${engine === "wasm3" ? " and wasm3" : ""})`
    : !hasTls(elf) ? `the ${engine} emulator image has no TLS: its kubelet port stays closed`
    : bootrom.words ? false : bootrom.reason;
  test(`emulated Pico (${engine}): a failed allocation is survived: no panic, no reset; /healthz, the Lease and the ConfigMap work again`, { skip, timeout: 1_800_000 }, async (t) => {
    const world = new TlsWorld();
    t.after(() => world.cleanup());
    const clean = await run(elf, 0, world);
    assert.deepEqual(clean.why, [], "the scenario without a fault");
    const count = clean.allocations;
    assert.ok(count > 0, "mbedTLS allocates: the sweep has something to fail");
    const samples = SWEEP === "all" ? count : Math.min(count, Math.max(2, Number(SWEEP)));
    const failing = [...new Set(Array.from({ length: samples }, (_, i) => 1 + Math.round((i * (count - 1)) / (samples - 1))))];
    const started = Date.now();
    const failures = [];
    for (const n of failing) {
      const r = await run(elf, n, world);
      if (!r.failed) r.why.unshift(`allocation #${n} was never made`);
      if (r.why.length) failures.push(`allocation #${n} failing (${r.failed?.call}): ${r.why.join("; ")}`);
    }
    t.diagnostic(`${engine}: ${count} allocations in the scenario; ${failing.length} of them failed in turn (${samples === count ? "all" : "spread"}) in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    assert.deepEqual(failures, []);
  });
}
