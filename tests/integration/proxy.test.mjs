// The proxy: real nginx in front of the real API server, one identity per
// device. Simulated Picos speak plain HTTP with their own bearer token; nginx
// answers 401/403/429 itself or forwards with the device's node certificate.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { withPlane, until } from "./plane.mjs";
import { startSims } from "../../dist/cli/sims.js";
import { readDeviceConfig, deviceFiles } from "../../dist/cli/devices.js";
import { decodeProvisioningRecord } from "../../dist/cli/provisioning_record.js";
import { readUf2 } from "../../dist/cli/uf2.js";
import { startNginx } from "../../dist/cli/nginx.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const A = "pico-px-a";
const B = "pico-px-b";
const LEASES = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases";
const CM_LIST = "/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dpico-config";
const REFUSED = /pico-node proxy: request not on the allow-list/;
const CSRS = "/apis/certificates.k8s.io/v1/certificatesigningrequests";

let plane;
let picoA;
let token;

before(async () => {
  plane = await withPlane();
  [picoA] = await plane.sim([A, B]);
  token = (name) => plane.enrolled.get(name).device.token;
});
after(async () => plane?.close());

function cli(...args) {
  return spawnSync(process.execPath, [path.join(ROOT, "bin/pico-node.mjs"), ...args], { encoding: "utf8" });
}

const ready = (name) => plane.json(["get", "node", name]).status.conditions?.find((c) => c.type === "Ready")?.status === "True";
/** "yes" or "no" (kubectl adds the authorizer's reason after a "no"). */
const canI = (name, ...args) => spawnSync("kubectl", ["--kubeconfig", plane.env.kubeconfig, "auth", "can-i", ...args, "--as", `system:node:${name}`, "--as-group", "system:nodes"], { encoding: "utf8" }).stdout.trim().split(" ")[0];
const logLines = (re) => plane.accessLog().filter((l) => re.test(l));

test("enrolment through the CSR API: a node certificate for that device, a 64-hex token, read access to its ConfigMap only, secrets 0600", () => {
  const e = plane.enrolled.get(A);
  assert.equal(e.certificate, "signed via the CSR API");
  const f = deviceFiles(plane.proxy.dir, A);
  const cert = new crypto.X509Certificate(fs.readFileSync(f.cert));
  assert.deepEqual(cert.subject.split("\n").sort(), ["CN=system:node:pico-px-a", "O=system:nodes"]);
  assert.ok(cert.verify(new crypto.X509Certificate(fs.readFileSync(plane.env.caFile)).publicKey), "signed by the cluster CA");
  assert.ok(cert.checkPrivateKey(crypto.createPrivateKey(fs.readFileSync(f.key))));
  assert.match(e.device.token, /^[0-9a-f]{64}$/);
  assert.notEqual(token(A), token(B));
  assert.deepEqual(readDeviceConfig(f.env), { name: A, api: plane.proxy.publicUrl, token: token(A), configMap: "default/pico-config" });
  for (const file of [f.key, f.cert, f.env, path.join(plane.proxy.dir, "devices.conf")]) assert.equal(fs.statSync(file).mode & 0o777, 0o600, file);
  assert.equal(fs.statSync(plane.proxy.dir).mode & 0o777, 0o700);
  // The devices' own serving CSRs come and stay (kubelet-serving); enrolment's client CSRs must not.
  const leftBehind = plane.json(["get", "csr"]).items.filter((c) => c.spec.signerName !== "kubernetes.io/kubelet-serving");
  assert.deepEqual(leftBehind.map((c) => c.metadata.name), [], "no enrolment CSR left behind");
  // Enrolment provisions the cluster's client CA (from kube-system/extension-apiserver-authentication) for the kubelet port.
  const caDer = new crypto.X509Certificate(fs.readFileSync(plane.env.caFile)).raw.toString("base64");
  assert.ok(fs.readFileSync(f.env, "utf8").split("\n").includes(`client_ca=${caDer}`), "device.env names the client CA");
  assert.equal(canI(A, "get", "configmap/pico-config", "-n", "default"), "yes");
  assert.equal(canI(A, "list", "configmaps", "-n", "default"), "no");
  assert.equal(canI(A, "get", "secrets", "-n", "default"), "no");
});

