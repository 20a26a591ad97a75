// pico-node provision (cli/provision.ts): the provisioning record
// (cli/provisioning_record.ts, read by native/common/provisioning_record.c) in
// a UF2 (cli/uf2.ts) that writes exactly the board's provisioning area. The
// committed fixture is what the C unit test decodes: the encoder must still
// produce it byte for byte, so the two sides cannot drift apart. Where picotool
// is present, its own conversion of the same bytes must equal our UF2.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { decodeProvisioningRecord, encodeProvisioningRecord, provisioningArea, provisioningUf2, PROVISIONING_OFFSET, PROVISIONING_BYTES } from "../../dist/cli/provisioning_record.js";
import { readUf2, writeUf2, RP2040_FAMILY_ID } from "../../dist/cli/uf2.js";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const FIXTURE = path.join(root, "tests/native/fixtures/provisioning_record.bin");
// The text tests/native/test_provisioning_record.c expects in the fixture.
const FIXTURE_TEXT = "node_name=pico-fixture\napi=http://192.0.2.7:6080\napi_token=fixture-token-not-a-secret\n" +
  `configmap=default/pico-config\nclient_ca=${"QUJD".repeat(20)}\nwifi_ssid=fixture-network\nwifi_password=fixture-passphrase\n`;
const AREA_ADDRESS = 0x10000000 + 0x1e8000;

let dir;
before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "pico-provision-")); });
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test("the encoder still writes the record the C unit test decodes (the shared fixture)", () => {
  assert.deepEqual(encodeProvisioningRecord(FIXTURE_TEXT), fs.readFileSync(FIXTURE));
  assert.equal(decodeProvisioningRecord(fs.readFileSync(FIXTURE)), FIXTURE_TEXT);
});

test("the record says what is wrong with an area: erased, other bytes, a newer format, too long, one flipped bit", () => {
  assert.throws(() => decodeProvisioningRecord(Buffer.alloc(PROVISIONING_BYTES, 0xff)), /no provisioning record \(the area is erased\)/);
  const record = () => Buffer.from(provisioningArea("node_name=a\n"));
  const bad = (change, message) => { const b = record(); change(b); assert.throws(() => decodeProvisioningRecord(b), message); };
  bad((b) => b.write("PKEY", 0, "latin1"), /magic 0x59454b50, not "PKPR"/);
  bad((b) => b.writeUInt32LE(2, 4), /format 2 \(this reads format 1\)/);
  bad((b) => b.writeUInt32LE(PROVISIONING_BYTES, 8), /8192 bytes of text \(the area holds 8176\)/);
  bad((b) => { b[17] ^= 4; }, /corrupted \(CRC32 0x[0-9a-f]{8}, the record says 0x[0-9a-f]{8}\)/);
  assert.throws(() => encodeProvisioningRecord("x".repeat(PROVISIONING_BYTES)), /8192 bytes; the provisioning area holds 8176/);
});

test("the UF2 writes exactly the provisioning area: 32 RP2040 blocks of 256 bytes, 0x101E8000 on, the record round-trips", () => {
  const uf2 = provisioningUf2(FIXTURE_TEXT);
  assert.equal(uf2.length, 32 * 512);
  for (let n = 0; n < 32; n++) {
    const block = uf2.subarray(n * 512, (n + 1) * 512);
    assert.equal(block.readUInt32LE(0), 0x0a324655);
    assert.equal(block.readUInt32LE(4), 0x9e5d5157);
    assert.equal(block.readUInt32LE(8), 0x2000, "flags: family ID present, nothing else");
    assert.equal(block.readUInt32LE(12), AREA_ADDRESS + n * 256);
    assert.equal(block.readUInt32LE(16), 256);
    assert.equal(block.readUInt32LE(20), n);
    assert.equal(block.readUInt32LE(24), 32);
    assert.equal(block.readUInt32LE(28), 0xe48bff56);
    assert.ok(block.subarray(32 + 256, 508).every((b) => b === 0), "the data field is zero after the payload");
    assert.equal(block.readUInt32LE(508), 0x0ab16f30);
  }
  const blocks = readUf2(uf2);
  assert.equal(blocks[0].address, 0x10000000 + PROVISIONING_OFFSET);
  assert.ok(blocks.every((b) => b.familyId === RP2040_FAMILY_ID));
  const area = Buffer.concat(blocks.map((b) => b.data));
  assert.equal(area.length, PROVISIONING_BYTES);
  assert.equal(decodeProvisioningRecord(area), FIXTURE_TEXT);
  assert.ok(area.subarray(fs.statSync(FIXTURE).size).every((b) => b === 0xff), "the rest of the area is left erased");
});

