// The emulator image (PICO_BOARD=pico) in rp2040js, once per engine: the
// real C host layer and core.wasm, on the fake network, serve kubelet
// requests correctly (over TLS, with the certificate its CSR got; the admin's
// client certificate or a bearer token, reviewed by the fake API) and commit
// the region bytes the ConfigMap's memory_values set (LIST, then a watch
// MODIFIED event). tests/native/run.mjs builds the images where pico-sdk is
// present; each is skipped without its image, its TLS (the wasm3 image has
// none) or the RP2040 bootrom.
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { ENGINES, EmulatedPico, emulatorElf, findBootrom, memoryValues, runScenario } from "../../bench/firmware_emulator.mjs";
import { TlsWorld, hasTls } from "../../bench/firmware_tls.mjs";

const bootrom = findBootrom();
const CONSOLE_ENGINE = { aot: "engine aot (wasm2c 1.0.32), 0 bytes of heap", wasm3: "engine wasm3, " };

for (const engine of ENGINES) {
  const elf = emulatorElf(engine);
  const skip = !fs.existsSync(elf) ? `the ${engine} emulator image is not built (needs pico-sdk${engine === "wasm3" ? " and wasm3" : ""})`
    : !hasTls(elf) ? `the ${engine} emulator image has no TLS: its kubelet port stays closed${engine === "aot" ? " (set PICO_MBEDTLS_PATH)" : ""}`
    : bootrom.words ? false : bootrom.reason;

  test(`emulated Pico (${engine}): registers, renews its Lease, applies the ConfigMap to the region, serves every kubelet route and recovers from the API server's errors`, { skip, timeout: 900_000 }, async (t) => {
    const world = new TlsWorld();
    t.after(() => world.cleanup());
    const pico = new EmulatedPico({ elf, bootrom: bootrom.words, world });
    const run = await runScenario(pico);
    assert.ok(pico.lines.some((l) => l.includes(CONSOLE_ENGINE[engine])), `the console names the engine: ${pico.lines.slice(0, 6).join("\n")}`);
    const listed = memoryValues(1).bytes, modified = memoryValues(2).bytes;

    assert.equal(run.firstRequest, "POST /api/v1/nodes");
    for (const want of ["POST /apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", "PATCH /api/v1/nodes/pico-test-1/status",
      "PUT /apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/pico-test-1"]) {
      assert.ok(run.apiRequests.includes(want), `the firmware sent ${want}; it sent ${run.apiRequests.join(", ")}`);
    }

    // The region the LIST set, then the one the watch event set, as persisted by the firmware.
    assert.deepEqual([...run.listRegion], [...listed]);
    assert.deepEqual([...run.watchRegion], [...modified]);
    assert.equal(run.memoryAfter.hex, Buffer.from(modified).toString("hex"));
    assert.equal(run.memoryAfter.resource_version, "101");

    for (const pass of ["first", "again"]) {
      const r = (name) => run.requests[name][pass];
      assert.equal(r("healthz").status, 200);
      assert.equal(r("healthz").body, "ok");
      assert.equal(JSON.parse(r("healthz verbose").body).checks.ping, "ok");
      assert.equal(r("readyz").status, 200, r("readyz").body);
      assert.equal(r("livez").status, 200);
      assert.equal(JSON.parse(r("pods").body).kind, "PodList");
      const spec = JSON.parse(r("spec").body);
      assert.equal(spec.num_cores, 2);
      assert.match(spec.machine_id, /^[0-9a-f]{16}$/);
      const status = JSON.parse(r("pico/status").body);
      assert.equal(status.registered, true);
      assert.equal(status.ip, "10.0.0.15");
      assert.ok(status.free_heap_bytes > 0);
      assert.equal(r("pico/memory").status, 200);
      assert.equal(JSON.parse(r("pico/memory").body).hex, Buffer.from(listed).toString("hex"));
      assert.match(r("metrics").headers["content-type"], /version=0\.0\.4/);
      assert.match(r("metrics").body, /# TYPE pico_free_heap_bytes gauge\n/);
      assert.equal(Number(r("metrics").headers["content-length"]), Buffer.byteLength(r("metrics").body));
      assert.match(r("metrics/resource").body, /^node_cpu_usage_seconds_total [\d.]+ \d+$/m);
      assert.deepEqual(JSON.parse(r("404").body), { error: "no such path: /nope", code: 404 });
      assert.equal(r("405").status, 405);
      assert.equal(r("400").status, 400);
      assert.equal(r("command 401").status, 401);
      assert.equal(r("command 202").status, 202);
    }

    // The unhappy answers: the Node deleted (404) and found again (409 → adopt), a ConfigMap
    // rejected without touching the region, a Lease conflict retried, an expired watch re-listed
    // after a 503.
    assert.deepEqual(run.errorPaths, { readopted: true, rejectedKeptRegion: true, leaseConflictRetried: true, relistedAfter503: true });

    assert.ok(run.resources.heap_free > 0 && run.resources.stack_used < run.resources.stack_size, "the report came back");
  });
}
