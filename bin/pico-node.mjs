#!/usr/bin/env node
// pico-node: runs the compiled command line (cli/main.ts → dist/cli/main.js).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const main = path.join(root, "dist/cli/main.js");
if (!fs.existsSync(main)) {
  console.error("pico-node: not built yet; run `npm run build` in " + root);
  process.exit(1);
}
await import(pathToFileURL(main).href);