test("a simulated Pico registers, renews its Lease and follows its ConfigMap through the proxy; patch → region p99 ≤ 1 s", async (t) => {
  await until(`${A} Ready`, () => ready(A));
  const lease = () => plane.json(["-n", "kube-node-lease", "get", "lease", A]).spec;
  const first = await until("lease", lease);
  assert.equal(first.holderIdentity, A);
  await until("a lease renewal through the proxy", () => lease().renewTime !== first.renewTime, 15_000, 500);
  const lat = [];
  for (let i = 1; i <= 30; i++) {
    const t0 = process.hrtime.bigint();
    const r = await plane.asAdmin("PATCH", "/api/v1/namespaces/default/configmaps/pico-config", { data: { memory_values: `0=${i},1=${255 - i}` } });
    assert.equal(r.status, 200, r.text);
    await until(`patch ${i} applied`, () => picoA.region[0] === i && picoA.region[1] === 255 - i, 5000, 1);
    lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
    // Each change makes the Pico write its status: keep that within its rate limit (2 r/s, burst 20).
    await new Promise((r) => setTimeout(r, 400));
  }
  lat.sort((x, y) => x - y);
  const pct = (p) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))];
  t.diagnostic(`ConfigMap patch → bytes in the region through nginx, 30 patches: p50 ${pct(50).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms`);
  assert.ok(pct(99) <= 1000, `p99 ${pct(99).toFixed(1)} ms`);
});

test("no token or a wrong token: 401 from nginx, and the request never reaches the API server", async () => {
  const attempts = [{}, { token: "wrong" }, { token: token(A) + "0" }, { headers: { Authorization: `Basic ${Buffer.from("admin:admin").toString("base64")}` } }];
  for (const [i, a] of attempts.entries()) {
    const r = await plane.viaProxy("GET", `/api/v1/nodes/${A}?probe=unauth-${i}`, a);
    assert.equal(r.status, 401, r.text);
    assert.equal(r.headers["www-authenticate"], 'Bearer realm="pico-node"');
    assert.equal(r.json().reason, "Unauthorized");
    assert.match(r.json().message, /pico-node proxy: missing or unknown bearer token/);
  }
  const lines = await until("log lines", () => logLines(/probe=unauth-/).length === attempts.length && logLines(/probe=unauth-/));
  for (const l of lines) assert.match(l, /device=- .* status=401 .* upstream=-$/);
});

test("Pico A's token cannot write node B or B's Lease: 403, from nginx or from the API server's NodeRestriction", async () => {
  await until(`${B} Ready`, () => ready(B));
  const byNginx = [
    ["PATCH", `/api/v1/nodes/${B}/status`, { status: { conditions: [{ type: "Ready", status: "False" }] } }],
    ["PUT", `${LEASES}/${B}`, { metadata: { name: B }, spec: { holderIdentity: A } }],
    ["GET", `${LEASES}/${B}`],
  ];
  for (const [method, p, body] of byNginx) {
    const r = await plane.viaProxy(method, p, { token: token(A), body });
    assert.equal(r.status, 403, `${method} ${p}: ${r.text}`);
    assert.match(r.json().message, REFUSED);
  }
  // The same paths as A's own requests, so nginx forwards them: the identity it attaches is A's alone.
  const node = await plane.viaProxy("POST", "/api/v1/nodes", { token: token(A), body: { apiVersion: "v1", kind: "Node", metadata: { name: B } } });
  assert.equal(node.status, 403, node.text);
  assert.match(node.json().message, /node "pico-px-a" is not allowed to modify node "pico-px-b"/);
  const lease = await plane.viaProxy("POST", LEASES, { token: token(A), body: { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: B, namespace: "kube-node-lease" }, spec: { holderIdentity: A } } });
  assert.equal(lease.status, 403, lease.text);
  assert.doesNotMatch(lease.json().message, REFUSED, "refused by the API server, not nginx");
  // B's own writes (and the controllers') go on meanwhile: what A tried never landed.
  const bAfter = plane.json(["get", "node", B]);
  assert.equal(bAfter.status.conditions.find((c) => c.type === "Ready").status, "True", "node B still Ready: A's PATCH never landed");
  assert.equal(plane.json(["-n", "kube-node-lease", "get", "lease", B]).spec.holderIdentity, B);
});

