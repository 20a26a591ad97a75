// npm run bench:fleet-scrape — what metrics-server scraping a fleet of
// simulated Picos costs. A local plane (etcd, kube-apiserver,
// controller-manager, metrics-server at --metric-resolution=15s), the nginx
// proxy and the serving-certificate approver; N simulated Picos enrolled
// behind the proxy, each with its serving certificate (CSR → approver →
// controller-manager) and serving its kubelet port over TLS. Once
// metrics-server has every Pico, a window of steady state: CPU seconds per
// minute of each process (/proc/<pid>/stat), the review requests the Picos
// send through the proxy (TokenReview, SubjectAccessReview) per minute, how
// the scrapes went, and `kubectl top node`. Prints figures; asserts nothing.
// Options: --picos N (100) --window S (120) --port P (40250: kubelet ports P…P+N-1,
//          healthz ports below P) --timeout S (1200: for the fleet to be scraped)
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFile } from "node:child_process";
import { clusterUp, clusterDown, kubectl } from "../dist/cli/cluster.js";
import { startSims, freePort } from "../dist/cli/sims.js";
import { completeSettings, localPlaneSettings, writeProxyConfig } from "../dist/cli/proxy.js";
import { startNginx, stopNginx } from "../dist/cli/nginx.js";
import { enrollDevices } from "../dist/cli/enroll.js";
import { startApprover } from "../dist/cli/approver.js";
import { procCpuSeconds, nginxCpuSeconds } from "./proc_cpu.mjs";

const OPTIONS = { picos: 100, window: 120, port: 40250, timeout: 1200 };
function parseOptions(argv) {
  const o = { ...OPTIONS };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, "");
    const value = Number(argv[i + 1]);
    if (!(key in OPTIONS) || !argv[i].startsWith("--")) throw new Error(`unknown option ${argv[i]} (options: ${Object.keys(OPTIONS).map((k) => `--${k}`).join(" ")})`);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`--${key} wants a positive whole number, got ${argv[i + 1] ?? "nothing"}`);
    o[key] = value;
  }
  if (o.port - 2 - o.picos < 1024 || o.port + o.picos > 65535) throw new Error(`--port ${o.port} leaves no room for ${o.picos} kubelet ports above it and healthz ports below it`);
  return o;
}
let opt;
try {
  opt = parseOptions(process.argv.slice(2));
} catch (e) {
  console.error(`bench:fleet-scrape: ${e.message}`);
  process.exit(2);
}
const N = opt.picos;

const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s`;
const say = (line) => console.log(`[${elapsed()}] ${line}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const names = Array.from({ length: N }, (_, i) => `scrape-${i + 1}`);
const fleet = new Set(names);

const state = fs.mkdtempSync(path.join(os.tmpdir(), "pico-scrape-"));
let env = null, proxy = null, approver = null, picos = [];
let cleaning = null;
function cleanUp() {
  cleaning ??= (async () => {
    await approver?.stop();
    await Promise.all(picos.map((p) => p.stop()));
    if (proxy) await stopNginx(proxy).catch((e) => console.error(`nginx: ${e.message}`));
    if (env) clusterDown(state);
    fs.rmSync(state, { recursive: true, force: true });
  })();
  return cleaning;
}
for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => cleanUp().finally(() => process.exit(130)));

const kubectlAsync = (args) =>
  new Promise((resolve, reject) =>
    execFile("kubectl", ["--kubeconfig", env.kubeconfig, ...args], { maxBuffer: 64 << 20 }, (err, stdout, stderr) => (err ? reject(new Error(`kubectl ${args.join(" ")}: ${stderr || err.message}`)) : resolve(stdout))),
  );

