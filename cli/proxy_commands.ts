// pico-node proxy config|start|stop|reload|status|fault|install|uninstall, enroll, revoke.
import path from "node:path";
import { defaultStateDir, readEnv } from "./cluster.js";
import { ProxyInput, ProxySettings, SignerChoice, completeSettings, defaultProxyDir, localPlaneSettings, readProxySettings, writeProxyConfig, K3S } from "./proxy.js";
import { listDevices } from "./devices.js";
import { reloadNginx, requireNginx, runningPid, startNginx, stopNginx } from "./nginx.js";
import { enrollDevices, revokeDevices } from "./enroll.js";
import { parseFault, readFaults, writeFaults } from "./faults.js";
import { withProxyLock } from "./lock.js";
import { SYSTEM_UNIT_DIR, PROXY_UNIT, UnitOptions, installProxyUnit, installedUnitDir, uninstallProxyUnit } from "./systemd.js";

type Opt = Record<string, string>;

/** --dir, else the local cluster's <state>/proxy when --state is given, else ~/.config/pico-node/proxy. */
export function proxyDirFrom(opt: Opt): string {
  return path.resolve(opt.dir ?? (opt.state ? path.join(opt.state, "proxy") : flag(opt, "local") ? path.join(defaultStateDir(), "proxy") : defaultProxyDir()));
}

function flag(opt: Opt, name: string): boolean {
  const v = opt[name];
  if (v === undefined) return false;
  if (v !== "true") throw new Error(`--${name} takes no value (got "${v}"); put names before the options`);
  return true;
}

function signerOpt(opt: Opt): SignerChoice | undefined {
  const v = opt.signer;
  if (v !== undefined && !["auto", "csr", "ca"].includes(v)) throw new Error(`--signer "${v}": expected auto, csr or ca`);
  return v as SignerChoice | undefined;
}

function configInput(opt: Opt): ProxyInput {
  const dir = proxyDirFrom(opt);
  let preset: Partial<ProxyInput> = {};
  if (flag(opt, "k3s") && flag(opt, "local")) throw new Error("--k3s and --local exclude each other");
  if (flag(opt, "k3s")) preset = { ...K3S };
  if (flag(opt, "local")) {
    const state = opt.state ?? defaultStateDir();
    const env = readEnv(state);
    if (!env) throw new Error(`--local: no control plane is up at ${state} (\`pico-node cluster up\`)`);
    preset = { ...localPlaneSettings(env), listen: `127.0.0.1:6080` };
  }
  if (opt.burst !== undefined && !/^\d+$/.test(opt.burst)) throw new Error(`--burst "${opt.burst}": expected a whole number of requests`);
  return {
    ...preset,
    dir,
    ...(opt.listen && { listen: opt.listen }),
    ...(opt["public-url"] && { publicUrl: opt["public-url"] }),
    ...(opt.api && { apiServer: opt.api }),
    ...(opt["api-ca"] && { apiCa: opt["api-ca"] }),
    ...(opt["api-name"] && { apiServerName: opt["api-name"] }),
    ...(opt.kubeconfig && { kubeconfig: opt.kubeconfig }),
    ...(opt["client-ca"] && { clientCaCert: opt["client-ca"] }),
    ...(opt["client-ca-key"] && { clientCaKey: opt["client-ca-key"] }),
    ...(signerOpt(opt) && { signer: signerOpt(opt) }),
    ...(opt.rate && { rate: opt.rate }),
    ...(opt.burst !== undefined && { burst: Number(opt.burst) }),
    ...(flag(opt, "system") && { system: true }),
    ...(opt["pid-file"] && { pidFile: opt["pid-file"] }),
  };
}

