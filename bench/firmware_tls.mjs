// The kubelet port's TLS in the emulator image (bench/firmware_emulator.mjs):
// the fake API server signs the device's kubelet-serving CSR with a throwaway
// cluster CA (openssl, in a temporary directory: no key is ever kept), answers
// SubjectAccessReviews, and node:tls is the client over the fake network.
// Used by tests/native/emulator_tls.test.mjs and bench/tls.mjs.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Duplex } from "node:stream";
import tls from "node:tls";
import { apiResponse, parseResponse } from "../tests/host/fake_host.mjs";
import { CONFIG, NODE } from "../tests/host/helpers.mjs";
import { completeMessage, defaultApi } from "./firmware_emulator.mjs";

const CSR_PATH = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
const SAR_PATH = "/apis/authorization.k8s.io/v1/subjectaccessreviews";
const TOKEN_REVIEW_PATH = "/apis/authentication.k8s.io/v1/tokenreviews";
/** The bearer token the fake API vouches for (tests/host/helpers.mjs's api_token), and who it is. */
const OPERATOR = { token: "t0ken-for-tests", user: "test-operator" };
const ALLOWED_USERS = ["kube-apiserver-kubelet-client", OPERATOR.user];

/** The image was built with the kubelet port's TLS (firmware.cmake's feature line). */
export function hasTls(elf) {
  return fs.readFileSync(elf).includes("kubelet port: TLS 1.2");
}

/** A cluster CA (signs serving certificates), a client CA and an admin client certificate, made with openssl. */
export class TlsWorld {
  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "pico-fwtls-"));
    for (const ca of ["cluster-ca", "client-ca", "stranger-ca"]) {
      this.key(`${ca}.key`);
      this.openssl("req", "-x509", "-new", "-key", `${ca}.key`, "-subj", `/CN=${ca}`, "-days", "2", "-out", `${ca}.pem`);
    }
    this.client("admin", "/O=system:masters/CN=kube-apiserver-kubelet-client", "client-ca");
    this.client("stranger", "/O=system:masters/CN=mallory", "stranger-ca");
    this.csrs = []; // PEM requests the device sent
    this.reviews = []; // SubjectAccessReview bodies
  }
  openssl(...args) {
    const r = spawnSync("openssl", args, { cwd: this.dir, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  }
  read(name) { return fs.readFileSync(path.join(this.dir, name)); }
  key(name) { this.openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name); }
  signed(csr, ca, out, extensions) {
    fs.writeFileSync(path.join(this.dir, `${out}.ext`), extensions.join("\n") + "\n");
    this.openssl("x509", "-req", "-in", csr, "-CA", `${ca}.pem`, "-CAkey", `${ca}.key`, "-CAcreateserial", "-days", "1",
      "-sha256", "-extfile", `${out}.ext`, "-out", out);
    return this.read(out).toString();
  }
  client(name, subject, ca) {
    this.key(`${name}.key`);
    this.openssl("req", "-new", "-key", `${name}.key`, "-subj", subject, "-out", `${name}.csr`);
    this.signed(`${name}.csr`, ca, `${name}.pem`, ["extendedKeyUsage=clientAuth", "keyUsage=digitalSignature"]);
  }
  /** The device configuration: the tests' node, with the client CA as enrolment writes it (base64 DER). */
  deviceConfig() {
    this.openssl("x509", "-in", "client-ca.pem", "-outform", "DER", "-out", "client-ca.der");
    return `${CONFIG}client_ca=${this.read("client-ca.der").toString("base64")}\n`;
  }
  /** The fake API server: defaultApi plus the CSR API (signs what the device asks, as an approver and the
   *  controller-manager would), TokenReviews (OPERATOR's token) and SubjectAccessReviews (allowed for the
   *  admin and the operator, denied otherwise). */
  api(state = {}) {
    const base = defaultApi(state);
    return (req, c, pico) => {
      if (req.method === "POST" && req.target === CSR_PATH) {
        this.csrs.push(Buffer.from(req.json.spec.request, "base64").toString());
        return apiResponse(201, { ...req.json, status: {} });
      }
      if (req.method === "GET" && req.target.startsWith(`${CSR_PATH}/`)) {
        const name = req.target.slice(CSR_PATH.length + 1);
        fs.writeFileSync(path.join(this.dir, "device.csr"), this.csrs.at(-1));
        // The SANs as the device asked (the approver checks them against the Node; here they are taken).
        const text = this.openssl("req", "-in", "device.csr", "-noout", "-text");
        const sans = /Subject Alternative Name: *\n *(.*)\n/.exec(text)[1].replace(/IP Address:/g, "IP:");
        const pem = this.signed("device.csr", "cluster-ca", "device.pem", [`subjectAltName=${sans}`, "extendedKeyUsage=serverAuth", "keyUsage=digitalSignature"]);
        this.issued = pem;
        return apiResponse(200, { kind: "CertificateSigningRequest", metadata: { name }, status: {
          conditions: [{ type: "Approved", status: "True", reason: "EmulatorTest" }], certificate: Buffer.from(pem).toString("base64") } });
      }
      if (req.method === "POST" && req.target === TOKEN_REVIEW_PATH) {
        const authenticated = req.json.spec.token === OPERATOR.token;
        return apiResponse(201, { ...req.json, status: authenticated ? { authenticated, user: { username: OPERATOR.user, groups: ["system:authenticated"] } } : { authenticated } });
      }
      if (req.method === "POST" && req.target === SAR_PATH) {
        this.reviews.push(req.json);
        const allowed = ALLOWED_USERS.includes(req.json.spec.user);
        return apiResponse(201, { ...req.json, status: { allowed } });
      }
      return base(req, c, pico);
    };
  }
  get clusterCa() { return this.read("cluster-ca.pem"); }
  identity(name) { return { cert: this.read(`${name}.pem`), key: this.read(`${name}.key`) }; }
  cleanup() { fs.rmSync(this.dir, { recursive: true, force: true }); }
}

