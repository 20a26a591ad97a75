// pico-node firmware keygen|sign|verify|publish|uf2|status|rollout: the workstation's side of
// signed updates (docs/firmware-update.md).
import fs from "node:fs";
import path from "node:path";
import {
  HEADER_BYTES, checkBoard, checkEngine, checkImage, defaultKeyPath, describeHeader, fileSha256, formatVersion, keygen,
  parseVersion, publicKeyPath, REASON_MESSAGES, readPrivateKey, readPublicKey, signImage,
} from "./firmware_image.js";
import { describeFirstFlash, firstFlashUf2 } from "./first_flash.js";
import { proxyDirFrom } from "./proxy_commands.js";
import { readProxySettings, firmwareDir } from "./proxy.js";
import { Kubeconfig, defaultStateDir, kubectl, readEnv } from "./cluster.js";
import { listDevices } from "./devices.js";

type Opt = Record<string, string>;

/** The value of a --NAME PATH option, if given; "true" is what the parser leaves for a missing value. */
function pathOpt(opt: Opt, name: string): string | undefined {
  const v = opt[name];
  if (v === "true" || v === "") throw new Error(`--${name} needs a path`);
  return v === undefined ? undefined : path.resolve(v);
}
const keyPathFrom = (opt: Opt): string => pathOpt(opt, "key") ?? defaultKeyPath();
const pubkeyPathFrom = (opt: Opt): string => pathOpt(opt, "pubkey") ?? publicKeyPath(keyPathFrom(opt));

/** --pubkey (which must be readable), else the default public key if there is one; null: none at hand, and the
 *  signature stays unchecked here (the device checks it in any case). */
function publicKeyAtHand(opt: Opt): { pubkey: ReturnType<typeof readPublicKey> | null; pubPath: string } {
  const pubPath = pubkeyPathFrom(opt);
  return { pubkey: opt.pubkey !== undefined || fs.existsSync(pubPath) ? readPublicKey(pubPath) : null, pubPath };
}

function required(opt: Opt, name: string, example: string): string {
  const v = opt[name];
  if (v === undefined || v === "true") throw new Error(`--${name} is required (e.g. --${name} ${example})`);
  return v;
}

function readPayload(file: string | undefined, what: string): Buffer {
  if (!file) throw new Error(`give the ${what} file`);
  if (!fs.existsSync(file)) throw new Error(`${file}: no such file`);
  if (!fs.statSync(file).isFile()) throw new Error(`${file}: not a file`);
  return fs.readFileSync(file);
}

function cmdKeygen(opt: Opt): void {
  const made = keygen(keyPathFrom(opt));
  console.log(`private key ${made.key} (0600: keep it off the devices and out of git)`);
  console.log(`public key  ${made.pub} (key id ${made.keyId})`);
  console.log(`build firmware that trusts it with -DPICO_FIRMWARE_PUBKEY=${made.pub}`);
}

function cmdSign(pos: string[], opt: Opt): void {
  const payloadFile = pos[2];
  const version = parseVersion(required(opt, "version", "1.2.0"));
  const board = checkBoard(required(opt, "board", "pico_w"));
  const engine = checkEngine(required(opt, "engine", "aot"));
  const payload = readPayload(payloadFile, "payload (the firmware's .bin or the POSIX shell's executable)");
  if (payload.length === 0) throw new Error(`${payloadFile}: the payload is empty`);
  const key = readPrivateKey(keyPathFrom(opt));
  const out = pathOpt(opt, "out") ?? path.resolve(`${payloadFile.replace(/\.[^./]*$/, "")}-${formatVersion(version)}.pkfw`);
  const image = signImage({ payload, version, board, engine, key });
  fs.writeFileSync(out, image);
  console.log(`${out}: ${image.length} bytes (${HEADER_BYTES}-byte header + ${payload.length}), sha256 ${fileSha256(image)}`);
}

