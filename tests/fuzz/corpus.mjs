// The recorded corpus (tests/fuzz/corpus/, written by record.mjs): raw HTTP
// responses of the real control plane per request kind, and raw kubelet-port
// requests. Each file holds one message's bytes exactly as seen on the wire.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const CORPUS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "corpus");

/** { kind: [latin1 string, …] } for every folder of the corpus. */
export function loadCorpus(dir = CORPUS_DIR) {
  const out = {};
  if (!fs.existsSync(dir)) return out;
  for (const kind of fs.readdirSync(dir).sort()) {
    const sub = path.join(dir, kind);
    if (!fs.statSync(sub).isDirectory()) continue;
    out[kind] = fs.readdirSync(sub).sort().map((f) => fs.readFileSync(path.join(sub, f)).toString("latin1"));
  }
  return out;
}
