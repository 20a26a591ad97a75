#!/usr/bin/env node
// pico-node: the project's command line. Commands arrive with their issues:
// the simulator and local control plane (start, sim, cluster), the proxy
// (proxy, enroll, revoke) and the firmware build.
import path from "node:path";
import { fileURLToPath } from "node:url";
import fs from "node:fs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const [command] = process.argv.slice(2);

const usage = `usage: pico-node <command>

  start     local control plane + proxy + simulated Pico (arrives with the simulator)
  info      what the built core.wasm is: size, ABI version, memory use
  help      this text
`;

async function info() {
  const file = path.join(root, "build/core.wasm");
  if (!fs.existsSync(file)) {
    console.error("build/core.wasm is missing: run `npm run build` first");
    process.exit(1);
  }
  const mod = await WebAssembly.compile(fs.readFileSync(file));
  const env = {};
  for (const i of WebAssembly.Module.imports(mod)) env[i.name] = () => 0;
  const x = (await WebAssembly.instantiate(mod, { env })).exports;
  console.log(`core.wasm: ${fs.statSync(file).size} bytes, ABI ${x.abi_version()}, linear memory used ${x.mem_heap_probe() - 16} bytes`);
}

switch (command) {
  case "start":
    console.log("pico-node start: the simulated Pico on a local control plane arrives with the simulator (issue 3).");
    console.log("What works today: `npm test` runs the core's unit tests and scripted host conversations; `npm run bench:core` prints its figures.");
    break;
  case "info":
    await info();
    break;
  case undefined:
  case "help":
  case "--help":
  case "-h":
    process.stdout.write(usage);
    break;
  default:
    process.stderr.write(`pico-node: unknown command '${command}'\n\n${usage}`);
    process.exit(2);
}
