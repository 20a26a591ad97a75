// The healthy API server the fuzz harness plays between faults: a small model
// of kube-apiserver (a Node, its Lease, one ConfigMap, the node's serving
// CSRs, approved and issued when read; TokenReview and SubjectAccessReview
// that accept TOKEN and allow system:masters) that answers each
// request kind the core sends as the real server would, keeps watch streams
// open and pushes new ConfigMap versions into them. It also says what the
// core asked for (classify) so faults can be aimed at one kind of request.
import { ADMIN_IDENTITY } from "../host/fake_host.mjs";

export const NODE = "pico-fuzz-1";
export const TOKEN = "fuzz-token-0123456789";
export const CONFIG = `node_name=${NODE}\napi=http://10.0.0.2:6080\napi_token=${TOKEN}\nconfigmap=default/pico-config\n` + (process.env.FUZZ_DEBUG ? "log_level=debug\n" : "");
const WALL_BASE_MS = Date.UTC(2026, 10, 22, 22, 3, 0);

const LEASES = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases";
const CM_LIST = "/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dpico-config";
const CSRS = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
const CSR_NAME = new RegExp(`^${NODE}-serving-[0-9a-f]{8}$`);

/** Request kinds the api target answers; the CSR kinds exist only when the host has TLS. */
export const KINDS = ["registration", "node-get", "status", "lease-get", "lease-create", "lease-renew", "list", "watch", "csr-create", "csr-read"];
export const LEASE_KINDS = new Set(["lease-get", "lease-create", "lease-renew"]);
export const CSR_KINDS = new Set(["csr-create", "csr-read"]);
/** Sent only for a kubelet-port client: fuzzed by the kubelet target. */
export const REVIEW_KINDS = new Set(["token-review", "access-review"]);

/** What kubelet-port clients present: the names of a verified client certificate ("" none), on listener 0 unless said. */
export const IDENTITIES = {
  admin: ADMIN_IDENTITY,
  none: "",
  user: "alice\ndevelopers", // a real user the authorizer denies
  "no-cn": "\nsystem:masters",
  unprintable: "ad\x01min\nsystem:masters",
  long: "u".repeat(200),
  healthz: "", // the plain healthz port
};
/** Who the world's TokenReview says TOKEN belongs to. */
export const TOKEN_USER = "system:serviceaccount:monitoring:scraper";

/** Which request of the core this is, or null if the core should never send it. */
export function classify(req) {
  const { method: m, target: t } = req;
  if (m === "POST" && t === "/api/v1/nodes") return "registration";
  if (m === "GET" && t === `/api/v1/nodes/${NODE}`) return "node-get";
  if (m === "PATCH" && t === `/api/v1/nodes/${NODE}/status`) return "status";
  if (m === "GET" && t === `${LEASES}/${NODE}`) return "lease-get";
  if (m === "POST" && t === LEASES) return "lease-create";
  if (m === "PUT" && t === `${LEASES}/${NODE}`) return "lease-renew";
  if (m === "GET" && t === CM_LIST) return "list";
  if (m === "GET" && t.startsWith(CM_LIST + "&watch=1&resourceVersion=")) return "watch";
  if (m === "POST" && t === "/apis/authentication.k8s.io/v1/tokenreviews") return "token-review";
  if (m === "POST" && t === "/apis/authorization.k8s.io/v1/subjectaccessreviews") return "access-review";
  if (m === "POST" && t === CSRS) return "csr-create";
  if (m === "GET" && t.startsWith(CSRS + "/") && CSR_NAME.test(t.slice(CSRS.length + 1))) return "csr-read";
  return null;
}

const REASONS = { 200: "OK", 201: "Created", 400: "Bad Request", 404: "Not Found", 409: "Conflict", 410: "Gone", 422: "Unprocessable Entity" };

let lastDate = { second: -1, text: "" };
export function httpDate(wallMs) {
  const second = Math.floor(wallMs / 1000);
  if (second !== lastDate.second) lastDate = { second, text: new Date(second * 1000).toUTCString() };
  return lastDate.text;
}

