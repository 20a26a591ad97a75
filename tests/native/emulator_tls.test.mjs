// The kubelet port's TLS on the emulated RP2040 (the AOT image, mbedTLS
// through pico_mbedtls): the firmware makes its key from the ROSC, stores it
// in flash, sends a kubelet-serving CSR that a throwaway CA signs (openssl),
// and node:tls completes handshakes with it over the fake network, verifying
// the certificate. Client certificates from the configured client CA
// authenticate (then a SubjectAccessReview decides); others do not; session
// tickets resume; connections are kept for the next request; at two TLS
// connections a third gets in only by closing an idle kept one, else it is
// refused; the key survives a power cut.
// tests/native/run.mjs builds the image where pico-sdk and PICO_MBEDTLS_PATH
// are present; skipped without the image, its TLS, or the RP2040 bootrom.
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { EmulatedPico, emulatorElf, findBootrom } from "../../bench/firmware_emulator.mjs";
import { TlsWorld, closeClient, hasTls, settle, tlsConnect, tlsRequest, waitForCertificate } from "../../bench/firmware_tls.mjs";

const bootrom = findBootrom();
const elf = emulatorElf("aot");
const skip = !fs.existsSync(elf) ? "the aot emulator image is not built (needs pico-sdk)"
  : !hasTls(elf) ? "the emulator image has no TLS (set PICO_MBEDTLS_PATH to mbedtls 2.28.8 and rebuild)"
  : bootrom.words ? false : bootrom.reason;
const GET = (path) => `GET ${path} HTTP/1.1\r\nHost: pico\r\n\r\n`;
const publicKey = (pem) => spawnSync("openssl", ["req", "-noout", "-pubkey"], { input: pem, encoding: "utf8" }).stdout;

test("emulated Pico: TLS on the kubelet port with a CSR-issued certificate, client-certificate authentication, resumption, kept connections, two at most (an idle one makes room); the key survives a power cut", { skip, timeout: 900_000 }, async () => {
  const world = new TlsWorld();
  try {
    const pico = new EmulatedPico({ elf, bootrom: bootrom.words, deviceConfig: world.deviceConfig() });
    pico.api = world.api(pico.apiState);
    await waitForCertificate(pico);
    assert.equal(world.csrs.length, 1);
    assert.ok(pico.flashOps.some((o) => o.op === "program" && o.offset === 0x1ea000), "the key went to its flash sectors");

    // The admin's certificate from the client CA: authenticated, then authorized by a SubjectAccessReview.
    const admin = await tlsConnect(pico, world, { identity: "admin" });
    assert.ok(admin.secure, `handshake: ${admin.error?.message ?? "closed by the firmware"}`);
    assert.equal(admin.socket.authorized, true, "the serving certificate verifies against the cluster CA for the node's name");
    assert.equal(admin.socket.getProtocol(), "TLSv1.2");
    assert.match(admin.socket.getCipher().name, /^ECDHE-ECDSA-(AES128-GCM-SHA256|CHACHA20-POLY1305)$/);
    const served = admin.socket.getPeerX509Certificate();
    assert.equal(served.subject, "O=system:nodes\nCN=system:node:pico-test-1");
    assert.match(served.subjectAltName, /DNS:pico-test-1, IP Address:10\.0\.0\.15/);
    let r = await tlsRequest(pico, admin, GET("/healthz"));
    assert.equal(r.status, 200);
    assert.equal(r.body, "ok");
    r = await tlsRequest(pico, admin, GET("/pico/status")); // the connection was kept for it
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.body).registered, true);
    const review = world.reviews.at(-1).spec;
    assert.equal(review.user, "kube-apiserver-kubelet-client");
    assert.deepEqual(review.groups, ["system:masters"]);
    assert.deepEqual(review.resourceAttributes, { ...review.resourceAttributes, resource: "nodes", subresource: "proxy", name: "pico-test-1" });
    // No certificate, or one from another CA: no identity, so 401 (no bearer token either).
    for (const identity of [undefined, "stranger"]) {
      const c = await tlsConnect(pico, world, { identity });
      assert.ok(c.secure, `handshake (${identity ?? "anonymous"}): ${c.error?.message}`);
      r = await tlsRequest(pico, c, GET("/metrics/resource"));
      assert.equal(r.status, 401, `${identity ?? "anonymous"}: ${r.body}`);
      await closeClient(pico, c);
    }
    await closeClient(pico, admin);

    // A session ticket resumes (with the client's identity): no ECC, far fewer cycles.
    assert.ok(admin.session, "the firmware sent a session ticket");
    const resumed = await tlsConnect(pico, world, { identity: "admin", session: admin.session });
    assert.ok(resumed.secure, resumed.error?.message);
    assert.equal(resumed.socket.isSessionReused(), true);
    assert.ok(resumed.cycles * 5 < admin.cycles, `resumption ${resumed.cycles} cycles vs full handshake ${admin.cycles}`);
    r = await tlsRequest(pico, resumed, GET("/healthz"));
    assert.equal(r.status, 200);

    // Two TLS connections: one kept idle after its request (resumed), one that has asked nothing yet. A third
    // client gets in: the core closes the idle kept one for it.
    const waiting = await tlsConnect(pico, world, { identity: "admin", session: admin.session });
    assert.ok(waiting.secure, waiting.error?.message);
    const third = await tlsConnect(pico, world, { identity: "admin", session: admin.session });
    assert.ok(third.secure, third.error?.message);
    assert.equal(resumed.conn.closed, true, "the idle kept connection made room");
    // Now neither is idle after a request: a fourth is refused at once, without a handshake.
    const fourth = await tlsConnect(pico, world, { identity: "admin", session: admin.session });
    assert.equal(fourth.secure, false);
    assert.equal(fourth.conn.closed, true);
    assert.ok(pico.lines.some((l) => l.includes("tls: 2 connections open and none idle: a new kubelet client is refused")), pico.lines.slice(-8).join("\n"));
    // Once one closes, a new client is served again.
    await closeClient(pico, waiting);
    const fifth = await tlsConnect(pico, world, { identity: "admin", session: admin.session });
    assert.ok(fifth.secure, fifth.error?.message);

    // Power off and on: the key is read back from flash, not made again; the new CSR carries the same key.
    const madeKeys = () => pico.lines.filter((l) => l.includes("made and stored a new device key")).length;
    assert.equal(madeKeys(), 1);
    pico.powerCycle();
    pico.lines = [];
    await waitForCertificate(pico);
    assert.equal(world.csrs.length, 2);
    assert.equal(madeKeys(), 0, "no new key after the power cut");
    assert.equal(publicKey(world.csrs[1]), publicKey(world.csrs[0]));
  } finally {
    world.cleanup();
  }
});
