// fast-check generators of fuzz inputs, one family per target:
//   api            fuzzed answers to the core's requests (structured responses of
//                  every kind, or recorded responses mutated byte-wise)
//   kubelet        clients on the kubelet port: raw requests, cut anywhere,
//                  pipelined, slow (slowloris), several at once
//   memory_values  values for the differential against the reference parser
// An input is plain JSON (bytes as latin1 strings), so it can be saved and replayed.
import fc from "fast-check";
import { Raw, rawJson, utf8Bytes } from "./bytes_json.mjs";
import { KINDS, CSR_KINDS, NODE, TOKEN, IDENTITIES, TOKEN_USER, CERTIFICATE_PEM } from "./world.mjs";
import { mutationOps, mutate } from "./mutate.mjs";

const DIGITS = "0123456789";

// ---- strings the server might put where the core reads a value ----

const uuid = fc.uuid();
const hostileBytes = fc.string({
  unit: fc.constantFrom("a", "Z", "0", "-", '"', "\\", "\x00", "\x01", "\x1f", "\x7f", "\x80", "\xff", "\xc3", "\xa9", "\xed", "\xa0", "\xf0", "\x9f", " ", "\t", "%", "/"),
  maxLength: 48,
});
const validUnicode = fc.string({ unit: "grapheme", maxLength: 24 }).map(utf8Bytes);
const serverString = fc.oneof(
  { weight: 6, arbitrary: uuid },
  { weight: 1, arbitrary: fc.constant("") },
  { weight: 3, arbitrary: hostileBytes },
  { weight: 1, arbitrary: validUnicode },
  { weight: 1, arbitrary: fc.nat(200).map((n) => "u".repeat(n)) },
);
const digitsOf = (min, max) => fc.string({ unit: fc.constantFrom(...DIGITS), minLength: min, maxLength: max });
const resourceVersion = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 9_999_999 }).map(String) },
  { weight: 2, arbitrary: digitsOf(19, 40) },
  { weight: 1, arbitrary: fc.constantFrom("", "0", "abc", "7\xff", "12 34", "-5", "1e3") },
  { weight: 1, arbitrary: hostileBytes },
);
/** Sometimes a value of the wrong JSON type. */
const orWrongType = (arb) => fc.oneof({ weight: 8, arbitrary: arb }, { weight: 1, arbitrary: fc.constantFrom(new Raw("123"), null, new Raw("{}"), new Raw("[]"), new Raw("true")) });

// ---- memory_values ----

const blank = fc.constantFrom("", "", "", " ", "\t", "  ", "\r\n", "\n", " \t ");
const numberText = (max) =>
  fc.record({ n: fc.nat(max), hex: fc.boolean(), upper: fc.boolean(), zeros: fc.nat(3), prefixUpper: fc.boolean() }).map(({ n, hex, upper, zeros, prefixUpper }) => {
    let digits = hex ? n.toString(16) : String(n);
    if (upper) digits = digits.toUpperCase();
    digits = "0".repeat(zeros) + digits;
    return hex ? (prefixUpper ? "0X" : "0x") + digits : digits;
  });
const goodEntry = fc.tuple(blank, numberText(1023), blank, blank, numberText(255), blank).map(([a, o, b, c, v, d]) => `${a}${o}${b}=${c}${v}${d}`);
const badEntry = fc.oneof(
  fc.constantFrom("", " ", "=5", "a=5", "-1=5", "0x=5", "5=0x", "5=0xg", "000000001=1", "1=0x000000001", "1024=1", "0x400=1", "2048a=1",
    "5=256", "5=0x100", "5=0xFFFFFFFF", "99999999", "5 6=1", "5:1", "12a=1", "5=", "5=x", "5=-1", "5=ff", "5=1 2", "5=1=2", "5=12a", "5=0x1g",
    "5=1\x01\xe9\"\\", "é=1", "1=²", "١=1", "0x1F=0x1f", "+1=1", "1=+1", "0b1=1", " 0 x1=1"),
  fc.tuple(goodEntry, fc.string({ maxLength: 40 })).map(([e, junk]) => e + junk),
  fc.string({ unit: fc.constantFrom(..."0123456789xXabcdefABCDEF=, \t\r\n\"\\-+é€\u0000"), maxLength: 30 }),
);
/** A value: mostly lists of entries, some with one bad entry, some free text. */
export const memoryValuesText = fc.oneof(
  { weight: 6, arbitrary: fc.array(goodEntry, { maxLength: 24 }).map((es) => es.join(",")) },
  { weight: 4, arbitrary: fc.tuple(fc.array(goodEntry, { maxLength: 8 }), badEntry, fc.array(goodEntry, { maxLength: 4 }), fc.nat()).map(([a, bad, b]) => [...a, bad, ...b].join(",")) },
  { weight: 1, arbitrary: fc.array(fc.tuple(numberText(1023), numberText(255)).map(([o, v]) => `${o}=${v}`), { minLength: 100, maxLength: 1100 }).map((es) => es.join(",")) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom("", " ", ",", "\r\n", "0=0", "1023=255", "0x3FF=0xff") },
);