export function chunk(text) {
  return `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
}

function statusBody(code, reason, message) {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, details: {}, code };
}

/** A ConfigMap object as JSON text; dataMembers is the raw text inside "data" (so inputs can shape it). */
export function configMapJson(rv, dataMembers) {
  const data = dataMembers === undefined ? "" : `,"data":{${dataMembers}}`;
  return `{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"pico-config","namespace":"default","uid":"5a0e9b1c-7d1e-4f0a-9c55-3b8e2f61d0aa","resourceVersion":"${rv}","creationTimestamp":"2026-11-22T22:03:00Z"}${data}}`;
}

/** A certificate as the fuzz host's TLS takes it (FuzzHost._tls_install checks the PEM armour only). */
export const CERTIFICATE_PEM = "-----BEGIN CERTIFICATE-----\nMIIBfuzz\n-----END CERTIFICATE-----\n";

/** Why the API server would refuse this review body, or "". */
function reviewProblem(json, apiVersion, kind) {
  if (json?.apiVersion !== apiVersion || json?.kind !== kind) return `not a ${apiVersion} ${kind}`;
  if (typeof json.spec !== "object" || json.spec === null) return "spec missing";
  if (kind === "TokenReview") return typeof json.spec.token === "string" && json.spec.token !== "" ? "" : "spec.token empty";
  const a = json.spec.resourceAttributes;
  if (typeof json.spec.user !== "string" || json.spec.user === "") return "spec.user empty";
  if (!Array.isArray(json.spec.groups) || json.spec.groups.some((g) => typeof g !== "string" || g === "")) return "spec.groups not a list of names";
  if (a?.resource !== "nodes" || a?.name !== NODE || !["get", "create", "update", "patch", "delete"].includes(a?.verb) || !["proxy", "metrics", "stats", "log", "spec"].includes(a?.subresource)) return `resourceAttributes ${JSON.stringify(a)} are not kubelet's`;
  return "";
}

/** Why the API server would refuse this CSR, or "". */
function csrProblem(json) {
  if (json?.apiVersion !== "certificates.k8s.io/v1" || json?.kind !== "CertificateSigningRequest") return "not a certificates.k8s.io/v1 CertificateSigningRequest";
  if (!CSR_NAME.test(json.metadata?.name ?? "")) return `metadata.name ${JSON.stringify(json.metadata?.name)} is not <node>-serving-<8 hex>`;
  const s = json.spec ?? {};
  if (s.signerName !== "kubernetes.io/kubelet-serving") return "spec.signerName is not kubernetes.io/kubelet-serving";
  if (typeof s.request !== "string" || !/^[A-Za-z0-9+/]+={0,2}$/.test(s.request) || !Buffer.from(s.request, "base64").toString("latin1").startsWith("-----BEGIN CERTIFICATE REQUEST-----")) return "spec.request is not base64 of a PEM CERTIFICATE REQUEST";
  if (JSON.stringify(s.usages) !== JSON.stringify(["digital signature", "server auth"])) return "spec.usages are not a serving certificate's";
  return "";
}

export class World {
  constructor() {
    this.node = null; // { uid, rv }
    this.lease = null; // { rv, body }
    this.cm = { rv: "900", value: "0=0x42,1=0x43" };
    this.rv = 1000n;
    this.uids = 0;
    this.streams = new Set(); // handles of open watch streams we answered
    this.versions = new Set(["900", "1000"]); // every resourceVersion this server wrote
    this.csrs = new Map(); // name -> { request } of the CSRs posted (each approved and issued when read)
  }

  clone() {
    const w = Object.assign(new World(), this);
    w.node = this.node && { ...this.node };
    w.lease = this.lease && { ...this.lease };
    w.cm = this.cm && { ...this.cm };
    w.streams = new Set(this.streams);
    w.versions = new Set(this.versions);
    w.csrs = new Map(this.csrs);
    return w;
  }

  nextRv() {
    const v = String(++this.rv);
    this.versions.add(v);
    return v;
  }

