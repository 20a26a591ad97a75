// npm run bench:update [-- --picos N --kib K --max-unavailable M]: firmware
// updates through the real proxy on the real control plane. Signs a K KiB
// image (default 658, the size of the AOT firmware with TLS) and publishes it,
// then (1) declares it for one simulated Pico and (2) rolls it out to a fleet
// of N (default 100) with `pico-node firmware rollout --max-unavailable M`
// (default 10). Prints per run: time from the declaration (or the rollout's
// start) to every node Verified and Confirmed, the bytes and requests nginx
// served for the image, and the proxy's and API server's CPU meanwhile.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import { execFile, spawn, spawnSync } from "node:child_process";
import { clusterUp, clusterDown, kubectl } from "../dist/cli/cluster.js";
import { startSims, freePort } from "../dist/cli/sims.js";
import { completeSettings, localPlaneSettings, writeProxyConfig, firmwareDir } from "../dist/cli/proxy.js";
import { startNginx, stopNginx } from "../dist/cli/nginx.js";
import { enrollDevices } from "../dist/cli/enroll.js";
import { procCpuSeconds, nginxCpuSeconds } from "./proc_cpu.mjs";

const OPTIONS = { picos: 100, kib: 658, "max-unavailable": 10, timeout: 1200 };
const opt = { ...OPTIONS };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const key = argv[i].replace(/^--/, "");
  const value = Number(argv[i + 1]);
  if (!(key in OPTIONS) || !Number.isInteger(value) || value <= 0) {
    console.error(`bench:update: ${argv[i]} ${argv[i + 1] ?? ""}: options are ${Object.keys(OPTIONS).map((k) => `--${k} N`).join(", ")}`);
    process.exit(2);
  }
  opt[key] = value;
}
const runs = [1, opt.picos];

const t0 = Date.now();
const say = (line) => console.log(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const state = fs.mkdtempSync(path.join(os.tmpdir(), "pico-update-"));
let env = null, proxy = null, picos = [];
async function cleanUp() {
  await Promise.all(picos.map((p) => p.stop()));
  if (proxy) {
    await stopNginx(proxy).catch(() => {});
    fs.rmSync(firmwareDir(proxy), { recursive: true, force: true });
  }
  if (env) clusterDown(state);
  fs.rmSync(state, { recursive: true, force: true });
}
for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => cleanUp().finally(() => process.exit(130)));