export const memoryValuesInput = fc.record({
  target: fc.constant("memory_values"),
  value: memoryValuesText,
  escapes: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat() }),
  dup: fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: memoryValuesText }),
  via: fc.constantFrom("watch", "watch", "list"),
  cuts: fc.array(fc.nat(600), { maxLength: 4 }),
});

// ---- Kubernetes objects ----

const meta = (extra = {}) => fc.record({ name: orWrongType(fc.constant(NODE)), uid: orWrongType(serverString), resourceVersion: orWrongType(resourceVersion), ...extra });
const nodeObject = meta().map((metadata) => ({ kind: "Node", apiVersion: "v1", metadata, status: { conditions: [] } }));
const leaseObject = fc.tuple(meta(), serverString).map(([metadata, t]) => ({ kind: "Lease", apiVersion: "coordination.k8s.io/v1", metadata, spec: { holderIdentity: NODE, leaseDurationSeconds: 40, renewTime: t } }));
const statusObject = fc.record({
  code: orWrongType(fc.constantFrom(400, 401, 403, 404, 409, 410, 422, 429, 500, 503, 0, -1, 99999999999)),
  reason: orWrongType(serverString),
  message: orWrongType(fc.oneof(serverString, fc.nat(600).map((n) => "m".repeat(n)))),
}).map((s) => ({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", details: {}, ...s }));
const memoryValuesField = fc.oneof(
  { weight: 8, arbitrary: memoryValuesText.map(utf8Bytes) },
  { weight: 1, arbitrary: hostileBytes },
  { weight: 1, arbitrary: fc.constantFrom(new Raw("123"), null, new Raw("{}"), new Raw('"0=1","memory_values":"1=2"')) },
);
const configMap = fc.record({ metadata: fc.record({ name: fc.constant("pico-config"), namespace: fc.constant("default"), resourceVersion: orWrongType(resourceVersion) }), mv: fc.option(memoryValuesField, { nil: undefined }), binary: fc.boolean() })
  .map(({ metadata, mv, binary }) => ({ kind: "ConfigMap", apiVersion: "v1", metadata, data: mv === undefined ? undefined : { memory_values: mv }, binaryData: binary ? { memory_values: "MQ==" } : undefined }));
const configMapList = fc.record({ rv: orWrongType(resourceVersion), items: fc.array(configMap, { maxLength: 3 }) })
  .map(({ rv, items }) => ({ kind: "ConfigMapList", apiVersion: "v1", metadata: { resourceVersion: rv }, items }));
const garbage = fc.oneof(
  fc.constantFrom("", "{", "[", '{"a":', "<html>502 Bad Gateway</html>", '"\\ud800"', '"\\x"', "[".repeat(300), "1e99999", '{"metadata":{"uid":"\\u00ff\\uffff\\udfff"}}', "{}{}", "null", "nul"),
  fc.string({ unit: "binary", maxLength: 200 }).map(utf8Bytes),
  hostileBytes,
);
// ---- the serving certificate's CSR, and the kubelet port's reviews ----

const base64Of = (arb) => arb.map((t) => Buffer.from(t, "latin1").toString("base64"));
const certificateField = fc.oneof(
  { weight: 6, arbitrary: fc.constant(Buffer.from(CERTIFICATE_PEM).toString("base64")) },
  { weight: 2, arbitrary: base64Of(fc.oneof(hostileBytes, fc.constant("-----BEGIN CERTIFICATE-----\n\xff\n-----END CERTIFICATE-----\n"), fc.nat(4000).map((n) => `-----BEGIN CERTIFICATE-----\n${"A".repeat(n)}\n-----END CERTIFICATE-----\n`))) },
  { weight: 2, arbitrary: fc.oneof(hostileBytes, fc.constantFrom("", "=", "A", "AAA=B", "!!!!", "QUJD\nREVG", "QUJD REVG")) },
  { weight: 1, arbitrary: fc.constantFrom(new Raw("123"), null, new Raw("{}"), new Raw("[]")) },
);
const condition = fc.record({
  type: fc.oneof({ weight: 4, arbitrary: fc.constantFrom("Approved", "Denied", "Failed") }, { weight: 1, arbitrary: serverString }),
  status: fc.constantFrom("True", "True", "False"),
  message: orWrongType(fc.oneof(serverString, fc.nat(400).map((n) => "m".repeat(n)))),
});
const csrName = fc.oneof({ weight: 4, arbitrary: fc.constant(`${NODE}-serving-0badc0de`) }, { weight: 1, arbitrary: serverString });
const csrObject = fc.record({
  name: orWrongType(csrName),
  conditions: fc.option(fc.array(condition, { maxLength: 3 }), { nil: undefined }),
  certificate: fc.option(certificateField, { nil: undefined, freq: 2 }),
}).map(({ name, conditions, certificate }) => ({
  kind: "CertificateSigningRequest", apiVersion: "certificates.k8s.io/v1",
  metadata: { name, resourceVersion: "4242" },
  spec: { request: "LS0tLS1CRUdJTg==", signerName: "kubernetes.io/kubelet-serving", usages: ["digital signature", "server auth"] },
  status: { conditions, certificate },
}));
const groups = fc.oneof(
  { weight: 4, arbitrary: fc.constant(["system:serviceaccounts", "system:authenticated"]) },
  { weight: 2, arbitrary: fc.array(fc.oneof(serverString, fc.constantFrom("system:masters", "a\nb", "")), { maxLength: 6 }) },
  { weight: 1, arbitrary: fc.nat(40).map((n) => Array.from({ length: n }, (_, i) => `group-${i}`)) },
  { weight: 1, arbitrary: fc.constantFrom(new Raw("123"), null, new Raw("{}"), new Raw('"system:masters"')) },
);
/** One answer body serving either review (the kubelet target does not know which comes next). */
const reviewObject = fc.record({
  kind: fc.constantFrom("TokenReview", "SubjectAccessReview"),
  authenticated: fc.option(orWrongType(fc.boolean()), { nil: undefined }),
  allowed: fc.option(orWrongType(fc.boolean()), { nil: undefined }),
  denied: fc.option(fc.boolean(), { nil: undefined, freq: 3 }),
  username: fc.option(orWrongType(fc.oneof(fc.constant(TOKEN_USER), serverString)), { nil: undefined, freq: 4 }),
  groups: fc.option(groups, { nil: undefined, freq: 4 }),
  error: fc.option(serverString, { nil: undefined, freq: 3 }),
}).map(({ kind, authenticated, allowed, denied, username, groups, error }) => ({
  kind, apiVersion: kind === "TokenReview" ? "authentication.k8s.io/v1" : "authorization.k8s.io/v1",
  metadata: { creationTimestamp: null }, spec: {},
  status: { authenticated, allowed, denied, user: username === undefined && groups === undefined ? undefined : { username, groups }, error },
}));

const bodyFor = {
  registration: nodeObject, "node-get": nodeObject, status: nodeObject,
  "lease-get": leaseObject, "lease-create": leaseObject, "lease-renew": leaseObject,
  list: configMapList, "csr-create": csrObject, "csr-read": csrObject, review: reviewObject,
};
const truncated = (arb) => fc.tuple(arb.map(rawJson), fc.nat()).map(([t, n]) => t.slice(0, n % (t.length + 1)));
const body = (kind) => fc.oneof({ weight: 8, arbitrary: bodyFor[kind].map(rawJson) }, { weight: 3, arbitrary: statusObject.map(rawJson) }, { weight: 1, arbitrary: truncated(bodyFor[kind]) }, { weight: 1, arbitrary: garbage });

// ---- watch streams ----

const watchEvent = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom("ADDED", "MODIFIED", "DELETED"), configMap).map(([type, object]) => rawJson({ type, object })) },
  { weight: 2, arbitrary: resourceVersion.map((rv) => rawJson({ type: "BOOKMARK", object: { kind: "ConfigMap", apiVersion: "v1", metadata: { resourceVersion: rv, annotations: { "k8s.io/initial-events-end": "true" } } } })) },
  { weight: 2, arbitrary: statusObject.map((object) => rawJson({ type: "ERROR", object })) },
  { weight: 2, arbitrary: garbage },
  { weight: 1, arbitrary: truncated(configMap.map((object) => ({ type: "MODIFIED", object }))) },
  { weight: 1, arbitrary: fc.tuple(serverString, configMap).map(([type, object]) => rawJson({ type, object })) },
);
const watchBody = fc.tuple(fc.array(watchEvent, { minLength: 1, maxLength: 5 }), fc.constantFrom("\n", "\n", "\r\n", "", "\n\n")).map(([evs, sep]) => evs.map((e) => e + sep).join(""));

