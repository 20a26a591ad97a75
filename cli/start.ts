// npm start: a local control plane, the proxy (nginx) in front of it, one
// simulated Pico enrolled there and joining through it, what to try next, and
// a live one-line status. Ctrl-C stops everything it started.
import fs from "node:fs";
import https from "node:https";
import path from "node:path";
import { clusterUp, clusterDown, defaultStateDir, kubectl, ClusterEnv } from "./cluster.js";
import { startSims, freePort } from "./sims.js";
import { Approver, startApprover } from "./approver.js";
import { ProxySettings, DEFAULT_PORT, completeSettings, localPlaneSettings, readProxySettings, writeProxyConfig } from "./proxy.js";
import { startNginx, stopNginx } from "./nginx.js";
import { enrollDevices, Enrolled } from "./enroll.js";
import { SimulatedPico } from "../sim/pico.js";
import { keygen, publicKeyPath, readPublicKey } from "./firmware_image.js";

const NODE = "pico-node-1";

/** A kubelet-port request as the local plane's admin, verifying the Pico's serving certificate against the cluster CA. */
function getJson(env: ClusterEnv, host: string, port: number, path: string): Promise<any> {
  const pki = (f: string) => fs.readFileSync(`${env.pkiDir}/${f}`);
  return new Promise((resolve, reject) => {
    const req = https.get({ host, port, path, timeout: 2000, ca: fs.readFileSync(env.caFile), cert: pki("admin.crt"), key: pki("admin.key") }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => {
        try {
          resolve(JSON.parse(body));
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error("timeout")));
  });
}

/** Ready as this Pico reported it: a Node left by an earlier run still says True until the controller-manager notices. */
function nodeReady(env: ClusterEnv, since: number): string {
  try {
    const n = JSON.parse(kubectl(env, ["get", "node", NODE, "-o", "json"]));
    const ready = n.status?.conditions?.find((c: any) => c.type === "Ready");
    if (!ready) return "no condition";
    return Date.parse(ready.lastHeartbeatTime) >= since - 1000 ? ready.status : "not reported yet";
  } catch {
    return "not registered";
  }
}

/** The proxy in <state>/proxy on the first free port from 6080 (loopback: only the simulator uses it). */
async function startProxy(env: ClusterEnv, state: string): Promise<ProxySettings> {
  const dir = path.join(state, "proxy");
  // An nginx left by a run that was killed outright belongs to this state dir: stop it first.
  if (fs.existsSync(path.join(dir, "proxy.json"))) await stopNginx(readProxySettings(dir));
  const port = await freePort(DEFAULT_PORT);
  const settings = completeSettings({ dir, ...localPlaneSettings(env), listen: `127.0.0.1:${port}` });
  writeProxyConfig(settings);
  await startNginx(settings);
  return settings;
}

/** The local plane's own firmware signing key (made once, beside its state; never the user's ~/.config key). */
function demoSigningKey(state: string): { key: string; pub: string } {
  const key = path.join(state, "firmware", "firmware-signing.pem");
  if (!fs.existsSync(key)) keygen(key);
  return { key, pub: publicKeyPath(key) };
}

export async function start(opt: Record<string, string>): Promise<void> {
  const state = opt.state ?? defaultStateDir();
  const t0 = Date.now();
  console.log(`Starting a local control plane in ${state}`);
  console.log("(the first run builds etcd, kube-apiserver, kube-controller-manager and metrics-server from Go modules: about 14 minutes on 2 cores; later runs take seconds)\n");
  const env = clusterUp({ state, nodes: [NODE] });
  console.log(`\nControl plane up at ${env.apiUrl} after ${((Date.now() - t0) / 1000).toFixed(0)} s. Starting the proxy (nginx)…`);

  let statusLine = "";
  const print = (line: string) => {
    process.stdout.write(`\r\x1b[2K${line}\n${statusLine}`);
  };
  let proxy: ProxySettings | null = null;
  let approver: Approver | null = null;
  let picos: SimulatedPico[] = [];
  let stopping = false;
  const stop = async (code = 0) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write("\r\x1b[2KStopping the simulated Pico, the proxy and the control plane…\n");
    try {
      await Promise.all(picos.map((p) => p.stop()));
      await approver?.stop();
      if (proxy) await stopNginx(proxy);
    } finally {
      clusterDown(state);
      process.exit(code);
    }
  };
  process.on("SIGINT", () => stop());
  process.on("SIGTERM", () => stop());

  let device: Enrolled;
  let signing = { key: "", pub: "" };
  const simStarted = Date.now();
  try {
    proxy = await startProxy(env, state);
    console.log(`Proxy up at ${proxy.publicUrl} (TLS to ${env.apiUrl}).`);
    approver = startApprover({ dir: proxy.dir, kubeconfig: proxy.kubeconfig, log: (l) => print(`approver: ${l}`) });
    console.log(`Enrolling ${NODE}…`);
    [device] = await enrollDevices([NODE], { dir: proxy.dir, progress: (l) => console.log(`  ${l}`) });
    console.log(`Starting the simulated Pico ${NODE}, talking plain HTTP to the proxy…`);
    signing = demoSigningKey(state);
    picos = await startSims({
      firmware: { version: "1.0.0", trustedKey: readPublicKey(signing.pub) },
      api: proxy.publicUrl,
      names: [NODE],
      tokens: { [NODE]: device.device.token },
      kubeletPort: Number(opt["kubelet-port"] ?? 10250),
      state,
      log: (name, level, line) => print(`${name} ${level}: ${line}`),
    });
  } catch (e) {
    console.error(`pico-node: ${(e as Error).message}`);
    return stop(1);
  }
  const port = picos[0].opts.kubeletPort;
  const proxyUrl = proxy.publicUrl;
  const deviceEnv = (name: string) => path.join(proxy!.dir, "devices", name, "device.env");

  for (let i = 0; i < 60 && nodeReady(env, simStarted) !== "True"; i++) await new Promise((r) => setTimeout(r, 1000));
  print(`
${NODE} is ${nodeReady(env, simStarted) === "True" ? "Ready" : "not Ready yet"} (${((Date.now() - t0) / 1000).toFixed(0)} s since start). Try, in another terminal:

  export KUBECONFIG=${env.kubeconfig}
  kubectl get nodes -o wide
  kubectl describe node ${NODE}
  kubectl get lease -n kube-node-lease ${NODE} -o yaml
  kubectl patch configmap pico-config --type merge -p '{"data":{"memory_values":"0=0x01,1=0x02,0x3ff=255"}}'
  kubectl get --raw /api/v1/nodes/${NODE}/proxy/pico/memory      # through the API server, TLS both ways
  kubectl get --raw /api/v1/nodes/${NODE}/proxy/metrics
  kubectl top node                                               # metrics-server scrapes the Pico
  kubectl get csr                                                # its serving certificate, approved beside the proxy
  curl -s http://127.0.0.1:${picos[0].opts.healthzPort}/healthz                         # the plain healthz port
  curl -sk https://${picos[0].address}:${port}/pods                                  # 401: the kubelet port wants credentials

The Pico reaches the API server through the proxy at ${proxyUrl} with its own token
(${deviceEnv(NODE)}); nginx adds TLS and its node certificate:

  TOKEN=$(sed -n 's/^api_token=//p' ${deviceEnv(NODE)})
  curl -s -H "Authorization: Bearer $TOKEN" ${proxyUrl}/api/v1/nodes/${NODE} | head   # its own Node: allowed
  curl -s -H "Authorization: Bearer $TOKEN" ${proxyUrl}/api/v1/namespaces/default/secrets  # 403 from the proxy
  curl -s ${proxyUrl}/api/v1/nodes/${NODE}                                             # 401: no token
  tail -f ${path.join(proxy.dir, "logs/access.log")}

Update its firmware the Kubernetes way (a simulator's image is for board sim, engine js;
this plane's signing key is ${signing.key}):

  head -c 300000 /dev/urandom > /tmp/pico.bin
  npx pico-node firmware sign /tmp/pico.bin --version 1.1.0 --board sim --engine js --key ${signing.key} --out /tmp/pico-1.1.0.pkfw
  npx pico-node firmware publish /tmp/pico-1.1.0.pkfw --dir ${proxy.dir} --pubkey ${signing.pub}
  kubectl patch configmap pico-config --type merge -p '{"data":{"firmware.version":"1.1.0","firmware.sha256":"<the sha256 publish printed>"}}'
  kubectl get node ${NODE} -o jsonpath='{.status.conditions[?(@.type=="PicoFirmware")].message}{"\n"}'
  npx pico-node firmware status --local                          # per node: running and declared version, state

Enrol another device and run it:

  npx pico-node enroll pico-node-2 --dir ${proxy.dir}
  npx pico-node sim --device ${deviceEnv("pico-node-2")} --kubelet-port ${port + 10}

Ctrl-C stops the Pico, the proxy and the control plane.
`);
  for (;;) {
    try {
      if (!picos[0].servingCertificate) throw new Error("its serving certificate is not issued yet");
      const s = await getJson(env, picos[0].address, port, "/pico/status");
      statusLine = `${NODE}: ${s.ready ? "Ready" : "not ready"} | lease ${s.lease_age_seconds ?? "-"} s ago | config rv ${s.applied_resource_version || "-"} (${s.config.reason}) | API ${picos[0].wire.bytesOut}/${picos[0].wire.bytesIn} B out/in`;
    } catch (e) {
      statusLine = `${NODE}: status unavailable (${(e as Error).message})`;
    }
    process.stdout.write(`\r\x1b[2K${statusLine}`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}