export async function cmdProxy(pos: string[], opt: Opt): Promise<void> {
  const sub = pos[1];
  if (sub === "config") {
    const s = completeSettings(configInput(opt));
    requireNginx();
    for (const f of writeProxyConfig(s)) console.log(`wrote ${f}`);
    if (await reloadNginx(s, false)) console.log("nginx reloaded");
    console.log(`\nProxy: listens on ${s.listen}, Picos use api=${s.publicUrl}, TLS to ${s.apiServer} (CA ${s.apiCa}).`);
    if (s.system) {
      console.log(`Include it in the system nginx:\n  ln -sf ${path.join(s.dir, "pico-node.conf")} /etc/nginx/conf.d/pico-node.conf && nginx -t && systemctl reload nginx`);
      console.log("and add `worker_shutdown_timeout 5s;` to the main context of /etc/nginx/nginx.conf, so a revoked device's open watch ends at once.");
    }
    else console.log(`Start it:  pico-node proxy start --dir ${s.dir}`);
    console.log(`Enrol a device:  pico-node enroll NAME --dir ${s.dir}`);
    return;
  }
  if (!["start", "stop", "reload", "status", "fault", "install", "uninstall"].includes(sub)) {
    throw new Error("proxy: config, start, stop, reload, status, fault, install or uninstall");
  }
  const units: UnitOptions = { unitDir: path.resolve(opt["unit-dir"] ?? SYSTEM_UNIT_DIR), enable: !flag(opt, "no-enable"), progress: (l) => console.log(l) };
  if (sub === "uninstall") return uninstallProxyUnit(units);
  const dir = proxyDirFrom(opt);
  const s = readProxySettings(dir);
  if (sub === "install") return installProxyUnit(s, units);
  if (sub === "fault") return withProxyLock(dir, (l) => console.log(l), () => cmdFault(s, pos.slice(2), opt));
  if (sub === "start") {
    const pid = await startNginx(s);
    console.log(`proxy running (nginx pid ${pid}) on ${s.listen}; Picos use api=${s.publicUrl}; access log ${path.join(dir, "logs/access.log")}`);
  } else if (sub === "stop") {
    console.log((await stopNginx(s)) ? "proxy stopped" : `no proxy running from ${dir}`);
    if (installedUnitDir() === dir) console.log(`(${PROXY_UNIT} starts it again at boot, or now with \`systemctl start ${PROXY_UNIT}\`; \`pico-node proxy uninstall\` removes it)`);
  } else if (sub === "reload") {
    if (!(await reloadNginx(s, false))) throw new Error(`no nginx is running for ${dir}`);
    console.log("nginx reloaded");
  } else {
    const pid = runningPid(s);
    console.log(`${dir}: ${pid ? `running (nginx pid ${pid})` : "not running"}; listen ${s.listen}; Picos use ${s.publicUrl}; API server ${s.apiServer}`);
    const devices = listDevices(dir);
    console.log(devices.length ? devices.map((d) => `  ${d.name}  (ConfigMap ${d.configMap})`).join("\n") : "  no devices enrolled");
  }
}

/** proxy fault NAME ROUTE CODE | proxy fault --clear [NAME] | proxy fault (lists them). */
async function cmdFault(s: ProxySettings, args: string[], opt: Opt): Promise<void> {
  let faults = readFaults(s.dir);
  if (flag(opt, "clear")) {
    faults = args[0] ? faults.filter((f) => f.device !== args[0]) : [];
  } else if (args.length) {
    const f = parseFault(args[0], args[1], args[2]);
    faults = [...faults.filter((x) => x.device !== f.device || x.route !== f.route), f];
  } else {
    console.log(faults.length ? faults.map((f) => `  ${f.device} ${f.route} → ${f.code}`).join("\n") : "no faults injected");
    return;
  }
  writeFaults(s.dir, faults);
  if (!(await reloadNginx(s, false))) throw new Error(`no nginx is running for ${s.dir}`);
  console.log(faults.length ? `faults now:\n${faults.map((f) => `  ${f.device} ${f.route} → ${f.code}`).join("\n")}` : "no faults injected");
}

export async function cmdEnroll(pos: string[], opt: Opt): Promise<void> {
  const dir = proxyDirFrom(opt);
  const done = await enrollDevices(pos.slice(1), { dir, configMap: opt["config-map"], signer: signerOpt(opt), progress: (l) => console.log(l) });
  for (const e of done) {
    const again = e.tokenKept ? " (already enrolled: token kept)" : "";
    console.log(`enrolled ${e.device.name}${again}: certificate ${e.certificate}; ConfigMap ${e.device.configMap}; device configuration ${e.deviceEnv}`);
  }
  const first = done[0].device.name, dirFlag = opt.dir ? ` --dir ${dir}` : "";
  console.log(`\nThe device configuration holds the device's token: put it on a Pico W with \`pico-node provision ${first}${dirFlag}\` `
    + `(adds Wi-Fi), or run \`pico-node sim --device ${done[0].deviceEnv}\`.`);
}

export async function cmdRevoke(pos: string[], opt: Opt): Promise<void> {
  const dir = proxyDirFrom(opt);
  await revokeDevices(pos.slice(1), { dir, progress: (l) => console.log(l) });
  console.log(`revoked ${pos.slice(1).join(", ")}: the token no longer opens the proxy, the key is deleted and the ConfigMap access removed`);
}

/** Runs the approver for the proxy dir's devices until SIGINT or SIGTERM. */
export async function cmdApprover(opt: Opt): Promise<void> {
  const s = readProxySettings(proxyDirFrom(opt));
  const { startApprover } = await import("./approver.js");
  // Listening before the first line is printed: whoever waits for that line may stop it at once.
  const signalled = new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  const approver = startApprover({ dir: s.dir, kubeconfig: s.kubeconfig, log: (l) => console.log(`${new Date().toISOString()} ${l}`) });
  await signalled;
  await approver.stop();
}