test("secrets, other namespaces, other ConfigMaps, exec, proxy subresources, anything off the list: refused by nginx", async () => {
  const refused = [
    ["GET", "/api/v1/namespaces/default/secrets"],
    ["GET", "/api/v1/secrets"],
    ["GET", "/api/v1/namespaces/kube-system/configmaps?fieldSelector=metadata.name%3Dpico-config"],
    ["GET", "/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dother"],
    ["GET", "/api/v1/namespaces/default/configmaps"],
    ["GET", "/api/v1/namespaces/default/configmaps/pico-config"],
    ["GET", `${CM_LIST}&watch=1&resourceVersion=1&allowWatchBookmarks=true&timeoutSeconds=5&labelSelector=x`],
    ["POST", "/api/v1/namespaces/default/pods/web/exec?command=sh&stdin=true"],
    ["GET", `/api/v1/nodes/${A}/proxy/metrics`],
    ["GET", `/api/v1/nodes/${A}/../${B}`],
    ["GET", `/api/v1/nodes/${A}%2Fstatus`],
    ["GET", `/api/v1/nodes/${A}?watch=1`],
    ["GET", "/api/v1/nodes"],
    ["DELETE", `/api/v1/nodes/${A}`],
    ["GET", LEASES],
    ["GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles"],
    // Serving CSRs: only its own, only by the name the core gives them; never a list, a watch or an approval.
    ["GET", `${CSRS}/${B}-serving-0123abcd`],
    ["GET", `${CSRS}/${A}-serving-0123ABCD`],
    ["GET", `${CSRS}/csr-abcde`],
    ["GET", CSRS],
    ["PUT", `${CSRS}/${A}-serving-0123abcd/approval`],
    ["DELETE", `${CSRS}/${A}-serving-0123abcd`],
    ["GET", "/apis/authorization.k8s.io/v1/subjectaccessreviews"],
    ["POST", "/apis/authorization.k8s.io/v1/namespaces/default/localsubjectaccessreviews"],
  ];
  for (const [method, p] of refused) {
    const r = await plane.viaProxy(method, p, { token: token(A) });
    assert.equal(r.status, 403, `${method} ${p}: ${r.status} ${r.text}`);
    assert.match(r.json().message, REFUSED, `${method} ${p}`);
  }
  // The device's own ConfigMap LIST is on the list (and RBAC allows it).
  assert.equal((await plane.viaProxy("GET", CM_LIST, { token: token(A) })).status, 200);
  // What the kubelet port needs reaches the API server, as the device's node identity: reviews, and reading its own CSR.
  const sar = await plane.viaProxy("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", { token: token(A), body: { apiVersion: "authorization.k8s.io/v1", kind: "SubjectAccessReview", spec: { user: "nobody", resourceAttributes: { verb: "get", resource: "nodes", subresource: "metrics", name: A } } } });
  assert.equal(sar.status, 201, sar.text);
  assert.equal(sar.json().status.allowed, false);
  const tr = await plane.viaProxy("POST", "/apis/authentication.k8s.io/v1/tokenreviews", { token: token(A), body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token: "not-a-token" } } });
  assert.equal(tr.status, 201, tr.text);
  assert.equal(tr.json().status.authenticated ?? false, false);
  const ownCsr = await plane.viaProxy("GET", `${CSRS}/${A}-serving-0123abcd`, { token: token(A) });
  assert.equal(ownCsr.status, 404, ownCsr.text); // forwarded: the API server has no such CSR
  // Impersonation headers never reach the API server: A stays A (were they passed, A could not impersonate and would get 403).
  const imp = await plane.viaProxy("PATCH", `/api/v1/nodes/${A}/status`, { token: token(A), body: {}, headers: { "Impersonate-User": `system:node:${B}`, "Impersonate-Group": "system:nodes" } });
  assert.equal(imp.status, 200, imp.text);
  assert.equal(imp.json().metadata.name, A);
});

test("requests of different devices keep their own identities (no TLS session or connection shared between them)", async () => {
  for (let i = 0; i < 10; i++) {
    for (const name of [A, B]) {
      const r = await plane.viaProxy("PATCH", `/api/v1/nodes/${name}/status`, { token: token(name), body: {} });
      assert.equal(r.status, 200, `round ${i} ${name}: ${r.text}`);
    }
  }
});

