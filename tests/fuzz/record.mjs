// node tests/fuzz/record.mjs (after `npm run build`): re-records the fuzz corpus
// (tests/fuzz/corpus/) from the local control plane. It starts the plane and the
// proxy (tests/integration/plane.mjs), runs a simulated Pico through a relay
// that keeps every byte, plays a short life (registration, Lease, status,
// ConfigMap edits, a deleted Node, a Lease conflict, a second boot that meets
// 409) and keeps the raw responses per request kind, plus real clients' (curl,
// node:http) requests to the kubelet port. Tokens are replaced by the fuzz
// harness's; responses carry no secrets.
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import http from "node:http";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { withPlane, until } from "../integration/plane.mjs";
import { SimulatedPico } from "../../dist/sim/pico.js";
import { freePort, WASM } from "../../dist/cli/sims.js";
import { CORPUS_DIR } from "./corpus.mjs";
import { classify, TOKEN } from "./world.mjs";
import { readMessage } from "./http_check.mjs";

const NAME = "pico-fuzz-1"; // the fuzz harness's node name, so recorded bodies match its requests
const PER_KIND = 3;
const WATCH_BYTES = 6000;

/** A TCP relay that records both directions of every connection. */
async function relay(targetHost, targetPort) {
  const conns = [];
  const sockets = new Set();
  const server = net.createServer((client) => {
    const rec = { up: [], down: [] };
    conns.push(rec);
    const upstream = net.connect(targetPort, targetHost);
    sockets.add(client).add(upstream);
    client.on("data", (d) => { rec.up.push(d); upstream.write(d); });
    upstream.on("data", (d) => { rec.down.push(d); client.write(d); });
    client.on("end", () => upstream.end());
    upstream.on("end", () => client.end());
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  const port = await freePort(17080);
  await new Promise((r) => server.listen(port, "127.0.0.1", r));
  const close = () => new Promise((r) => {
    server.close(r);
    for (const s of sockets) s.destroy(); // watches stay open otherwise
  });
  return { port, conns, close };
}

/**
 * Splits a recorded response stream into messages. A chunked body ends at its
 * last chunk; an unterminated one (a watch) is cut at a chunk boundary near WATCH_BYTES.
 */
function splitResponses(bytes) {
  const out = [];
  let rest = bytes;
  while (rest.length) {
    const end = rest.indexOf("\r\n\r\n");
    if (end < 0) break;
    const head = rest.subarray(0, end).toString("latin1");
    const cl = /\r\ncontent-length: *(\d+)/i.exec(head);
    let i = end + 4;
    if (cl) i += Number(cl[1]);
    else {
      for (;;) {
        const m = /^([0-9a-f]+)\r\n/i.exec(rest.subarray(i, i + 10).toString("latin1"));
        if (!m) break;
        const next = i + m[0].length + parseInt(m[1], 16) + 2;
        if (next > rest.length || (next > WATCH_BYTES && m[1] !== "0")) break;
        i = next;
        if (m[1] === "0") break;
      }
    }
    out.push(rest.subarray(0, i));
    rest = rest.subarray(i);
  }
  return out;
}

function save(dir, name, bytes) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, name), bytes);
}

