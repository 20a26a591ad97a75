// The kubelet port's certificate, got as a kubelet with serverTLSBootstrap
// gets it: a CSR for kubernetes.io/kubelet-serving made from the host's key,
// polled until issued, installed, renewed at 80 % of its lifetime or when the
// address changes; denied, garbled or mismatched answers start over.
import { test } from "node:test";
import assert from "node:assert/strict";
import { apiResponse, status } from "./fake_host.mjs";
import { boot, registerAll, runApi, defaultAnswer, NODE } from "./helpers.mjs";

const CSR_PATH = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
const CERT_PEM = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";

/** Plays a CSR API: created pending; `issue(name)` decides what a read returns. */
function csrServer(issue) {
  const seen = [];
  const answer = (r) => {
    if (!r.target.startsWith(CSR_PATH)) return defaultAnswer(r);
    seen.push(r);
    if (r.method === "POST") return apiResponse(201, { ...r.json, status: {} });
    const name = r.target.slice(CSR_PATH.length + 1);
    return issue(name, seen);
  };
  return { seen, answer };
}

const issued = (name, pem = CERT_PEM, extra = {}) =>
  apiResponse(200, { kind: "CertificateSigningRequest", metadata: { name }, status: { conditions: [{ type: "Approved", status: "True", reason: "PicoNodeApprover" }], certificate: Buffer.from(pem).toString("base64"), ...extra } });

async function bootTls(opts = {}) {
  const h = await boot(opts);
  h.tls = true;
  registerAll(h);
  return h;
}

test("sends a kubelet-serving CSR of the host's key under <node>-serving-<8 hex>, polls it, installs the issued certificate", async () => {
  const h = await bootTls();
  let reads = 0;
  const api = csrServer((name) => (++reads < 3 ? apiResponse(200, { metadata: { name }, status: {} }) : issued(name)));
  runApi(h, 20_000, api.answer);
  const [post, ...gets] = api.seen;
  assert.equal(post.method, "POST");
  assert.equal(post.target, CSR_PATH);
  const name = post.json.metadata.name;
  assert.match(name, new RegExp(`^${NODE}-serving-[0-9a-f]{8}$`));
  assert.equal(post.json.spec.signerName, "kubernetes.io/kubelet-serving");
  assert.deepEqual(post.json.spec.usages, ["digital signature", "server auth"]);
  assert.deepEqual(h.csrs, [{ name: NODE, ipv4: 0x0a00000f }]);
  assert.match(Buffer.from(post.json.spec.request, "base64").toString(), new RegExp(`^-----BEGIN CERTIFICATE REQUEST-----\nfake for ${NODE} ${0x0a00000f}\n`));
  assert.equal(gets.length, 3);
  for (const g of gets) assert.equal(g.target, `${CSR_PATH}/${name}`);
  assert.deepEqual(h.installed, [CERT_PEM]);
  assert.match(h.logText(), new RegExp(`serving the kubelet port with the certificate from ${name}, valid until 2026-11-23T22:03:\\d\\d`));
});

test("renews at 80 % of the certificate's lifetime, and when the node's address changes", async () => {
  const h = await bootTls();
  h.certLifetimeS = 1000;
  const api = csrServer((name) => issued(name));
  // The API server's clock runs with the fake one: its Date headers are where the core's wall time comes from.
  const dated = (r) => api.answer(r).replace(/^Date: .*$/m, `Date: ${new Date((h.wallSec + (h.now - 1000) / 1000) * 1000).toUTCString()}`);
  runApi(h, 10_000, dated);
  assert.equal(h.installed.length, 1);
  runApi(h, 780_000, dated);
  assert.equal(h.installed.length, 1, "not before 80 %");
  runApi(h, 30_000, dated);
  assert.equal(h.installed.length, 2, "renewed at 80 %");
  h.ipv4 = 0x0a000020;
  runApi(h, 10_000, dated);
  assert.equal(h.installed.length, 3, "a new address, a new certificate");
  assert.equal(h.csrs.at(-1).ipv4, 0x0a000020);
});

test("a denied CSR is logged with its message and replaced by a new one later", async () => {
  const h = await bootTls();
  let first = true;
  const api = csrServer((name) => {
    if (first) {
      first = false;
      return apiResponse(200, { metadata: { name }, status: { conditions: [{ type: "Denied", status: "True", message: "SANs are not the Node's addresses" }] } });
    }
    return issued(name);
  });
  runApi(h, 20_000, api.answer);
  assert.match(h.logText(), /was denied or failed: SANs are not the Node's addresses; asking again later/);
  const posts = api.seen.filter((r) => r.method === "POST");
  assert.equal(posts.length, 2);
  assert.notEqual(posts[0].json.metadata.name, posts[1].json.metadata.name);
  assert.equal(h.installed.length, 1);
});

test("a certificate that is not base64, or not for the device key, is not served; a vanished CSR is asked for again", async () => {
  const h = await bootTls();
  const answers = [
    (name) => apiResponse(200, { metadata: { name }, status: { certificate: "not*base64" } }),
    (name) => issued(name),
    (name) => apiResponse(404, status(404, "NotFound", `certificatesigningrequests "${name}" not found`)),
    (name) => issued(name),
  ];
  let i = 0;
  h.installResult = -3; // the second answer is for another key
  const api = csrServer((name) => {
    const a = answers[Math.min(i++, answers.length - 1)](name);
    if (i === 3) h.installResult = 0;
    return a;
  });
  runApi(h, 60_000, api.answer);
  const log = h.logText();
  assert.match(log, /status\.certificate is not base64 PEM that fits 3 KB/);
  assert.match(log, /is not for the device key/);
  assert.match(log, /vanished before it was issued/);
  assert.equal(h.installed.length, 2, "only the base64-valid answers reach the host");
  assert.ok(h.certValidity, "the last one is served");
});

test("a host without TLS says so once and never sends a CSR", async () => {
  const h = await boot();
  registerAll(h);
  const api = csrServer(() => assert.fail("no CSR expected"));
  runApi(h, 20_000, api.answer);
  assert.equal(api.seen.length, 0);
  assert.equal(h.logText().match(/this host has no TLS/g)?.length, 1);
});
