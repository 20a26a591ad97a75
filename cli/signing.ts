// A device's key and certificate (CN=system:node:<name>, O=system:nodes): the
// key is made here with openssl and never leaves the proxy host; the
// certificate is signed through the CSR API (approved by the admin running
// enroll) or with the cluster's client CA files (k3s: server/tls/client-ca.*).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import { spawnSync } from "node:child_process";
import { Kubeconfig, kubectl } from "./cluster.js";
import { ProxySettings } from "./proxy.js";

export const NODE_CLIENT_SIGNER = "kubernetes.io/kube-apiserver-client-kubelet";
const CSR_WAIT_MS = 60_000;
const RENEW_BEFORE_S = 30 * 24 * 3600;

function openssl(args: string[], input?: string): string {
  const r = spawnSync("openssl", args, { input, encoding: "utf8" });
  if (r.error) throw new Error("openssl is not installed (apt-get install openssl)");
  if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

/** EC P-256, like the cluster's own keys: cheap TLS on a small server. */
export function newKey(file: string): void {
  const pem = openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]);
  fs.writeFileSync(file, pem, { mode: 0o600 });
}

export function nodeCsr(keyFile: string, name: string): string {
  return openssl(["req", "-new", "-key", keyFile, "-subj", `/O=system:nodes/CN=system:node:${name}`]);
}

/** Still good for this device: its key, its name, not expiring soon, and (if known) from this CA. */
export function certUsable(certFile: string, keyFile: string, name: string, caFile?: string): boolean {
  if (!fs.existsSync(certFile) || !fs.existsSync(keyFile)) return false;
  try {
    const cert = new crypto.X509Certificate(fs.readFileSync(certFile));
    const key = crypto.createPrivateKey(fs.readFileSync(keyFile));
    if (!cert.checkPrivateKey(key)) return false;
    const subject = cert.subject.split("\n");
    if (!subject.includes(`CN=system:node:${name}`) || !subject.includes("O=system:nodes")) return false;
    if (new Date(cert.validTo).getTime() - Date.now() < RENEW_BEFORE_S * 1000) return false;
    if (caFile && fs.existsSync(caFile) && !cert.verify(new crypto.X509Certificate(fs.readFileSync(caFile)).publicKey)) return false;
    return true;
  } catch {
    return false;
  }
}

/** Can this kubeconfig create and approve node client CSRs? (One SelfSubjectAccessReview each.) */
function mayUseCsrApi(kube: Kubeconfig): boolean {
  const review = (resourceAttributes: object) => ({ apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec: { resourceAttributes } });
  const group = "certificates.k8s.io";
  const items = [
    review({ group, resource: "certificatesigningrequests", verb: "create" }),
    review({ group, resource: "certificatesigningrequests", subresource: "approval", verb: "update" }),
    review({ group, resource: "signers", name: NODE_CLIENT_SIGNER, verb: "approve" }),
  ];
  try {
    // kubectl prints one answer per review (not a List): one line each.
    const out = kubectl(kube, ["create", "-o", 'jsonpath={.status.allowed}{"\\n"}', "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items }));
    const answers = out.split("\n").filter(Boolean);
    return answers.length === items.length && answers.every((a) => a === "true");
  } catch {
    return false;
  }
}

/** "auto": the CSR API when the admin may approve node CSRs, else the client CA files. */
export function chooseSigner(s: ProxySettings, kube: Kubeconfig): "csr" | "ca" {
  const haveCa = !!(s.clientCaCert && s.clientCaKey && fs.existsSync(s.clientCaCert) && fs.existsSync(s.clientCaKey));
  if (s.signer === "ca") {
    if (!haveCa) throw new Error(`--signer ca: the client CA files ${s.clientCaCert} and ${s.clientCaKey} are not readable here`);
    return "ca";
  }
  if (s.signer === "csr" || mayUseCsrApi(kube)) return "csr";
  if (haveCa) return "ca";
  throw new Error(`${s.kubeconfig} may not create and approve CSRs for ${NODE_CLIENT_SIGNER}, and no client CA files are configured (--client-ca, --client-ca-key)`);
}

/** Signs with the CA files directly (openssl), as the API server's client CA. */
export function signWithCa(s: ProxySettings, csrPem: string): string {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pico-sign-"));
  try {
    const csr = path.join(tmp, "req.csr");
    const ext = path.join(tmp, "ext");
    fs.writeFileSync(csr, csrPem);
    fs.writeFileSync(ext, "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n");
    // A random serial: -CAcreateserial would write a file next to the cluster's CA.
    const serial = "0x" + crypto.randomBytes(16).toString("hex");
    return openssl(["x509", "-req", "-in", csr, "-CA", s.clientCaCert!, "-CAkey", s.clientCaKey!, "-set_serial", serial, "-days", "365", "-sha256", "-extfile", ext]);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export function csrObjectName(name: string): string {
  return `pico-node-enroll-${name}`;
}

/** Signs a batch through the CSR API: create, approve, wait for the signer, collect, delete. */
export async function signWithCsrApi(kube: Kubeconfig, requests: Map<string, string>): Promise<Map<string, string>> {
  const names = [...requests.keys()].map(csrObjectName);
  kubectl(kube, ["delete", "csr", "--ignore-not-found", ...names]);
  const items = [...requests].map(([node, pem]) => ({
    apiVersion: "certificates.k8s.io/v1",
    kind: "CertificateSigningRequest",
    metadata: { name: csrObjectName(node), labels: { "app.kubernetes.io/part-of": "k3s-pico-node" } },
    spec: { request: Buffer.from(pem).toString("base64"), signerName: NODE_CLIENT_SIGNER, usages: ["digital signature", "client auth"] },
  }));
  kubectl(kube, ["create", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items }));
  try {
    kubectl(kube, ["certificate", "approve", ...names]);
    const certs = new Map<string, string>();
    const deadline = Date.now() + CSR_WAIT_MS;
    while (certs.size < requests.size) {
      const out = JSON.parse(kubectl(kube, ["get", "csr", "-o", "json", ...names]));
      for (const csr of out.items ?? [out]) {
        const node = csr.metadata.name.slice(csrObjectName("").length);
        const failed = (csr.status?.conditions ?? []).find((c: any) => c.type === "Denied" || c.type === "Failed");
        if (failed) throw new Error(`CSR ${csr.metadata.name} ${failed.type.toLowerCase()}: ${failed.message ?? failed.reason}`);
        if (csr.status?.certificate) certs.set(node, Buffer.from(csr.status.certificate, "base64").toString("utf8"));
      }
      if (certs.size < requests.size) {
        if (Date.now() > deadline) throw new Error(`approved CSRs were not signed within ${CSR_WAIT_MS / 1000} s: does the controller-manager sign ${NODE_CLIENT_SIGNER}? (else enroll with --signer ca)`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    return certs;
  } finally {
    kubectl(kube, ["delete", "csr", "--ignore-not-found", ...names]);
  }
}
