// npm run bench:firmware-image — what checking an update costs the device's C
// (native/common/firmware_image.c over Debian's mbedTLS 2.28, built -O2 for
// this machine): the header check (key id, ECDSA P-256 verify) and the
// payload's and whole file's SHA-256 as the file streams in, for a 660 KB
// image (about the size of the Pico W firmware) signed by the TypeScript
// signer with a temporary key. Best of 20 runs each; asserts nothing.
import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { keygen, publicPoint, readPrivateKey, readPublicKey, signImage } = await import(path.join(root, "dist/cli/firmware_image.js"));
const PAYLOAD_BYTES = 660 * 1024;

function step(cmd, argv) {
  const r = spawnSync(cmd, argv, { cwd: root, encoding: "utf8" });
  if (r.error) throw new Error(`${cmd} is not installed (${r.error.message})`);
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(" ")} failed:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

console.log("building build/native-tests/firmware_image_bench (-O2, no sanitizers)");
const generator = spawnSync("ninja", ["--version"]).status === 0 ? ["-G", "Ninja"] : [];
step("cmake", ["-S", "tests/native", "-B", "build/native-tests", ...generator]);
step("cmake", ["--build", "build/native-tests", "--target", "firmware_image_bench"]);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pico-fw-bench-"));
try {
  const made = keygen(path.join(dir, "signing.pem"));
  const image = signImage({ payload: crypto.randomBytes(PAYLOAD_BYTES), version: [1, 0, 0], board: "pico_w", engine: "aot", key: readPrivateKey(made.key) });
  const file = path.join(dir, "image.pkfw");
  fs.writeFileSync(file, image);
  const key = publicPoint(readPublicKey(made.pub)).toString("hex");
  const sha256 = crypto.createHash("sha256").update(image).digest("hex");
  console.log(`${(image.length / 1024).toFixed(0)} KB image on ${os.cpus()[0].model}:`);
  for (const chunk of [256, 4096]) {
    const out = step(path.join(root, "build/native-tests/firmware_image_bench"), ["bench", file, `key=${key}`, "board=pico_w", "engine=aot",
      "running=1.0.0", "declared=1.0.0", "allow-downgrade=0", `slot=${image.length}`, `sha256=${sha256}`, `chunk=${chunk}`]);
    process.stdout.write(out.trimEnd().replace(/^/gm, "  ") + "\n");
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