test("per-device rate limit: a flood from one device gets 429, another device is still served", async () => {
  const [flood] = await plane.enroll(["pico-px-flood"]);
  const results = await Promise.all(Array.from({ length: 60 }, () => plane.viaProxy("GET", "/api/v1/nodes/pico-px-flood", { token: flood.device.token })));
  const limited = results.filter((r) => r.status === 429);
  const passed = results.filter((r) => r.status === 404); // forwarded: this device has no Node yet
  assert.ok(limited.length >= 20, `${limited.length} of 60 limited`);
  assert.ok(passed.length >= 20, `${passed.length} of 60 forwarded (the burst)`);
  assert.equal(limited[0].json().reason, "TooManyRequests");
  const other = await plane.viaProxy("PATCH", `/api/v1/nodes/${B}/status`, { token: token(B), body: {} });
  assert.equal(other.status, 200);
});

test("the access log names the device of every request, and each device's Lease renewals are its own", () => {
  const lines = plane.accessLog();
  assert.ok(lines.length > 20);
  for (const l of lines) assert.match(l, / device=(-|[a-z0-9-]+) client=/, l);
  for (const l of lines.filter((x) => !/upstream=-$/.test(x))) assert.doesNotMatch(l, /device=- /, `forwarded without an identity: ${l}`);
  for (const name of [A, B]) {
    const renewals = lines.filter((l) => l.includes(`"PUT ${LEASES}/${name}"`) && /status=200/.test(l));
    assert.ok(renewals.length >= 1, `${name} renewals logged`);
    for (const l of renewals) assert.match(l, new RegExp(`device=${name} .* route=lease `));
    assert.ok(lines.some((l) => l.includes(`device=${name} `) && l.includes(`"GET ${CM_LIST}`)), `${name} ConfigMap requests logged`);
  }
});

test("enrolment with the cluster's client CA files (the k3s way) through the CLI; enrolling again keeps the identity; bad input is named", async () => {
  const dir = plane.proxy.dir;
  const r = cli("enroll", "pico-px-ca", "--dir", dir, "--signer", "ca");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /enrolled pico-px-ca: certificate signed with the client CA files/);
  const f = deviceFiles(dir, "pico-px-ca");
  const d = readDeviceConfig(f.env);
  const cert = fs.readFileSync(f.cert, "utf8");
  const [pico] = await startSims({ api: d.api, names: [d.name], token: d.token, configMap: d.configMap, kubeletPort: 30990, log: () => {} });
  try {
    await until("the CA-signed device Ready through the proxy", () => ready("pico-px-ca"), 20_000);
    fs.appendFileSync(f.env, "wifi_ssid=home\n"); // lines of its own (Wi-Fi for provisioning) survive re-enrolment
    const again = cli("enroll", "pico-px-ca", "--dir", dir);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /pico-px-ca \(already enrolled: token kept\): certificate kept/);
    assert.equal(readDeviceConfig(f.env).token, d.token);
    assert.match(fs.readFileSync(f.env, "utf8"), /^wifi_ssid=home$/m);
    assert.equal(fs.readFileSync(f.cert, "utf8"), cert);

    // A Pico W takes this enrolment through its provisioning area: the whole device.env, client CA lines and
    // Wi-Fi included, in the record of the UF2 `pico-node provision` writes.
    const prov = cli("provision", "pico-px-ca", "--dir", dir, "--wifi-password", "not-a-secret");
    assert.equal(prov.status, 0, prov.stderr);
    const area = Buffer.concat(readUf2(fs.readFileSync(path.join(f.dir, "provisioning.uf2"))).map((b) => b.data));
    const lines = decodeProvisioningRecord(area).split("\n");
    for (const line of ["node_name=pico-px-ca", `api=${d.api}`, `api_token=${d.token}`, `configmap=${d.configMap}`, "wifi_ssid=home", "wifi_password=not-a-secret"])
      assert.ok(lines.includes(line), `${line.split("=")[0]} in the record`);
    assert.ok(lines.some((l) => /^client_ca=[A-Za-z0-9+/]{64,}={0,2}$/.test(l)), "the cluster's client CA in the record");

    const bad = cli("enroll", "Bad_Name", "--dir", dir);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /"Bad_Name" is not a valid node name: .*lower-case letters, digits or '-'/);
    const badCm = cli("enroll", "pico-px-x", "--dir", dir, "--config-map", "Pico_Config");
    assert.match(badCm.stderr, /"Pico_Config" is not a ConfigMap reference: NAMESPACE\/NAME/);
    const noApi = cli("proxy", "config", "--dir", path.join(plane.state, "other-proxy"));
    assert.match(noApi.stderr, /say where the API server is: --k3s .*--local/);
    const notEnrolled = cli("revoke", "pico-px-nobody", "--dir", dir);
    assert.match(notEnrolled.stderr, /pico-px-nobody is not enrolled/);

    // Revoking a running device: its next requests get 401, its open watch is ended by the reload.
    const rv = cli("revoke", "pico-px-ca", "--dir", dir);
    assert.equal(rv.status, 0, rv.stderr);
    await until("the revoked Pico's Lease renewal refused with 401", () => logLines(/"PUT \/apis\/coordination\.k8s\.io\/v1\/namespaces\/kube-node-lease\/leases\/pico-px-ca" status=401 .*upstream=-$/).length > 0, 15_000, 500);
    assert.ok(logLines(/"GET \/api\/v1\/namespaces\/default\/configmaps\?fieldSelector=metadata\.name%3Dpico-config[^"]*" status=401 .*upstream=-$/).length > 0, "its ConfigMap re-list refused after the watch was cut");
  } finally {
    await pico.stop();
  }
});

