// One run of the POSIX shell built with the failing allocator
// (native/posix/allocation_faults.c: PICO_FAIL_ALLOCATION=N fails the Nth
// malloc/calloc/realloc, later ones succeed) against an API server scripted
// in this process with the answers the emulator runs use (defaultApi in
// bench/firmware_emulator.mjs: registration, Lease, status, ConfigMap LIST
// and WATCH). The scenario: boot, register, create the Lease, LIST and apply
// the 1024-entry ConfigMap, WATCH, a MODIFIED event with 1024 new entries,
// every kubelet route once, a Lease renewal; then the allocation count. After
// it, recovery: the process is alive, answers /healthz, renews its Lease
// after the fault, and holds the ConfigMap's newest values in its region.
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";
import { KUBELET_REQUESTS, completeMessage, configMap, defaultApi, memoryValues, watchEvent } from "../../bench/firmware_emulator.mjs";
import { CONFIG } from "../host/helpers.mjs";
import { parseRequest, parseResponse } from "../host/fake_host.mjs";

const WASM = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../build/core.wasm");
const LEASES = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases";
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check, ms) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) return null;
    await sleep(20);
  }
}

/** The API server: defaultApi's answers on a local port; requests are noted with their time. */
async function scriptedApi() {
  const state = {};
  const answer = defaultApi(state);
  const seen = { watch: null, requests: [], sockets: new Set() };
  const server = net.createServer((socket) => {
    seen.sockets.add(socket);
    socket.on("close", () => seen.sockets.delete(socket));
    socket.on("error", () => {});
    const conn = { socket };
    let text = "";
    socket.setEncoding("latin1"); // one char per byte: Content-Length counts bytes
    socket.on("data", (data) => {
      text += data;
      for (let n; (n = completeMessage(text)); ) {
        const req = parseRequest(text.slice(0, n));
        text = text.slice(n);
        seen.requests.push({ method: req.method, target: req.target, at: Date.now() });
        const response = answer(req, conn, seen); // sets seen.watch for a WATCH
        if (response && !socket.destroyed) socket.write(response, "latin1");
        // As the API server does: a watch from an older version gets what changed since (the scenario's
        // one MODIFIED event may have gone to a watch that a restart of the core had just abandoned).
        const from = /[?&]watch=1&resourceVersion=(\d+)/.exec(req.target)?.[1];
        if (from && state.listVersion && Number(from) < Number(state.listVersion) && !socket.destroyed) {
          socket.write(watchEvent("MODIFIED", configMap(state.listVersion, state.listValues)), "latin1");
        }
      }
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    state, seen, port: server.address().port,
    close: () => { for (const s of seen.sockets) s.destroy(); server.close(); },
  };
}

const portsInUse = new Set();

/** A port for a kubelet listener: free now, below Linux's ephemeral range (so no outbound connection takes it
 *  while a shell retrying its boot has not bound it yet), and not handed to another run still going. */
async function claimPort() {
  for (;;) {
    const port = 21000 + Math.floor(Math.random() * 8000);
    if (portsInUse.has(port)) continue;
    const free = await new Promise((resolve) => {
      const s = net.createServer();
      s.once("error", () => resolve(false));
      s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
    });
    if (!free) continue;
    portsInUse.add(port);
    return port;
  }
}

/** One kubelet-port request; the parsed answer, or null if the connection closed without one or timed out. */
function kubelet(port, raw, ms = 2000) {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let out = "";
    const done = (value) => { clearTimeout(timer); socket.destroy(); resolve(value); };
    const timer = setTimeout(() => done(null), ms);
    socket.setEncoding("latin1");
    socket.on("connect", () => socket.write(raw));
    socket.on("data", (d) => {
      out += d;
      // The core keeps an HTTP/1.1 connection for the next request: a complete response is the answer.
      const n = completeMessage(out);
      if (n) done(parseResponse(out.slice(0, n)));
    });
    socket.on("error", () => done(null));
    socket.on("close", () => done(out.includes("\r\n\r\n") ? parseResponse(out) : null));
  });
}

/**
 * Runs the scenario with allocation failAt failing (0: none). Returns
 * { allocations (counted at the scenario's end), fault (the shell's line, or
 * null if the run never reached that allocation), recovered, why (what did
 * not recover), exit, log }.
 */
export async function allocationFaultRun(shellProgram, failAt) {
  const api = await scriptedApi();
  const state = fs.mkdtempSync(path.join(os.tmpdir(), "pico-oom-"));
  // The kubelet port serves TLS only once a certificate is issued, which this scripted API does not do:
  // requests go to the plain healthz port (the shell's connection handling and the core's routing
  // alike; only /healthz is served there), and the region is read from the shell's state file.
  const kubeletPort = await claimPort();
  const healthzPort = await claimPort();
  const config = path.join(state, "device.env");
  fs.writeFileSync(config, CONFIG.replace(/^api=.*$/m, `api=http://127.0.0.1:${api.port}`) + [
    "wifi_ssid=unused-on-posix", `kubelet_port=${kubeletPort}`, `healthz_port=${healthzPort}`, "lease_renew_ms=100",
    "backoff_initial_ms=50", "backoff_max_ms=200", "lease_backoff_max_ms=200", "",
  ].join("\n"));
  const shell = spawn(shellProgram, ["--config", config, "--wasm", WASM, "--state", state, "--quiet"], {
    stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, PICO_FAIL_ALLOCATION: String(failAt) },
  });
  let log = "", fault = null, faultAt = 0;
  const counts = [];
  const exited = new Promise((resolve) => shell.on("exit", (code, signal) => resolve({ code, signal })));
  shell.stderr.setEncoding("utf8");
  shell.stderr.on("data", (d) => {
    log += d;
    for (const line of d.split("\n")) {
      if (line.startsWith("allocation fault: ") && !fault) { fault = line; faultAt = Date.now(); }
      const m = /^allocations: (\d+)$/.exec(line);
      if (m) counts.push(Number(m[1]));
    }
  });
  const alive = () => shell.exitCode === null && shell.signalCode === null;
  const why = [];
  let allocations = null;
  try {
    // The scenario: each step waits a bounded time, then goes on whatever happened (a fault may refuse it).
    await until(() => api.seen.watch || !alive(), 5000);
    const next = memoryValues(2);
    api.state.listVersion = "101"; // a re-LIST after a restart finds the new values too
    api.state.listValues = next.text;
    api.seen.watch?.socket.write(watchEvent("MODIFIED", configMap("101", next.text)));
    for (const [, raw] of KUBELET_REQUESTS) if (alive()) await kubelet(healthzPort, raw);
    const renewedAfter = (t) => api.seen.requests.some((r) => r.at > t && r.target.startsWith(LEASES) && (r.method === "PUT" || r.method === "POST"));
    const requestsDone = Date.now();
    await until(() => renewedAfter(requestsDone) || !alive(), 3000);
    if (alive()) {
      shell.kill("SIGUSR1");
      await until(() => counts.length > 0 || !alive(), 2000);
      allocations = counts[0] ?? null;
    }

    // Recovery, once allocations succeed again.
    const checked = Date.now();
    const healthy = await until(async () => alive() && (await kubelet(healthzPort, "GET /healthz HTTP/1.1\r\nHost: pico\r\n\r\n", 1000))?.status === 200, 10_000);
    if (!healthy) why.push("/healthz never answered 200");
    if (!(await until(() => renewedAfter(Math.max(checked, faultAt)) || !alive(), 10_000))) why.push("no Lease renewal after the fault");
    const want = Buffer.from(next.bytes).toString("hex");
    const regionFile = path.join(state, "region.bin"); // a 12-byte record head, then the region (persisted within 1 s)
    const applied = await until(() => fs.existsSync(regionFile) && fs.readFileSync(regionFile).subarray(12, 12 + 1024).toString("hex") === want, 10_000);
    if (!applied) why.push("the region never held the ConfigMap's newest values");
    if (!alive()) why.push(`the process ended (exit ${shell.exitCode}, signal ${shell.signalCode})`);
  } finally {
    if (alive()) shell.kill("SIGTERM");
    const timer = setTimeout(() => shell.kill("SIGKILL"), 3000);
    var exit = await exited;
    clearTimeout(timer);
    api.close();
    portsInUse.delete(kubeletPort);
    portsInUse.delete(healthzPort);
    fs.rmSync(state, { recursive: true, force: true });
  }
  return { allocations, fault, recovered: why.length === 0, why, exit, log };
}