// ---- HTTP framing ----

const HTTP_DATE_NOW = "Sun, 22 Nov 2026 22:03:00 GMT";
const date = fc.oneof(
  { weight: 6, arbitrary: fc.constant(HTTP_DATE_NOW) },
  { weight: 1, arbitrary: fc.constantFrom("Fri, 31 Dec 9999 23:59:59 GMT", "Thu, 01 Jan 1970 00:00:00 GMT", "Sunday, 22-Nov-26 22:03:00 GMT", "Sun Nov 22 22:03:00 2026", "Mon, 01 Jan 2100 00:00:00 GMT", "Sat, 01 Jan 2000 00:00:00 GMT", "Sun, 22 Nov 2026 25:61:61 GMT", "Sun, 29 Feb 2026 00:00:00 GMT", "garbage", "") },
  { weight: 1, arbitrary: fc.date({ min: new Date(0), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true }).map((d) => d.toUTCString()) },
);
const retryAfter = fc.constantFrom("0", "1", "5", "20", "300", "301", "3600", "99999999999", "-1", "abc", "1.5", HTTP_DATE_NOW, "Fri, 31 Dec 9999 23:59:59 GMT");
const extraHeader = fc.oneof(
  fc.constantFrom(["Audit-Id", "6f1c2a0e-8d7e-4a59-9a38-0c2c1f0e5a11"], ["Cache-Control", "no-cache, private"], ["X-Kubernetes-Pf-Flowschema-Uid", "3f7c1c43"], ["Warning", '299 - "deprecated"'], ["X-Fold", "a\r\n b"], ["X-Bad\xff", "v"], ["Bad Header", "x"], ["X-Nul", "a\x00b"], ["X-Utf8", "\xc3\xa9\xff"], ["Content-Encoding", "gzip"], ["Trailer", "X"]),
  fc.nat(3000).map((n) => ["X-Long", "v".repeat(n)]),
);
const status = fc.oneof({ weight: 10, arbitrary: fc.constantFrom(200, 201, 404, 409, 410, 401, 403, 429, 500, 503, 422, 400, 204, 304, 301, 101) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 999 }) });
const framing = fc.constantFrom("length", "length", "length", "chunked", "chunked", "eof", "length-wrong", "length-dup", "both", "none");

