// Firmware updates on the real control plane, through the real proxy
// (docs/firmware-update.md): `pico-node firmware sign` and `publish` put a
// signed image where nginx serves it, a ConfigMap patch declares it, and the
// simulated Pico downloads it through the proxy (resuming with Range after a
// cut connection), verifies it, restarts into it and confirms it; an image
// signed with another key is refused with its reason on the Node; and a new
// image that cannot become Ready (its Lease writes fail) is rolled back.
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import net from "node:net";
import crypto from "node:crypto";
import { withPlane, until, picoNode } from "./plane.mjs";



/** Signs a random payload as version for the simulator and publishes it on the proxy: { file, sha256, bytes }. */
function publish(plane, work, version, key, payloadBytes = 400_000) {
  const payload = path.join(work, `payload-${version}.bin`);
  fs.writeFileSync(payload, crypto.randomBytes(payloadBytes));
  const image = path.join(work, `pico-${version}-${path.basename(key)}.pkfw`);
  picoNode("firmware", "sign", payload, "--version", version, "--board", "sim", "--engine", "js", "--key", key, "--out", image);
  const out = picoNode("firmware", "publish", image, "--dir", plane.proxy.dir, "--pubkey", key.replace(/\.pem$/, ".pub.pem"));
  const sha256 = /firmware\.sha256: "([0-9a-f]{64})"/.exec(out)?.[1];
  assert.ok(sha256, `publish printed the digest to declare:\n${out}`);
  return { sha256, bytes: fs.statSync(image).size };
}

function firmwareCondition(plane, node) {
  const n = plane.json(["get", "node", node]);
  return { condition: n.status.conditions.find((c) => c.type === "PicoFirmware"), osImage: n.status.nodeInfo.osImage };
}

function declare(plane, configMap, version, sha256) {
  plane.kubectl(["patch", "configmap", configMap, "--type", "merge", "-p", JSON.stringify({ data: { "firmware.version": version, "firmware.sha256": sha256 } })]);
}

