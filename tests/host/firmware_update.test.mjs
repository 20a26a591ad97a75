// Firmware updates through the host interface (docs/firmware-update.md): the
// ConfigMap declares a version, the core fetches the image from the proxy into
// the host's download slot (resuming with Range), judges its header, has the
// host verify it, asks for the install, and reports every step in the Node's
// PicoFirmware condition. The signature check is the host's (FakeFirmware
// plays it); tests/host/firmware_image.test.mjs covers the real one.
import { test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { apiResponse, status, FakeFirmware, fakeImage } from "./fake_host.mjs";
import { boot, requestTo, registerAll, configMapList, runApi } from "./helpers.mjs";

const LIST = "/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dpico-config";
const PATH = "/firmware/pico_w/aot/1.1.0.pkfw";

function configMapWith(rv, data) {
  return { kind: "ConfigMap", apiVersion: "v1", metadata: { name: "pico-config", namespace: "default", uid: "cm-uid", resourceVersion: rv }, data: { memory_values: "0=1", ...data } };
}

/** A registered core on a host that takes updates, the ConfigMap listed with `data`. */
async function declared(data, fw = new FakeFirmware()) {
  const h = await boot({ firmware: fw });
  registerAll(h);
  const list = requestTo(h, "GET", LIST);
  h.deliver(list.c, apiResponse(200, configMapList("100", [configMapWith("100", data)])));
  return { h, fw };
}

/** The pending download request, connected. */
function downloadRequest(h) {
  h.tick(0);
  for (const c of h.pending()) if (!c.open) h.connect(c);
  const c = h.pending().find((x) => x.out.startsWith("GET /firmware/"));
  assert.ok(c, `a download request; pending: ${h.pending().map((x) => x.out.split("\r\n")[0]).join(" | ")}`);
  const req = h.takeRequest(c);
  return { c, req };
}

function fileResponse(file, { from = 0, status: code = from > 0 ? 206 : 200 } = {}) {
  const body = file.subarray(from);
  let head = `HTTP/1.1 ${code} ${code === 206 ? "Partial Content" : "OK"}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${body.length}\r\n`;
  if (code === 206) head += `Content-Range: bytes ${from}-${file.length - 1}/${file.length}\r\n`;
  return Buffer.concat([Buffer.from(head + "\r\n"), body]);
}

/** Plays the API server for a while (status writes answered) and returns the PicoFirmware condition last written. */
function firmwareCondition(h, ms = 3000) {
  let last = null;
  for (let t = 0; t < ms; t += 100) {
    h.tick(100);
    for (const c of h.pending()) {
      if (!c.open) h.connect(c);
      if (!c.out || c.out.includes("/configmaps") || c.out.startsWith("GET /firmware/")) continue;
      const r = h.takeRequest(c);
      if (r.method === "PATCH") {
        last = r.json.status.conditions.find((x) => x.type === "PicoFirmware");
        h.deliver(c, apiResponse(200, { kind: "Node" }));
      } else h.deliver(c, apiResponse(200, { kind: "Lease", metadata: { name: "x", resourceVersion: String(7000 + t) }, spec: {} }));
    }
  }
  assert.ok(last, "a status write carried the PicoFirmware condition");
  return last;
}

test("a declared version is fetched from the proxy, judged, verified by the host and installed; the Node says so", async () => {
  const { file, sha256 } = fakeImage();
  const { h, fw } = await declared({ "firmware.version": "1.1.0", "firmware.sha256": sha256 });
  const { c, req } = downloadRequest(h);
  assert.equal(req.target, PATH);
  assert.equal(req.headers["authorization"], "Bearer t0ken-for-tests");
  assert.equal(req.headers["range"], undefined, "a fresh download asks for the whole file");
  const downloading = firmwareCondition(h, 1500);
  assert.equal(downloading.reason, "Downloading");
  assert.equal(downloading.status, "Unknown");
  h.deliver(c, fileResponse(file));
  assert.ok(fw.slot.equals(file), "the slot holds the file exactly");
  const verified = firmwareCondition(h);
  assert.equal(verified.reason, "Verified", verified.message);
  assert.match(verified.message, /1\.1\.0 downloaded and verified/);
  assert.equal(fw.installs, 1, "the install is requested once the report is written");
});

test("a dropped download resumes with a Range request from the last byte the slot holds, never from zero", async () => {
  const { file, sha256 } = fakeImage({ payload: Buffer.alloc(20000, 3) });
  const { h, fw } = await declared({ "firmware.version": "1.1.0", "firmware.sha256": sha256 });
  let { c } = downloadRequest(h);
  const cut = 9000;
  const whole = fileResponse(file);
  h.deliver(c, whole.subarray(0, whole.length - file.length + cut));
  h.peerClose(c);
  assert.equal(fw.slot.length, cut);
  const failed = firmwareCondition(h, 1500);
  assert.match(failed.message, /connection closed before the file ended at byte 9000; retrying in \d+ ms/);
  h.tick(2000);
  const resumed = downloadRequest(h);
  assert.equal(resumed.req.headers["range"], `bytes=${cut}-`);
  const writesBefore = fw.writes.length;
  h.deliver(resumed.c, fileResponse(file, { from: cut }));
  assert.ok(fw.writes.slice(writesBefore).every(([offset]) => offset >= cut), "no write went back to the start");
  assert.ok(fw.slot.equals(file));
  assert.equal(firmwareCondition(h).reason, "Verified");
});

test("the resumed request carries Range: bytes=N-", async () => {
  const { file, sha256 } = fakeImage({ payload: Buffer.alloc(5000, 9) });
  const { h } = await declared({ "firmware.version": "1.1.0", "firmware.sha256": sha256 });
  let { c } = downloadRequest(h);
  h.deliver(c, fileResponse(file).subarray(0, 1200));
  h.fail(c);
  h.tick(2000);
  const { req } = downloadRequest(h);
  const bodyStart = fileResponse(file).length - file.length;
  assert.equal(req.headers["range"], `bytes=${1200 - bodyStart}-`);
});

test("a server that answers a Range with the whole file makes the download start over, not mix the two", async () => {
  const { file, sha256 } = fakeImage({ payload: Buffer.alloc(5000, 9) });
  const { h, fw } = await declared({ "firmware.version": "1.1.0", "firmware.sha256": sha256 });
  let { c } = downloadRequest(h);
  h.deliver(c, fileResponse(file).subarray(0, 2000));
  h.fail(c);
  h.tick(2000);
  ({ c } = downloadRequest(h));
  h.deliver(c, fileResponse(file)); // 200, from byte 0
  h.tick(2000);
  const { c: third, req } = downloadRequest(h);
  assert.equal(req.headers["range"], undefined);
  h.deliver(third, fileResponse(file));
  assert.ok(fw.slot.equals(file));
});

test("a 416 to a Range request starts the download over from byte 0", async () => {
  const { file, sha256 } = fakeImage({ payload: Buffer.alloc(5000, 9) });
  const { h, fw } = await declared({ "firmware.version": "1.1.0", "firmware.sha256": sha256 });
  let { c } = downloadRequest(h);
  h.deliver(c, fileResponse(file).subarray(0, 1500));
  h.fail(c);
  h.tick(2000);
  ({ c } = downloadRequest(h));
  h.deliver(c, apiResponse(416, status(416, "RequestedRangeNotSatisfiable", "range not satisfiable")));
  h.tick(2000);
  const { c: again, req } = downloadRequest(h);
  assert.equal(req.headers["range"], undefined, "asked for the whole file again");
  h.deliver(again, fileResponse(file));
  assert.ok(fw.slot.equals(file));
});

const refusals = [
  ["WrongBoard", { board: "pico2_w" }, /built for another board/],
  ["WrongEngine", { engine: "wasm3" }, /built for another engine/],
  ["VersionMismatch", { version: [1, 2, 0] }, /differs from firmware.version/],
  ["NotSigned", { tamper: (hd) => hd.write("XXXX", 0) }, /not a signed image/],
  ["NotSigned", { tamper: (hd) => (hd[100] = 1) }, /reserved bytes/],
];
for (const [reason, image, message] of refusals) {
  test(`an image the core can judge from its header is refused before the host sees it: ${reason}`, async () => {
    const { file, sha256 } = fakeImage(image);
    const { h, fw } = await declared({ "firmware.version": "1.1.0", "firmware.sha256": sha256 });
    const { c } = downloadRequest(h);
    h.deliver(c, fileResponse(file));
    assert.equal(fw.writes.length, 0, "nothing reached the slot");
    const cond = firmwareCondition(h);
    assert.equal(cond.status, "False");
    assert.equal(cond.reason, reason);
    assert.match(cond.message, message);
    assert.match(cond.message, /still running 1\.0\.0/);
    assert.equal(fw.installs, 0);
    h.tick(60_000);
    assert.ok(!h.pending().some((x) => x.out.startsWith("GET /firmware/")), "a refused image is not fetched again");
  });
}

const hostRefusals = [
  ["BadSignature", (fw) => (fw.signatureOk = false), {}],
  ["TooLarge", (fw) => (fw.slotBytes = 1000), {}],
  ["Corrupted", () => {}, { flip: true }],
  ["DigestMismatch", () => {}, { wrongSha: true }],
];
for (const [reason, setup, how] of hostRefusals) {
  test(`an image the host refuses is reported with its reason and never installed: ${reason}`, async () => {
    const fw = new FakeFirmware();
    setup(fw);
    const image = fakeImage();
    if (how.flip) image.file[image.file.length - 10] ^= 1;
    const sha = how.wrongSha ? "ab".repeat(32) : crypto.createHash("sha256").update(image.file).digest("hex");
    const { h } = await declared({ "firmware.version": "1.1.0", "firmware.sha256": sha }, fw);
    const { c } = downloadRequest(h);
    h.deliver(c, fileResponse(image.file));
    const cond = firmwareCondition(h);
    assert.equal(cond.status, "False");
    assert.equal(cond.reason, reason, cond.message);
    assert.equal(fw.installs, 0);
  });
}

test("a downgrade is refused without a download unless firmware.allowDowngrade is \"true\"", async () => {
  const old = fakeImage({ version: [0, 9, 0] });
  const { h, fw } = await declared({ "firmware.version": "0.9.0", "firmware.sha256": old.sha256 });
  const cond = firmwareCondition(h);
  assert.equal(cond.reason, "Downgrade");
  assert.match(cond.message, /0\.9\.0 refused: older than the running version/);
  assert.ok(!h.pending().some((x) => x.out.startsWith("GET /firmware/")));
  const { h: allowed } = await declared({ "firmware.version": "0.9.0", "firmware.sha256": old.sha256, "firmware.allowDowngrade": "true" }, fw);
  const { c, req } = downloadRequest(allowed);
  assert.equal(req.target, "/firmware/pico_w/aot/0.9.0.pkfw");
  allowed.deliver(c, fileResponse(old.file));
  assert.equal(firmwareCondition(allowed).reason, "Verified");
  assert.equal(fw.installs, 1);
});

const badDeclarations = [
  [{ "firmware.version": "1.1", "firmware.sha256": "00".repeat(32) }, /data\.firmware\.version is not MAJOR\.MINOR\.PATCH/],
  [{ "firmware.version": "1.1.0", "firmware.sha256": "xyz" }, /data\.firmware\.sha256 is not 64 hex digits/],
  [{ "firmware.version": "1.1.0" }, /data\.firmware\.sha256 is not 64 hex digits/],
  [{ "firmware.version": "1.1.0", "firmware.sha256": "00".repeat(32), "firmware.allowDowngrade": "yes" }, /allowDowngrade is neither/],
  [{ "firmware.version": 110, "firmware.sha256": "00".repeat(32) }, /data\.firmware\.version is not a string/],
];
for (const [data, message] of badDeclarations) {
  test(`a malformed declaration is named and nothing is fetched: ${JSON.stringify(data)}`, async () => {
    const { h } = await declared(data);
    const cond = firmwareCondition(h);
    assert.equal(cond.reason, "InvalidDeclaration");
    assert.match(cond.message, message);
    assert.ok(!h.pending().some((x) => x.out.startsWith("GET /firmware/")));
  });
}

test("the proxy's 404 is retried with backoff and named in the condition", async () => {
  const { sha256 } = fakeImage();
  const { h } = await declared({ "firmware.version": "1.1.0", "firmware.sha256": sha256 });
  const { c } = downloadRequest(h);
  h.deliver(c, apiResponse(404, status(404, "NotFound", "not found")));
  const cond = firmwareCondition(h, 1500);
  assert.equal(cond.reason, "Downloading");
  assert.match(cond.message, /HTTP 404 for \/firmware\/pico_w\/aot\/1\.1\.0\.pkfw at byte 0; retrying in \d+ ms/);
  h.tick(2000);
  downloadRequest(h); // asked again
});

test("a new image on trial confirms only once the Lease is renewed and the ConfigMap listed", async () => {
  const fw = new FakeFirmware({ version: [1, 1, 0], bootState: 1 });
  const h = await boot({ firmware: fw });
  registerAll(h); // the Lease is created (renewed once)
  runApi(h, 3000);
  assert.equal(fw.confirms, 0, "not before the ConfigMap is listed");
  const list = requestTo(h, "GET", LIST);
  h.deliver(list.c, apiResponse(200, configMapList("100", [configMapWith("100", { "firmware.version": "1.1.0", "firmware.sha256": "00".repeat(32) })])));
  const cond = firmwareCondition(h);
  assert.equal(fw.confirms, 1);
  assert.equal(cond.status, "True");
  assert.equal(cond.reason, "Confirmed");
  assert.match(cond.message, /running 1\.1\.0, confirmed/);
});

test("after a rollback the old image says which version never confirmed, and does not fetch it again", async () => {
  const fw = new FakeFirmware({ version: [1, 0, 0], bootState: 2, rolledBack: [1, 1, 0] });
  const { sha256 } = fakeImage();
  const { h } = await declared({ "firmware.version": "1.1.0", "firmware.sha256": sha256 }, fw);
  const cond = firmwareCondition(h);
  assert.equal(cond.status, "False");
  assert.equal(cond.reason, "RolledBack");
  assert.match(cond.message, /running 1\.0\.0; 1\.1\.0 never confirmed .*declare another version to try again/);
  assert.ok(!h.pending().some((x) => x.out.startsWith("GET /firmware/")));
});

test("a host that takes no updates says so and the core fetches nothing", async () => {
  const h = await boot();
  registerAll(h);
  const list = requestTo(h, "GET", LIST);
  h.deliver(list.c, apiResponse(200, configMapList("100", [configMapWith("100", { "firmware.version": "1.1.0", "firmware.sha256": "00".repeat(32) })])));
  const cond = firmwareCondition(h);
  assert.equal(cond.reason, "NotSupported");
  assert.equal(cond.message, "this board takes no firmware updates");
  assert.ok(!h.pending().some((x) => x.out.startsWith("GET /firmware/")));
});
