// Running nginx for the proxy: a stand-alone instance whose every file lives in
// the proxy dir (no system service, no privileged port), or the system nginx
// when the proxy is included there. Processes are only ever signalled by the
// pid in the pid file, and only when that pid really is nginx.
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { ProxySettings, parseListen } from "./proxy.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** nginx ≥ 1.21 (variables and data: in proxy_ssl_certificate); Debian bookworm has 1.22. */
export function requireNginx(): string {
  const r = spawnSync("nginx", ["-v"], { encoding: "utf8" });
  if (r.error || r.status !== 0) throw new Error("nginx is not installed: `apt-get install nginx` (Debian) — the proxy needs nginx 1.21 or later");
  const m = /nginx\/(\d+)\.(\d+)/.exec(r.stderr);
  if (!m || Number(m[1]) * 1000 + Number(m[2]) < 1021) throw new Error(`${r.stderr.trim()}: the proxy needs nginx 1.21 or later (variables in proxy_ssl_certificate)`);
  return `${m[1]}.${m[2]}`;
}

function confArgs(s: ProxySettings): string[] {
  return s.system ? [] : ["-p", s.dir, "-c", path.join(s.dir, "nginx.conf")];
}

/** nginx -t: a configuration nginx would refuse is never signalled in. */
export function testConfig(s: ProxySettings): void {
  const r = spawnSync("nginx", ["-t", "-q", ...confArgs(s)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`nginx rejects the configuration in ${s.dir}:\n${r.stderr.trim()}`);
}

function isNginx(pid: number): boolean {
  try {
    return path.basename(fs.readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, "")) === "nginx";
  } catch {
    return false;
  }
}

/** The master's pid, if the pid file names a running nginx. */
export function runningPid(s: ProxySettings): number | null {
  try {
    const pid = Number(fs.readFileSync(s.pidFile, "utf8").trim());
    return pid > 0 && isNginx(pid) ? pid : null;
  } catch {
    return null;
  }
}

function workers(master: number): number[] {
  try {
    return fs.readFileSync(`/proc/${master}/task/${master}/children`, "utf8").split(" ").map(Number).filter((p) => p > 0);
  } catch {
    return [];
  }
}

function portOpen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, host === "0.0.0.0" ? "127.0.0.1" : host);
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });
}

/** Starts the stand-alone nginx and waits until it accepts connections. */
export async function startNginx(s: ProxySettings): Promise<number> {
  if (s.system) throw new Error(`the proxy in ${s.dir} is part of the system nginx: start that (systemctl start nginx)`);
  requireNginx();
  const old = runningPid(s);
  if (old) throw new Error(`a proxy is already running from ${s.dir} (pid ${old}): \`pico-node proxy stop --dir ${s.dir}\``);
  testConfig(s);
  const { host, port } = parseListen(s.listen);
  if (await portOpen(port, host)) throw new Error(`port ${port} is already in use: choose another with --listen`);
  const out = fs.openSync(path.join(s.dir, "logs", "nginx.out"), "w");
  // Its own session: Ctrl-C in the terminal reaches the CLI, which stops nginx in order.
  const child = spawn("nginx", [...confArgs(s), "-g", "daemon off;"], { detached: true, stdio: ["ignore", out, out] });
  let exited: number | null = null;
  child.once("exit", (code) => (exited = code ?? -1));
  child.unref();
  fs.closeSync(out);
  for (let i = 0; i < 100; i++) {
    if (exited !== null) break;
    if (runningPid(s) === child.pid && (await portOpen(port, host))) return child.pid!;
    await sleep(100);
  }
  if (exited === null && child.pid) process.kill(child.pid, "SIGTERM");
  const log = ["nginx.out", "error.log"].map((f) => path.join(s.dir, "logs", f)).filter(fs.existsSync).map((f) => fs.readFileSync(f, "utf8").trim()).join("\n");
  throw new Error(`nginx did not start (${exited !== null ? `exit ${exited}` : "not listening after 10 s"}):\n${log.split("\n").slice(-10).join("\n")}`);
}

/** Stops the stand-alone nginx (fast shutdown: open watches end at once). */
export async function stopNginx(s: ProxySettings): Promise<boolean> {
  const pid = runningPid(s);
  if (!pid) return false;
  process.kill(pid, "SIGTERM");
  for (let i = 0; i < 100 && isNginx(pid); i++) await sleep(100);
  if (isNginx(pid)) {
    process.kill(pid, "SIGKILL");
    for (let i = 0; i < 50 && isNginx(pid); i++) await sleep(100);
  }
  const { host, port } = parseListen(s.listen);
  for (let i = 0; i < 50 && (await portOpen(port, host)); i++) await sleep(100);
  if (isNginx(pid) || (await portOpen(port, host))) throw new Error(`nginx (pid ${pid}) did not stop, or port ${port} is still open`);
  return true;
}

/** An old worker that has begun its graceful exit has already closed its listening sockets. */
function retiring(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("shutting down");
  } catch {
    return true; // gone
  }
}

/**
 * Makes a running nginx read the configuration again (SIGHUP). Returns false
 * if none runs. Returns once new workers run and every old one has stopped
 * accepting connections, so the next connection sees the new maps. With
 * drain, waits until the old workers have exited (worker_shutdown_timeout
 * bounds it), so no connection admitted under the old maps is left — what
 * revoke needs.
 */
export async function reloadNginx(s: ProxySettings, drain: boolean): Promise<boolean> {
  const pid = runningPid(s);
  if (!pid) return false;
  testConfig(s);
  const before = workers(pid);
  process.kill(pid, "SIGHUP");
  const deadline = Date.now() + (drain ? 30_000 : 10_000);
  while (Date.now() < deadline) {
    const now = workers(pid);
    const fresh = now.some((w) => !before.includes(w));
    const old = before.filter((w) => now.includes(w));
    if (fresh && (drain ? old.length === 0 : old.every(retiring))) return true;
    await sleep(20);
  }
  if (drain) throw new Error(`nginx (pid ${pid}) reloaded, but its old workers still serve open connections after 30 s: set worker_shutdown_timeout (e.g. 5s) in the main context of its nginx.conf`);
  throw new Error(`nginx (pid ${pid}) started no new workers after a reload; see its error log`);
}
