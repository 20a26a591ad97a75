// pico-node firmware keygen|sign|verify|publish (cli/firmware_image.ts,
// cli/firmware_commands.ts) and the checks a device makes on a .pkfw file
// (docs/firmware-update.md). Keys live in a temporary HOME, never the user's.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { checkImage, decodeHeader, readPublicKey, signImage, readPrivateKey, HEADER_BYTES } from "../../dist/cli/firmware_image.js";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
let dir, home, key, pub, image;
const file = (name) => path.join(dir, name);
const sha256 = (bytes) => crypto.createHash("sha256").update(bytes).digest("hex");

function pico(...args) {
  return picoAt(home, ...args);
}
function picoAt(homeDir, ...args) {
  const env = { ...process.env, HOME: homeDir, PICO_NODE_PROXY_DIR: path.join(homeDir, "no-proxy") };
  const r = spawnSync(process.execPath, [path.join(root, "bin/pico-node.mjs"), "firmware", ...args], { cwd: dir, env, encoding: "utf8" });
  return { status: r.status, out: r.stdout, err: r.stderr };
}
function ok(...args) {
  const r = pico(...args);
  assert.equal(r.status, 0, r.out + r.err);
  return r.out;
}
function refused(args, pattern) {
  const r = pico(...args);
  assert.equal(r.status, 1, r.out + r.err);
  assert.match(r.err, pattern);
  return r;
}
/** A copy of the signed image with one change, written to name. */
function variant(name, change) {
  const bytes = Buffer.from(image);
  const changed = change(bytes) ?? bytes;
  fs.writeFileSync(file(name), changed);
  return name;
}
const verdictOf = (name, pubPath = pub) => {
  const r = pico("verify", name, "--pubkey", pubPath);
  if (r.status === 0) return /\nOK\n$/.test(r.out) ? "OK" : `unexpected: ${r.out}`;
  return /refused, (\w+):/.exec(r.err)?.[1] ?? `unexpected: ${r.err}`;
};

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pico-fw-image-"));
  home = file("home");
  fs.mkdirSync(home);
  // 10 KB of payload that is not all one byte: flips show.
  fs.writeFileSync(file("payload.bin"), crypto.randomBytes(10_000));
  const made = ok("keygen");
  key = path.join(home, ".config/pico-node/firmware-signing.pem");
  pub = path.join(home, ".config/pico-node/firmware-signing.pub.pem");
  assert.match(made, new RegExp(`-DPICO_FIRMWARE_PUBKEY=${pub}`));
  ok("sign", "payload.bin", "--version", "1.4.2", "--board", "pico_w", "--engine", "aot", "--out", "fw.pkfw");
  image = fs.readFileSync(file("fw.pkfw"));
});
after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

test("keygen writes the private key 0600 in ~/.config/pico-node and the public key beside it", () => {
  assert.equal(fs.statSync(key).mode & 0o777, 0o600);
  // The PEM label in two parts: this file holds no key, and secret scanners should not think it does.
  assert.ok(fs.readFileSync(key, "utf8").startsWith("-----BEGIN " + "PRIVATE KEY-----"));
  assert.match(fs.readFileSync(pub, "utf8"), /^-----BEGIN PUBLIC KEY-----/);
  assert.equal(crypto.createPublicKey(fs.readFileSync(pub)).asymmetricKeyDetails.namedCurve, "prime256v1");
});

test("keygen refuses to overwrite a key, and refuses a path inside the repository", () => {
  const before = fs.readFileSync(key, "utf8");
  refused(["keygen"], /firmware-signing\.pem exists: keygen does not overwrite a key/);
  assert.equal(fs.readFileSync(key, "utf8"), before);
  const inRepo = path.join(root, "build", `firmware-test-${process.pid}.pem`);
  refused(["keygen", "--key", inRepo], /inside the repository/);
  assert.equal(fs.existsSync(inRepo), false);
});

