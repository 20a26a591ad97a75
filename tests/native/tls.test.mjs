// The kubelet port's TLS module (native/common/device_key.c, tls_server.c)
// against real TLS peers: openssl checks the CSR, node:tls is the client.
// tests/native/tls_harness.c runs the module over the POSIX HAL. Every key and
// certificate is made here with the openssl CLI, in a temporary directory.
// Run by npm run test:native (PICO_TLS_HARNESS names the harness).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { once } from "node:events";

const harness = process.env.PICO_TLS_HARNESS;
const skip = !harness ? "PICO_TLS_HARNESS is not set (npm run test:native builds tests/native/tls_harness)" : false;
let dir;

const openssl = (...args) => {
  const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
};
const file = (name) => path.join(dir, name);
const read = (name) => fs.readFileSync(file(name), "utf8");
const runHarness = (...args) => spawnSync(harness, args, { cwd: dir, encoding: "utf8" });
const newKey = (name) => openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name);

/** A CA (key + self-signed certificate) named `name`. */
function makeCa(name) {
  newKey(`${name}.key`);
  openssl("req", "-x509", "-new", "-key", `${name}.key`, "-subj", `/CN=${name}`, "-days", "2", "-out", `${name}.pem`);
}
/** Signs csr with ca into out, with the extensions given (openssl x509 -extfile lines). */
function sign(csr, ca, out, extensions) {
  fs.writeFileSync(file(`${out}.ext`), extensions.join("\n") + "\n");
  openssl("x509", "-req", "-in", csr, "-CA", `${ca}.pem`, "-CAkey", `${ca}.key`, "-CAcreateserial", "-days", "1",
    "-extfile", `${out}.ext`, "-out", out);
}
/** A client certificate with this subject, signed by ca. */
function clientCert(name, subject, ca) {
  newKey(`${name}.key`);
  openssl("req", "-new", "-key", `${name}.key`, "-subj", subject, "-out", `${name}.csr`);
  sign(`${name}.csr`, ca, `${name}.pem`, ["extendedKeyUsage=clientAuth"]);
}

before(() => {
  if (skip) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pico-tls-"));
  fs.mkdirSync(file("state"));
  makeCa("cluster-ca");
  makeCa("client-ca");
  makeCa("stranger-ca");
  const csr = runHarness("csr", "state", "pico-1", "10.0.0.15");
  assert.equal(csr.status, 0, csr.stdout + csr.stderr);
  fs.writeFileSync(file("serving.csr"), csr.stdout);
  sign("serving.csr", "cluster-ca", "serving.pem", ["subjectAltName=DNS:pico-1,IP:10.0.0.15", "extendedKeyUsage=serverAuth"]);
  clientCert("apiserver", "/O=system:masters/O=kube-group/CN=kube-apiserver-kubelet-client", "client-ca");
  clientCert("stranger", "/O=system:masters/CN=mallory", "stranger-ca");
});
after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

test("the CSR verifies and has exactly the node's subject and SANs; the key is made once, mode 0600", { skip }, () => {
  assert.match(spawnSync("openssl", ["req", "-in", "serving.csr", "-noout", "-verify"], { cwd: dir, encoding: "utf8" }).stderr,
    /verify OK/);
  const text = openssl("req", "-in", "serving.csr", "-noout", "-text", "-nameopt", "RFC2253");
  assert.match(text, /Subject: CN=system:node:pico-1,O=system:nodes\n/);
  assert.match(text, /X509v3 Subject Alternative Name: *\n *DNS:pico-1, IP Address:10\.0\.0\.15\n/);
  assert.match(text, /ASN1 OID: prime256v1/);
  assert.match(text, /Signature Algorithm: ecdsa-with-SHA256/);
  assert.equal(fs.statSync(file("state/device-key.der")).mode & 0o777, 0o600);

  const again = runHarness("csr", "state", "pico-1", "0");
  assert.equal(again.status, 0);
  const pub = (csr) => spawnSync("openssl", ["req", "-noout", "-pubkey"], { input: csr, encoding: "utf8" }).stdout;
  assert.equal(pub(again.stdout), pub(read("serving.csr")), "the same key signs every request");
  const noAddress = spawnSync("openssl", ["req", "-noout", "-text"], { input: again.stdout, encoding: "utf8" }).stdout;
  assert.match(noAddress, /X509v3 Subject Alternative Name: *\n *DNS:pico-1\n/, "no IP SAN while the address is 0");
  assert.equal(runHarness("csr", "state", "Bad_Name", "0").stdout.trim(), "error -3");
  assert.equal(runHarness("csr", "state", "pico-1", "0", "100").stdout.trim(), "error -2");
});