  /**
   * Moves the version counter past every version a fault may have shown the core,
   * as far as a real server's could be (etcd: a decimal int64), so what the
   * healthy server writes next is newer.
   */
  passVersions(versions) {
    for (const v of versions) if (/^\d{1,19}$/.test(v) && BigInt(v) < 2n ** 63n - 2n && BigInt(v) >= this.rv) this.rv = BigInt(v) + 1n;
  }

  /** A response as a byte string (latin1: one char per byte); body text is UTF-8 encoded. */
  response(status, body, nowMs, { stream = false } = {}) {
    const text = Buffer.from(typeof body === "string" ? body : JSON.stringify(body), "utf8").toString("latin1");
    const head = `HTTP/1.1 ${status} ${REASONS[status] ?? "Status"}\r\nAudit-Id: 0b5d7e43-fuzz\r\nCache-Control: no-cache, private\r\nContent-Type: application/json\r\nDate: ${httpDate(WALL_BASE_MS + nowMs)}\r\n`;
    if (stream) return `${head}Transfer-Encoding: chunked\r\n\r\n`;
    return `${head}Content-Length: ${text.length}\r\n\r\n${text}`;
  }

  nodeObject() {
    return { kind: "Node", apiVersion: "v1", metadata: { name: NODE, uid: this.node.uid, resourceVersion: this.node.rv } };
  }

  leaseObject() {
    return { kind: "Lease", apiVersion: "coordination.k8s.io/v1", metadata: { name: NODE, namespace: "kube-node-lease", resourceVersion: this.lease.rv }, spec: this.lease.spec };
  }

  /** Why the real API server would refuse this Lease body, or "". */
  leaseProblem(json) {
    const owner = json?.metadata?.ownerReferences?.[0];
    if (json?.metadata?.name !== NODE) return "metadata.name is not the node's";
    if (!owner || owner.kind !== "Node" || owner.name !== NODE || owner.apiVersion !== "v1") return "ownerReferences[0] does not name the Node";
    if (typeof owner.uid !== "string" || owner.uid === "") return "ownerReferences[0].uid is empty";
    if (json.spec?.holderIdentity !== NODE) return "spec.holderIdentity is not the node's";
    return "";
  }