function cmdVerify(pos: string[], opt: Opt): void {
  const file = pos[2];
  const image = readPayload(file, ".pkfw");
  const pubkey = readPublicKey(pubkeyPathFrom(opt));
  const declared = opt.sha256;
  if (declared !== undefined && !/^[0-9a-fA-F]{64}$/.test(declared)) throw new Error(`--sha256 "${declared}": expected the 64 hex digits of firmware.sha256`);
  const verdict = checkImage(image, pubkey, declared ? { declaredSha256: declared } : {});
  if (verdict.header) for (const line of describeHeader(verdict.header)) console.log(line);
  console.log(`file      ${image.length} bytes, sha256 ${fileSha256(image)}`);
  if (verdict.reason !== "OK") throw new Error(`${file}: refused, ${verdict.reason}: ${REASON_MESSAGES[verdict.reason]}`);
  console.log("OK");
}

/** Copies a checked image where the proxy serves it; a version is published once. */
function cmdPublish(pos: string[], opt: Opt): void {
  const file = pos[2];
  const image = readPayload(file, ".pkfw");
  // --store names the directory outright; else the proxy (--dir, or the default one) must exist: its
  // settings say where nginx serves images from.
  const store = pathOpt(opt, "store") ?? firmwareDir(readProxySettings(proxyDirFrom(opt)));
  const { pubkey, pubPath } = publicKeyAtHand(opt);
  // Without a public key at hand the signature stays unchecked here: the device checks it in any case.
  const verdict = checkImage(image, pubkey, {});
  if (verdict.reason !== "OK" || !verdict.header) throw new Error(`${file}: refused, ${verdict.reason} (\`pico-node firmware verify ${file}\` says more)`);
  const h = verdict.header;
  // The names become directories: only names the signer would write (an unchecked header could say "../").
  try {
    checkBoard(h.board);
    checkEngine(h.engine);
  } catch (e) {
    throw new Error(`${file}: the header names no board and engine this project builds (${(e as Error).message.replace(/^--\w+ /, "")})`);
  }
  const version = formatVersion(h.version);
  const target = path.join(store, h.board, h.engine, `${version}.pkfw`);
  const sha = fileSha256(image);
  if (fs.existsSync(target) && fileSha256(fs.readFileSync(target)) !== sha) {
    throw new Error(`${target} holds another image of ${version}: a version is published once (devices resume downloads by byte offset); sign it as a new version`);
  }
  fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 }); // nginx's workers read it
  const partial = `${target}.partial`;
  fs.writeFileSync(partial, image, { mode: 0o644 });
  fs.renameSync(partial, target);
  console.log(`published ${target}${pubkey ? "" : ` (signature not checked: no public key at ${pubPath})`}`);
  console.log("declare it in the device's ConfigMap:");
  console.log(`  firmware.version: "${version}"`);
  console.log(`  firmware.sha256: "${sha}"`);
}

/** A new board's first flash: the bootloader and a checked image in one UF2 (first_flash.ts). */
function cmdUf2(pos: string[], opt: Opt): void {
  const file = pos[2];
  const image = readPayload(file, ".pkfw");
  const bootPath = pathOpt(opt, "bootloader");
  if (!bootPath) throw new Error("--bootloader is required: the updatable build's k3s_pico_boot.bin (pico-node firmware build --firmware-pubkey …)");
  const bootloader = readPayload(bootPath, "bootloader");
  const { pubkey, pubPath } = publicKeyAtHand(opt);
  const verdict = checkImage(image, pubkey, {});
  if (verdict.reason !== "OK") throw new Error(`${file}: refused, ${verdict.reason}: ${REASON_MESSAGES[verdict.reason]}`);
  const uf2 = firstFlashUf2(image, bootloader);
  const out = pathOpt(opt, "out") ?? path.resolve(`${file.replace(/\.pkfw$/, "")}.uf2`);
  fs.writeFileSync(out, uf2);
  console.log(`${out}: ${describeFirstFlash(image, bootloader, uf2)}${pubkey ? "" : ` (signature not checked: no public key at ${pubPath})`}`);
  console.log("copy it to the board's RPI-RP2 drive (hold BOOTSEL while plugging it in); then its settings: pico-node provision NAME");
}