/** How far the fleet has come: Ready nodes, serving certificates, nodes in the metrics API. */
async function progress() {
  const nodes = JSON.parse(await kubectlAsync(["get", "nodes", "-o", "json"])).items.filter((n) => fleet.has(n.metadata.name));
  const ready = nodes.filter((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")).length;
  const serving = picos.filter((p) => p.servingCertificate).length;
  let scraped = 0;
  try {
    scraped = JSON.parse(await kubectlAsync(["get", "--raw", "/apis/metrics.k8s.io/v1beta1/nodes"])).items.filter((m) => fleet.has(m.metadata.name)).length;
  } catch {
    // the metrics API answers 503 while metrics-server has nothing yet
  }
  return { registered: nodes.length, ready, serving, scraped };
}

/** "METHOD resource[/subresource][ watch]" of a proxy access-log line, e.g. "PUT leases", "PATCH nodes/status". */
function requestKind(line) {
  const m = /"(\w+) ([^" ]+)"/.exec(line);
  if (!m) return "unparsed";
  const [pathname, query = ""] = m[2].split("?");
  const parts = pathname.replace(/^\/(api\/v1|apis\/[^/]+\/[^/]+)\//, "").split("/").filter(Boolean);
  if (parts[0] === "namespaces" && parts.length > 2) parts.splice(0, 2);
  return `${m[1]} ${parts[0] ?? "/"}${parts[2] ? `/${parts[2]}` : ""}${/(^|&)watch=(1|true)/.test(query) ? " watch" : ""}`;
}

/** Bytes appended to a file since offset, and the new offset. */
function appended(file, offset) {
  const size = fs.statSync(file).size;
  const fd = fs.openSync(file, "r");
  const bytes = Buffer.alloc(size - offset);
  fs.readSync(fd, bytes, 0, bytes.length, offset);
  fs.closeSync(fd);
  return bytes.toString("utf8");
}

/**
 * TCP connections to the kubelet ports as "kubelet port:client port", from /proc/net/tcp, added to out.
 * Both ends are on this machine and whichever closes first keeps its socket in TIME_WAIT for 60 s,
 * so sampling every few seconds sees every connection, however short.
 */
function kubeletConnections(out = new Set()) {
  const inRange = (port) => port >= opt.port && port < opt.port + N;
  for (const line of fs.readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || f[3] === "0A") continue; // 0A: LISTEN
    const local = parseInt(f[1].split(":")[1], 16), peer = parseInt(f[2].split(":")[1], 16);
    if (inRange(local)) out.add(`${local}:${peer}`);
    else if (inRange(peer)) out.add(`${peer}:${local}`);
  }
  return out;
}

