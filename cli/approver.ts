// pico-node approver: approves the kubelet-serving CSRs of the devices enrolled
// at a proxy (serving_csr.ts decides), beside that proxy. It lists and then
// watches CSRs of that signer through kubectl with the proxy's admin
// kubeconfig, so any kubeconfig kubectl takes works here. A CSR it does not
// approve stays pending, logged once with the reason (and again if the reason
// changes); it never denies, so `kubectl certificate approve` still decides.
import { spawn, execFile } from "node:child_process";
import { createInterface } from "node:readline";
import { listDevices } from "./devices.js";
import { KUBELET_SERVING, NodeAddress, ServingCsr, decided, judge, requestingNode } from "./serving_csr.js";

const CSRS = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
const SELECTOR = `fieldSelector=${encodeURIComponent(`spec.signerName=${KUBELET_SERVING}`)}`;
/** Each watch ends after this and the list is read again, so a pending CSR is judged again at least this often. */
export const WATCH_TIMEOUT_S = 300;
const RETRY_INITIAL_MS = 1_000;
const RETRY_MAX_MS = 30_000;
/** Pending CSRs whose reason is remembered (so it is logged once); the oldest is forgotten first. */
const REMEMBERED_MAX = 1_000;

export interface ApproverOptions {
  /** The proxy dir: its enrolled devices are the only ones approved. */
  dir: string;
  kubeconfig: string;
  log: (line: string) => void;
}

export interface Approver {
  stop(): Promise<void>;
}

function kubectl(kubeconfig: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("kubectl", ["--kubeconfig", kubeconfig, ...args], { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`kubectl ${args.join(" ")}: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

export function startApprover(o: ApproverOptions): Approver {
  let stopped = false;
  let watcher: ReturnType<typeof spawn> | null = null;
  let wake: (() => void) | null = null;
  const pending = new Map<string, string>(); // CSR name → the reason last logged

  async function addressesOf(node: string): Promise<NodeAddress[] | null> {
    try {
      return JSON.parse(await kubectl(o.kubeconfig, ["get", "node", node, "-o", "json"])).status?.addresses ?? [];
    } catch (e) {
      if (/NotFound|not found/.test((e as Error).message)) return null;
      throw e;
    }
  }

  async function consider(csr: ServingCsr): Promise<void> {
    const name = csr.metadata.name;
    if (csr.spec.signerName !== KUBELET_SERVING || decided(csr)) {
      pending.delete(name);
      return;
    }
    const enrolled = new Set(listDevices(o.dir).map((d) => d.name));
    const node = requestingNode(csr);
    const addresses = node && enrolled.has(node) ? await addressesOf(node) : null;
    const v = judge(csr, enrolled, addresses);
    if (v.approve) {
      await kubectl(o.kubeconfig, ["certificate", "approve", name]);
      pending.delete(name);
      o.log(`approved ${name}: serving certificate for ${v.node} (SANs ${v.sans.join(", ")})`);
      return;
    }
    if (pending.get(name) === v.reason) return;
    pending.delete(name);
    pending.set(name, v.reason);
    if (pending.size > REMEMBERED_MAX) pending.delete(pending.keys().next().value!);
    o.log(`left ${name} pending${v.node ? ` (node ${v.node})` : ""}: ${v.reason}`);
  }

  /** Streams watch events from resourceVersion rv until the server ends the watch; resolves with the last version seen. */
  function watch(rv: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const url = `${CSRS}?${SELECTOR}&watch=1&allowWatchBookmarks=true&timeoutSeconds=${WATCH_TIMEOUT_S}&resourceVersion=${rv}`;
      const child = spawn("kubectl", ["--kubeconfig", o.kubeconfig, "get", "--raw", url], { stdio: ["ignore", "pipe", "pipe"] });
      watcher = child;
      let stderr = "";
      let failure: Error | null = null;
      let work = Promise.resolve();
      child.once("error", (e) => {
        // kubectl could not be run ("close" may not follow): end this watch here.
        failure = new Error(`watch: kubectl: ${e.message}`);
        reject(failure);
      });
      child.stderr!.on("data", (d) => (stderr += d));
      createInterface({ input: child.stdout! }).on("line", (line) => {
        if (!line.trim() || failure) return;
        let event: { type: string; object: ServingCsr & { metadata: { resourceVersion?: string }; code?: number; message?: string } };
        try {
          event = JSON.parse(line);
        } catch {
          failure = new Error(`watch: an event that is not JSON: ${line.slice(0, 80)}`);
          child.kill();
          return;
        }
        if (event.type === "ERROR") {
          // 410: the version is too old to watch from; a fresh list is the normal way on.
          if (event.object.code !== 410) failure = new Error(`watch ended by the server: ${event.object.code ?? ""} ${event.object.message ?? ""}`.trim());
          child.kill();
          return;
        }
        rv = event.object.metadata.resourceVersion ?? rv;
        if (event.type === "DELETED") pending.delete(event.object.metadata.name);
        else if (event.type === "ADDED" || event.type === "MODIFIED") work = work.then(() => consider(event.object)).catch((e) => o.log(`${event.object.metadata.name}: ${(e as Error).message}`));
      });
      child.once("close", async (code) => {
        watcher = null;
        await work;
        if (failure) reject(failure);
        else if (code !== 0 && !stopped) reject(new Error(`watch: kubectl exited ${code}: ${stderr.trim().split("\n").at(-1)}`));
        else resolve(rv);
      });
    });
  }

  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    wake = () => (clearTimeout(t), resolve());
  });

  const running = (async () => {
    let retryMs = RETRY_INITIAL_MS;
    let lastError = "";
    o.log(`approving kubelet-serving CSRs of the devices enrolled in ${o.dir}`);
    while (!stopped) {
      try {
        const listed = JSON.parse(await kubectl(o.kubeconfig, ["get", "--raw", `${CSRS}?${SELECTOR}`]));
        for (const csr of listed.items as ServingCsr[]) {
          if (stopped) break;
          await consider(csr).catch((e) => o.log(`${csr.metadata.name}: ${(e as Error).message}`));
        }
        if (lastError) o.log("the API server answers again");
        lastError = "";
        retryMs = RETRY_INITIAL_MS;
        if (!stopped) await watch(listed.metadata.resourceVersion);
      } catch (e) {
        if (stopped) break;
        const message = (e as Error).message;
        if (message !== lastError) o.log(`${message}; trying again (backing off up to ${RETRY_MAX_MS / 1000} s)`);
        lastError = message;
        await sleep(retryMs * (0.8 + 0.4 * Math.random()));
        retryMs = Math.min(2 * retryMs, RETRY_MAX_MS);
      }
    }
  })();

  return {
    async stop() {
      stopped = true;
      watcher?.kill();
      wake?.();
      await running;
    },
  };
}
