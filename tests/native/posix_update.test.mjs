// Firmware updates of the POSIX shell on the real control plane, through the
// real proxy (docs/firmware-update.md). The image is the shell's own
// executable, signed; its slots live in a flash file with the RP2040's rules
// (native/posix/flash_file.c); pico-node-launcher plays the bootloader with
// the same swap code the Pico's will run (native/common/ota_boot.c). The
// device boots a factory 1.0.0, refuses a corrupted image, installs 1.1.0
// (download through nginx, check read back from flash, swap, trial boot,
// confirm), and rolls back a 1.2.0 that cannot become Ready.
// Needs the shell and launcher built with the test key (tests/native/run.mjs
// passes them); skipped otherwise.
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import { startPosixShell } from "./posix_shell.mjs";

const SHELL = process.env.PICO_POSIX_SHELL;
const LAUNCHER = process.env.PICO_POSIX_LAUNCHER;
const KEY = process.env.PICO_FIRMWARE_TEST_KEY;
const NAME = "posix-update-1";
const BOARD = `posix-${os.machine()}`;
const TRIAL_S = 6;


test("POSIX shell: a factory image, a corrupted update refused, 1.1.0 installed by swap and confirmed, a 1.2.0 that cannot become Ready rolled back", {
  skip: SHELL && LAUNCHER && KEY ? false : "the shell and launcher with a test signing key were not built (tests/native/run.mjs builds them)",
  timeout: 300_000,
}, async () => {
  const { withPlane, until, picoNode } = await import("../integration/plane.mjs");
  const { freePort } = await import("../../dist/cli/sims.js");
  const { firmwareDir } = await import("../../dist/cli/proxy.js");
  const plane = await withPlane();
  const state = fs.mkdtempSync(path.join(os.tmpdir(), "pico-update-"));
  let shell, log = "";
  try {
    const sign = (version) => {
      const out = path.join(state, `shell-${version}.pkfw`);
      picoNode("firmware", "sign", SHELL, "--version", version, "--board", BOARD, "--engine", "aot", "--key", KEY, "--out", out);
      return out;
    };
    const publish = (file) => /firmware\.sha256: "([0-9a-f]{64})"/.exec(picoNode("firmware", "publish", file, "--dir", plane.proxy.dir, "--pubkey", KEY.replace(/\.pem$/, ".pub.pem")))[1];
    const factory = sign("1.0.0");
    const good = publish(sign("1.1.0"));
    const stuck = publish(sign("1.2.0"));
    // A corrupted image as a broken mirror would serve it: one payload byte flipped (publish would refuse it).
    const corrupted = fs.readFileSync(sign("1.1.5"));
    corrupted[corrupted.length - 1000] ^= 1;
    const store = path.join(firmwareDir(plane.proxy), BOARD, "aot");
    fs.writeFileSync(path.join(store, "1.1.5.pkfw"), corrupted, { mode: 0o644 });
    const corruptedSha = crypto.createHash("sha256").update(corrupted).digest("hex");

    const [enrolled] = await plane.enroll([NAME]);
    const flash = path.join(state, "flash.bin");
    shell = startPosixShell({
      enrolled, state, kubeletPort: await freePort(31360), onLog: (d) => (log += d),
      launcher: { program: LAUNCHER, flash, factory, trialS: TRIAL_S },
    });
    const node = () => {
      const n = plane.json(["get", "node", NAME]);
      return { condition: n.status.conditions.find((c) => c.type === "PicoFirmware"), osImage: n.status.nodeInfo.osImage };
    };
    const reason = () => {
      try {
        return node().condition?.reason;
      } catch {
        return undefined; // not registered yet
      }
    };
    const declare = (version, sha256) =>
      plane.kubectl(["patch", "configmap", "pico-config", "--type", "merge", "-p", JSON.stringify({ data: { "firmware.version": version, "firmware.sha256": sha256 } })]);

    await until("the factory image reports itself", () => reason() === "Current", 60_000);
    assert.match(node().osImage, /firmware 1\.0\.0$/);
    assert.match(log, /launcher: wrote the factory image/);

    declare("1.1.5", corruptedSha);
    await until("the corrupted image is refused", () => reason() === "Corrupted", 60_000);
    assert.match(node().condition.message, /1\.1\.5 refused: the payload does not match the digest in its header .*still running 1\.0\.0/);

    const declaredAt = Date.now();
    declare("1.1.0", good);
    await until("1.1.0 confirmed", () => reason() === "Confirmed", 120_000, 500);
    console.log(`1.1.0 (${fs.statSync(path.join(store, "1.1.0.pkfw")).size} bytes) confirmed ${((Date.now() - declaredAt) / 1000).toFixed(1)} s after the declaration`);
    assert.match(node().osImage, /firmware 1\.1\.0$/);
    assert.match(log, /launcher: boot: on trial 1\.1\.0 \((\d+) swap steps this boot\)/);
    assert.ok(Number(/boot: on trial 1\.1\.0 \((\d+) swap steps/.exec(log)[1]) > 0, "the launcher swapped the image in");

    // 1.2.0 cannot renew its Lease (the proxy fails it): never Ready, never confirmed.
    picoNode("proxy", "fault", NAME, "lease", "503", "--dir", plane.proxy.dir);
    declare("1.2.0", stuck);
    await until("1.2.0 rolled back", () => reason() === "RolledBack", 180_000, 500);
    const rolledBack = node();
    assert.match(rolledBack.condition.message, /running 1\.1\.0; 1\.2\.0 never confirmed/);
    assert.match(rolledBack.osImage, /firmware 1\.1\.0$/);
    assert.match(log, /1\.2\.0 has not confirmed within 6 s: restarting it \(trial boot 1 of 3\)/);
    assert.match(log, /launcher: boot: rolled back to 1\.1\.0/);
    console.log(log.split("\n").filter((l) => l.startsWith("launcher:")).join("\n"));
    shell.kill("SIGTERM");
  } catch (e) {
    if (log) console.error(log.split("\n").slice(-60).join("\n"));
    throw e;
  } finally {
    if (shell && shell.exitCode === null) shell.kill("SIGKILL");
    await plane.close();
    fs.rmSync(state, { recursive: true, force: true });
  }
});