/**
 * Runs the emulator in slices of emulated time, letting Node's event loop (node:tls) run between them,
 * until until() holds. Throws after maxMs of emulated time.
 */
export async function pump(pico, until, { maxMs = 60_000, what = "condition" } = {}) {
  const limit = pico.ms + maxMs;
  while (!until()) {
    if (pico.ms > limit) throw new Error(`emulator: no ${what} within ${maxMs} emulated ms (console:\n${pico.lines.slice(-12).join("\n")})`);
    const sliceEnd = pico.nanos + 2e6;
    pico.runUntil(() => pico.nanos >= sliceEnd || until(), { what, maxMs: 1_000 });
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Lets ms of emulated time pass, Node's event loop running between slices. */
export async function settle(pico, ms) {
  const until = pico.ms + ms;
  await pump(pico, () => pico.ms >= until, { maxMs: ms + 1_000, what: `${ms} ms` });
}

/**
 * A node:tls client on a new kubelet-port connection. Resolves once the handshake has completed, failed or
 * the firmware closed the connection: { socket, conn, error, closed, cycles (executed by the firmware from
 * the accept to the client's secureConnect), ms, session (the ticket the firmware sent, once it came) }.
 */
export async function tlsConnect(pico, world, { identity, session } = {}) {
  let duplex;
  const conn = pico.accept({ onBytes: (b) => duplex.push(Buffer.from(b)), onClose: () => duplex.push(null) });
  duplex = new Duplex({
    read() {},
    write(chunk, _enc, done) { pico.data(conn.handle, new Uint8Array(chunk)); done(); },
    final(done) { pico.peerClose(conn.handle); done(); },
  });
  const start = { cycles: pico.cycles, ms: pico.ms };
  const socket = tls.connect({ socket: duplex, ca: world.clusterCa, servername: NODE, minVersion: "TLSv1.2", session, ...(identity && world.identity(identity)) });
  const r = { socket, conn, error: null, closed: false, secure: false, session: null, received: Buffer.alloc(0) };
  socket.on("secureConnect", () => { r.secure = true; r.cycles = pico.cycles - start.cycles; r.ms = pico.ms - start.ms; });
  socket.on("session", (s) => { r.session = s; });
  socket.on("data", (d) => { r.received = Buffer.concat([r.received, d]); });
  socket.on("error", (e) => { r.error = e; });
  socket.on("close", () => { r.closed = true; });
  await pump(pico, () => r.secure || r.error || r.closed || conn.closed, { what: "TLS handshake" });
  return r;
}

/** Sends one HTTP request on an open TLS client and waits for the whole answer (the core answers one request
 *  per connection, then closes it): the parsed response. */
export async function tlsRequest(pico, r, raw) {
  r.received = Buffer.alloc(0);
  r.socket.write(raw);
  await pump(pico, () => completeMessage(r.received.toString("latin1")) > 0 || r.error || r.closed || r.conn.closed, { what: `answer to ${raw.split("\r\n")[0]}` });
  return parseResponse(r.received.toString());
}

/** The client hangs up (unless the firmware closed first) and the firmware is given time to let it go. */
export async function closeClient(pico, r) {
  r.socket.destroy();
  if (!r.conn.closed) pico.peerClose(r.conn.handle);
  await settle(pico, 20);
}

/** Waits until the firmware has its serving certificate installed (CSR sent, signed, installed). */
export async function waitForCertificate(pico, maxMs = 60_000) {
  await pump(pico, () => pico.lines.some((l) => l.includes("tls: serving with the certificate installed now")), { maxMs, what: "serving certificate installed" });
}
