// npm start: a local control plane, one simulated Pico joining it, what to try
// next, and a live one-line status. Ctrl-C stops everything it started.
import http from "node:http";
import { clusterUp, clusterDown, defaultStateDir, kubectl, ClusterEnv } from "./cluster.js";
import { startSims } from "./sims.js";
import { SimulatedPico } from "../sim/pico.js";

const NODE = "pico-node-1";

function getJson(port: number, path: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path, timeout: 2000 }, (res) => {
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

function nodeReady(env: ClusterEnv): string {
  try {
    const n = JSON.parse(kubectl(env, ["get", "node", NODE, "-o", "json"]));
    const ready = n.status?.conditions?.find((c: any) => c.type === "Ready");
    return ready ? ready.status : "no condition";
  } catch {
    return "not registered";
  }
}

export async function start(opt: Record<string, string>): Promise<void> {
  const state = opt.state ?? defaultStateDir();
  const t0 = Date.now();
  console.log(`Starting a local control plane in ${state}`);
  console.log("(the first run builds etcd, kube-apiserver and kube-controller-manager from Go modules: about 10 minutes on 2 cores; later runs take seconds)\n");
  const env = clusterUp({ state, nodes: [NODE] });
  console.log(`\nControl plane up at ${env.apiUrl} after ${((Date.now() - t0) / 1000).toFixed(0)} s. Starting the simulated Pico ${NODE}…`);

  let statusLine = "";
  const print = (line: string) => {
    process.stdout.write(`\r\x1b[2K${line}\n${statusLine}`);
  };
  const picos: SimulatedPico[] = await startSims({
    api: env.apiUrl,
    names: [NODE],
    kubeletPort: Number(opt["kubelet-port"] ?? 10250),
    state,
    log: (name, level, line) => print(`${name} ${level}: ${line}`),
  });
  const port = picos[0].opts.kubeletPort;

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write("\r\x1b[2KStopping the simulated Pico and the control plane…\n");
    await Promise.all(picos.map((p) => p.stop()));
    try {
      clusterDown(state);
    } finally {
      process.exit(0);
    }
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  for (let i = 0; i < 60 && nodeReady(env) !== "True"; i++) await new Promise((r) => setTimeout(r, 1000));
  print(`
${NODE} is ${nodeReady(env) === "True" ? "Ready" : "not Ready yet"} (${((Date.now() - t0) / 1000).toFixed(0)} s since start). Try, in another terminal:

  export KUBECONFIG=${env.kubeconfig}
  kubectl get nodes -o wide
  kubectl describe node ${NODE}
  kubectl get lease -n kube-node-lease ${NODE} -o yaml
  kubectl patch configmap pico-config --type merge -p '{"data":{"memory_values":"0=0x01,1=0x02,0x3ff=255"}}'
  curl -s http://127.0.0.1:${port}/pico/memory
  curl -s http://127.0.0.1:${port}/metrics

Ctrl-C stops the Pico and the control plane.
`);
  for (;;) {
    try {
      const s = await getJson(port, "/pico/status");
      statusLine = `${NODE}: ${s.ready ? "Ready" : "not ready"} | lease ${s.lease_age_seconds ?? "-"} s ago | config rv ${s.applied_resource_version || "-"} (${s.config.reason}) | API ${picos[0].wire.bytesOut}/${picos[0].wire.bytesIn} B out/in`;
    } catch (e) {
      statusLine = `${NODE}: status unavailable (${(e as Error).message})`;
    }
    process.stdout.write(`\r\x1b[2K${statusLine}`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}