const headFields = fc.record({
  version: fc.constantFrom("HTTP/1.1", "HTTP/1.1", "HTTP/1.1", "HTTP/1.1", "HTTP/1.0", "HTTP/2", "http/1.1", "HTTP/1.1 "),
  status,
  reason: fc.constantFrom("OK", "Whatever", "", " x\tY", "\xff"),
  date: fc.option(date, { nil: undefined, freq: 8 }),
  retryAfter: fc.option(retryAfter, { nil: undefined, freq: 2 }),
  contentType: fc.constantFrom("application/json", "application/json", "application/json", "application/json; charset=utf-8", "text/plain", undefined, "application/JSON", "application/json, text/html"),
  connection: fc.constantFrom(undefined, undefined, "close", "keep-alive", "Close, upgrade"),
  extra: fc.array(extraHeader, { maxLength: 3 }),
  framing,
  chunkSizes: fc.array(fc.integer({ min: 1, max: 700 }), { maxLength: 8 }),
  chunkExt: fc.constantFrom("", "", "", ";a=b", " ", ";\xff"),
  terminate: fc.boolean(),
  lengthDelta: fc.integer({ min: -5, max: 5 }),
  lineEnd: fc.constantFrom("\r\n", "\r\n", "\r\n", "\r\n", "\r\n", "\n"),
});

