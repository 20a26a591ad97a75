// How each kind of input is played against the core (the fault phase), on a
// Driver; the driver then heals the server and runs the common oracles.
import zlib from "node:zlib";
import { parseMemoryValues } from "../../dist/tests/fuzz/reference/memory_values.js";
import { configMapJson, chunk, IDENTITIES } from "./world.mjs";
import { jsonLiteral } from "./bytes_json.mjs";
import { TICK_MS } from "./host.mjs";

const IDLE_TIMEOUT_MS = 10_000;

/** (a) API responses: each answer goes to the next request of its kind (on a host with TLS if input.tls). */
function runApi(d, input) {
  return d.run(`${input.tls ? "tls:" : ""}${input.answers[0].kind}`, () => {
    for (const answer of input.answers) {
      for (let r = 0; r < (answer.repeat ?? 1); r++) {
        const p = d.waitFor(answer.kind);
        if (!p) {
          d.outcome.push(`${answer.kind}:unreached`);
          break;
        }
        d.injectAnswer(p, answer);
      }
    }
  });
}

/** A host with TLS whose address changed (a new DHCP lease): the core asks for a new serving certificate while clients come. */
const NEW_ADDRESS = 0x0a000063;

/**
 * (b) Kubelet clients: pieces delivered round-robin with time passing between
 * them; each connects as spec.who says (a verified admin certificate if
 * unsaid). Their reviews get input.reviews' answers first, the healthy ones after.
 */
function runKubelet(d, input) {
  const conns = [];
  const result = d.run(input.tls ? "tls:steady" : "steady", () => {
    if (input.tls) d.host.ipv4 = NEW_ADDRESS;
    d.reviewFaults = [...(input.reviews ?? [])];
    for (const spec of input.conns) {
      const who = spec.who ?? "admin";
      conns.push({ spec, c: d.accept(IDENTITIES[who], who === "healthz" ? 1 : 0), acceptedAt: d.host.now, clientClosed: false, refused: false });
    }
    for (const k of conns) k.refused = k.c.closed; // all slots busy: answered 503 at once
    d.kubeletConns = conns;
    const rounds = Math.max(...input.conns.map((s) => s.pieces.length));
    for (let i = 0; i < rounds; i++) {
      for (const k of conns) {
        const piece = k.spec.pieces[i];
        if (!piece) continue;
        if (piece.gap) d.serveFor(piece.gap);
        if (!k.c.closed) {
          d.host.context = "kubelet";
          d.host.deliverCut(k.c, Buffer.from(piece.bytes, "latin1"));
          d.host.context = "idle";
        }
      }
    }
    for (const k of conns) k.completedAt = d.host.now;
    for (const k of conns) {
      if (!k.c.closed && k.spec.end === "close") {
        k.clientClosed = true;
        d.host.peerClose(k.c);
      }
    }
    d.serve();
    if (input.wait) d.serveFor(input.wait); // a review that never comes must time out meanwhile
  }, () => checkKubeletConns(d, conns));
  return result;
}

function checkKubeletConns(d, conns) {
  for (const [i, k] of conns.entries()) {
    const label = `client ${i + 1}`;
    const sent = d.host.sent(k.c);
    if (k.clientClosed && sent.length === 0) continue;
    if (!k.c.closed) {
      d.fail("kubeletAnswer", `${label}: still open ${(d.host.now - k.acceptedAt) / 1000} s after it connected, ${sent.length ? "answered without closing" : "never answered (no 408)"}`);
      continue;
    }
    if (k.c.closedAt > d.kubeletDeadline(k)) {
      d.fail("kubeletAnswer", `${label}: answered ${(k.c.closedAt - k.completedAt) / 1000} s after its last bytes (reviews are bounded by request_timeout_ms)`);
    }
    const first = k.spec.pieces.map((p) => p.bytes).join("");
    const res = d.checkKubelet(k.c, /^[\r\n]*HEAD /.test(first), label); // empty lines may precede a request line
    if (!res) continue;
    d.outcome.push(`k${res.status}`);
    if (res.status === 401 || res.status === 403) {
      // As kubelet refuses: a metav1.Status naming the code; a 401 says how to authenticate.
      const st = res.json;
      if (st?.kind !== "Status" || st.status !== "Failure" || st.code !== res.status || st.reason !== (res.status === 401 ? "Unauthorized" : "Forbidden")) d.fail("kubeletAnswer", `${label}: ${res.status} without its Status body: ${JSON.stringify(st).slice(0, 120)}`);
      if (res.status === 401 && !/^Bearer/.test(res.headers.get("www-authenticate") ?? "")) d.fail("kubeletAnswer", `${label}: 401 without WWW-Authenticate: Bearer`);
    }
    // A fuzzed review answer may refuse (401/403) or fail (503) any request on the kubelet port.
    const expect = k.spec.expect && d.reviewFaultsUsed > 0 && k.spec.who !== "healthz" ? [...k.spec.expect, 401, 403, 503] : k.spec.expect;
    if (!expect || k.refused) continue;
    const slow = k.completedAt - k.acceptedAt >= IDLE_TIMEOUT_MS - TICK_MS;
    if (!expect.includes(res.status) && !(slow && res.status === 408)) {
      d.fail("kubeletAnswer", `${label}: a well-formed ${JSON.stringify(first.split("\r\n")[0])} got ${res.status}, expected ${expect.join("/")}${slow ? " or 408" : ""}`);
    }
  }
}

