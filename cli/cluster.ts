// The local control plane: wraps controlplane/*.sh (real etcd, kube-apiserver,
// kube-controller-manager and metrics-server built from Go modules) and sets up what a Pico
// needs: a node identity per device and read access to its ConfigMap only.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const SCRIPTS = path.join(ROOT, "controlplane");

export function cacheDir(): string {
  return process.env.PICO_NODE_CACHE ?? path.join(os.homedir(), ".cache/pico-node");
}

export function defaultStateDir(): string {
  return process.env.PICO_NODE_STATE ?? path.join(cacheDir(), "cluster");
}

export interface ClusterEnv {
  kubeconfig: string;
  apiUrl: string;
  caFile: string;
  pkiDir: string;
  etcdEndpoint: string;
  etcdCompact: string;
  [key: string]: string;
}

/** All kubectl needs: an admin kubeconfig (the local plane's, or a k3s server's). */
export type Kubeconfig = Pick<ClusterEnv, "kubeconfig">;

export function readEnv(state: string): ClusterEnv | null {
  const file = path.join(state, "env");
  if (!fs.existsSync(file)) return null;
  const kv: Record<string, string> = {};
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) kv[m[1]] = m[2].replace(/^["']|["']$/g, "");
  }
  return {
    ...kv,
    kubeconfig: kv.KUBECONFIG,
    apiUrl: kv.K8S_API_URL,
    caFile: kv.K8S_CA_FILE,
    pkiDir: kv.K8S_PKI_DIR ?? path.join(state, "pki"),
    etcdEndpoint: kv.ETCD_ENDPOINT,
    etcdCompact: kv.ETCD_COMPACT,
  };
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, quiet = false): void {
  const r = spawnSync(cmd, args, { stdio: quiet ? ["ignore", "pipe", "pipe"] : "inherit", env: { ...process.env, ...env } });
  if (r.status !== 0) {
    const detail = quiet ? `\n${r.stdout}${r.stderr}` : "";
    throw new Error(`${path.basename(cmd)} ${args.join(" ")} failed (exit ${r.status})${detail}`);
  }
}

export function kubectl(env: Kubeconfig, args: string[], input?: string): string {
  // A fleet's nodes or ConfigMaps as JSON run to megabytes (spawnSync's default stops at 1 MB).
  const r = spawnSync("kubectl", ["--kubeconfig", env.kubeconfig, ...args], { input, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr.trim()}`);
  return r.stdout;
}

/**
 * The cluster's client CA as the API server publishes it (ConfigMap kube-system/extension-apiserver-authentication,
 * client-ca-file): the CA whose certificates a kubelet accepts, the API server's kubelet-client certificate among
 * them. Each certificate's DER in base64, the form device.env's client_ca lines take.
 */
export function clusterClientCa(env: Kubeconfig): string[] {
  const pem = kubectl(env, ["get", "configmap", "-n", "kube-system", "extension-apiserver-authentication", "-o", "jsonpath={.data.client-ca-file}"]);
  const certs = [...pem.matchAll(/-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/g)].map((m) => m[1].replace(/\s+/g, ""));
  if (!certs.length) throw new Error("the API server publishes no client CA (kube-system/extension-apiserver-authentication has no client-ca-file)");
  return certs;
}

export interface UpOptions {
  state: string;
  nodes: string[];
  /** Extra environment for up.sh (grace periods, watch cache). */
  env?: NodeJS.ProcessEnv;
}

/** Builds (first time: minutes, with progress) and starts the plane; returns its env. */
export function clusterUp(o: UpOptions): ClusterEnv {
  run(path.join(SCRIPTS, "up.sh"), [o.state], { NODES: o.nodes.join(" "), ...(o.env ?? {}) });
  const env = readEnv(o.state);
  if (!env) throw new Error(`up.sh wrote no ${o.state}/env`);
  grantConfigMap(env, o.nodes, "default", "pico-config");
  ensureConfigMap(env, "default", "pico-config");
  return env;
}

export function clusterDown(state: string): void {
  run(path.join(SCRIPTS, "down.sh"), [state]);
}

/** Node identities (client certificates CN=system:node:<name>) from the plane's CA, made in one batch. */
export function ensureNodeIdentities(env: ClusterEnv, names: string[]): Map<string, { cert: string; key: string }> {
  const files = new Map(names.map((n) => [n, { cert: path.join(env.pkiDir, `node-${n}.crt`), key: path.join(env.pkiDir, `node-${n}.key`) }]));
  const missing = names.filter((n) => !fs.existsSync(files.get(n)!.cert) || !fs.existsSync(files.get(n)!.key));
  if (missing.length) run(path.join(SCRIPTS, "certs.sh"), [env.pkiDir, ...missing], { APISERVER_URL: env.apiUrl }, true);
  return files;
}

/** Least privilege: each node may get/list/watch one ConfigMap, nothing else (one apply for all). */
export function grantConfigMap(env: Kubeconfig, nodes: string[], ns: string, name: string): void {
  if (!nodes.length) return;
  const labels = { "app.kubernetes.io/part-of": "k3s-pico-node" };
  const role = configMapRole(name);
  const items: object[] = [
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: role, namespace: ns, labels },
      rules: [{ apiGroups: [""], resources: ["configmaps"], resourceNames: [name], verbs: ["get", "list", "watch"] }],
    },
    ...nodes.map((node) => ({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: configMapBinding(node, name), namespace: ns, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: `system:node:${node}` }],
    })),
  ];
  kubectl(env, ["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items }));
}

function configMapRole(configMap: string): string {
  return `pico-config-reader-${configMap}`;
}

function configMapBinding(node: string, configMap: string): string {
  return `${configMapRole(configMap)}-${node}`;
}

/** Undoes grantConfigMap for one node (the Role stays: other nodes may share it). */
export function revokeConfigMap(env: Kubeconfig, node: string, ns: string, name: string): void {
  kubectl(env, ["-n", ns, "delete", "rolebinding", "--ignore-not-found", configMapBinding(node, name)]);
}

export function ensureConfigMap(env: Kubeconfig, ns: string, name: string): void {
  const r = spawnSync("kubectl", ["--kubeconfig", env.kubeconfig, "-n", ns, "get", "configmap", name], { encoding: "utf8" });
  if (r.status === 0) return;
  kubectl(env, ["-n", ns, "create", "configmap", name, "--from-literal=memory_values=0=0x42,1=0x43"]);
}
