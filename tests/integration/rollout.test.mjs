// `pico-node firmware rollout` on the real control plane with simulated
// Picos (docs/firmware-update.md): a fleet of four, two at a time, all end on
// the new version, never more than two between declaration and Confirmed; an
// image the devices refuse stops the rollout at the first device, naming its
// reason, and the others are never touched; --selector takes a canary ring
// only; `firmware status` shows it all.
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import { spawn } from "node:child_process";
import { withPlane, picoNode } from "./plane.mjs";

const CLI = "bin/pico-node.mjs";
const FLEET = ["roll-1", "roll-2", "roll-3", "roll-4"];


/** Runs the rollout to its end; resolves with { status, out }. */
function rollout(plane, image, ...args) {
  return new Promise((resolve) => {
    const p = spawn("node", [CLI, "firmware", "rollout", image, "--kubeconfig", plane.env.kubeconfig, "--dir", plane.proxy.dir, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    p.on("close", (status) => resolve({ status, out }));
  });
}

test("firmware rollout: four Picos two at a time to 1.1.0; an image they refuse stops at the first device", { timeout: 300_000 }, async () => {
  const plane = await withPlane();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "pico-rollout-"));
  try {
    const key = path.join(work, "signing.pem");
    picoNode("firmware", "keygen", "--key", key);
    const other = path.join(work, "other.pem");
    picoNode("firmware", "keygen", "--key", other);
    const trustedKey = crypto.createPublicKey(fs.readFileSync(key.replace(/\.pem$/, ".pub.pem")));
    const image = (version, signer) => {
      const payload = path.join(work, `payload-${version}.bin`);
      fs.writeFileSync(payload, crypto.randomBytes(200_000));
      const out = path.join(work, `fw-${version}.pkfw`);
      picoNode("firmware", "sign", payload, "--version", version, "--board", "sim", "--engine", "js", "--key", signer, "--out", out);
      picoNode("firmware", "publish", out, "--dir", plane.proxy.dir, "--pubkey", signer.replace(/\.pem$/, ".pub.pem"));
      return out;
    };
    // Each device follows a ConfigMap of its own, as enrolment gives it.
    for (const name of FLEET) {
      await plane.sim([name], "lease_renew_ms=2000\n", { firmware: { version: "1.0.0", trustedKey }, configMap: `default/${name}-config` });
      plane.kubectl(["create", "configmap", `${name}-config`, "--from-literal=memory_values=0=1"]);
    }

    const good = await rollout(plane, image("1.1.0", key), "--max-unavailable", "2");
    assert.equal(good.status, 0, good.out);
    assert.match(good.out, /done: 4 device\(s\) on 1\.1\.0/);
    // Never more than two between their declaration and Confirmed.
    for (const m of good.out.matchAll(/(\d+) in flight/g)) assert.ok(Number(m[1]) <= 2, good.out);
    const status = picoNode("firmware", "status", "--kubeconfig", plane.env.kubeconfig, "--dir", plane.proxy.dir);
    for (const name of FLEET) assert.match(status, new RegExp(`^${name}\\s+1\\.1\\.0\\s+1\\.1\\.0\\s+Confirmed`, "m"), status);

    // A canary ring: --selector takes only the labelled nodes.
    plane.kubectl(["label", "node", "roll-1", "roll-3", "ring=canary"]);
    const canary = await rollout(plane, image("1.1.1", key), "--selector", "ring=canary", "--max-unavailable", "2");
    assert.equal(canary.status, 0, canary.out);
    assert.match(canary.out, /done: 2 device\(s\) on 1\.1\.1/);
    const ring = FLEET.map((n) => plane.json(["get", "configmap", `${n}-config`]).data["firmware.version"]);
    assert.deepEqual(ring, ["1.1.1", "1.1.0", "1.1.1", "1.1.0"], "only the canaries were declared 1.1.1");

    const bad = await rollout(plane, image("1.2.0", other), "--max-unavailable", "1");
    assert.equal(bad.status, 1, bad.out);
    assert.match(bad.out, /stopped: roll-\d reports UnknownKey: 1\.2\.0 refused: signed with a key this firmware does not trust/);
    assert.match(bad.out, /0 of 4 on 1\.2\.0; 3 not touched/);
    const declared = FLEET.map((n) => plane.json(["get", "configmap", `${n}-config`]).data["firmware.version"]);
    assert.deepEqual(declared.filter((v) => v === "1.2.0").length, 1, `only the first device was given 1.2.0: ${declared}`);
  } finally {
    await plane.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
});