test("a UF2 that is not one is refused, naming the block", () => {
  const uf2 = writeUf2(AREA_ADDRESS, Buffer.alloc(512, 1));
  assert.throws(() => readUf2(uf2.subarray(0, 700)), /700 bytes: not whole 512-byte UF2 blocks/);
  const torn = Buffer.from(uf2); torn.writeUInt32LE(0, 512 + 508);
  assert.throws(() => readUf2(torn), /UF2 block 1: bad magic/);
  const renumbered = Buffer.from(uf2); renumbered.writeUInt32LE(5, 512 + 20);
  assert.throws(() => readUf2(renumbered), /UF2 block 1: numbered 5 of 2 in a file of 2 blocks/);
  assert.throws(() => writeUf2(AREA_ADDRESS + 4, Buffer.alloc(4)), /not on a 256-byte page/);
});

const picotool = [process.env.picotool_DIR && path.join(process.env.picotool_DIR, "picotool"), "picotool"]
  .find((t) => t && spawnSync(t, ["version"], { stdio: "ignore" }).status === 0);
test("picotool's own UF2 of the same area is byte for byte ours", { skip: picotool ? false : "picotool not found (set picotool_DIR)" }, () => {
  const bin = path.join(dir, "area.bin"), theirs = path.join(dir, "picotool.uf2");
  fs.writeFileSync(bin, provisioningArea(FIXTURE_TEXT));
  const r = spawnSync(picotool, ["uf2", "convert", bin, "-t", "bin", theirs, "-o", `0x${AREA_ADDRESS.toString(16)}`, "--family", "rp2040"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.deepEqual(fs.readFileSync(theirs), provisioningUf2(FIXTURE_TEXT));
});

// ---- the command ----

function provision(args, env = {}) {
  const r = spawnSync(process.execPath, [path.join(root, "bin/pico-node.mjs"), "provision", ...args], {
    cwd: dir, encoding: "utf8", env: { ...process.env, PICO_WIFI_SSID: undefined, PICO_WIFI_PASSWORD: undefined, ...env },
  });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

function enrolled(name, extra = "") {
  const proxy = path.join(dir, `proxy-${name}`);
  fs.mkdirSync(path.join(proxy, "devices", name), { recursive: true });
  fs.writeFileSync(path.join(proxy, "devices", name, "device.env"),
    `# written by pico-node enroll\nnode_name=${name}\napi=http://192.0.2.9:6080\napi_token=tok-${name}\nconfigmap=default/pico-config\n${extra}`);
  return proxy;
}

test("pico-node provision writes a 0600 UF2 holding the device.env's settings and the Wi-Fi, and says it is secret", () => {
  const proxy = enrolled("pico-a", "wifi_ssid=old-net\nwifi_password=old-password\n");
  const out = path.join(dir, "a.uf2");
  // The flags win over the device.env's own Wi-Fi lines and the environment.
  const r = provision(["pico-a", "--dir", proxy, "--wifi-ssid", "home net", "--wifi-password", "passphrase-1", "-o", out], { PICO_WIFI_SSID: "env-net", PICO_WIFI_PASSWORD: "env-passphrase" });
  assert.equal(r.status, 0, r.out + r.err);
  assert.match(r.out, /holds the device's token and the Wi-Fi password/);
  assert.match(r.out, /RPI-RP2/);
  assert.equal(fs.statSync(out).mode & 0o777, 0o600);
  const text = decodeProvisioningRecord(Buffer.concat(readUf2(fs.readFileSync(out)).map((b) => b.data)));
  assert.equal(text, "node_name=pico-a\napi=http://192.0.2.9:6080\napi_token=tok-pico-a\nconfigmap=default/pico-config\nwifi_ssid=home net\nwifi_password=passphrase-1\n");
});

test("pico-node provision takes Wi-Fi from PICO_WIFI_SSID/PICO_WIFI_PASSWORD, and writes beside the device by default", () => {
  const proxy = enrolled("pico-b");
  const r = provision(["pico-b", "--dir", proxy], { PICO_WIFI_SSID: "env-net", PICO_WIFI_PASSWORD: "env-passphrase" });
  assert.equal(r.status, 0, r.out + r.err);
  const file = path.join(proxy, "devices/pico-b/provisioning.uf2");
  const text = decodeProvisioningRecord(Buffer.concat(readUf2(fs.readFileSync(file)).map((b) => b.data)));
  assert.match(text, /\nwifi_ssid=env-net\nwifi_password=env-passphrase\n$/);
});

test("pico-node provision refuses, naming what is wrong: not enrolled, no Wi-Fi, a bad password, a line break", () => {
  const proxy = enrolled("pico-c");
  const refused = (args, env, message) => {
    const r = provision(args, env);
    assert.equal(r.status, 1, r.out + r.err);
    assert.match(r.err, message);
  };
  refused(["pico-z", "--dir", proxy, "--wifi-ssid", "n", "--wifi-password", "passphrase"], {}, /pico-z is not enrolled at .*: run `pico-node enroll pico-z --dir/);
  refused(["pico-c", "--dir", proxy], { PICO_WIFI_SSID: "" }, /no Wi-Fi network: pass --wifi-ssid NAME or set PICO_WIFI_SSID/);
  refused(["pico-c", "--dir", proxy, "--wifi-ssid", "n"], {}, /no Wi-Fi password: set PICO_WIFI_PASSWORD/);
  refused(["pico-c", "--dir", proxy, "--wifi-ssid", "n", "--wifi-password", "short"], {}, /the Wi-Fi password is 5 bytes: WPA2 takes 8 to 63/);
  refused(["pico-c", "--dir", proxy], { PICO_WIFI_SSID: "n", PICO_WIFI_PASSWORD: "pass\nphrase=x" }, /no line break/);
  refused(["Bad_Name", "--dir", proxy], {}, /not a valid node name/);
  const long = enrolled("pico-d", `log_level=info\n${"# a comment, not counted\n".repeat(30)}${"interval_x=1\n".repeat(40)}`);
  refused(["pico-d", "--dir", long, "--wifi-ssid", "n", "--wifi-password", "passphrase"], {}, /the core's settings are \d+ bytes: the firmware takes at most 512/);
  assert.ok(!fs.existsSync(path.join(proxy, "devices/pico-c/provisioning.uf2")), "nothing written");
  // --load without picotool: the UF2 is written, then the missing tool named.
  const bare = { PATH: path.dirname(process.execPath), picotool_DIR: undefined };
  refused(["pico-c", "--dir", proxy, "--wifi-ssid", "n", "--wifi-password", "passphrase", "--load"], bare, /--load: picotool not found on PATH or in \$picotool_DIR; copy the UF2 onto the RPI-RP2 drive instead/);
  assert.ok(fs.existsSync(path.join(proxy, "devices/pico-c/provisioning.uf2")));
  // An open network: an empty password, said explicitly.
  const r = provision(["pico-c", "--dir", proxy, "--wifi-ssid", "cafe", "--wifi-password="]);
  assert.equal(r.status, 0, r.out + r.err);
});