/** Chunked framing of text; chunk boundaries anywhere. */
function chunked(text, sizes, ext, terminate) {
  let out = "";
  let i = 0;
  for (let k = 0; i < text.length; k++) {
    const n = sizes.length ? sizes[k % sizes.length] : text.length;
    const part = text.slice(i, i + n);
    out += `${part.length.toString(16)}${ext}\r\n${part}\r\n`;
    i += n;
  }
  return terminate ? out + "0\r\n\r\n" : out;
}

/** A whole response, as a byte string. */
function response(h, text) {
  const eol = h.lineEnd;
  const lines = [`${h.version} ${h.status} ${h.reason}`];
  if (h.date !== undefined) lines.push(`Date: ${h.date}`);
  if (h.retryAfter !== undefined) lines.push(`Retry-After: ${h.retryAfter}`);
  if (h.contentType !== undefined) lines.push(`Content-Type: ${h.contentType}`);
  if (h.connection !== undefined) lines.push(`Connection: ${h.connection}`);
  for (const [n, v] of h.extra) lines.push(`${n}: ${v}`);
  let payload = text;
  switch (h.framing) {
    case "length": lines.push(`Content-Length: ${text.length}`); break;
    case "length-wrong": lines.push(`Content-Length: ${Math.max(0, text.length + (h.lengthDelta || 1))}`); break;
    case "length-dup": lines.push(`Content-Length: ${text.length}`, `Content-Length: ${text.length + h.lengthDelta}`); break;
    case "chunked": lines.push("Transfer-Encoding: chunked"); payload = chunked(text, h.chunkSizes, h.chunkExt, h.terminate); break;
    case "both": lines.push(`Content-Length: ${text.length}`, "Transfer-Encoding: chunked"); payload = chunked(text, h.chunkSizes, h.chunkExt, h.terminate); break;
    case "none": payload = ""; break;
    // "eof": no length, the body runs until the connection closes
  }
  return lines.join(eol) + eol + eol + payload;
}

const answerShape = fc.record({
  cuts: fc.array(fc.nat(3000), { maxLength: 6 }),
  end: fc.constantFrom("close", "keep", "keep", "keep", "reset", "refuse"),
  gaps: fc.array(fc.constantFrom(0, 0, 0, 0, 0, 0, 100, 2000, 12_000), { maxLength: 3 }),
  repeat: fc.constantFrom(1, 1, 1, 1, 1, 1, 2, 4, 16),
});

function structuredAnswer(kind) {
  const text = kind === "watch" ? watchBody : body(kind);
  const head = kind === "watch" ? headFields.map((h) => ({ ...h, framing: h.framing === "length" ? "chunked" : h.framing })) : headFields;
  return fc.tuple(head, text, answerShape).map(([h, t, shape]) => ({ kind, bytes: response(h, t), ...shape }));
}

function mutatedAnswer(kind, corpus) {
  return fc.tuple(fc.constantFrom(...corpus), mutationOps, answerShape).map(([bytes, ops, shape]) => ({ kind, bytes: mutate(bytes, ops), ...shape }));
}

/**
 * Answers aimed at request kinds; tls: whether the host serves the kubelet port
 * with TLS (then the core also asks for a serving certificate: the CSR kinds).
 */
export function apiInput(corpus) {
  const answerTo = (kinds) => fc.constantFrom(...kinds).chain((kind) =>
    corpus[kind]?.length ? fc.oneof({ weight: 3, arbitrary: structuredAnswer(kind) }, { weight: 2, arbitrary: mutatedAnswer(kind, corpus[kind]) }) : structuredAnswer(kind),
  );
  const plain = KINDS.filter((k) => !CSR_KINDS.has(k));
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ target: fc.constant("api"), answers: fc.array(answerTo(plain), { minLength: 1, maxLength: 3 }) }) },
    { weight: 1, arbitrary: fc.record({ target: fc.constant("api"), tls: fc.constant(true), answers: fc.array(answerTo(KINDS), { minLength: 1, maxLength: 3 }) }) },
  );
}