test("enrolments started at once on one proxy dir take turns: the same device ends with a key that matches its certificate", async () => {
  const dir = plane.proxy.dir;
  const run = (name) =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [path.join(ROOT, "bin/pico-node.mjs"), "enroll", name, "--dir", dir], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (out += d));
      child.on("exit", (code) => resolve({ code, out }));
    });
  const results = await Promise.all([run("pico-px-twice"), run("pico-px-twice"), run("pico-px-other")]);
  for (const r of results) assert.equal(r.code, 0, r.out);
  assert.ok(results.some((r) => /waiting for another enrol, revoke or fault/.test(r.out)), "one run waited for another");
  const f = deviceFiles(dir, "pico-px-twice");
  const certKey = crypto.createPublicKey(fs.readFileSync(f.cert)).export({ type: "spki", format: "der" });
  const ownKey = crypto.createPublicKey(fs.readFileSync(f.key)).export({ type: "spki", format: "der" });
  assert.ok(certKey.equals(ownKey), "the certificate is for the device's own key");
  const maps = fs.readFileSync(path.join(dir, "devices.conf"), "utf8");
  for (const name of ["pico-px-twice", "pico-px-other"]) {
    assert.ok(maps.includes(`Bearer ${readDeviceConfig(deviceFiles(dir, name).env).token}`), `${name} in the maps`);
  }
});

test("a revoked device gets 401 after the reload, loses its ConfigMap access, and its key and token are gone", async () => {
  const name = "pico-px-flood";
  const t = token(name);
  await until("forwarded again once the rate limit refills", async () => (await plane.viaProxy("GET", `/api/v1/nodes/${name}`, { token: t })).status === 404, 15_000, 500);
  assert.equal(canI(name, "get", "configmap/pico-config", "-n", "default"), "yes");
  const r = cli("revoke", name, "--dir", plane.proxy.dir);
  assert.equal(r.status, 0, r.stderr);
  const after = await plane.viaProxy("GET", `/api/v1/nodes/${name}`, { token: t });
  assert.equal(after.status, 401);
  assert.equal(canI(name, "get", "configmap/pico-config", "-n", "default"), "no");
  assert.equal(fs.existsSync(deviceFiles(plane.proxy.dir, name).dir), false);
  assert.doesNotMatch(fs.readFileSync(path.join(plane.proxy.dir, "devices.conf"), "utf8"), new RegExp(t));
  // Everyone else is unaffected.
  assert.equal((await plane.viaProxy("PATCH", `/api/v1/nodes/${A}/status`, { token: token(A), body: {} })).status, 200);
});

