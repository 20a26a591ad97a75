// The CSR approver beside the proxy, on the real control plane: a device
// enrolled at the proxy asks for a kubelet-serving certificate with its own
// node identity (what the proxy forwards for it), and the approver approves
// it only when the subject is that device's node and the SANs are exactly the
// addresses its Node reports; the controller-manager then signs it with the
// cluster CA. Everything else stays pending, logged once with the reason, and
// `kubectl certificate approve` still decides as for any kubelet.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { spawnSync } from "node:child_process";
import { withPlane, until } from "./plane.mjs";
import { startApprover } from "../../dist/cli/approver.js";

const A = "pico-csr-a";
const CSRS = "/apis/certificates.k8s.io/v1/certificatesigningrequests";

let plane;
let approver;
const logged = [];
let addresses; // pico A's Node status.addresses

before(async () => {
  plane = await withPlane({}, { approver: false }); // this file runs its own
  await plane.sim([A]);
  await until("pico A reports its addresses", () => (addresses = plane.json(["get", "node", A]).status.addresses)?.length >= 2);
  approver = startApprover({ dir: plane.proxy.dir, kubeconfig: plane.env.kubeconfig, log: (l) => logged.push(l) });
});
after(async () => {
  await approver?.stop();
  await plane?.close();
});

