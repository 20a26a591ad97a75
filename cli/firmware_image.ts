// Signed firmware images (.pkfw, docs/firmware-update.md): the 256-byte
// header, the signing key, and the same checks the device makes
// (native/common/firmware_image.c), so that a workstation can tell what a
// device would say about a file before publishing it.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import { ROOT } from "./cluster.js";
import { ENGINES } from "./firmware.js";

export const HEADER_BYTES = 256;
export const SIGNED_BYTES = 128;
const MAGIC = "PKFW";
const HEADER_VERSION = 1;
const NAME_FIELD_BYTES = 16;
const KEY_ID_BYTES = 8;
const MAX_FIELD = 0xffff;
const MAX_PAYLOAD = 0xffffffff - HEADER_BYTES;
const OFFSET = { board: 16, engine: 32, payloadBytes: 48, payloadSha256: 52, keyId: 84, reserved1: 92, signature: 128, reserved2: 192 };

/** The refusals of docs/firmware-update.md, in the order the device checks them. */
export const REASONS = [
  "NotSigned", "UnknownKey", "BadSignature", "WrongBoard", "WrongEngine", "TooLarge",
  "VersionMismatch", "Downgrade", "Corrupted", "DigestMismatch",
] as const;
export type Reason = (typeof REASONS)[number];

export const REASON_MESSAGES: Record<Reason, string> = {
  NotSigned: "not a version-1 signed image (magic, header version or size, or reserved bytes not zero)",
  UnknownKey: "signed with a key this firmware does not trust",
  BadSignature: "the signature does not verify",
  WrongBoard: "built for another board",
  WrongEngine: "built for another engine",
  TooLarge: "header and payload exceed the download slot",
  VersionMismatch: "the header's version differs from firmware.version",
  Downgrade: "lower than the running version, without firmware.allowDowngrade",
  Corrupted: "the payload differs from the header's SHA-256 (a changed byte, a truncated file)",
  DigestMismatch: "the file's SHA-256 differs from firmware.sha256",
};

export type Version = [number, number, number];

export interface FirmwareHeader {
  version: Version;
  board: string;
  engine: string;
  payloadBytes: number;
  payloadSha256: Buffer;
  keyId: Buffer;
  signature: Buffer;
}

export const formatVersion = (v: Version): string => v.join(".");

/** MAJOR.MINOR.PATCH, each 0..65535 without leading zeros (the header holds 16 bits each). */
export function parseVersion(text: string, what = "--version"): Version {
  const m = /^(0|[1-9]\d{0,4})\.(0|[1-9]\d{0,4})\.(0|[1-9]\d{0,4})$/.exec(text);
  const v = m ? ([Number(m[1]), Number(m[2]), Number(m[3])] as Version) : null;
  if (!v || v.some((n) => n > MAX_FIELD)) throw new Error(`${what} "${text}": expected MAJOR.MINOR.PATCH, numbers 0..65535 without leading zeros (e.g. 1.4.0)`);
  return v;
}

export function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

export function checkBoard(board: string): string {
  if (!/^(pico_w|pico|sim|posix-[a-z0-9_]+)$/.test(board) || board.length > NAME_FIELD_BYTES) {
    throw new Error(`--board "${board}": expected pico_w, pico (the rp2040js emulator image), sim (the simulator) or posix-<machine> (e.g. posix-x86_64), at most ${NAME_FIELD_BYTES} characters`);
  }
  return board;
}

/** The simulator runs core.wasm on Node's WebAssembly: its images name the engine "js". */
export const SIM_BOARD = "sim";
export const SIM_ENGINE = "js";
const IMAGE_ENGINES: readonly string[] = [...ENGINES, SIM_ENGINE];

export function checkEngine(engine: string): string {
  if (!IMAGE_ENGINES.includes(engine)) throw new Error(`--engine "${engine}": expected ${IMAGE_ENGINES.join(", ")} (js: the simulator)`);
  return engine;
}

const sha256 = (bytes: Uint8Array): Buffer => crypto.createHash("sha256").update(bytes).digest();

/** The 65-byte uncompressed P-256 point (0x04 ‖ x ‖ y) the device is built with. */
export function publicPoint(key: crypto.KeyObject): Buffer {
  const jwk = key.export({ format: "jwk" });
  if (key.asymmetricKeyType !== "ec" || jwk.crv !== "P-256") throw new Error("the firmware signing key must be ECDSA P-256");
  return Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, "base64url"), Buffer.from(jwk.y!, "base64url")]);
}

export const keyId = (point: Buffer): Buffer => sha256(point).subarray(0, KEY_ID_BYTES);

// ---- keys ----

export function defaultKeyPath(): string {
  return path.join(os.homedir(), ".config/pico-node/firmware-signing.pem");
}