test("install takes the issued certificate, refuses one for another key (-3) or garbage (-2), and reports its validity", { skip }, () => {
  const installed = runHarness("install", "state", "serving.pem").stdout;
  assert.match(installed, /^install 0\n/);
  const [, from, to] = installed.match(/validity (\d+) (\d+)/).map(Number);
  const dates = openssl("x509", "-in", "serving.pem", "-noout", "-startdate", "-enddate");
  assert.equal(from, Date.parse(dates.match(/notBefore=(.*)/)[1]) / 1000);
  assert.equal(to, Date.parse(dates.match(/notAfter=(.*)/)[1]) / 1000);

  newKey("other.key");
  openssl("req", "-new", "-key", "other.key", "-subj", "/O=system:nodes/CN=system:node:pico-1", "-out", "other.csr");
  sign("other.csr", "cluster-ca", "other.pem", ["subjectAltName=DNS:pico-1"]);
  assert.match(runHarness("install", "state", "other.pem").stdout, /^install -3\n/);
  fs.writeFileSync(file("garbage.pem"), "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
  assert.match(runHarness("install", "state", "garbage.pem").stdout, /^install -2\n/);
});

/** Starts the harness serving with cert (or "-"), the client CA given; resolves with its port and output. */
/** The harness logs a refusal just after closing: the client may see the close first. */
async function logged(server, pattern, timeoutMs = 3000) {
  for (const t0 = Date.now(); !pattern.test(server.output()); ) {
    if (Date.now() - t0 > timeoutMs) assert.fail(`harness never logged ${pattern}; it logged: ${server.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function serve(cert, clientCa = "client-ca.pem") {
  const child = spawn(harness, ["serve", "state", cert, ...(clientCa ? [clientCa] : [])], { cwd: dir });
  let out = "";
  child.stdout.on("data", (b) => (out += b));
  child.stderr.on("data", () => {});
  while (!/port \d+/.test(out)) {
    if (child.exitCode !== null) throw new Error(`harness ended: ${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { port: Number(out.match(/port (\d+)/)[1]), output: () => out, stop: () => child.stdin.end() };
}

/** Connects; resolves with the socket and the identity line the server sends first, or rejects when closed. */
function connect(port, options = {}) {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      port, host: "127.0.0.1", ca: read("cluster-ca.pem"), servername: "pico-1", ...options,
    });
    let text = "";
    socket.on("data", (b) => {
      text += b;
      const m = text.match(/^identity (\d+)\n/);
      if (m && text.length >= m[0].length + Number(m[1]) + 1) resolve({ socket, identity: text.slice(m[0].length, m[0].length + Number(m[1])) });
    });
    socket.on("error", reject);
    socket.on("close", () => reject(new Error("closed before the greeting")));
  });
}

test("a client verifies the served certificate; a verified client certificate gives CN\\nO…, others none", { skip }, async () => {
  const server = await serve("serving.pem");
  try {
    const anonymous = await connect(server.port);
    assert.equal(anonymous.identity, "");
    assert.equal(anonymous.socket.getProtocol(), "TLSv1.2");
    assert.equal(anonymous.socket.getCipher().name, "ECDHE-ECDSA-AES128-GCM-SHA256");
    assert.equal(anonymous.socket.getPeerCertificate().subject.CN, "system:node:pico-1");
    anonymous.socket.write("ping\n");
    const [echo] = await once(anonymous.socket, "data");
    assert.equal(echo.toString(), "ping\n");
    anonymous.socket.destroy();

    const apiserver = await connect(server.port, { key: read("apiserver.key"), cert: read("apiserver.pem") });
    assert.equal(apiserver.identity, "kube-apiserver-kubelet-client\nsystem:masters\nkube-group");
    apiserver.socket.destroy();

    const stranger = await connect(server.port, { key: read("stranger.key"), cert: read("stranger.pem") });
    assert.equal(stranger.identity, "", "a certificate the client CA did not sign gives no identity");
    stranger.socket.destroy();

    const chacha = await connect(server.port, { ciphers: "ECDHE-ECDSA-CHACHA20-POLY1305" });
    assert.equal(chacha.socket.getCipher().name, "ECDHE-ECDSA-CHACHA20-POLY1305");
    chacha.socket.destroy();

    await assert.rejects(connect(server.port, { minVersion: "TLSv1.3" }), "TLS 1.3 is not offered by mbedTLS 2.28");
    await assert.rejects(connect(server.port, { ciphers: "ECDHE-ECDSA-AES256-GCM-SHA384" }), "only the two suites");
  } finally {
    server.stop();
  }
});

test("a session ticket resumes the session, with the client certificate's identity", { skip }, async () => {
  const server = await serve("serving.pem");
  try {
    const creds = { key: read("apiserver.key"), cert: read("apiserver.pem") };
    const first = await connect(server.port, creds);
    const session = first.socket.getSession(); // TLS 1.2: known once the handshake is done, ticket included
    assert.ok(first.socket.getTLSTicket(), "the server issued a session ticket");
    first.socket.destroy();
    const second = await connect(server.port, { ...creds, session });
    assert.equal(second.socket.isSessionReused(), true);
    assert.equal(second.identity, "kube-apiserver-kubelet-client\nsystem:masters\nkube-group");
    second.socket.destroy();
  } finally {
    server.stop();
  }
});

test("at most two connections at once: a third is closed at once, and served again once one ends", { skip }, async () => {
  const server = await serve("serving.pem");
  try {
    const a = await connect(server.port);
    const b = await connect(server.port);
    await assert.rejects(connect(server.port));
    await logged(server, /refused\n/);
    a.socket.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const c = await connect(server.port);
    assert.equal(c.identity, "");
    b.socket.destroy();
    c.socket.destroy();
  } finally {
    server.stop();
  }
});

test("before a certificate is installed, a connection is closed at once", { skip }, async () => {
  const server = await serve("-");
  try {
    await assert.rejects(connect(server.port));
    await logged(server, /refused\n/);
  } finally {
    server.stop();
  }
});

test("without a client CA no client certificate is asked for, and none gives an identity", { skip }, async () => {
  const server = await serve("serving.pem", null);
  try {
    const apiserver = await connect(server.port, { key: read("apiserver.key"), cert: read("apiserver.pem") });
    assert.equal(apiserver.identity, "");
    apiserver.socket.destroy();
  } finally {
    server.stop();
  }
});