/** The cluster to ask: --kubeconfig, $KUBECONFIG, or the local control plane's. */
function clusterFrom(opt: Opt, command: string): Kubeconfig {
  const kubeconfig = opt.kubeconfig ?? process.env.KUBECONFIG ?? readEnv(opt.state ?? defaultStateDir())?.kubeconfig;
  if (!kubeconfig) throw new Error(`firmware ${command}: pass --kubeconfig FILE or set KUBECONFIG (no local control plane is up)`);
  return { kubeconfig };
}

/** Every node that reports PicoFirmware: what it runs, what its ConfigMap declares, and how the update goes. */
function cmdStatus(opt: Opt): void {
  const env = clusterFrom(opt, "status");
  const nodes = JSON.parse(kubectl(env, ["get", "nodes", "-o", "json"])).items as any[];
  const declared = new Map<string, string>();
  for (const cm of JSON.parse(kubectl(env, ["get", "configmaps", "-A", "-o", "json"])).items as any[]) {
    const v = cm.data?.["firmware.version"];
    if (v) declared.set(`${cm.metadata.namespace}/${cm.metadata.name}`, v);
  }
  const devices = new Map<string, string>(); // node → its ConfigMap, from the proxy's enrolments when there is one
  try {
    for (const d of listDevices(proxyDirFrom(opt))) devices.set(d.name, d.configMap);
  } catch {
    // no proxy here: the declared column stays empty
  }
  const rows = [["NODE", "RUNNING", "DECLARED", "STATE", "MESSAGE"]];
  for (const n of nodes) {
    const c = n.status?.conditions?.find((x: any) => x.type === "PicoFirmware");
    if (!c) continue;
    const running = /firmware (\d+\.\d+\.\d+)$/.exec(n.status?.nodeInfo?.osImage ?? "")?.[1] ?? "-";
    const configMap = devices.get(n.metadata.name);
    rows.push([n.metadata.name, running, (configMap && declared.get(configMap)) ?? "-", c.reason ?? "-", c.message ?? ""]);
  }
  if (rows.length === 1) {
    console.log("no node reports PicoFirmware");
    return;
  }
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((cell, i) => (i < 4 ? cell.padEnd(widths[i]) : cell)).join("  "));
}

/** pico-node firmware rollout IMAGE.pkfw: every enrolled device (or those --selector picks), a few at a time. */
async function cmdRollout(pos: string[], opt: Opt): Promise<void> {
  const cluster = clusterFrom(opt, "rollout");
  const maxUnavailable = Number(opt["max-unavailable"] ?? 1);
  const deviceTimeoutS = Number(opt["timeout-s"] ?? 600);
  if (!Number.isInteger(maxUnavailable) || maxUnavailable < 1) throw new Error(`--max-unavailable ${opt["max-unavailable"]}: a whole number, 1 or more`);
  if (!(deviceTimeoutS > 0)) throw new Error(`--timeout-s ${opt["timeout-s"]}: seconds, more than 0`);
  const { rollout } = await import("./rollout.js");
  const t0 = Date.now();
  const ok = await rollout({
    image: readPayloadPath(pos[2]), cluster, proxyDir: proxyDirFrom(opt), selector: opt.selector, maxUnavailable, deviceTimeoutS,
    say: (line) => console.log(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}`),
  });
  if (!ok) process.exitCode = 1;
}

function readPayloadPath(file: string | undefined): string {
  if (!file) throw new Error("firmware rollout IMAGE.pkfw: give the published image (publish printed its path)");
  return file;
}

export function cmdFirmware(pos: string[], opt: Opt): void | Promise<void> {
  switch (pos[1]) {
    case "keygen":
      return cmdKeygen(opt);
    case "sign":
      return cmdSign(pos, opt);
    case "verify":
      return cmdVerify(pos, opt);
    case "publish":
      return cmdPublish(pos, opt);
    case "status":
      return cmdStatus(opt);
    case "rollout":
      return cmdRollout(pos, opt);
    case "uf2":
      return cmdUf2(pos, opt);
    default:
      throw new Error(`firmware: build, keygen, sign, verify, publish, uf2, status or rollout (got ${pos[1] ?? "nothing"})`);
  }
}
