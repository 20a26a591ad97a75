// The simulated device's serving key and CSR: the request must be one the
// API server accepts (openssl verifies its signature), the approver reads as
// the device's own (cli/pkcs10.ts, cli/serving_csr.ts judge), and a bad name
// or address is refused before anything is signed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ServingKey } from "../../dist/sim/serving_key.js";
import { parseCsr } from "../../dist/cli/pkcs10.js";
import { judge, KUBELET_SERVING } from "../../dist/cli/serving_csr.js";

const NODE = "pico-1";
const IP = "192.168.1.50";
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "serving-key-"));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function openssl(args, input) {
  const r = spawnSync("openssl", args, { input, encoding: "utf8", cwd: tmp });
  assert.ifError(r.error);
  return { ok: r.status === 0, stdout: r.stdout, out: r.stdout + r.stderr };
}

// 253 characters: the longest node name, so the request needs multi-byte DER lengths.
const LONGEST = ["a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(61)].join(".");

test("the CSR reads back through the approver's parser as exactly the node's subject and addresses", () => {
  const key = ServingKey.generate();
  assert.deepEqual(parseCsr(key.csrPem(NODE, IP)), {
    subject: [
      { type: "O", value: "system:nodes" },
      { type: "CN", value: "system:node:pico-1" },
    ],
    dnsNames: [NODE],
    ipAddresses: [IP],
    otherNames: [],
  });
  const withoutAddress = parseCsr(key.csrPem(NODE, null));
  assert.deepEqual(withoutAddress.dnsNames, [NODE]);
  assert.deepEqual(withoutAddress.ipAddresses, []);
  assert.equal(LONGEST.length, 253);
  const longest = parseCsr(key.csrPem(LONGEST, "10.0.0.255"));
  assert.deepEqual(longest.subject.map((a) => a.value), ["system:nodes", `system:node:${LONGEST}`]);
  assert.deepEqual(longest.dnsNames, [LONGEST]);
  assert.deepEqual(longest.ipAddresses, ["10.0.0.255"]);
});

test("openssl verifies the CSR's signature and reads its subject, key, SANs and algorithm", () => {
  const key = ServingKey.generate();
  for (const [name, ip, sans] of [
    [NODE, IP, `DNS:${NODE}, IP Address:${IP}`],
    [LONGEST, null, `DNS:${LONGEST}`],
  ]) {
    const csr = key.csrPem(name, ip);
    const r = openssl(["req", "-noout", "-verify", "-text"], csr);
    assert.ok(r.ok, r.out);
    assert.match(r.out, /verify OK/);
    assert.match(r.out, new RegExp(`Subject: O = system:nodes, CN = system:node:${name}\\n`));
    assert.match(r.out, /NIST CURVE: P-256/);
    assert.match(r.out, new RegExp(`X509v3 Subject Alternative Name: *\\n *${sans}\\n`));
    assert.match(r.out, /Signature Algorithm: ecdsa-with-SHA256/);
    const publicKey = openssl(["req", "-noout", "-pubkey"], csr);
    assert.ok(publicKey.ok, publicKey.out);
    assert.equal(publicKey.stdout, crypto.createPublicKey(key.key).export({ type: "spki", format: "pem" }).toString());
  }
});

test("openssl rejects the CSR once a byte of the signed part changes", () => {
  const der = Buffer.from(ServingKey.generate().csrPem(NODE, IP).replace(/-----[^-]+-----/g, ""), "base64");
  const at = der.indexOf("pico-1", 0, "latin1");
  der[at] = "q".charCodeAt(0); // the CN now says qico-1, still well-formed
  const pem = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString("base64")}\n-----END CERTIFICATE REQUEST-----\n`;
  const r = openssl(["req", "-noout", "-verify"], pem);
  // OpenSSL 3.0 exits 0 either way: its words are the verdict.
  assert.match(r.out, /verify failure/);
  assert.doesNotMatch(r.out, /verify OK/);
});

function servingCsr(csrPem, requester = NODE) {
  return {
    metadata: { name: `csr-${requester}` },
    spec: {
      signerName: KUBELET_SERVING,
      username: `system:node:${requester}`,
      groups: ["system:nodes", "system:authenticated"],
      usages: ["digital signature", "server auth"],
      request: Buffer.from(csrPem).toString("base64"),
    },
  };
}

// What the core reports for the device (assembly/node/render.ts).
const addresses = [
  { type: "InternalIP", address: IP },
  { type: "Hostname", address: NODE },
];
const enrolled = new Set([NODE, "pico-2"]);

test("the approver approves the CSR for its own enrolled node with the Node's addresses", () => {
  const key = ServingKey.generate();
  const verdict = judge(servingCsr(key.csrPem(NODE, IP)), enrolled, addresses);
  assert.deepEqual(verdict, { approve: true, node: NODE, sans: [IP, NODE] });
  const noIpVerdict = judge(servingCsr(key.csrPem(NODE, null)), enrolled, [{ type: "Hostname", address: NODE }]);
  assert.equal(noIpVerdict.approve, true, noIpVerdict.reason);
});

test("the approver refuses the CSR when its node name or address is not the requester's", () => {
  const key = ServingKey.generate();
  const otherName = judge(servingCsr(key.csrPem("pico-2", IP)), enrolled, addresses);
  assert.equal(otherName.approve, false);
  assert.match(otherName.reason, /subject CN=system:node:pico-2, O=system:nodes; expected CN=system:node:pico-1/);
  const otherIp = judge(servingCsr(key.csrPem(NODE, "192.168.1.51")), enrolled, addresses);
  assert.equal(otherIp.approve, false);
  assert.match(otherIp.reason, /SANs IP \[192\.168\.1\.51\] .* are not the Node's addresses IP \[192\.168\.1\.50\]/);
  const missingIp = judge(servingCsr(key.csrPem(NODE, null)), enrolled, addresses);
  assert.equal(missingIp.approve, false);
  assert.match(missingIp.reason, /are not the Node's addresses/);
});

test("the CSR certifies this key: a certificate signed from it matches, another key's does not", () => {
  const key = ServingKey.generate();
  fs.writeFileSync(path.join(tmp, "device.csr"), key.csrPem(NODE, IP));
  const ca = openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
    "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=test-ca", "-days", "1"]);
  assert.ok(ca.ok, ca.out);
  const issued = openssl(["x509", "-req", "-in", "device.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "1", "-days", "1", "-sha256"]);
  assert.ok(issued.ok, issued.out);
  const certPem = issued.stdout;
  assert.equal(key.matches(certPem), true);
  assert.equal(ServingKey.generate().matches(certPem), false);
  assert.equal(key.matches(fs.readFileSync(path.join(tmp, "ca.pem"), "utf8")), false);
});

test("a bad node name or address is refused with an error naming it", () => {
  const key = ServingKey.generate();
  for (const bad of ["Pico-1", "pico_1", "-pico", "pico-", "pico..1", "", "pico 1", "pico/1"]) {
    assert.throws(() => key.csrPem(bad, IP), new RegExp(`node name "${bad.replace(/[.]/g, "\\.")}" is not a DNS-1123 subdomain`), bad);
  }
  assert.throws(() => key.csrPem(`${LONGEST}e`, IP), /node name of 254 characters: at most 253 are allowed/);
  for (const bad of ["192.168.1.256", "192.168.1", "192.168.01.5", "::1", "pico-1", " 192.168.1.5"]) {
    assert.throws(() => key.csrPem(NODE, bad), new RegExp(`address "${bad.replace(/[.]/g, "\\.")}" is not an IPv4 dotted quad`), bad);
  }
});
