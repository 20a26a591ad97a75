// pico-node proxy install|uninstall: systemd units that bring the proxy back
// after a reboot or a crash. pico-node-proxy.service runs the stand-alone
// proxy's nginx in the foreground with the proxy dir's own configuration (the
// pid file stays where `proxy reload`, enroll and revoke look for it, so they
// work unchanged on it); pico-node-approver.service runs the CSR approver for
// the devices enrolled there.
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { ROOT } from "./cluster.js";
import { ProxySettings, parseListen } from "./proxy.js";
import { requireNginx, runningPid, stopNginx, testConfig } from "./nginx.js";

export const PROXY_UNIT = "pico-node-proxy.service";
export const APPROVER_UNIT = "pico-node-approver.service";
export const SYSTEM_UNIT_DIR = "/etc/systemd/system";

// Characters a unit's command line takes as they are: no quoting, no specifier (%), no variable ($).
const PLAIN_PATH = /^[A-Za-z0-9._/@+-]+$/;

/** The program's absolute path on PATH (a unit names its programs in full; `kill` is also a shell builtin). */
function which(tool: string): string {
  for (const dir of (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/usr/bin", "/bin"])) {
    const candidate = path.join(dir, tool);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (path.isAbsolute(candidate) && fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  throw new Error(`${tool} is not installed (not found on PATH)`);
}

function plainPath(what: string, p: string): string {
  const bad = [...p].find((c) => !PLAIN_PATH.test(c));
  if (bad !== undefined) throw new Error(`${what} ${p} holds ${JSON.stringify(bad)}, which a systemd unit's command line would read otherwise: use a path of letters, digits and . _ / @ + -`);
  return p;
}

/** A unit for the proxy in dir: our header, the network before it, the service's own lines, the shared hardening. */
function unitText(dir: string, description: string, service: string[]): string {
  return [
    `# Written by \`pico-node proxy install\` for the proxy in ${dir};`,
    "# `pico-node proxy uninstall` removes it. Regenerate rather than edit.",
    "[Unit]",
    `Description=${description}`,
    // The API server may sit on this host (k3s) or elsewhere: wait for the network either way.
    "Wants=network-online.target",
    "After=network-online.target k3s.service",
    "",
    "[Service]",
    "Type=exec",
    ...service,
    "Restart=on-failure",
    "UMask=0077",
    "NoNewPrivileges=yes",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

/** The unit's text for the proxy in s.dir. */
export function proxyUnit(s: ProxySettings, nginx: string, kill: string): string {
  const dir = plainPath("the proxy dir", s.dir);
  const conf = `-p ${dir} -c ${dir}/nginx.conf`;
  return unitText(dir, `k3s-pico-node proxy on ${s.listen} (nginx: the Picos' plain HTTP to TLS with per-device identities)`, [
    `ExecStartPre=${plainPath("nginx", nginx)} -t -q ${conf}`,
    `ExecStart=${nginx} ${conf} -g "daemon off;"`,
    // A configuration nginx refuses is never signalled in (as `pico-node proxy reload` does).
    `ExecReload=${nginx} -t -q ${conf}`,
    `ExecReload=${plainPath("kill", kill)} -HUP $MAINPID`,
    // SIGTERM is nginx's fast shutdown: open watches end at once and the Picos reconnect.
    "KillSignal=SIGTERM",
    "TimeoutStopSec=15",
    "RestartSec=2",
  ]);
}

/** The approver's unit: `pico-node approver` for the devices of s.dir, with this checkout's CLI and this Node.js. */
export function approverUnit(s: ProxySettings, node: string, cli: string): string {
  const dir = plainPath("the proxy dir", s.dir);
  return unitText(dir, `k3s-pico-node approver: kubelet-serving CSRs of the devices enrolled in ${dir}`, [
    `ExecStart=${plainPath("node", node)} ${plainPath("the CLI", cli)} approver --dir ${dir}`,
    "RestartSec=5",
  ]);
}

function systemdRunning(): boolean {
  return fs.existsSync("/run/systemd/system");
}

function systemctl(...args: string[]): void {
  const r = spawnSync("systemctl", args, { encoding: "utf8" });
  if (r.error || r.status !== 0) throw new Error(`systemctl ${args.join(" ")} failed: ${(r.stderr || r.error?.message || "").trim()}`);
}

export interface UnitOptions {
  unitDir: string;
  /** false: write the units only (and say how to enable them). */
  enable: boolean;
  progress: (line: string) => void;
}

function writeUnit(o: UnitOptions, name: string, text: string, proxyDir: string): void {
  const file = path.join(o.unitDir, name);
  const other = installedUnitDir(o.unitDir, name);
  if (other && other !== proxyDir) o.progress(`${file} served the proxy in ${other}; it now serves the one in ${proxyDir}`);
  try {
    fs.mkdirSync(o.unitDir, { recursive: true });
    fs.writeFileSync(file, text, { mode: 0o644 });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EACCES" || code === "EPERM") throw new Error(`writing ${file}: permission denied — run it as root (sudo), or give --unit-dir`);
    throw e;
  }
  o.progress(`wrote ${file}`);
}

/**
 * Writes the units for the proxy in s.dir (the approver's only, when the
 * proxy is part of the system nginx) and, on a machine systemd runs, enables
 * and starts them, in place of a stand-alone proxy started by hand.
 */
export async function installProxyUnit(s: ProxySettings, o: UnitOptions): Promise<void> {
  const units: [string, string][] = [];
  if (s.system) o.progress(`the proxy in ${s.dir} is part of the system nginx, which systemd already starts at boot (systemctl enable nginx)`);
  else {
    requireNginx();
    units.push([PROXY_UNIT, proxyUnit(s, which("nginx"), which("kill"))]);
    testConfig(s); // a unit whose nginx refuses its configuration would fail at every boot
  }
  units.push([APPROVER_UNIT, approverUnit(s, process.execPath, path.join(ROOT, "bin/pico-node.mjs"))]);
  for (const [name, text] of units) writeUnit(o, name, text, s.dir);
  const names = units.map(([name]) => name).join(" ");
  const enableCommand = `systemctl daemon-reload && systemctl enable --now ${names}`;
  if (!o.enable) return o.progress(`enable them with: ${enableCommand}`);
  if (!systemdRunning()) return o.progress(`systemd is not running on this machine: enable them where it is, with: ${enableCommand}`);
  systemctl("daemon-reload");
  // A proxy `proxy start` left running holds the port: systemd's takes over from it.
  const running = s.system ? null : runningPid(s);
  if (running && !underSystemd(running)) {
    o.progress(`stopping the stand-alone proxy (nginx pid ${running}) so systemd runs it`);
    await stopNginx(s);
  }
  const active = units.map(([name]) => name).filter((name) => spawnSync("systemctl", ["is-active", "--quiet", name]).status === 0);
  systemctl("enable", "--now", ...units.map(([name]) => name));
  if (active.length) systemctl("restart", ...active); // those already running take the units as written now
  if (s.system) return o.progress(`${APPROVER_UNIT} enabled and running; it starts at boot`);
  const { host, port } = parseListen(s.listen);
  for (let i = 0; i < 100; i++) {
    const pid = runningPid(s);
    if (pid && underSystemd(pid)) return o.progress(`${names} enabled and running (nginx pid ${pid} on ${host}:${port}); they start at boot`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const status = spawnSync("systemctl", ["status", "--no-pager", "-n", "10", PROXY_UNIT], { encoding: "utf8" }).stdout;
  throw new Error(`${PROXY_UNIT} is enabled but its nginx did not start within 10 s:\n${status.trim()}`);
}

/** Stops and disables the units (where systemd runs) and removes them. */
export function uninstallProxyUnit(o: UnitOptions): void {
  const present = [PROXY_UNIT, APPROVER_UNIT].filter((name) => fs.existsSync(path.join(o.unitDir, name)));
  if (!present.length) return o.progress(`no ${PROXY_UNIT} or ${APPROVER_UNIT} in ${o.unitDir}: nothing to remove`);
  const live = o.enable && systemdRunning();
  if (live) systemctl("disable", "--now", ...present);
  for (const name of present) fs.rmSync(path.join(o.unitDir, name));
  if (live) systemctl("daemon-reload");
  o.progress(`removed ${present.map((name) => path.join(o.unitDir, name)).join(", ")}${live ? " (stopped and disabled)" : ""}; start the proxy by hand with \`pico-node proxy start\``);
}

/** The proxy dir an installed unit was written for, if it is installed. */
export function installedUnitDir(unitDir = SYSTEM_UNIT_DIR, name = PROXY_UNIT): string | null {
  try {
    return /for the proxy in (\S+);/.exec(fs.readFileSync(path.join(unitDir, name), "utf8"))?.[1] ?? null;
  } catch {
    return null;
  }
}

/** Whether systemd started this process (its cgroup is the proxy unit's). */
function underSystemd(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cgroup`, "utf8").includes(`/${PROXY_UNIT}`);
  } catch {
    return false;
  }
}
