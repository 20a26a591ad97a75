// npm run bench:tls-posix — the kubelet port's TLS module (native/common/tls_server.c
// and device_key.c over Debian's mbedTLS 2.28, built -O2 for this machine) with
// node:tls as the client, one connection at a time. Prints, server side only:
// CPU per full handshake (ECDHE-ECDSA P-256, with and without a client
// certificate as metrics-server and the API server present one) and per
// session-ticket resumption; the longest single handshake step (the shell runs
// one per main-loop turn, so this is how long a handshake can hold the loop);
// heap per connection and with the most connections open. Asserts nothing.
// Options: --count N (200 connections per kind). Needs gcc, cmake, openssl,
// libmbedtls-dev (its static libraries: bench/tls_handshake.c wraps calloc/free).
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import tls from "node:tls";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const usage = (message) => (console.error(`bench:tls-posix: ${message}`), process.exit(2));
function parseCount(args) {
  if (args.length === 0) return 200;
  const count = Number(args[1]);
  if (args[0] !== "--count" || args.length !== 2) usage(`unknown options ${args.join(" ")} (usage: npm run bench:tls-posix [-- --count N])`);
  if (!Number.isInteger(count) || count <= 0) usage(`--count wants a positive whole number, got ${args[1] ?? "nothing"}`);
  return count;
}
const COUNT = parseCount(process.argv.slice(2));

function step(cmd, argv, cwd = root) {
  const r = spawnSync(cmd, argv, { cwd, encoding: "utf8" });
  if (r.error) throw new Error(`${cmd} is not installed (${r.error.message})`);
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(" ")} failed:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

console.log("building build/native-tests/tls_bench (-O2, static mbedTLS, calloc/free wrapped)");
const generator = spawnSync("ninja", ["--version"]).status === 0 ? ["-G", "Ninja"] : [];
step("cmake", ["-S", "tests/native", "-B", "build/native-tests", ...generator]);
step("cmake", ["--build", "build/native-tests", "--target", "tls_bench"]);
const bench = path.join(root, "build/native-tests/tls_bench");
if (!fs.existsSync(bench)) throw new Error("tls_bench was not built: Debian's static mbedTLS libraries are missing (apt-get install libmbedtls-dev)");

