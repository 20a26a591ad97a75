// A dead peer on the watch connection: the POSIX shell reaches the real proxy
// through a relay (blackhole_relay.c) that, once the ConfigMap watch is open,
// turns that one connection into a silent peer: nothing forwarded, nothing
// answered (no data, no ACK, no FIN, no RST). Only TCP keepalive can notice:
// the core's watch deadline is timeoutSeconds + 30 s = 320 s, its 10 s
// request timeout does not apply to a stream, and nothing else is sent on it.
// The shell must log the timed-out connection and open a fresh watch through
// the relay within 90 s, while its Lease, on a connection of its own, keeps
// being renewed. Needs the shell (wasm3) and the relay (tests/native/run.mjs
// passes both); skipped otherwise.
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { spawn } from "node:child_process";
import { startPosixShell } from "./posix_shell.mjs";

const SHELL = process.env.PICO_POSIX_SHELL;
const RELAY = process.env.PICO_BLACKHOLE_RELAY;
const NAME = "posix-keepalive-1";
const NOTICE_WITHIN_MS = 90_000;

/** The relay's stdout as events, and a way to wait for one. */
function startRelay(upstreamHost, upstreamPort) {
  const relay = spawn(RELAY, [upstreamHost, String(upstreamPort)], { stdio: ["pipe", "pipe", "inherit"] });
  const events = [];
  const waiters = new Set();
  readline.createInterface({ input: relay.stdout }).on("line", (line) => {
    const [kind, n, ...rest] = line.split(" ");
    events.push({ kind, n: Number(n), text: rest.join(" "), at: Date.now() });
    for (const w of waiters) w();
  });
  return {
    relay,
    events,
    command: (line) => relay.stdin.write(line + "\n"),
    /** Resolves with the first event (from index from on) that matches, or rejects after ms. */
    next(match, ms, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const e = events.slice(from).find(match);
          if (!e) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(e);
        };
        const timer = setTimeout(() => { waiters.delete(check); reject(new Error(`relay: no matching event within ${ms} ms; saw ${JSON.stringify(events.slice(-8))}`)); }, ms);
        waiters.add(check);
        check();
      });
    },
  };
}

const isWatch = (e) => e.kind === "request" && /^GET \S*configmaps\?\S*watch=1/.test(e.text);

test("POSIX shell: a watch connection whose peer goes silent is ended by TCP keepalive and the watch reopened within 90 s", { skip: SHELL && RELAY ? false : "the POSIX shell or the relay was not built (no wasm3)", timeout: 240_000 }, async () => {
  const { withPlane, until } = await import("../integration/plane.mjs");
  const { freePort } = await import("../../dist/cli/sims.js");
  const plane = await withPlane();
  const state = fs.mkdtempSync(path.join(os.tmpdir(), "pico-keepalive-"));
  let shell, relay, log = "";
  try {
    const [enrolled] = await plane.enroll([NAME]);
    const proxy = new URL(plane.proxy.publicUrl);
    relay = startRelay(proxy.hostname, proxy.port);
    const listening = await relay.next((e) => e.kind === "listening", 5_000);
    const kubeletPort = await freePort(31260);
    shell = startPosixShell({ enrolled, state, kubeletPort, api: `http://127.0.0.1:${listening.n}`, onLog: (d) => (log += d) });

    // The watch is open through the relay; it goes silent.
    const watch = await relay.next(isWatch, 30_000);
    const deadAt = Date.now();
    relay.command(`blackhole ${watch.n}`);
    await relay.next((e) => e.kind === "blackholed" && e.n === watch.n, 5_000);
    const lease = () => plane.json(["-n", "kube-node-lease", "get", "lease", NAME]).spec.renewTime;
    const leaseBefore = lease();

    // Noticed: a fresh watch on another connection, and the shell says why the old one ended.
    const fresh = await relay.next((e) => isWatch(e) && e.n !== watch.n, NOTICE_WITHIN_MS, relay.events.indexOf(watch) + 1);
    const noticedMs = fresh.at - deadAt;
    console.log(`the silent watch connection was replaced ${(noticedMs / 1000).toFixed(1)} s after its peer went silent`);
    assert.ok(noticedMs < NOTICE_WITHIN_MS);
    // Nothing was sent on the watch connection since its request: the timeout can only be keepalive's.
    assert.match(log, /the peer stopped answering \(keepalive or retransmission timeout\); closed/);
    assert.equal(shell.exitCode, null, `the shell is still running:\n${log}`);
    await until("the Lease renewed after the dead connection", () => lease() > leaseBefore, 15_000);
    shell.kill("SIGTERM");
  } catch (e) {
    if (log) console.error(log.split("\n").slice(-40).join("\n"));
    throw e;
  } finally {
    if (shell && shell.exitCode === null) shell.kill("SIGKILL");
    relay?.relay.kill("SIGKILL");
    await plane.close();
    fs.rmSync(state, { recursive: true, force: true });
  }
});
