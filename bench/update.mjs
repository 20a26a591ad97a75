// npm run bench:update [-- --picos N --kib K]: a firmware update through the
// real proxy on the real control plane. Signs a K KiB image (default 658, the
// size of the AOT firmware with TLS), publishes it, declares it in the shared
// ConfigMap of N simulated Picos (default 1, then a fleet of 10 declared at
// once) and prints, per run: time from the declaration to every node
// Verified and to every node Confirmed, bytes and requests nginx served for
// the image, and the proxy's and API server's CPU meanwhile.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import { execFile, spawnSync } from "node:child_process";
import { clusterUp, clusterDown, kubectl } from "../dist/cli/cluster.js";
import { startSims, freePort } from "../dist/cli/sims.js";
import { completeSettings, localPlaneSettings, writeProxyConfig, firmwareDir } from "../dist/cli/proxy.js";
import { startNginx, stopNginx } from "../dist/cli/nginx.js";
import { enrollDevices } from "../dist/cli/enroll.js";
import { procCpuSeconds, nginxCpuSeconds } from "./proc_cpu.mjs";

const OPTIONS = { picos: 0, kib: 658, timeout: 600 };
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
const runs = opt.picos ? [opt.picos] : [1, 10];

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
  say(`control plane, proxy; image ${opt.kib} KiB; runs: ${runs.join(", ")} Pico(s) declared at once`);
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
    const configMap = `update-${run}`;
    const names = Array.from({ length: n }, (_, i) => `update-${run}-${i + 1}`);
    const payload = path.join(state, `payload-${version}.bin`);
    fs.writeFileSync(payload, crypto.randomBytes(opt.kib * 1024 - 256));
    const image = path.join(state, `fw-${version}.pkfw`);
    cli("firmware", "sign", payload, "--version", version, "--board", "sim", "--engine", "js", "--key", key, "--out", image);
    const sha = /firmware\.sha256: "([0-9a-f]{64})"/.exec(cli("firmware", "publish", image, "--dir", proxy.dir, "--pubkey", key.replace(/\.pem$/, ".pub.pem")))[1];
    const enrolled = await enrollDevices(names, { dir: proxy.dir, configMap: `default/${configMap}` });
    kubectl(env, ["create", "configmap", configMap, "--from-literal=memory_values=0=1"]);
    const started = await startSims({
      api: proxy.publicUrl, names, kubeletPort: port, state, extraConfig: "lease_renew_ms=2000\n", configMap: `default/${configMap}`,
      tokens: Object.fromEntries(enrolled.map((e) => [e.device.name, e.device.token])), firmware: { version: "1.0.0", trustedKey }, log: () => {},
    });
    picos.push(...started);
    port += n + 10;
    for (let i = 0; (await reasons(names)).some((r) => r !== "Current"); i++) {
      if (i > 120) throw new Error(`not all ${n} reported their firmware within 60 s: ${(await reasons(names)).join(", ")}`);
      await sleep(500);
    }
    const logBefore = fs.readFileSync(path.join(proxy.dir, "logs/access.log"), "utf8").length;
    const apiPid = Number(fs.readFileSync(path.join(state, "kube-apiserver.pid"), "utf8"));
    const cpu0 = { nginx: nginxCpuSeconds(proxy), api: procCpuSeconds(apiPid) };
    const declaredAt = Date.now();
    kubectl(env, ["patch", "configmap", configMap, "--type", "merge", "-p", JSON.stringify({ data: { "firmware.version": version, "firmware.sha256": sha } })]);
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
      if (now > opt.timeout * 1000) throw new Error(`not all confirmed within ${opt.timeout} s: ${r.join(", ")}`);
      await sleep(200);
    }
    const served = fs.readFileSync(path.join(proxy.dir, "logs/access.log"), "utf8").slice(logBefore).split("\n").filter((l) => l.includes(`GET /firmware/sim/js/${version}.pkfw`));
    const bytes = served.reduce((sum, l) => sum + Number(/bytes=(\d+)/.exec(l)?.[1] ?? 0), 0);
    const cpu = { nginx: nginxCpuSeconds(proxy) - cpu0.nginx, api: procCpuSeconds(apiPid) - cpu0.api };
    results.push({ n, verifiedMs, confirmedMs, bytes, requests: served.length, file: fs.statSync(image).size, cpu });
    say(`${n} Pico(s): all Verified ${(verifiedMs / 1000).toFixed(1)} s, all Confirmed ${(confirmedMs / 1000).toFixed(1)} s after the declaration`);
  }
  console.log("\nbench:update (simulated Picos through nginx; status polled every 200 ms, so times are within ~0.3 s)");
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
