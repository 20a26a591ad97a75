// pico-node proxy install|uninstall: a systemd unit that runs the stand-alone
// proxy's nginx, so the proxy comes back after a reboot or a crash. The unit
// runs nginx in the foreground with the proxy dir's own configuration; the
// pid file stays where `proxy reload`, enroll and revoke look for it, so they
// work unchanged on a proxy systemd started.
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { ProxySettings, parseListen } from "./proxy.js";
import { requireNginx, runningPid, stopNginx, testConfig } from "./nginx.js";

export const PROXY_UNIT = "pico-node-proxy.service";
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

/** The unit's text for the proxy in s.dir. */
export function proxyUnit(s: ProxySettings, nginx: string, kill: string): string {
  const dir = plainPath("the proxy dir", s.dir);
  const conf = `-p ${dir} -c ${dir}/nginx.conf`;
  return [
    `# Written by \`pico-node proxy install\` for the proxy in ${dir};`,
    "# `pico-node proxy uninstall` removes it. Regenerate rather than edit.",
    "[Unit]",
    `Description=k3s-pico-node proxy on ${s.listen} (nginx: the Picos' plain HTTP to TLS with per-device identities)`,
    // The API server may sit on this host (k3s) or elsewhere: wait for the network either way.
    "Wants=network-online.target",
    "After=network-online.target k3s.service",
    "",
    "[Service]",
    "Type=exec",
    `ExecStartPre=${plainPath("nginx", nginx)} -t -q ${conf}`,
    `ExecStart=${nginx} ${conf} -g "daemon off;"`,
    // A configuration nginx refuses is never signalled in (as `pico-node proxy reload` does).
    `ExecReload=${nginx} -t -q ${conf}`,
    `ExecReload=${plainPath("kill", kill)} -HUP $MAINPID`,
    // SIGTERM is nginx's fast shutdown: open watches end at once and the Picos reconnect.
    "KillSignal=SIGTERM",
    "TimeoutStopSec=15",
    "Restart=on-failure",
    "RestartSec=2",
    "UMask=0077",
    "NoNewPrivileges=yes",
    "PrivateTmp=yes",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
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
  /** false: write the unit only (and say how to enable it). */
  enable: boolean;
  progress: (line: string) => void;
}

function enableCommand(): string {
  return `systemctl daemon-reload && systemctl enable --now ${PROXY_UNIT}`;
}

/** Writes the proxy's unit and, on a machine systemd runs, enables and starts it in place of a stand-alone proxy. */
export async function installProxyUnit(s: ProxySettings, o: UnitOptions): Promise<void> {
  if (s.system) {
    o.progress(`the proxy in ${s.dir} is part of the system nginx, which systemd already starts at boot (systemctl enable nginx): nothing to install`);
    return;
  }
  requireNginx();
  const unit = proxyUnit(s, which("nginx"), which("kill"));
  testConfig(s); // a unit whose nginx refuses its configuration would fail at every boot
  const file = path.join(o.unitDir, PROXY_UNIT);
  const before = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : null;
  const other = before && /for the proxy in (\S+);/.exec(before)?.[1];
  if (other && other !== s.dir) o.progress(`${file} ran the proxy in ${other}; it now runs the one in ${s.dir}`);
  try {
    fs.mkdirSync(o.unitDir, { recursive: true });
    fs.writeFileSync(file, unit, { mode: 0o644 });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EACCES" || code === "EPERM") throw new Error(`writing ${file}: permission denied — run it as root (sudo), or give --unit-dir`);
    throw e;
  }
  o.progress(`wrote ${file}`);
  if (!o.enable) {
    o.progress(`enable it with: ${enableCommand()}`);
    return;
  }
  if (!systemdRunning()) {
    o.progress(`systemd is not running on this machine: enable it where it is, with: ${enableCommand()}`);
    return;
  }
  systemctl("daemon-reload");
  // A proxy `proxy start` left running holds the port: systemd's takes over from it.
  const standAlone = runningPid(s);
  if (standAlone && !underSystemd(standAlone)) {
    o.progress(`stopping the stand-alone proxy (nginx pid ${standAlone}) so systemd runs it`);
    await stopNginx(s);
  }
  systemctl("enable", "--now", PROXY_UNIT);
  if (standAlone && underSystemd(standAlone)) systemctl("restart", PROXY_UNIT); // the unit changed
  const { host, port } = parseListen(s.listen);
  for (let i = 0; i < 100; i++) {
    const pid = runningPid(s);
    if (pid && underSystemd(pid)) {
      o.progress(`${PROXY_UNIT} enabled and running (nginx pid ${pid}) on ${host}:${port}; it starts at boot`);
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const status = spawnSync("systemctl", ["status", "--no-pager", "-n", "10", PROXY_UNIT], { encoding: "utf8" }).stdout;
  throw new Error(`${PROXY_UNIT} is enabled but its nginx did not start within 10 s:\n${status.trim()}`);
}

/** Stops and disables the unit (where systemd runs) and removes it. */
export function uninstallProxyUnit(o: UnitOptions): void {
  const file = path.join(o.unitDir, PROXY_UNIT);
  if (!fs.existsSync(file)) {
    o.progress(`no ${PROXY_UNIT} in ${o.unitDir}: nothing to remove`);
    return;
  }
  if (o.enable && systemdRunning()) systemctl("disable", "--now", PROXY_UNIT);
  fs.rmSync(file);
  if (o.enable && systemdRunning()) systemctl("daemon-reload");
  o.progress(`removed ${file}${o.enable && systemdRunning() ? " (stopped and disabled)" : ""}; start the proxy by hand with \`pico-node proxy start\``);
}

/** The proxy dir a unit file was written for, if one is installed. */
export function installedUnitDir(unitDir = SYSTEM_UNIT_DIR): string | null {
  try {
    return /for the proxy in (\S+);/.exec(fs.readFileSync(path.join(unitDir, PROXY_UNIT), "utf8"))?.[1] ?? null;
  } catch {
    return null;
  }
}

/** Whether systemd started this process (its cgroup is a unit's). */
function underSystemd(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cgroup`, "utf8").includes(`/${PROXY_UNIT}`);
  } catch {
    return false;
  }
}