test("sign → verify: the header carries what was asked for, and verify says OK", () => {
  const out = ok("verify", "fw.pkfw", "--pubkey", pub);
  assert.match(out, /^version +1\.4\.2$/m);
  assert.match(out, /^board +pico_w$/m);
  assert.match(out, /^engine +aot$/m);
  assert.match(out, new RegExp(`^payload +10000 bytes, sha256 ${sha256(fs.readFileSync(file("payload.bin")))}$`, "m"));
  assert.match(out, new RegExp(`^file +${image.length} bytes, sha256 ${sha256(image)}$`, "m"));
  assert.equal(image.length, HEADER_BYTES + 10_000);
  assert.deepEqual(image.subarray(HEADER_BYTES), fs.readFileSync(file("payload.bin")));
  // The default public key is the one beside the default private key.
  assert.match(ok("verify", "fw.pkfw"), /\nOK\n$/);
});

test("verify refuses each damaged or foreign image with the doc's reason", () => {
  assert.equal(verdictOf(variant("payload-flip.pkfw", (b) => void (b[HEADER_BYTES + 5000] ^= 1))), "Corrupted");
  assert.equal(verdictOf(variant("truncated.pkfw", (b) => b.subarray(0, b.length - 1))), "Corrupted");
  assert.equal(verdictOf(variant("longer.pkfw", (b) => Buffer.concat([b, Buffer.from([0])]))), "Corrupted");
  // Byte 9 is the version's major high byte: still a well-formed header, no longer the one signed.
  assert.equal(verdictOf(variant("header-flip.pkfw", (b) => void (b[9] ^= 1))), "BadSignature");
  assert.equal(verdictOf(variant("signature-flip.pkfw", (b) => void (b[150] ^= 1))), "BadSignature");
  assert.equal(verdictOf(variant("reserved.pkfw", (b) => void (b[100] = 1))), "NotSigned");
  assert.equal(verdictOf(variant("reserved-tail.pkfw", (b) => void (b[255] = 1))), "NotSigned");
  assert.equal(verdictOf(variant("flags.pkfw", (b) => void (b[14] = 1))), "NotSigned");
  assert.equal(verdictOf(variant("header-only.pkfw", (b) => b.subarray(0, 200))), "NotSigned");

  ok("keygen", "--key", file("other/other.pem"));
  assert.equal(verdictOf("fw.pkfw", file("other/other.pub.pem")), "UnknownKey");
  // Another key's signature under our key id: the id matches, the signature cannot.
  ok("sign", "payload.bin", "--version", "1.4.2", "--board", "pico_w", "--engine", "aot", "--key", file("other/other.pem"), "--out", "other.pkfw");
  const forged = Buffer.from(fs.readFileSync(file("other.pkfw")));
  image.copy(forged, 84, 84, 92);
  fs.writeFileSync(file("forged.pkfw"), forged);
  assert.equal(verdictOf("forged.pkfw"), "BadSignature");

  const declared = pico("verify", "fw.pkfw", "--pubkey", pub, "--sha256", "0".repeat(64));
  assert.match(declared.err, /refused, DigestMismatch: the file's SHA-256 differs from firmware\.sha256/);
  assert.equal(pico("verify", "fw.pkfw", "--pubkey", pub, "--sha256", sha256(image)).status, 0);
});

test("the device's expectations: board, engine, slot, declared version, downgrade, declared digest", () => {
  const trusted = readPublicKey(pub);
  const expect = { board: "pico_w", engine: "aot", slotBytes: image.length, running: [1, 4, 2], declaredVersion: [1, 4, 2], declaredSha256: sha256(image) };
  const reason = (changes) => checkImage(image, trusted, { ...expect, ...changes }).reason;
  assert.equal(reason({}), "OK");
  assert.equal(reason({ board: "posix-x86_64" }), "WrongBoard");
  assert.equal(reason({ engine: "wasm3" }), "WrongEngine");
  assert.equal(reason({ slotBytes: image.length - 1 }), "TooLarge");
  assert.equal(reason({ declaredVersion: [1, 4, 3] }), "VersionMismatch");
  assert.equal(reason({ running: [1, 5, 0] }), "Downgrade");
  assert.equal(reason({ running: [1, 5, 0], allowDowngrade: true }), "OK");
  assert.equal(reason({ running: [1, 4, 10] }), "Downgrade", "versions compare as numbers, not text");
  assert.equal(reason({ declaredSha256: sha256(Buffer.from("another file")) }), "DigestMismatch");
  // The signed board and engine names round-trip through the header.
  const header = decodeHeader(signImage({ payload: Buffer.from("x"), version: [0, 0, 1], board: "posix-aarch64", engine: "wasm3", key: readPrivateKey(key) }));
  assert.deepEqual([header.board, header.engine, header.version], ["posix-aarch64", "wasm3", [0, 0, 1]]);
});

test("sign names what is wrong with its input", () => {
  const sign = (...extra) => ["sign", "payload.bin", "--version", "1.0.0", "--board", "pico_w", "--engine", "aot", ...extra];
  refused(["sign", "payload.bin", "--version", "1.0", "--board", "pico_w", "--engine", "aot"], /--version "1\.0": expected MAJOR\.MINOR\.PATCH/);
  refused(["sign", "payload.bin", "--version", "1.0.70000", "--board", "pico_w", "--engine", "aot"], /--version "1\.0\.70000"/);
  refused(["sign", "payload.bin", "--board", "pico_w", "--engine", "aot"], /--version is required/);
  refused(["sign", "payload.bin", "--version", "1.0.0", "--board", "pico_w", "--engine", "jit"], /--engine "jit": expected aot, wasm3, js/);
  refused(["sign", "payload.bin", "--version", "1.0.0", "--board", "esp32", "--engine", "aot"], /--board "esp32": expected pico_w, pico \(the rp2040js emulator image\), sim \(the simulator\) or posix-<machine>/);
  refused(["sign", "missing.bin", "--version", "1.0.0", "--board", "pico_w", "--engine", "aot"], /missing\.bin: no such file/);
  fs.writeFileSync(file("empty.bin"), "");
  refused(["sign", "empty.bin", "--version", "1.0.0", "--board", "pico_w", "--engine", "aot"], /empty\.bin: the payload is empty/);
  const nokey = file("nowhere/key.pem");
  refused(sign("--key", nokey), new RegExp(`no signing key at ${nokey}: make one with \`pico-node firmware keygen --key ${nokey}\``));
  refused(["verify", "fw.pkfw", "--pubkey", key], /is a private key/);
  refused(["frobnicate"], /firmware: build, keygen, sign, verify, publish, uf2, status or rollout/);
});

test("publish puts the image at <store>/<board>/<engine>/<version>.pkfw and prints the ConfigMap lines", () => {
  const out = ok("publish", "fw.pkfw", "--store", file("www/firmware"));
  const target = file("www/firmware/pico_w/aot/1.4.2.pkfw");
  assert.deepEqual(fs.readFileSync(target), image);
  assert.match(out, new RegExp(`^published ${target}$`, "m"));
  assert.match(out, /^ {2}firmware\.version: "1\.4\.2"$/m);
  assert.match(out, new RegExp(`^  firmware\\.sha256: "${sha256(image)}"$`, "m"));
  // The same file again is fine; another image under a published version is not.
  ok("publish", "fw.pkfw", "--store", file("www/firmware"));
  ok("sign", "payload.bin", "--version", "1.4.2", "--board", "pico_w", "--engine", "aot", "--out", "again.pkfw");
  refused(["publish", "again.pkfw", "--store", file("www/firmware")], /holds another image of 1\.4\.2: a version is published once/);
  assert.deepEqual(fs.readFileSync(target), image);
  // A damaged image is not published; without --dir, the proxy dir must exist.
  refused(["publish", "payload-flip.pkfw", "--store", file("www/firmware")], /refused, Corrupted/);
  // Without a public key the signature goes unchecked, but the header's names still may not leave the directory.
  const keyless = file("keyless-home");
  fs.mkdirSync(keyless);
  const escape = variant("escape.pkfw", (b) => void b.write("../../x\0\0\0\0\0\0\0\0\0", 16, "latin1"));
  const r = picoAt(keyless, "publish", escape, "--store", file("www/firmware"));
  assert.equal(r.status, 1, r.out + r.err);
  assert.match(r.err, /escape\.pkfw: the header names no board and engine this project builds \("\.\.\/\.\.\/x": expected pico_w/);
  assert.equal(fs.existsSync(file("x")), false);
  const unchecked = picoAt(keyless, "publish", "fw.pkfw", "--store", file("www2"));
  assert.match(unchecked.out, /signature not checked: no public key at .*keyless-home\/\.config\/pico-node\/firmware-signing\.pub\.pem/);
  refused(["publish", "fw.pkfw"], /no proxy is configured in .*no-proxy: run `pico-node proxy config` first \(or pass --dir\)/);
});