// Keys and certificates as the local plane makes them: P-256 everywhere, one CA signing the
// Pico's serving certificate and the clients' certificates.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pico-tls-bench-"));
const openssl = (...a) => step("openssl", a, dir);
fs.mkdirSync(path.join(dir, "state"));
const newKey = (name) => openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name);
function signed(name, subject, extensions) {
  openssl("req", "-new", "-key", `${name}.key`, "-subj", subject, "-out", `${name}.csr`);
  fs.writeFileSync(path.join(dir, `${name}.ext`), extensions.join("\n") + "\n");
  openssl("x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "1", "-extfile", `${name}.ext`, "-out", `${name}.pem`);
}
newKey("ca.key");
openssl("req", "-x509", "-new", "-key", "ca.key", "-subj", "/CN=bench-ca", "-days", "1", "-out", "ca.pem");
newKey("device.key");
openssl("pkey", "-in", "device.key", "-outform", "DER", "-out", "state/device-key.der"); // where the POSIX HAL keeps the device key
signed("device", "/O=system:nodes/CN=system:node:pico-bench", ["subjectAltName=DNS:pico-bench,IP:127.0.0.1", "extendedKeyUsage=serverAuth"]);
newKey("client.key");
signed("client", "/CN=system:metrics-server", ["extendedKeyUsage=clientAuth"]);
const read = (f) => fs.readFileSync(path.join(dir, f));
const ca = read("ca.pem");
const clientCert = { cert: read("client.pem"), key: read("client.key") };

const server = spawn(bench, [path.join(dir, "state"), path.join(dir, "device.pem"), path.join(dir, "ca.pem")], { stdio: ["pipe", "pipe", "inherit"] });
const lines = readline.createInterface({ input: server.stdout })[Symbol.asyncIterator]();
async function nextLine(prefix) {
  const { value, done } = await lines.next();
  if (done) throw new Error(`tls_bench ended (exit ${server.exitCode}) while a "${prefix}" line was awaited`);
  if (!value.startsWith(prefix)) throw new Error(`tls_bench said "${value}" where a "${prefix}" line was due`);
  return Object.fromEntries(value.split(" ").slice(1).map((kv) => kv.split("=")).map(([k, v]) => [k, /^\d+$/.test(v) ? Number(v) : v]));
}
const port = Number((await lines.next()).value.replace(/^port /, ""));
const heap = async () => (server.stdin.write("heap\n"), nextLine("heap"));

/** One connection: handshake (verifying the Pico's certificate), one echoed line; resolves once open. */
function open(credentials, session) {
  return new Promise((resolve, reject) => {
    let ticket = null;
    const socket = tls.connect({ host: "127.0.0.1", port, ca, ...credentials, session, maxVersion: "TLSv1.2" });
    socket.on("session", (s) => (ticket = s));
    socket.once("error", reject);
    socket.once("secureConnect", () => {
      socket.write("ping\n");
      socket.once("data", () => resolve({ socket, reused: socket.isSessionReused(), ticket: () => ticket }));
    });
  });
}
/** Opens, closes, and returns the server's figures for it (and the newest ticket). */
async function once(credentials, session) {
  const c = await open(credentials, session);
  c.socket.end();
  const figures = await nextLine("conn");
  if (c.reused !== (figures.resumed === 1)) throw new Error("client and server disagree whether the session was resumed");
  return { ...figures, ticket: c.ticket() ?? session };
}

async function series(label, credentials, resume) {
  let ticket = resume ? (await once(credentials)).ticket : undefined;
  const runs = [];
  for (let i = 0; i < COUNT; i++) {
    const r = await once(credentials, ticket);
    if (resume && !r.resumed) throw new Error(`${label}: connection ${i + 1} was not resumed`);
    if (!resume && r.resumed) throw new Error(`${label}: connection ${i + 1} was resumed`);
    if (resume) ticket = r.ticket;
    runs.push(r);
  }
  return { label, runs };
}

const ms = (ns) => (ns / 1e6).toFixed(3);
const sorted = (xs) => xs.slice().sort((a, b) => a - b);
const pick = (xs, p) => sorted(xs)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const most = (xs) => xs.reduce((a, b) => Math.max(a, b), 0);
function row({ label, runs }) {
  const cpu = runs.map((r) => r.cpu_ns), longest = runs.map((r) => r.longest_ns);
  const steps = new Map();
  for (const r of runs) steps.set(r.longest_step, (steps.get(r.longest_step) ?? 0) + 1);
  const usual = [...steps].sort((a, b) => b[1] - a[1])[0][0];
  return [label, ms(pick(cpu, 0.5)), ms(pick(cpu, 0.9)), ms(pick(longest, 0.5)), ms(most(longest)), usual, most(runs.map((r) => r.peak)), most(runs.map((r) => r.held)), runs[0].steps];
}

try {
  await once(clientCert); // the first handshake sets the module up (configuration, tickets, random generator)
  const rest = await heap();
  const kinds = [
    await series("full handshake", {}, false),
    await series("full, client certificate", clientCert, false),
    await series("resumed (session ticket)", {}, true),
    await series("resumed, client certificate", clientCert, true),
  ];
  // The most connections at once: TLS_MAX_SESSIONS open (after their handshakes), then one more, refused.
  await heap();
  const held = [await open(clientCert), await open(clientCert)];
  const both = await heap();
  const refused = await open(clientCert).then((c) => (c.socket.destroy(), false), () => true);
  const refusedLine = await nextLine("conn");
  for (const c of held) c.socket.end();
  await nextLine("conn");
  await nextLine("conn");

  const spec = step("sh", ["-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"]).trim();
  console.log(`\nkubelet-port TLS module, server side (tls_server.c + device_key.c, Debian mbedTLS 2.28 -O2 static, ${spec}),`);
  console.log(`${COUNT} connections per kind, one at a time; node:tls client; TLS 1.2 ECDHE-ECDSA P-256; CPU = the server thread's CPU time\n`);
  const head = ["", "CPU p50 ms", "CPU p90 ms", "longest step p50 ms", "longest step max ms", "longest step", "heap peak B", "heap held B", "steps"];
  const table = [head, ...kinds.map(row)];
  const widths = head.map((_, i) => Math.max(...table.map((r) => String(r[i]).length)));
  for (const r of table) console.log(r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join("  "));
  console.log(`\nheap peak: most heap added while the connection was up (handshake included); held: kept once the handshake completed (while the connection stays open)`);
  console.log(`module at rest after a first handshake (configuration, ticket keys, random generator, device key and chain, client CA): ${rest.live} B`);
  console.log(`two connections open (TLS_MAX_SESSIONS), after their handshakes: ${both.live - rest.live} B above rest; peak while they were made: ${both.peak - rest.live} B above rest`);
  console.log(`a third connection: ${refused && refusedLine.refused === 1 ? "refused at once (closed before any handshake)" : `NOT refused (server: ${JSON.stringify(refusedLine)})`}`);
  console.log(`(Debian's mbedTLS keeps 16 KiB input and output record buffers per connection; the firmware's own mbedTLS configuration decides its figure)`);
} finally {
  server.stdin.end();
  server.kill();
  fs.rmSync(dir, { recursive: true, force: true });
}