try {
  say(`control plane in ${state} (etcd, kube-apiserver, controller-manager, metrics-server)`);
  env = clusterUp({ state, nodes: [] });
  proxy = completeSettings({ dir: path.join(state, "proxy"), ...localPlaneSettings(env), listen: `127.0.0.1:${await freePort(16080)}` });
  writeProxyConfig(proxy);
  await startNginx(proxy);
  let approved = 0;
  const approverNotes = [];
  approver = startApprover({ dir: proxy.dir, kubeconfig: env.kubeconfig, log: (l) => (/^approved /.test(l) ? approved++ : approverNotes.push(l)) });
  say(`proxy at ${proxy.publicUrl}, approver running; enrolling ${N} devices`);
  const enrolAt = Date.now();
  const enrolled = await enrollDevices(names, { dir: proxy.dir, progress: (l) => say(`  enrol: ${l}`) });
  say(`enrolled ${N} in ${((Date.now() - enrolAt) / 1000).toFixed(0)} s`);
  const tokens = Object.fromEntries(enrolled.map((e) => [e.device.name, e.device.token]));
  say(`starting ${N} simulated Picos in this process (kubelet ports ${opt.port}…${opt.port + N - 1})`);
  const simErrors = [];
  picos = await startSims({ api: proxy.publicUrl, names, kubeletPort: opt.port, state, tokens, log: (name, level, line) => level === "error" && simErrors.push(`${name}: ${line}`) });
  const startedAt = Date.now();
  const ports = picos.map((p) => p.opts.kubeletPort);
  if (new Set(ports).size !== N || Math.max(...ports) >= opt.port + N) say(`  note: kubelet ports ${Math.min(...ports)}…${Math.max(...ports)} (some were taken)`);
  say(`waiting for all ${N} to be Ready, hold serving certificates and be in the metrics API (metrics-server lists a node after two scrapes, 15 s apart)`);
  const phases = {};
  for (let last = "";;) {
    const p = await progress();
    const line = `${p.registered}/${N} registered, ${p.ready} Ready, ${approved} CSRs approved, ${p.serving} serving certificates, ${p.scraped} in the metrics API`;
    if (line !== last) say(`  ${line}`);
    last = line;
    for (const [k, v] of Object.entries(p)) if (v >= N && !(k in phases)) phases[k] = (Date.now() - startedAt) / 1000;
    if (p.scraped >= N) break;
    if (Date.now() - startedAt > opt.timeout * 1000) {
      throw new Error(`after ${opt.timeout} s only ${line}${approverNotes.length ? `\napprover: ${approverNotes.slice(-5).join("\n  ")}` : ""}${simErrors.length ? `\nsimulator errors: ${simErrors.slice(-5).join("\n  ")}` : ""}`);
    }
    await sleep(5000);
  }
  say(`all ${N} scraped; from the Picos' start: Ready after ${phases.ready.toFixed(0)} s, serving certificates after ${phases.serving.toFixed(0)} s, all in the metrics API after ${phases.scraped.toFixed(0)} s`);

  // ---- the window: nothing of this bench runs in it but the timer ----
  const pidOf = (name) => Number(fs.readFileSync(path.join(state, `${name}.pid`), "utf8"));
  const plane = ["kube-apiserver", "etcd", "kube-controller-manager", "metrics-server"].map((name) => ({ name, pid: pidOf(name) }));
  const accessLog = path.join(proxy.dir, "logs/access.log");
  const msLog = path.join(state, "metrics-server.log");
  const cpu = () => ({
    ...Object.fromEntries(plane.map(({ name, pid }) => [name, procCpuSeconds(pid)])),
    "nginx (master + workers)": nginxCpuSeconds(proxy),
    "simulator (this Node process)": procCpuSeconds(process.pid),
  });
  say(`measuring for ${opt.window} s`);
  const cpu0 = cpu(), logAt = fs.statSync(accessLog).size, msAt = fs.statSync(msLog).size;
  const w0 = Date.now();
  const before = kubeletConnections(), seen = new Set(before);
  while (Date.now() - w0 < opt.window * 1000) {
    await sleep(Math.min(5000, opt.window * 1000 - (Date.now() - w0)));
    kubeletConnections(seen);
  }
  const connections = seen.size - before.size;
  const after = cpu(), windowS = (Date.now() - w0) / 1000;
  const requests = appended(accessLog, logAt).split("\n").filter(Boolean);
  const msLines = appended(msLog, msAt).split("\n");
  const perMin = (n) => ((n * 60) / windowS).toFixed(1);

  const top = await kubectlAsync(["top", "node", "--no-headers"]).catch((e) => e.message);
  const topRows = top.split("\n").map((l) => l.trim().split(/\s+/)).filter((f) => fleet.has(f[0]));
  // kubectl top rounds memory to Mi (a Pico's is below 1 Mi): the metrics API has the exact figures.
  const usage = JSON.parse(await kubectlAsync(["get", "--raw", "/apis/metrics.k8s.io/v1beta1/nodes"])).items.filter((m) => fleet.has(m.metadata.name));
  const nonZero = usage.filter((m) => !/^0[a-zA-Z]*$/.test(m.usage.cpu) && !/^0[a-zA-Z]*$/.test(m.usage.memory));

  console.log(`\nmetrics-server scraping ${N} simulated Picos every 15 s through TLS kubelet ports; ${windowS.toFixed(0)} s window on ${os.cpus().length} cores (${os.cpus()[0].model.trim()})`);
  console.log(`\n${"process".padEnd(32)}  CPU s/min  % of a core`);
  for (const k of Object.keys(cpu0)) {
    const s = after[k] - cpu0[k];
    console.log(`${k.padEnd(32)}  ${((s * 60) / windowS).toFixed(2).padStart(9)}  ${((s / windowS) * 100).toFixed(1).padStart(11)}`);
  }
  const kinds = new Map();
  for (const line of requests) {
    const kind = requestKind(line);
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  const byKind = [...kinds].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${perMin(n)}`).join(", ");
  console.log(`\nthrough the proxy, per minute: ${perMin(requests.length)} requests; reviews: SubjectAccessReview ${perMin(kinds.get("POST subjectaccessreviews") ?? 0)}, TokenReview ${perMin(kinds.get("POST tokenreviews") ?? 0)}`);
  console.log(`  by kind: ${byKind}`);
  const failed = msLines.filter((l) => /Failed to scrape node|unable to fully scrape/i.test(l));
  console.log(`metrics-server in the window: ${failed.length} scrape errors${failed.length ? ` (first: ${failed[0].slice(0, 200)})` : ""}`);
  const perPico = (connections * 60) / windowS / N;
  console.log(`TCP connections (each a TLS handshake) to the kubelet ports: ${perMin(connections)} per minute, ${perPico.toFixed(2)} per Pico per minute — ${(perPico / 4).toFixed(2)} per scrape at metrics-server's 4 scrapes a minute`);
  console.log(`kubectl top node: ${topRows.length} of ${N} Picos listed${topRows[0] ? ` (e.g. ${topRows[0].join(" ")})` : ` (${top.trim().slice(0, 200)})`}; metrics API: ${nonZero.length} with non-zero CPU and memory${usage[0] ? ` (e.g. ${usage[0].metadata.name} cpu ${usage[0].usage.cpu}, memory ${usage[0].usage.memory})` : ""}`);
  if (opt.window < 300) console.log(`(the Picos cache an allowed SubjectAccessReview for 5 min: a window under 300 s may see none or a burst; --window 300 gives the steady rate)`);
  console.log(`simulator: ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB RSS for ${N} Picos${simErrors.length ? `; ${simErrors.length} error lines (first: ${simErrors[0]})` : ""}`);
} finally {
  await cleanUp();
}