  /**
   * The answer to one request of the given kind at monotonic nowMs: { bytes, stream }.
   * A stream answer leaves the connection open (a watch).
   */
  answer(kind, req, nowMs) {
    const r = (status, body) => ({ bytes: this.response(status, body, nowMs), stream: false });
    const notFound = (what) => r(404, statusBody(404, "NotFound", `${what} "${NODE}" not found`));
    switch (kind) {
      case "registration":
        if (this.node) return r(409, statusBody(409, "AlreadyExists", `nodes "${NODE}" already exists`));
        this.node = { uid: `6d1f0c2e-0000-4000-8000-${String(++this.uids).padStart(12, "0")}`, rv: this.nextRv() };
        return r(201, this.nodeObject());
      case "node-get":
        return this.node ? r(200, this.nodeObject()) : notFound("nodes");
      case "status":
        if (!this.node) return notFound("nodes");
        this.node.rv = this.nextRv();
        return r(200, this.nodeObject());
      case "lease-get":
        return this.lease ? r(200, this.leaseObject()) : notFound("leases.coordination.k8s.io");
      case "lease-create":
      case "lease-renew": {
        const problem = this.leaseProblem(req.json);
        if (problem) return r(422, statusBody(422, "Invalid", `Lease "${NODE}" is invalid: ${problem}`));
        if (kind === "lease-create" && this.lease) return r(409, statusBody(409, "AlreadyExists", `leases.coordination.k8s.io "${NODE}" already exists`));
        const sent = req.json.metadata.resourceVersion;
        if (kind === "lease-renew" && this.lease && sent !== undefined && sent !== this.lease.rv) {
          return r(409, statusBody(409, "Conflict", "the object has been modified; please apply your changes to the latest version and try again"));
        }
        const created = !this.lease;
        this.lease = { rv: this.nextRv(), spec: req.json.spec };
        return r(created ? 201 : 200, this.leaseObject());
      }
      case "list": {
        const items = this.cm ? configMapJson(this.cm.rv, `"memory_values":${JSON.stringify(this.cm.value)}`) : "";
        this.versions.add(String(this.rv));
        return r(200, `{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"${this.rv}"},"items":[${items}]}`);
      }
      case "watch": {
        const from = new URL(req.target, "http://x").searchParams.get("resourceVersion");
        if (!/^\d{1,40}$/.test(from ?? "") || BigInt(from) > this.rv) {
          return r(410, statusBody(410, "Expired", `too old resource version: ${from} (${this.rv})`));
        }
        let bytes = this.response(200, "", nowMs, { stream: true });
        if (this.cm && BigInt(this.cm.rv) > BigInt(from)) bytes += this.event();
        return { bytes, stream: true };
      }
      case "token-review": {
        const problem = reviewProblem(req.json, "authentication.k8s.io/v1", "TokenReview");
        if (problem) return r(400, statusBody(400, "BadRequest", problem));
        const ok = req.json.spec?.token === TOKEN;
        const status = ok ? { authenticated: true, user: { username: TOKEN_USER, uid: "3c1d", groups: ["system:serviceaccounts", "system:serviceaccounts:monitoring", "system:authenticated"] }, audiences: ["https://kubernetes.default.svc"] } : { user: {}, error: "[invalid bearer token, token lookup failed]" };
        return r(201, { ...req.json, metadata: { creationTimestamp: null }, status });
      }
      case "access-review": {
        const problem = reviewProblem(req.json, "authorization.k8s.io/v1", "SubjectAccessReview");
        if (problem) return r(400, statusBody(400, "BadRequest", problem));
        const spec = req.json.spec ?? {};
        const allowed = spec.user === TOKEN_USER || (Array.isArray(spec.groups) && spec.groups.includes("system:masters"));
        const status = allowed ? { allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "fuzz"' } : { allowed: false };
        return r(201, { ...req.json, metadata: { creationTimestamp: null }, status });
      }
      case "csr-create": {
        const problem = csrProblem(req.json);
        if (problem) return r(422, statusBody(422, "Invalid", `CertificateSigningRequest.certificates.k8s.io is invalid: ${problem}`));
        const name = req.json.metadata.name;
        if (this.csrs.has(name)) return r(409, statusBody(409, "AlreadyExists", `certificatesigningrequests.certificates.k8s.io "${name}" already exists`));
        this.csrs.set(name, { request: req.json.spec.request });
        return r(201, this.csrObject(name, false));
      }
      case "csr-read": {
        const name = req.target.slice(req.target.lastIndexOf("/") + 1);
        if (!this.csrs.has(name)) return r(404, statusBody(404, "NotFound", `certificatesigningrequests.certificates.k8s.io "${name}" not found`));
        return r(200, this.csrObject(name, true));
      }
    }
    throw new Error(`no answer for ${kind}`);
  }

  /** A CSR as the API server shows it; issued: approved, with its certificate. */
  csrObject(name, issued) {
    const status = issued ? { conditions: [{ type: "Approved", status: "True", reason: "AutoApproved", message: "approved by the fuzz world" }], certificate: Buffer.from(CERTIFICATE_PEM).toString("base64") } : {};
    return {
      kind: "CertificateSigningRequest", apiVersion: "certificates.k8s.io/v1",
      metadata: { name, uid: "0e8f3c4a-5b6d-4e7f-8a9b-0c1d2e3f4a5b", resourceVersion: String(this.rv) },
      spec: { request: this.csrs.get(name).request, signerName: "kubernetes.io/kubelet-serving", usages: ["digital signature", "server auth"], username: `system:node:${NODE}`, groups: ["system:nodes", "system:authenticated"] },
      status,
    };
  }

  /** The current ConfigMap as one watch event chunk. */
  event() {
    return chunk(`{"type":"MODIFIED","object":${configMapJson(this.cm.rv, `"memory_values":${JSON.stringify(this.cm.value)}`)}}\n`);
  }
}