/** A unit's command line as systemd splits it (double quotes group words; $MAINPID is the only variable used). */
const unitCommands = (unit, key, mainPid) => unit.split("\n").filter((l) => l.startsWith(`${key}=`))
  .map((l) => [...l.slice(key.length + 1).matchAll(/"([^"]*)"|(\S+)/g)].map((m) => (m[1] ?? m[2]).replace("$MAINPID", String(mainPid))));

test("proxy install writes systemd units for this proxy and its approver: as systemd would run them, the proxy serves the devices, reloads and stops, the approver runs and stops; uninstall removes them", async (t) => {
  const units = fs.mkdtempSync(path.join(plane.state, "units-"));
  const r = cli("proxy", "install", "--dir", plane.proxy.dir, "--unit-dir", units, "--no-enable");
  assert.equal(r.status, 0, r.stderr);
  const file = path.join(units, "pico-node-proxy.service");
  assert.match(r.stdout, /enable them with: systemctl daemon-reload && systemctl enable --now pico-node-proxy.service pico-node-approver.service/);
  const unit = fs.readFileSync(file, "utf8");
  const approverFile = path.join(units, "pico-node-approver.service");
  const approverUnit = fs.readFileSync(approverFile, "utf8");
  for (const text of [unit, approverUnit]) {
    assert.match(text, /^WantedBy=multi-user.target$/m);
    assert.match(text, /^Restart=on-failure$/m);
  }
  const analyze = spawnSync("systemd-analyze", ["verify", file, approverFile], { encoding: "utf8" });
  if (analyze.error) t.diagnostic("systemd-analyze verify: skipped — systemd is not installed here");
  else assert.equal(analyze.status, 0, `systemd-analyze verify: ${analyze.stderr}`);

  // The approver's unit runs this checkout's CLI for this proxy dir, and stops cleanly on SIGTERM.
  const [[approverCmd, ...approverArgs]] = unitCommands(approverUnit, "ExecStart");
  const approver = spawn(approverCmd, approverArgs, { stdio: ["ignore", "pipe", "pipe"] });
  let approverOut = "";
  approver.stdout.on("data", (d) => (approverOut += d));
  approver.stderr.on("data", (d) => (approverOut += d));
  const approverExit = new Promise((resolve) => approver.once("exit", (code) => resolve(code)));
  await until("the approver runs", () => approverOut.includes(`approving kubelet-serving CSRs of the devices enrolled in ${plane.proxy.dir}`), 10_000, 100);
  approver.kill("SIGTERM");
  assert.equal(await approverExit, 0, approverOut);

  const stop = cli("proxy", "stop", "--dir", plane.proxy.dir);
  assert.match(stop.stdout, /proxy stopped/);
  try {
    for (const [cmd, ...args] of unitCommands(unit, "ExecStartPre")) assert.equal(spawnSync(cmd, args).status, 0, `ExecStartPre ${cmd} ${args.join(" ")}`);
    const [[cmd, ...args]] = unitCommands(unit, "ExecStart");
    const nginx = spawn(cmd, args, { stdio: "ignore" });
    const exited = new Promise((resolve) => nginx.once("exit", (code, signal) => resolve(signal ?? code)));
    await until("the unit's nginx serves a device", async () => (await plane.viaProxy("PATCH", `/api/v1/nodes/${A}/status`, { token: token(A), body: {} })).status === 200, 10_000, 100);
    assert.match(cli("proxy", "status", "--dir", plane.proxy.dir).stdout, new RegExp(`running \\(nginx pid ${nginx.pid}\\)`), "the pid file is where the CLI looks");
    for (const [c, ...a] of unitCommands(unit, "ExecReload", nginx.pid)) assert.equal(spawnSync(c, a).status, 0, `ExecReload ${c} ${a.join(" ")}`);
    assert.equal((await plane.viaProxy("PATCH", `/api/v1/nodes/${A}/status`, { token: token(A), body: {} })).status, 200, "served after the reload");
    nginx.kill(/^KillSignal=(\S+)$/m.exec(unit)[1]);
    assert.equal(await exited, 0, "SIGTERM is a clean stop, so Restart=on-failure leaves it stopped");
  } finally {
    await startNginx(plane.proxy);
  }

  const spaced = path.join(plane.state, "proxy dir");
  fs.mkdirSync(spaced);
  const settings = JSON.parse(fs.readFileSync(path.join(plane.proxy.dir, "proxy.json"), "utf8"));
  fs.writeFileSync(path.join(spaced, "proxy.json"), JSON.stringify({ ...settings, dir: spaced }));
  const refused = cli("proxy", "install", "--dir", spaced, "--unit-dir", units, "--no-enable");
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /the proxy dir .*proxy dir holds " ", which a systemd unit's command line would read otherwise/);
  assert.ok(fs.readFileSync(file, "utf8") === unit, "the unit installed before is left as it was");

  const gone = cli("proxy", "uninstall", "--unit-dir", units, "--no-enable");
  assert.equal(gone.status, 0, gone.stderr);
  assert.equal(fs.existsSync(file), false);
  assert.equal(fs.existsSync(approverFile), false);
});