async function main() {
  const plane = await withPlane();
  const step = (what) => console.error(`record: ${what}`);
  step(`control plane and proxy in ${plane.state}`);
  let pico;
  try {
    // The plane makes pico-config; give it the value the first LIST should carry.
    plane.kubectl(["patch", "configmap", "pico-config", "--type=merge", "-p", JSON.stringify({ data: { memory_values: "0=0x42,1=0x43" } })]);
    const [device] = await plane.enroll([NAME]);
    const proxyUrl = new URL(plane.proxy.publicUrl);
    const api = await relay(proxyUrl.hostname, Number(proxyUrl.port));
    const kubeletPort = await freePort(31250);
    const start = async () => {
      const p = new SimulatedPico({ name: NAME, api: `http://127.0.0.1:${api.port}`, kubeletPort, token: device.device.token, configMap: "default/pico-config", wasmFile: WASM, log: () => {} });
      await p.start();
      return p;
    };
    step("first boot: registration, Lease, status, LIST, WATCH");
    pico = await start();
    const lease = () => plane.json(["-n", "kube-node-lease", "get", "lease", NAME]);
    const first = await until("a Lease", () => lease(), 30_000);
    await until("a renewal", () => lease().spec.renewTime !== first.spec.renewTime && true, 20_000);
    step("ConfigMap edits: MODIFIED events");
    for (const v of ["0=0x10,1=0x20,2=0x30", "not valid", "1023=255"]) {
      plane.kubectl(["patch", "configmap", "pico-config", "--type=merge", "-p", JSON.stringify({ data: { memory_values: v } })]);
      await new Promise((r) => setTimeout(r, 1500));
    }
    step("a Lease conflict (409) and a deleted Node (404 on status)");
    plane.kubectl(["-n", "kube-node-lease", "annotate", "lease", NAME, "fuzz/touched=1", "--overwrite"]);
    await new Promise((r) => setTimeout(r, 11_000));
    plane.kubectl(["delete", "node", NAME, "--wait=false"]);
    plane.kubectl(["annotate", "configmap", "pico-config", "fuzz/touched=1"]); // a status write to find the Node gone
    await until("the Node back", () => plane.json(["get", "node", NAME]).metadata.uid, 30_000);
    step("ConfigMap deleted and created again: DELETED, ADDED");
    plane.kubectl(["delete", "configmap", "pico-config"]);
    await new Promise((r) => setTimeout(r, 1500));
    plane.kubectl(["create", "configmap", "pico-config", "--from-literal=memory_values=5=5"]);
    await new Promise((r) => setTimeout(r, 1500));
    step("a second boot: registration meets 409, the Node is read");
    await pico.stop();
    pico = await start();
    await until("a Node read", () => api.conns.some((c) => Buffer.concat(c.up).toString("latin1").includes(`GET /api/v1/nodes/${NAME} `)), 20_000);
    await new Promise((r) => setTimeout(r, 3000));
    step("kubelet requests from real clients (curl, node:http) through a recording relay");
    const kube = await relay("127.0.0.1", kubeletPort);
    const base = `http://127.0.0.1:${kube.port}`;
    for (const args of [[`${base}/healthz`], ["-I", `${base}/readyz`], [`${base}/healthz?verbose=1`], ["-H", "Accept: application/json", `${base}/pico/status`],
      ["-X", "POST", "-H", `Authorization: Bearer ${device.device.token}`, "-H", "Content-Type: application/json", "-d", '{"command":"blink_led","params":{"times":2,"delay_ms":100}}', `${base}/pico/command`]]) {
      // Asynchronously: the relay runs in this process.
      await promisify(execFile)("curl", ["-s", "-m", "5", "-o", "/dev/null", ...args]).catch(() => {});
    }
    await new Promise((resolve) => http.get(`${base}/metrics`, (res) => res.resume().on("end", resolve)).on("error", resolve));
    await new Promise((r) => setTimeout(r, 500));
    await kube.close();
    await pico.stop();
    pico = null;
    await api.close();

    fs.rmSync(CORPUS_DIR, { recursive: true, force: true });
    const counts = {};
    for (const c of api.conns) {
      const up = Buffer.concat(c.up);
      let requests;
      try {
        requests = [];
        let rest = up;
        while (rest.length) {
          const { msg, rest: next } = readMessage(rest, { response: false });
          requests.push(msg);
          rest = next;
        }
      } catch {
        continue;
      }
      const responses = splitResponses(Buffer.concat(c.down));
      requests.forEach((req, i) => {
        const kind = classify(req);
        const res = responses[i];
        if (!kind || !res) return;
        const status = /^HTTP\/1\.1 (\d{3})/.exec(res.toString("latin1"))?.[1] ?? "xxx";
        const key = `${kind}/${status}`;
        counts[key] = (counts[key] ?? 0) + 1;
        if (counts[key] <= PER_KIND) save(path.join(CORPUS_DIR, kind), `${status}-${counts[key]}.http`, res);
      });
    }
    let n = 0;
    for (const c of kube.conns) {
      const raw = Buffer.concat(c.up).toString("latin1").replaceAll(device.device.token, TOKEN);
      if (raw) save(path.join(CORPUS_DIR, "kubelet"), `request-${++n}.http`, Buffer.from(raw, "latin1"));
    }
    console.error(`record: saved ${Object.entries(counts).map(([k, v]) => `${k}×${Math.min(v, PER_KIND)}`).join(", ")}, ${n} kubelet requests → ${path.relative(process.cwd(), CORPUS_DIR)}`);
  } finally {
    if (pico) await pico.stop();
    await plane.close();
  }
}

await main();