// ---- kubelet requests ----

const GET_ROUTES = ["/healthz", "/healthz?verbose=1", "/livez", "/readyz", "/pods", "/spec", "/metrics", "/metrics/resource", "/pico/status", "/pico/memory"];
const path = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...GET_ROUTES, "/pico/command") },
  { weight: 2, arbitrary: fc.constantFrom("/nope", "/", "/healthz/", "/HEALTHZ", "/pods?x=1&y", "/healthz?verbose=0", "*", "http://pico/healthz", "//healthz", "/%2e%2e/", "/pico/memory#x") },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom("/", "/healthz?", "/x/"), hostileBytes).map(([a, b]) => a + b) },
  { weight: 1, arbitrary: fc.nat(300).map((n) => "/" + "p".repeat(n)) },
);
const method = fc.oneof({ weight: 8, arbitrary: fc.constantFrom("GET", "GET", "GET", "HEAD", "POST", "PUT", "DELETE") }, { weight: 1, arbitrary: fc.constantFrom("OPTIONS", "get", "G ET", "", "CONNECT", "GETGETGETGETGETGETGETGETGETGET") });
const commandBody = fc.oneof(
  fc.record({ times: orWrongType(fc.integer({ min: -2, max: 60 })), delay_ms: orWrongType(fc.integer({ min: -1, max: 5000 })) }).map((params) => rawJson({ command: "blink_led", params })),
  fc.tuple(serverString, fc.constant(null)).map(([c]) => rawJson({ command: c })),
  garbage,
);
const kubeletRequest = fc.record({
  method,
  path,
  version: fc.constantFrom("HTTP/1.1", "HTTP/1.1", "HTTP/1.1", "HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.10", "HTTP/1", "", "HTTP/1.1 x"),
  host: fc.constantFrom("Host: pico", "Host: pico", "Host: pico", "", "Host: a\x00b", "Host: \xff"),
  auth: fc.constantFrom("", "", `Authorization: Bearer ${TOKEN}`, "Authorization: Bearer nope", "Authorization: Basic eA==", `Authorization: bearer ${TOKEN}`),
  extra: fc.array(fc.oneof(extraHeader, fc.constantFrom(["Content-Length", "-1"], ["Content-Length", "99999999999999"], ["Transfer-Encoding", "chunked"], ["Content-Length", "3"], ["Expect", "100-continue"])), { maxLength: 3 }),
  body: fc.option(commandBody, { nil: undefined }),
  lengthRight: fc.boolean(),
  lineEnd: fc.constantFrom("\r\n", "\r\n", "\r\n", "\n", "\r"),
});

/** The raw request and, when it is plainly well-formed, the statuses it may get. */
function renderRequest(r) {
  const eol = r.lineEnd;
  const lines = [[r.method, r.path, r.version].filter((x) => x !== "").join(" ")];
  if (r.host) lines.push(r.host);
  if (r.auth) lines.push(r.auth);
  for (const [n, v] of r.extra) lines.push(`${n}: ${v}`);
  const body = r.body ?? "";
  if (body) lines.push(`Content-Length: ${r.lengthRight ? body.length : body.length + 7}`);
  const raw = lines.join(eol) + eol + eol + body;
  const plain = ["GET", "HEAD", "POST", "PUT", "DELETE"].includes(r.method) && r.version === "HTTP/1.1" && r.host === "Host: pico" && eol === "\r\n" && r.extra.length === 0 && (body === "" || r.lengthRight) && body.length <= 128;
  let expect = null;
  if (plain && GET_ROUTES.includes(r.path) && !body) expect = ["GET", "HEAD"].includes(r.method) ? [200] : [405];
  else if (plain && /^\/[a-z]{1,60}$/.test(r.path) && !GET_ROUTES.includes(r.path) && r.path !== "/pico" && !body) expect = [404];
  else if (plain && r.path === "/pico/command" && r.method === "GET" && !body) expect = [405];
  return { raw, expect };
}