const cli = (...args) => {
  const r = spawnSync("node", ["bin/pico-node.mjs", ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`pico-node ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
};
const kubectlAsync = (args) =>
  new Promise((resolve, reject) => execFile("kubectl", ["--kubeconfig", env.kubeconfig, ...args], { maxBuffer: 64 << 20 }, (e, out, err) => (e ? reject(new Error(err || e.message)) : resolve(out))));

async function reasons(names) {
  const nodes = JSON.parse(await kubectlAsync(["get", "nodes", "-o", "json"])).items;
  const by = new Map(nodes.map((n) => [n.metadata.name, n.status?.conditions?.find((c) => c.type === "PicoFirmware")?.reason]));
  return names.map((n) => by.get(n));
}

try {
  say(`control plane, proxy; image ${opt.kib} KiB; one Pico, then ${opt.picos} by rollout, ${opt["max-unavailable"]} at a time`);
  env = clusterUp({ state, nodes: [] });
  proxy = completeSettings({ dir: path.join(state, "proxy"), ...localPlaneSettings(env), listen: `127.0.0.1:${await freePort(17080)}` });
  writeProxyConfig(proxy);
  await startNginx(proxy);
  const key = path.join(state, "signing.pem");
  cli("firmware", "keygen", "--key", key);
  const trustedKey = crypto.createPublicKey(fs.readFileSync(key.replace(/\.pem$/, ".pub.pem")));
  let port = 41250;
  const results = [];
  for (const [run, n] of runs.entries()) {
    const version = `1.${run + 1}.0`;
    const names = Array.from({ length: n }, (_, i) => `update-${run}-${i + 1}`);
    const payload = path.join(state, `payload-${version}.bin`);
    fs.writeFileSync(payload, crypto.randomBytes(opt.kib * 1024 - 256));
    const image = path.join(state, `fw-${version}.pkfw`);
    cli("firmware", "sign", payload, "--version", version, "--board", "sim", "--engine", "js", "--key", key, "--out", image);
    const sha = /firmware\.sha256: "([0-9a-f]{64})"/.exec(cli("firmware", "publish", image, "--dir", proxy.dir, "--pubkey", key.replace(/\.pem$/, ".pub.pem")))[1];
    // One ConfigMap per device, as enrolment gives them (a rollout declares per device).
    for (const [i, name] of names.entries()) {
      if (i > 0 && i % 20 === 0) say(`  ${i} of ${n} enrolled and started`);
      const [enrolled] = await enrollDevices([name], { dir: proxy.dir, configMap: `default/${name}-config` });
      kubectl(env, ["create", "configmap", `${name}-config`, "--from-literal=memory_values=0=1"]);
      const [pico] = await startSims({
        api: proxy.publicUrl, names: [name], kubeletPort: port, state, extraConfig: "lease_renew_ms=10000\n", configMap: `default/${name}-config`,
        tokens: { [name]: enrolled.device.token }, firmware: { version: "1.0.0", trustedKey }, log: () => {},
      });
      picos.push(pico);
      port = pico.opts.kubeletPort + 1;
    }
    say(`${n} Pico(s) started; waiting for each to report its firmware`);
    for (let i = 0; (await reasons(names)).some((r) => r !== "Current"); i++) {
      if (i > 240) throw new Error(`not all ${n} reported their firmware within 120 s`);
      await sleep(500);
    }
    const logBefore = fs.readFileSync(path.join(proxy.dir, "logs/access.log"), "utf8").length;
    const apiPid = Number(fs.readFileSync(path.join(state, "kube-apiserver.pid"), "utf8"));
    const cpu0 = { nginx: nginxCpuSeconds(proxy), api: procCpuSeconds(apiPid) };
    const declaredAt = Date.now();
    let rolling = null;
    if (n === 1) kubectl(env, ["patch", "configmap", `${names[0]}-config`, "--type", "merge", "-p", JSON.stringify({ data: { "firmware.version": version, "firmware.sha256": sha } })]);
    else {
      rolling = new Promise((resolve) => {
        const p = spawn("node", ["bin/pico-node.mjs", "firmware", "rollout", image, "--kubeconfig", env.kubeconfig, "--dir", proxy.dir, "--max-unavailable", String(opt["max-unavailable"])], { stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        p.stdout.on("data", (d) => (out += d));
        p.stderr.on("data", (d) => (out += d));
        p.on("close", (status) => resolve({ status, out }));
      });
    }
    let verifiedMs = 0, confirmedMs = 0;
    for (;;) {
      const r = await reasons(names);
      const now = Date.now() - declaredAt;
      if (!verifiedMs && r.every((x) => ["Verified", "Installed", "Confirmed"].includes(x))) verifiedMs = now;
      if (r.every((x) => x === "Confirmed")) {
        confirmedMs = now;
        verifiedMs ||= now;
        break;
      }
      const bad = r.find((x) => !["Current", "Downloading", "Verifying", "Verified", "Installed", "Confirmed"].includes(x));
      if (bad) throw new Error(`a node reported ${bad}`);
      if (now > opt.timeout * 1000) throw new Error(`not all confirmed within ${opt.timeout} s`);
      await sleep(500);
    }
    if (rolling) {
      const done = await rolling;
      if (done.status !== 0) throw new Error(`rollout failed:\n${done.out}`);
    }
    const served = fs.readFileSync(path.join(proxy.dir, "logs/access.log"), "utf8").slice(logBefore).split("\n").filter((l) => l.includes(`GET /firmware/sim/js/${version}.pkfw`));
    const bytes = served.reduce((sum, l) => sum + Number(/bytes=(\d+)/.exec(l)?.[1] ?? 0), 0);
    const cpu = { nginx: nginxCpuSeconds(proxy) - cpu0.nginx, api: procCpuSeconds(apiPid) - cpu0.api };
    // The fleet's rollout must find only the fleet: the single Pico goes away.
    if (n === 1) {
      await Promise.all(picos.splice(0).map((p) => p.stop()));
      kubectl(env, ["delete", "node", names[0]]);
    }
    results.push({ n, verifiedMs, confirmedMs, bytes, requests: served.length, file: fs.statSync(image).size, cpu });
    say(`${n} Pico(s): all Verified ${(verifiedMs / 1000).toFixed(1)} s, all Confirmed ${(confirmedMs / 1000).toFixed(1)} s after the declaration`);
  }
  console.log(`\nbench:update (simulated Picos through nginx; the fleet by pico-node firmware rollout, ${opt["max-unavailable"]} at a time; status polled every 500 ms)`);
  for (const r of results) {
    console.log(`  ${String(r.n).padStart(3)} Pico(s): declared → all Verified ${(r.verifiedMs / 1000).toFixed(1)} s, → all Confirmed ${(r.confirmedMs / 1000).toFixed(1)} s; ` +
      `image ${(r.file / 1024).toFixed(0)} KiB, nginx served ${(r.bytes / 1024).toFixed(0)} KiB in ${r.requests} request(s) (${(r.bytes / r.file / r.n).toFixed(2)} × the image per Pico); ` +
      `CPU meanwhile: nginx ${r.cpu.nginx.toFixed(2)} s, kube-apiserver ${r.cpu.api.toFixed(2)} s`);
  }
} catch (e) {
  console.error(`bench:update: ${e.message}`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
