// Which kubelet-serving CSRs the approver approves: those a device enrolled at
// this proxy asked for itself, for its own node, naming exactly the addresses
// its Node reports. Kubernetes never approves serving certificates by itself
// (a name in a certificate is a claim the cluster cannot check); this is the
// check, as postfinance/kubelet-csr-approver makes it for kubelets.
import net from "node:net";
import { parseCsr } from "./pkcs10.js";

export const KUBELET_SERVING = "kubernetes.io/kubelet-serving";
const NODE_USER = /^system:node:([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?)$/;
// What a TLS server certificate needs, and nothing that would let it act as a client.
const ALLOWED_USAGES = new Set(["digital signature", "key encipherment", "server auth"]);

/** The fields of a CertificateSigningRequest the decision reads. */
export interface ServingCsr {
  metadata: { name: string };
  spec: { signerName?: string; username?: string; groups?: string[]; usages?: string[]; request: string };
  status?: { conditions?: { type: string }[] };
}

export interface NodeAddress {
  type: string;
  address: string;
}

export type Verdict = { approve: true; node: string; sans: string[] } | { approve: false; node: string | null; reason: string };

/** Approved, Denied or Failed already: nothing to decide. */
export function decided(csr: ServingCsr): boolean {
  return (csr.status?.conditions ?? []).some((c) => c.type === "Approved" || c.type === "Denied" || c.type === "Failed");
}

const list = (xs: Iterable<string>) => [...xs].sort().join(", ") || "none";

/** The node that asked for the CSR (its requester is system:node:<name>), or null. */
export function requestingNode(csr: ServingCsr): string | null {
  return NODE_USER.exec(csr.spec.username ?? "")?.[1] ?? null;
}

/**
 * Decides one pending kubelet-serving CSR. enrolled: the devices of this
 * proxy; addresses: the requesting node's status.addresses, or null if there
 * is no such Node (or it was not looked up: the requester is no enrolled node).
 */
export function judge(csr: ServingCsr, enrolled: Set<string>, addresses: NodeAddress[] | null): Verdict {
  const refuse = (node: string | null, reason: string): Verdict => ({ approve: false, node, reason });
  const node = requestingNode(csr);
  if (!node) return refuse(null, `requested by ${csr.spec.username ?? "nobody"}, not by a node (system:node:<name>)`);
  if (!(csr.spec.groups ?? []).includes("system:nodes")) return refuse(node, "the requester is not in the group system:nodes");
  if (!enrolled.has(node)) return refuse(node, `${node} is not a device enrolled at this proxy`);
  const usages = csr.spec.usages ?? [];
  const extra = usages.filter((u) => !ALLOWED_USAGES.has(u));
  if (!usages.includes("server auth") || extra.length) {
    return refuse(node, `usages ${list(usages)}: a serving certificate needs server auth and may add only digital signature and key encipherment`);
  }
  let content;
  try {
    content = parseCsr(Buffer.from(csr.spec.request, "base64").toString("latin1"));
  } catch (e) {
    return refuse(node, `the request does not parse: ${(e as Error).message}`);
  }
  const subject = content.subject.map((a) => `${a.type}=${a.value}`).sort();
  const wanted = [`CN=system:node:${node}`, "O=system:nodes"];
  if (subject.join(",") !== wanted.join(",")) return refuse(node, `subject ${subject.join(", ") || "empty"}; expected ${wanted.join(", ")}`);
  if (content.otherNames.length) return refuse(node, `SANs of kinds a serving certificate does not carry: ${list(new Set(content.otherNames))}`);
  if (!addresses) return refuse(node, `there is no Node ${node} to take its addresses from`);
  // Each address goes in as the SAN kind it is: an IP as an IP address, a name as a DNS name.
  const reportedIps = new Set(addresses.map((a) => a.address).filter((a) => net.isIP(a)));
  const reportedNames = new Set(addresses.map((a) => a.address).filter((a) => !net.isIP(a)));
  const sameSet = (a: Set<string>, b: Set<string>) => a.size === b.size && [...a].every((x) => b.has(x));
  const ips = new Set(content.ipAddresses), names = new Set(content.dnsNames);
  if (!ips.size && !names.size) return refuse(node, "the request names no address (no subjectAltName)");
  if (!sameSet(ips, reportedIps) || !sameSet(names, reportedNames)) {
    return refuse(node, `SANs IP [${list(ips)}] DNS [${list(names)}] are not the Node's addresses IP [${list(reportedIps)}] DNS [${list(reportedNames)}]`);
  }
  return { approve: true, node, sans: [...ips, ...names] };
}