export const publicKeyPath = (keyPath: string): string => keyPath.replace(/\.pem$/, "") + ".pub.pem";

function insideRepo(file: string): boolean {
  const rel = path.relative(ROOT, file);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/** A new P-256 key pair: the private key 0600 at keyPath (never in the repo), the public key beside it. */
export function keygen(keyPath: string): { key: string; pub: string; keyId: string } {
  const key = path.resolve(keyPath);
  const pub = publicKeyPath(key);
  const refuse = () => new Error(`--key ${key}: inside the repository (${ROOT}); keep the signing key out of git, e.g. ${defaultKeyPath()}`);
  if (insideRepo(key)) throw refuse();
  fs.mkdirSync(path.dirname(key), { recursive: true, mode: 0o700 });
  // Again through symbolic links, now that the directory exists.
  if (insideRepo(path.join(fs.realpathSync(path.dirname(key)), path.basename(key)))) throw refuse();
  for (const f of [key, pub]) if (fs.existsSync(f)) throw new Error(`${f} exists: keygen does not overwrite a key (remove it yourself, or pass another --key PATH)`);
  const pair = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
  // "wx": fails rather than replace a file that appeared meanwhile.
  fs.writeFileSync(key, pair.privateKey.export({ format: "pem", type: "pkcs8" }), { mode: 0o600, flag: "wx" });
  fs.chmodSync(key, 0o600);
  fs.writeFileSync(pub, pair.publicKey.export({ format: "pem", type: "spki" }), { mode: 0o644, flag: "wx" });
  return { key, pub, keyId: keyId(publicPoint(pair.publicKey)).toString("hex") };
}

export function readPrivateKey(keyPath: string): crypto.KeyObject {
  if (!fs.existsSync(keyPath)) throw new Error(`no signing key at ${keyPath}: make one with \`pico-node firmware keygen --key ${keyPath}\``);
  const key = crypto.createPrivateKey(fs.readFileSync(keyPath));
  publicPoint(crypto.createPublicKey(key));
  return key;
}

export function readPublicKey(pubPath: string): crypto.KeyObject {
  if (!fs.existsSync(pubPath)) throw new Error(`no public key at ${pubPath}: pass --pubkey PATH (keygen writes it beside the private key, as <name>.pub.pem)`);
  const pem = fs.readFileSync(pubPath, "utf8");
  if (/PRIVATE KEY/.test(pem)) throw new Error(`${pubPath} is a private key: give the public key (<name>.pub.pem)`);
  const key = crypto.createPublicKey(pem);
  publicPoint(key);
  return key;
}

// ---- the header ----

function nameField(text: string): Buffer {
  const field = Buffer.alloc(NAME_FIELD_BYTES);
  field.write(text, "ascii");
  return field;
}

/** Text up to the first NUL; null unless every byte after it is NUL too. */
function readName(field: Buffer): string | null {
  const end = field.indexOf(0);
  const text = field.subarray(0, end < 0 ? field.length : end);
  if (end >= 0 && field.subarray(end).some((b) => b !== 0)) return null;
  return text.toString("latin1");
}

export interface SignInput {
  payload: Buffer;
  version: Version;
  board: string;
  engine: string;
  key: crypto.KeyObject;
}

/** The whole .pkfw file: header (signed over bytes 0..127) then the payload. */
export function signImage(input: SignInput): Buffer {
  if (input.payload.length === 0) throw new Error("the payload is empty");
  if (input.payload.length > MAX_PAYLOAD) throw new Error(`the payload has ${input.payload.length} bytes: more than the header can describe`);
  const h = Buffer.alloc(HEADER_BYTES);
  h.write(MAGIC, 0, "ascii");
  h.writeUInt16LE(HEADER_VERSION, 4);
  h.writeUInt16LE(HEADER_BYTES, 6);
  input.version.forEach((n, i) => h.writeUInt16LE(n, 8 + 2 * i));
  nameField(checkBoard(input.board)).copy(h, OFFSET.board);
  nameField(checkEngine(input.engine)).copy(h, OFFSET.engine);
  h.writeUInt32LE(input.payload.length, OFFSET.payloadBytes);
  sha256(input.payload).copy(h, OFFSET.payloadSha256);
  keyId(publicPoint(crypto.createPublicKey(input.key))).copy(h, OFFSET.keyId);
  const signature = crypto.sign("sha256", h.subarray(0, SIGNED_BYTES), { key: input.key, dsaEncoding: "ieee-p1363" });
  signature.copy(h, OFFSET.signature);
  return Buffer.concat([h, input.payload]);
}

/** The header's fields, or null when it is not a version-1 header (NotSigned). */
export function decodeHeader(file: Buffer): FirmwareHeader | null {
  if (file.length < HEADER_BYTES) return null;
  const h = file.subarray(0, HEADER_BYTES);
  const zero = (from: number, to: number) => h.subarray(from, to).every((b) => b === 0);
  if (h.toString("latin1", 0, 4) !== MAGIC || h.readUInt16LE(4) !== HEADER_VERSION || h.readUInt16LE(6) !== HEADER_BYTES) return null;
  if (h.readUInt16LE(14) !== 0 || !zero(OFFSET.reserved1, OFFSET.signature) || !zero(OFFSET.reserved2, HEADER_BYTES)) return null;
  const payloadBytes = h.readUInt32LE(OFFSET.payloadBytes);
  if (payloadBytes === 0) return null;
  return {
    version: [h.readUInt16LE(8), h.readUInt16LE(10), h.readUInt16LE(12)],
    // An unreadable name is kept as its raw bytes: it then matches no board or engine.
    board: readName(h.subarray(OFFSET.board, OFFSET.engine)) ?? h.toString("hex", OFFSET.board, OFFSET.engine),
    engine: readName(h.subarray(OFFSET.engine, OFFSET.payloadBytes)) ?? h.toString("hex", OFFSET.engine, OFFSET.payloadBytes),
    payloadBytes,
    payloadSha256: Buffer.from(h.subarray(OFFSET.payloadSha256, OFFSET.keyId)),
    keyId: Buffer.from(h.subarray(OFFSET.keyId, OFFSET.reserved1)),
    signature: Buffer.from(h.subarray(OFFSET.signature, OFFSET.reserved2)),
  };
}

/** What the device knows when it checks an image; each one left out is not checked. */
export interface Expectations {
  board?: string;
  engine?: string;
  /** Download slot capacity in bytes, header included. */
  slotBytes?: number;
  running?: Version;
  allowDowngrade?: boolean;
  /** firmware.version of the ConfigMap. */
  declaredVersion?: Version;
  /** firmware.sha256 of the ConfigMap: the whole file's. */
  declaredSha256?: string;
}

export interface Verdict {
  reason: Reason | "OK";
  header: FirmwareHeader | null;
}

/** What the header alone decides (firmware_header_check): the first eight checks of checkImage. */
export function checkHeader(file: Buffer, trusted: crypto.KeyObject | null, expect: Expectations = {}): Verdict {
  const header = decodeHeader(file);
  const refuse = (reason: Reason): Verdict => ({ reason, header });
  if (!header) return refuse("NotSigned");
  if (expect.board !== undefined && header.board !== expect.board) return refuse("WrongBoard");
  if (expect.engine !== undefined && header.engine !== expect.engine) return refuse("WrongEngine");
  if (expect.declaredVersion && compareVersions(header.version, expect.declaredVersion) !== 0) return refuse("VersionMismatch");
  if (expect.running && !expect.allowDowngrade && compareVersions(header.version, expect.running) < 0) return refuse("Downgrade");
  if (trusted && !header.keyId.equals(keyId(publicPoint(trusted)))) return refuse("UnknownKey");
  if (trusted && !crypto.verify("sha256", file.subarray(0, SIGNED_BYTES), { key: trusted, dsaEncoding: "ieee-p1363" }, header.signature)) return refuse("BadSignature");
  if (expect.slotBytes !== undefined && HEADER_BYTES + header.payloadBytes > expect.slotBytes) return refuse("TooLarge");
  return { reason: "OK", header };
}

/** The device's checks (native/common/firmware_image.c), in its order; trusted null skips the key and signature. */
export function checkImage(file: Buffer, trusted: crypto.KeyObject | null, expect: Expectations = {}): Verdict {
  const verdict = checkHeader(file, trusted, expect);
  const header = verdict.header;
  if (verdict.reason !== "OK" || !header) return verdict;
  const refuse = (reason: Reason): Verdict => ({ reason, header });
  const payload = file.subarray(HEADER_BYTES);
  if (payload.length !== header.payloadBytes || !sha256(payload).equals(header.payloadSha256)) return refuse("Corrupted");
  if (expect.declaredSha256 !== undefined && sha256(file).toString("hex") !== expect.declaredSha256.toLowerCase()) return refuse("DigestMismatch");
  return { reason: "OK", header };
}

export function describeHeader(h: FirmwareHeader): string[] {
  return [
    `version   ${formatVersion(h.version)}`,
    `board     ${h.board}`,
    `engine    ${h.engine}`,
    `payload   ${h.payloadBytes} bytes, sha256 ${h.payloadSha256.toString("hex")}`,
    `key id    ${h.keyId.toString("hex")}`,
  ];
}

export const fileSha256 = (file: Buffer): string => sha256(file).toString("hex");
