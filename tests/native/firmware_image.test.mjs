// The device's check of signed firmware images (native/common/firmware_image.c,
// driven by tests/native/firmware_image_harness.c) on images the workstation's
// signer makes (dist/cli/firmware_image.js) with temporary keys: every refusal
// of docs/firmware-update.md and OK, the same verdict from C and TypeScript,
// whatever the chunks the file arrives in. Then what PICO_FIRMWARE_PUBKEY puts
// into a build (native/common/firmware_key.cmake).
// Run by npm run test:native (PICO_FIRMWARE_IMAGE_HARNESS names the harness).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { HEADER_BYTES, checkImage, keygen, publicPoint, readPrivateKey, readPublicKey, signImage } from "../../dist/cli/firmware_image.js";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const harness = process.env.PICO_FIRMWARE_IMAGE_HARNESS;
const skip = !harness ? "PICO_FIRMWARE_IMAGE_HARNESS is not set (npm run test:native builds tests/native/firmware_image_harness)" : false;
const sha256 = (bytes) => crypto.createHash("sha256").update(bytes).digest("hex");
let dir, ours, theirs;

/** What a pico_w running 1.4.2 with the AOT engine and a 64 KB slot, told to install 1.5.0, expects. */
const DEVICE = { board: "pico_w", engine: "aot", slotBytes: 64 * 1024, running: [1, 4, 2], declaredVersion: [1, 5, 0], allowDowngrade: false };
const PAYLOAD = crypto.randomBytes(5000);

function keyPair(name) {
  const made = keygen(path.join(dir, name, "signing.pem"));
  return { priv: readPrivateKey(made.key), pub: readPublicKey(made.pub), pubFile: made.pub };
}
const sign = (changes = {}) => signImage({ payload: PAYLOAD, version: [1, 5, 0], board: "pico_w", engine: "aot", key: ours.priv, ...changes });
const changed = (bytes, change) => {
  const copy = Buffer.from(bytes);
  return change(copy) ?? copy;
};
/** A header change the signer would not make, signed again with our key: only the later checks can refuse it. */
const resigned = (bytes, change) => {
  const copy = changed(bytes, change);
  crypto.sign("sha256", copy.subarray(0, 128), { key: ours.priv, dsaEncoding: "ieee-p1363" }).copy(copy, 128);
  return copy;
};

/** The C verdict: the file streamed in chunks of `chunk` bytes. */
function cVerdict(file, expect, trusted, chunk) {
  const v = (x) => x.join(".");
  const args = ["check", file, `key=${publicPoint(trusted).toString("hex")}`, `board=${expect.board}`, `engine=${expect.engine}`,
    `running=${v(expect.running)}`, `declared=${v(expect.declaredVersion)}`, `allow-downgrade=${expect.allowDowngrade ? 1 : 0}`,
    `slot=${expect.slotBytes}`, `sha256=${expect.declaredSha256}`, `chunk=${chunk}`];
  const r = spawnSync(harness, args, { encoding: "utf8" });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  return /^verdict (\w+)$/.exec(r.stdout.trim())?.[1] ?? r.stdout;
}

before(() => {
  if (skip) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pico-fw-native-"));
  ours = keyPair("ours");
  theirs = keyPair("theirs");
});
after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