/** A TCP relay before the proxy that cuts the first download of `target` after `cutAfter` bytes of its answer. */
function cuttingRelay(proxyUrl, target, cutAfter) {
  const upstream = new URL(proxyUrl);
  const state = { cut: false };
  const server = net.createServer((client) => {
    const up = net.connect(Number(upstream.port), upstream.hostname);
    let download = false;
    let answered = 0;
    client.on("data", (d) => {
      if (d.toString("latin1").startsWith(`GET ${target} `)) download = true;
      up.write(d);
    });
    up.on("data", (d) => {
      if (download && !state.cut) {
        answered += d.length;
        if (answered >= cutAfter) {
          state.cut = true;
          client.write(d.subarray(0, d.length - (answered - cutAfter)));
          client.destroy();
          up.destroy();
          return;
        }
      }
      client.write(d);
    });
    const end = () => {
      client.destroy();
      up.destroy();
    };
    client.on("error", end).on("close", end);
    up.on("error", end).on("close", end);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${server.address().port}`, state, close: () => server.close() })));
}

test("firmware: signed, published on the proxy, declared in the ConfigMap, downloaded (resumed with Range), installed and confirmed; another key's image is refused; an image that never becomes Ready is rolled back", { timeout: 300_000 }, async () => {
  const plane = await withPlane();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "pico-fw-"));
  let relay;
  try {
    const key = path.join(work, "signing.pem");
    picoNode("firmware", "keygen", "--key", key);
    const otherKey = path.join(work, "other.pem");
    picoNode("firmware", "keygen", "--key", otherKey);
    const trustedKey = crypto.createPublicKey(fs.readFileSync(key.replace(/\.pem$/, ".pub.pem")));
    const good = publish(plane, work, "1.1.0", key);
    const foreign = publish(plane, work, "1.0.5", otherKey);

    // ---- what the proxy serves: images to enrolled devices, with Range; nothing else from disk ----
    const [device] = await plane.enroll(["pico-fw-probe"]);
    const token = device.device.token;
    const image = "/firmware/sim/js/1.1.0.pkfw";
    assert.equal((await plane.viaProxy("GET", image)).status, 401, "no token, no image");
    const head = await plane.viaProxy("GET", image, { token, headers: { Range: "bytes=0-3" } });
    assert.equal(head.status, 206);
    assert.equal(head.headers["content-range"], `bytes 0-3/${good.bytes}`);
    assert.equal(head.text, "PKFW");
    for (const probe of ["/firmware/../proxy.json", "/firmware/sim/js/1.1.0.pkfw.partial", "/firmware/sim/js/../../../devices.conf", "/firmware/sim/js/latest"]) {
      assert.equal((await plane.viaProxy("GET", probe, { token })).status, 403, `${probe}: refused by the allow-list`);
    }
    assert.equal((await plane.viaProxy("DELETE", image, { token })).status, 403, "images are only read");

    // ---- a Pico whose download is cut once, on its way to 1.1.0 ----
    relay = await cuttingRelay(plane.proxy.publicUrl, "/firmware/sim/js/1.1.0.pkfw", 150_000);
    const [updated] = await plane.sim(["pico-fw-1"], "lease_renew_ms=2000\n", { firmware: { version: "1.0.0", trustedKey }, api: relay.url });
    await until("pico-fw-1 reports its firmware", () => firmwareCondition(plane, "pico-fw-1").condition?.reason === "Current", 30_000);
    assert.match(firmwareCondition(plane, "pico-fw-1").osImage, /firmware 1\.0\.0$/);

    // Another key's image: refused, with the reason on the Node, nothing installed.
    declare(plane, "pico-config", "1.0.5", foreign.sha256);
    await until("the foreign image is refused", () => firmwareCondition(plane, "pico-fw-1").condition?.reason === "UnknownKey", 30_000);
    const refused = firmwareCondition(plane, "pico-fw-1").condition;
    assert.equal(refused.status, "False");
    assert.match(refused.message, /1\.0\.5 refused: signed with a key this firmware does not trust; still running 1\.0\.0/);

    // The good one: through the cut, then confirmed after the restart.
    declare(plane, "pico-config", "1.1.0", good.sha256);
    await until("1.1.0 confirmed", () => firmwareCondition(plane, "pico-fw-1").condition?.reason === "Confirmed", 90_000, 500);
    const confirmed = firmwareCondition(plane, "pico-fw-1");
    assert.equal(confirmed.condition.status, "True");
    assert.match(confirmed.condition.message, /running 1\.1\.0, confirmed/);
    assert.match(confirmed.osImage, /firmware 1\.1\.0$/);
    assert.equal(updated.opts.firmware.runningVersion(), "1.1.0");
    assert.ok(relay.state.cut, "the relay cut the first download");
    const downloads = plane.accessLog().filter((l) => l.includes("device=pico-fw-1") && l.includes("GET /firmware/sim/js/1.1.0.pkfw"));
    const [first, second] = downloads.map((l) => ({ status: Number(/status=(\d+)/.exec(l)[1]), bytes: Number(/bytes=(\d+)/.exec(l)[1]) }));
    assert.equal(downloads.length, 2, `one cut download and one resumed:\n${downloads.join("\n")}`);
    assert.equal(first.status, 200);
    assert.equal(second.status, 206, "the second request asked for the rest with Range");
    assert.ok(second.bytes < good.bytes - 100_000, `the resumed answer carried ${second.bytes} of ${good.bytes} bytes: not from zero`);

    const status = picoNode("firmware", "status", "--kubeconfig", plane.env.kubeconfig, "--dir", plane.proxy.dir);
    assert.match(status, /^pico-fw-1\s+1\.1\.0\s+1\.1\.0\s+Confirmed\s+running 1\.1\.0, confirmed/m, status);

    // ---- a Pico whose new image cannot renew its Lease: rolled back ----
    const [stuck] = await plane.sim(["pico-fw-2"], "lease_renew_ms=2000\n", { firmware: { version: "1.0.0", trustedKey, trialMs: 8_000 }, configMap: "default/pico-fw-2-config" });
    plane.kubectl(["create", "configmap", "pico-fw-2-config", "--from-literal=memory_values=0=1"]);
    await until("pico-fw-2 reports its firmware", () => firmwareCondition(plane, "pico-fw-2").condition?.reason === "Current", 30_000);
    picoNode("proxy", "fault", "pico-fw-2", "lease", "503", "--dir", plane.proxy.dir);
    declare(plane, "pico-fw-2-config", "1.1.0", good.sha256);
    await until("1.1.0 rolled back on pico-fw-2", () => firmwareCondition(plane, "pico-fw-2").condition?.reason === "RolledBack", 90_000, 500);
    const rolledBack = firmwareCondition(plane, "pico-fw-2");
    assert.equal(rolledBack.condition.status, "False");
    assert.match(rolledBack.condition.message, /running 1\.0\.0; 1\.1\.0 never confirmed/);
    assert.match(rolledBack.osImage, /firmware 1\.0\.0$/);
    assert.equal(stuck.opts.firmware.runningVersion(), "1.0.0");
  } finally {
    relay?.close();
    await plane.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
});
