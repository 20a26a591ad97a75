// node firmware_key.mjs PUBKEY.pem OUT.h — the firmware's trusted update key as C
// (run by firmware_key.cmake at configure). Refuses a private key: the build
// needs only the public half, and a private key has no business in a build tree.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

const [pemFile, out] = process.argv.slice(2);
const fail = (why) => {
  process.stderr.write(why);
  process.exit(1);
};
const pem = fs.readFileSync(pemFile, "utf8");
if (/PRIVATE KEY/.test(pem)) fail("a private key: give the public key beside it (<name>.pub.pem)");
let jwk;
try {
  jwk = crypto.createPublicKey(pem).export({ format: "jwk" });
} catch (e) {
  fail(`not a PEM public key (${e.message})`);
}
if (jwk.kty !== "EC" || jwk.crv !== "P-256") fail("not an ECDSA P-256 key (firmware signing keys are P-256)");
const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x, "base64url"), Buffer.from(jwk.y, "base64url")]);
const bytes = [...point].map((b) => `0x${b.toString(16).padStart(2, "0")}`);
const rows = [];
for (let i = 0; i < bytes.length; i += 13) rows.push(`    ${bytes.slice(i, i + 13).join(", ")},`);
const text = `// Generated from ${path.resolve(pemFile)} by native/common/firmware_key.mjs: the one
// key whose signatures this firmware accepts on updates (uncompressed P-256 point).
#ifndef FIRMWARE_TRUSTED_KEY_H
#define FIRMWARE_TRUSTED_KEY_H
#include <stdint.h>
static const uint8_t FIRMWARE_TRUSTED_KEY[65] = {
${rows.join("\n")}
};
#endif
`;
fs.mkdirSync(path.dirname(out), { recursive: true });
// Unchanged text keeps its timestamp: nothing recompiles.
if (!fs.existsSync(out) || fs.readFileSync(out, "utf8") !== text) fs.writeFileSync(out, text);
