// pico-node firmware uf2 (cli/first_flash.ts): a new board's first flash puts
// the bootloader at the start of flash, the signed image byte for byte in the
// run slot and erases the swap state, and nothing else; what is not a signed
// Pico image or not the bootloader is refused with the reason. And the
// workstation's copy of the flash table (cli/flash_layout.ts) is the
// firmware's (native/pico/flash_layout.h).
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { signImage } from "../../dist/cli/firmware_image.js";
import { readUf2 } from "../../dist/cli/uf2.js";
import { BOOTLOADER, DOWNLOAD_SLOT, PROVISIONING, RUN_SLOT, SWAP_STATE } from "../../dist/cli/flash_layout.js";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const XIP = 0x10000000;

/** A stand-in for k3s_pico_boot.bin: its program name, as binary info holds it. */
const bootloaderBytes = (size = 20_000) => {
  const b = crypto.randomBytes(size);
  Buffer.from("k3s_pico_boot\0").copy(b, 1000);
  return b;
};

function withFiles(fn) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pico-uf2-"));
  try {
    const { privateKey, publicKey } = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
    fs.writeFileSync(path.join(dir, "k.pub.pem"), publicKey.export({ type: "spki", format: "pem" }));
    const sign = (board, payload = crypto.randomBytes(300_000)) =>
      signImage({ payload, version: [1, 2, 3], board, engine: "aot", key: privateKey });
    const cli = (...args) => spawnSync(process.execPath, [path.join(root, "bin/pico-node.mjs"), "firmware", "uf2", ...args], { cwd: dir, encoding: "utf8" });
    return fn({ dir, sign, cli, file: (name, bytes) => (fs.writeFileSync(path.join(dir, name), bytes), path.join(dir, name)) });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The bytes a UF2 writes, as a map from flash offset to byte. */
function flashOf(uf2) {
  const bytes = new Map();
  for (const b of readUf2(uf2)) {
    assert.equal(b.familyId, 0xe48bff56);
    for (let i = 0; i < b.data.length; i++) {
      assert.ok(!bytes.has(b.address - XIP + i), `0x${(b.address + i).toString(16)} written twice`);
      bytes.set(b.address - XIP + i, b.data[i]);
    }
  }
  return bytes;
}
const slice = (flash, offset, n) => Buffer.from(Array.from({ length: n }, (_, i) => flash.get(offset + i)));

test("firmware uf2: the bootloader at 0, the image in the run slot byte for byte, the swap state erased, nothing else", () =>
  withFiles(({ sign, cli, file, dir }) => {
    const image = sign("pico_w"), boot = bootloaderBytes();
    const r = cli(file("fw.pkfw", image), "--bootloader", file("boot.bin", boot), "--pubkey", path.join(dir, "k.pub.pem"), "--out", path.join(dir, "board.uf2"));
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /firmware 1\.2\.3 \(pico_w, aot; 300000 \+ 256 bytes\) in the run slot at 0x10009000, the swap state erased/);
    const flash = flashOf(fs.readFileSync(path.join(dir, "board.uf2")));
    assert.deepEqual(slice(flash, BOOTLOADER.offset, boot.length), boot);
    assert.deepEqual(slice(flash, RUN_SLOT.offset, image.length), image);
    assert.ok(slice(flash, SWAP_STATE.offset, SWAP_STATE.bytes).every((b) => b === 0xff));
    for (const [offset] of flash) {
      const inside = [BOOTLOADER, RUN_SLOT, SWAP_STATE].some((a) => offset >= a.offset && offset < a.offset + a.bytes);
      assert.ok(inside, `writes 0x${offset.toString(16)}, outside the bootloader, the run slot and the swap state`);
    }
  }));

test("firmware uf2: refuses an image for another board, a wrongly signed one, and a file that is not the bootloader", () =>
  withFiles(({ sign, cli, file, dir }) => {
    const boot = file("boot.bin", bootloaderBytes());
    const pub = ["--pubkey", path.join(dir, "k.pub.pem")];
    let r = cli(file("sim.pkfw", sign("sim")), "--bootloader", boot, ...pub);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /the image is for board sim: a first flash is for a Pico/);
    const tampered = sign("pico_w");
    tampered[tampered.length - 1] ^= 1;
    r = cli(file("bad.pkfw", tampered), "--bootloader", boot, ...pub);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /refused, Corrupted/);
    r = cli(file("ok.pkfw", sign("pico_w")), "--bootloader", file("other.bin", crypto.randomBytes(20_000)), ...pub);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /not k3s_pico_boot\.bin/);
    r = cli(file("ok2.pkfw", sign("pico_w")), "--bootloader", file("big.bin", bootloaderBytes(40_000)), ...pub);
    assert.match(r.stderr, /the bootloader has 40000 bytes: expected k3s_pico_boot\.bin, at most 36864/);
    r = cli(file("ok3.pkfw", sign("pico_w")), ...pub);
    assert.match(r.stderr, /--bootloader is required/);
    assert.ok(!fs.existsSync(path.join(dir, "ok.uf2")), "nothing written for a refusal");
  }));

test("the workstation's flash table is native/pico/flash_layout.h's", () => {
  const header = fs.readFileSync(path.join(root, "native/pico/flash_layout.h"), "utf8");
  const stated = Object.fromEntries([...header.matchAll(/(\w+) == (0x[0-9A-Fa-f]+)u/g)].map((m) => [m[1], Number(m[2])]));
  assert.equal(stated.OTA_RUN_SLOT_OFFSET, RUN_SLOT.offset);
  assert.equal(stated.OTA_DOWNLOAD_SLOT_OFFSET, DOWNLOAD_SLOT.offset);
  assert.equal(stated.OTA_STATE_OFFSET, SWAP_STATE.offset);
  assert.equal(stated.FLASH_PROVISIONING_OFFSET, PROVISIONING.offset);
  assert.equal(Number(header.match(/OTA_SLOT_SECTORS == (\d+)u/)[1]) * 4096, RUN_SLOT.bytes);
  assert.equal(Number(header.match(/#define OTA_BOOTLOADER_BYTES \((\d+)u \* 1024u\)/)[1]) * 1024, BOOTLOADER.bytes);
  assert.equal(Number(header.match(/#define OTA_STATE_SECTORS (\d+)u/)[1]) * 4096, SWAP_STATE.bytes);
});