/** (c) memory_values: one new ConfigMap version, by watch event or by LIST after an in-stream 410. */
function runMemoryValues(d, input) {
  let rv = "";
  return d.run("steady", () => {
    rv = d.world.nextRv();
    const dup = input.dup === null || input.dup === undefined ? "" : `"memory_values":${jsonLiteral(input.dup)},`;
    const cm = configMapJson(rv, `${dup}"memory_values":${jsonLiteral(input.value, input.escapes)}`);
    const stream = [...d.host.conns.values()].find((c) => c.tag === "stream" && !c.closed);
    if (input.via === "list") {
      d.deliverTo(stream, Buffer.from(chunk('{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version","reason":"Expired","code":410}}\n')), [], "world:watch");
      const p = d.waitFor("list");
      if (!p) return d.fail("configLiveness", "no LIST after an in-stream 410");
      const body = `{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"${rv}"},"items":[${cm}]}`;
      const head = `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: Sun, 22 Nov 2026 22:03:10 GMT\r\nContent-Length: ${Buffer.byteLength(body, "latin1")}\r\n\r\n`;
      d.deliverTo(p.c, Buffer.from(head + body, "latin1"), input.cuts, "mv");
    } else {
      d.deliverTo(stream, Buffer.from(chunk(`{"type":"MODIFIED","object":${cm}}\n`), "latin1"), input.cuts, "mv");
    }
    compareWithReference(d, input, rv);
  });
}

function compareWithReference(d, input, rv) {
  const ref = parseMemoryValues(Buffer.from(input.value, "utf8"));
  const commits = d.host.commitLog.filter((c) => c.context === "mv");
  const shown = JSON.stringify(input.value.length > 60 ? input.value.slice(0, 60) + "…" : input.value);
  d.outcome.push(ref.ok ? "mv:accept" : `mv:${ref.message.replace(/^entry \d+ "(?:[^"\\]|\\.)*": /, "").replace(/\d+|0x[0-9a-f]+/g, "#")}`);
  if (ref.ok && (commits.length !== 1 || Buffer.compare(Buffer.from(commits[0].bytes), Buffer.from(ref.region)) !== 0)) {
    const diff = commits.length ? [...ref.region].findIndex((b, i) => b !== commits[0].bytes[i]) : -1;
    return d.fail("memoryValues", `${shown}: the reference accepts (${ref.entries} entries) but the core ${commits.length ? `committed other bytes (first difference at offset ${diff})` : "committed nothing"}`);
  }
  if (!ref.ok && commits.length) return d.fail("memoryValues", `${shown}: the reference rejects (${ref.message}) but the core committed the region`);
  const st = d.kubelet("GET /pico/status HTTP/1.1\r\nHost: pico\r\n\r\n")?.json?.config;
  const want = ref.ok
    ? { status: "True", reason: "Applied", message: `resourceVersion ${rv} applied: ${ref.entries} bytes set, crc32 0x${zlib.crc32(ref.region).toString(16).padStart(8, "0")}` }
    : { status: "False", reason: "InvalidMemoryValues", message: `${ref.message} (resourceVersion ${rv} rejected; region unchanged)` };
  if (!st || st.status !== want.status || st.reason !== want.reason || st.message !== want.message) {
    d.fail("memoryValues", `${shown}: condition ${JSON.stringify(st)}, the reference says ${JSON.stringify(want)}`);
  }
}

const RUNNERS = { api: runApi, kubelet: runKubelet, memory_values: runMemoryValues };

/** Plays one input on the driver: { failures, outcome }. */
export function runInput(d, input) {
  const run = RUNNERS[input.target];
  if (!run) throw new Error(`unknown target ${input.target}`);
  const r = run(d, input);
  return { failures: r.failures, outcome: `${input.target}:${r.outcome}` };
}