function openssl(args, input) {
  const r = spawnSync("openssl", args, { input, encoding: "utf8" });
  assert.equal(r.status, 0, `openssl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** A PEM CSR for a fresh P-256 key, as the device makes it: subject and SANs as given. */
function csrPem({ cn, o = "system:nodes", sans }) {
  const { privateKey } = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
  const dir = fs.mkdtempSync(path.join(plane.state, "csr-"));
  const key = path.join(dir, "key.pem");
  fs.writeFileSync(key, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  const ext = sans.length ? ["-addext", `subjectAltName=${sans.join(",")}`] : [];
  return openssl(["req", "-new", "-key", key, "-subj", `/O=${o}/CN=${cn}`, ...ext]);
}

const sansOf = (addrs) => addrs.map((a) => (/^[\d.]+$/.test(a.address) ? `IP:${a.address}` : `DNS:${a.address}`));

/**
 * POSTs a kubelet-serving CSR, by default with pico A's node certificate (the
 * identity the proxy forwards for it), or through sender; resolves with the answer.
 */
function post(name, pem, { usages = ["digital signature", "server auth"], sender = (m, p, b) => plane.asDevice(A, m, p, b) } = {}) {
  return sender("POST", CSRS, { apiVersion: "certificates.k8s.io/v1", kind: "CertificateSigningRequest", metadata: { name },
    spec: { request: Buffer.from(pem).toString("base64"), signerName: "kubernetes.io/kubelet-serving", usages } });
}

async function submit(name, pem, options) {
  const r = await post(name, pem, options);
  assert.equal(r.status, 201, `CSR ${name} created: ${r.text}`);
}

const csr = (name) => plane.json(["get", "csr", name]);
const conditionTypes = (name) => (csr(name).status.conditions ?? []).map((c) => c.type);
const pendingLog = (name) => logged.filter((l) => l.startsWith(`left ${name} pending`));

test("a device's own serving CSR naming exactly its Node's addresses is approved and signed by the cluster CA", async () => {
  await submit("pico-csr-a-good", csrPem({ cn: `system:node:${A}`, sans: sansOf(addresses) }));
  const issued = await until("approved and issued", () => csr("pico-csr-a-good").status.certificate, 20_000, 250);
  assert.deepEqual(conditionTypes("pico-csr-a-good"), ["Approved"]);
  const cert = new crypto.X509Certificate(Buffer.from(issued, "base64"));
  assert.ok(cert.verify(new crypto.X509Certificate(fs.readFileSync(plane.env.caFile)).publicKey), "signed by the cluster CA");
  assert.deepEqual(cert.subject.split("\n").sort(), [`CN=system:node:${A}`, "O=system:nodes"]);
  const want = addresses.map((a) => (/^[\d.]+$/.test(a.address) ? `IP Address:${a.address}` : `DNS:${a.address}`)).sort();
  assert.deepEqual(cert.subjectAltName.split(", ").sort(), want);
  // The signer may issue before the approver has logged its own approval: wait for the line.
  await until("the approval logged", () => logged.some((l) => l.startsWith("approved pico-csr-a-good: serving certificate for pico-csr-a")), 5000, 50);
});

test("a wrong name, a wrong or missing address, a client usage: left pending, each logged once with its reason", async () => {
  const cases = [
    // Someone other than the device asking for the device's name (NodeRestriction already stops another node).
    ["pico-csr-a-by-admin", { cn: `system:node:${A}`, sans: sansOf(addresses) }, { sender: (m, p, b) => plane.asAdmin(m, p, b) }, /requested by kubernetes-admin, not by a node/],
    ["pico-csr-a-extra-ip", { cn: `system:node:${A}`, sans: [...sansOf(addresses), "IP:10.9.9.9"] }, {}, /SANs IP \[.*10\.9\.9\.9.*\] .* are not the Node's addresses/],
    ["pico-csr-a-no-san", { cn: `system:node:${A}`, sans: [] }, {}, /names no address/],
    ["pico-csr-a-email", { cn: `system:node:${A}`, sans: [...sansOf(addresses), "email:x@example.com"] }, {}, /SANs of kinds a serving certificate does not carry: email/],
    ["pico-csr-a-client", { cn: `system:node:${A}`, sans: sansOf(addresses) }, { usages: ["digital signature", "server auth", "client auth"] }, /usages .*client auth/],
  ];
  const refused = await post("pico-csr-a-other-name", csrPem({ cn: "system:node:pico-csr-z", sans: sansOf(addresses) }));
  assert.equal(refused.status, 403, "the API server refuses a node's CSR for another node's name");
  for (const [name, subject, options] of cases) await submit(name, csrPem(subject), options);
  for (const [name, , , reason] of cases) {
    await until(`${name} judged`, () => pendingLog(name).length === 1, 20_000, 250);
    assert.match(pendingLog(name)[0], reason);
    assert.deepEqual(conditionTypes(name), [], `${name} stays pending (never denied)`);
  }
  // Another event for the same CSR does not log the same reason again.
  plane.kubectl(["label", "csr", "pico-csr-a-extra-ip", "seen=again"]);
  await until("the approver saw the change", async () => {
    await submit(`pico-csr-a-marker-${Date.now()}`, csrPem({ cn: `system:node:${A}`, sans: [] }));
    return logged.filter((l) => l.includes("pico-csr-a-marker-")).length >= 1;
  }, 10_000, 1000);
  assert.equal(pendingLog("pico-csr-a-extra-ip").length, 1);

  // A person can still approve what the approver left: the controller-manager signs it.
  plane.kubectl(["certificate", "approve", "pico-csr-a-extra-ip"]);
  await until("signed after a manual approval", () => csr("pico-csr-a-extra-ip").status.certificate, 20_000, 250);
});

test("a node that is not enrolled at this proxy gets no approval, even for its own name and addresses", async () => {
  // A node identity signed by the cluster CA (as a kubelet has) for a node this proxy never enrolled.
  const stranger = "pico-csr-stranger";
  const dir = fs.mkdtempSync(path.join(plane.state, "stranger-"));
  const key = path.join(dir, "key.pem"), req = path.join(dir, "req.pem"), crt = path.join(dir, "crt.pem");
  openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key]);
  openssl(["req", "-new", "-key", key, "-subj", `/O=system:nodes/CN=system:node:${stranger}`, "-out", req]);
  openssl(["x509", "-req", "-in", req, "-CA", path.join(plane.env.pkiDir, "ca.crt"), "-CAkey", path.join(plane.env.pkiDir, "ca.key"),
    "-CAcreateserial", "-days", "1", "-out", crt]);
  await submit("pico-csr-stranger-own", csrPem({ cn: `system:node:${stranger}`, sans: [`DNS:${stranger}`] }),
    { sender: (m, p, b) => plane.withCertificate(crt, key, m, p, b) });
  await until("judged", () => pendingLog("pico-csr-stranger-own").length === 1, 20_000, 250);
  assert.match(pendingLog("pico-csr-stranger-own")[0], /pico-csr-stranger is not a device enrolled at this proxy/);
  assert.deepEqual(conditionTypes("pico-csr-stranger-own"), []);
});