test("C and TypeScript give the same verdict on each image: OK and every refusal", { skip }, () => {
  const good = sign();
  const forged = sign({ key: theirs.priv });
  good.copy(forged, 84, 84, 92); // our key id over their signature
  const cases = [
    ["a good image", good, {}, "OK"],
    ["a downgrade that is allowed", sign({ version: [1, 4, 0] }), { declaredVersion: [1, 4, 0], allowDowngrade: true }, "OK"],
    ["a reserved byte set", changed(good, (b) => void (b[100] = 1)), {}, "NotSigned"],
    ["the last reserved byte set", changed(good, (b) => void (b[255] = 1)), {}, "NotSigned"],
    ["another magic", changed(good, (b) => void (b[0] = 0x51)), {}, "NotSigned"],
    ["header version 2", changed(good, (b) => void (b[4] = 2)), {}, "NotSigned"],
    ["a file shorter than the header", good.subarray(0, 255), {}, "NotSigned"],
    ["signed with another key", sign({ key: theirs.priv }), {}, "UnknownKey"],
    ["a changed byte in the signed header", changed(good, (b) => void (b[60] ^= 1)) /* the payload digest: signed, judged only by the signature */, {}, "BadSignature"],
    ["a changed byte in the signature", changed(good, (b) => void (b[191] ^= 0x80)), {}, "BadSignature"],
    ["our key id over another key's signature", forged, {}, "BadSignature"],
    ["for another board", sign({ board: "posix-x86_64" }), {}, "WrongBoard"],
    ["for another engine", sign({ engine: "wasm3" }), {}, "WrongEngine"],
    ["a board name with bytes after its NUL", resigned(good, (b) => void (b[16 + 10] = 0x78)), {}, "WrongBoard"],
    ["an engine name one byte longer", resigned(good, (b) => void (b[32 + 3] = 0x78)), {}, "WrongEngine"],
    ["a payload of 0 bytes, signed", resigned(good.subarray(0, HEADER_BYTES), (b) => void b.writeUInt32LE(0, 48)), {}, "NotSigned"],
    ["a payload size near 4 GB, signed", resigned(good, (b) => void b.writeUInt32LE(0xffffffff, 48)), { slotBytes: 0xffffffff }, "TooLarge"],
    ["larger than the slot", good, { slotBytes: good.length - 1 }, "TooLarge"],
    ["exactly the slot", good, { slotBytes: good.length }, "OK"],
    ["another version than declared", sign({ version: [1, 5, 1] }), {}, "VersionMismatch"],
    ["a lower version", sign({ version: [1, 4, 1] }), { declaredVersion: [1, 4, 1] }, "Downgrade"],
    ["a changed payload byte", changed(good, (b) => void (b[HEADER_BYTES + 4999] ^= 1)), {}, "Corrupted"],
    ["a truncated payload", good.subarray(0, good.length - 100), {}, "Corrupted"],
    ["a byte more", Buffer.concat([good, Buffer.from([0])]), {}, "Corrupted"],
    ["another file than declared", good, { declaredSha256: sha256(sign()) }, "DigestMismatch"],
  ];
  for (const [what, bytes, changes, want] of cases) {
    const file = path.join(dir, "image.pkfw");
    fs.writeFileSync(file, bytes);
    const expect = { ...DEVICE, declaredSha256: sha256(bytes), ...changes };
    assert.equal(checkImage(bytes, ours.pub, expect).reason, want, `TypeScript, ${what}`);
    for (const chunk of [1, 61, 4096]) assert.equal(cVerdict(file, expect, ours.pub, chunk), want, `C in ${chunk}-byte chunks, ${what}`);
  }
});

test("PICO_FIRMWARE_PUBKEY builds the key's point into the firmware; without it configure stops, naming it", { skip }, () => {
  const project = path.join(root, "tests/native/firmware_key");
  const configure = (build, ...defs) => spawnSync("cmake", ["-S", project, "-B", path.join(dir, build), ...defs], { encoding: "utf8" });
  const r = configure("key-build", `-DPICO_FIRMWARE_PUBKEY=${ours.pubFile}`);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(spawnSync("cmake", ["--build", path.join(dir, "key-build")], { encoding: "utf8" }).status, 0);
  const printed = spawnSync(path.join(dir, "key-build/print_trusted_key"), { encoding: "utf8" }).stdout.trim();
  assert.equal(printed, publicPoint(ours.pub).toString("hex"));
  assert.equal(fs.existsSync(path.join(dir, "key-build/firmware_key/firmware_trusted_key.h")), true, "generated in the build directory");

  const missing = configure("no-key");
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr.replace(/\s+/g, " "), /PICO_FIRMWARE_PUBKEY is not set: .*`pico-node firmware keygen`/);
  const privateKey = configure("private-key", `-DPICO_FIRMWARE_PUBKEY=${path.join(dir, "ours/signing.pem")}`);
  assert.notEqual(privateKey.status, 0);
  assert.match(privateKey.stderr.replace(/\s+/g, " "), /a private key: give the public key/);
});