/** Who connects: mostly a verified admin certificate; sometimes none (a bearer token, or nothing), a denied user, unusable names, or the healthz port. */
const who = fc.oneof(
  { weight: 8, arbitrary: fc.constant("admin") },
  { weight: 3, arbitrary: fc.constant("none") },
  { weight: 1, arbitrary: fc.constantFrom("user", "no-cn", "unprintable", "long") },
  { weight: 2, arbitrary: fc.constant("healthz") },
);

/** The statuses a plain request gets from a healthy API server's reviews, given who sends it. */
function expectFor(r, expect, w) {
  if (!expect) return null;
  if (w === "healthz") return r.path === "/healthz" || r.path === "/healthz?verbose=1" ? expect : [404];
  if (w === "admin") return expect;
  if (w === "user") return [403];
  return r.auth.toLowerCase() === `authorization: bearer ${TOKEN.toLowerCase()}` ? expect : [401];
}

const connection = fc.record({
  who,
  requests: fc.oneof({ weight: 5, arbitrary: kubeletRequest.map((r) => [r]) }, { weight: 1, arbitrary: fc.array(kubeletRequest, { minLength: 2, maxLength: 3 }) }),
  cuts: fc.array(fc.nat(2500), { maxLength: 6 }),
  gaps: fc.array(fc.constantFrom(0, 0, 50, 1000, 4000, 11_000), { maxLength: 4 }),
  end: fc.constantFrom("keep", "keep", "keep", "close"),
}).map(({ who, requests, cuts, gaps, end }) => {
  const rendered = requests.map(renderRequest);
  const raw = rendered.map((x) => x.raw).join("");
  const sorted = [...new Set(cuts.map((c) => c % (raw.length + 1)))].sort((a, b) => a - b);
  const pieces = [];
  let from = 0;
  [...sorted, raw.length].forEach((cut, i) => {
    if (cut > from || i === sorted.length) pieces.push({ bytes: raw.slice(from, cut), gap: gaps[i] ?? 0 });
    from = Math.max(from, cut);
  });
  return { pieces, end, expect: expectFor(requests[0], rendered[0].expect, who), who };
});

function mutatedConnection(corpus) {
  return fc.tuple(fc.constantFrom(...corpus), mutationOps, fc.array(fc.nat(2000), { maxLength: 4 }), fc.constantFrom("keep", "close"), who).map(([bytes, ops, cuts, end, w]) => {
    const raw = mutate(bytes, ops);
    const sorted = [...new Set(cuts.map((c) => c % (raw.length + 1))), raw.length].sort((a, b) => a - b);
    let from = 0;
    const pieces = sorted.map((cut) => ({ bytes: raw.slice(from, (from = Math.max(from, cut))), gap: 0 }));
    return { pieces, end, expect: null, who: w };
  });
}

/**
 * Clients on the kubelet port, and the faults of the reviews they cause: each
 * answer in `reviews` goes to the next TokenReview or SubjectAccessReview
 * (the healthy server answers the rest); `wait` lets time run before the
 * faults stop (a review left unanswered must time out). tls: the host has TLS,
 * so the serving certificate's CSR shares the review connection.
 */
export function kubeletInput(corpus) {
  const conn = corpus.kubelet?.length ? fc.oneof({ weight: 3, arbitrary: connection }, { weight: 2, arbitrary: mutatedConnection(corpus.kubelet) }) : connection;
  const review = fc.oneof({ weight: 4, arbitrary: structuredAnswer("review") }, { weight: 1, arbitrary: fc.tuple(structuredAnswer("review"), mutationOps).map(([a, ops]) => ({ ...a, bytes: mutate(a.bytes, ops) })) });
  return fc.record({
    target: fc.constant("kubelet"),
    conns: fc.array(conn, { minLength: 1, maxLength: 3 }),
    tls: fc.boolean(),
    reviews: fc.oneof({ weight: 1, arbitrary: fc.constant([]) }, { weight: 2, arbitrary: fc.array(review, { minLength: 1, maxLength: 3 }) }),
    wait: fc.constantFrom(0, 0, 3000, 25_000),
  });
}

/** Every target's generator; weights give the share of inputs. */
export function inputArbitraries(corpus) {
  return {
    api: apiInput(corpus),
    kubelet: kubeletInput(corpus),
    memory_values: memoryValuesInput,
  };
}
export const TARGET_WEIGHTS = { api: 5, kubelet: 3, memory_values: 2 };
