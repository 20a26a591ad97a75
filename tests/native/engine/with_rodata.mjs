// node with_rodata.mjs IN.wasm OUT.wasm: appends a "pico.rodata" custom
// section (hosts refuse a core without one; wat2wasm 1.0.32 writes none).
import fs from "node:fs";

const [input, output] = process.argv.slice(2);
const leb = (n) => {
  const out = [];
  do {
    out.push((n & 0x7f) | (n >= 0x80 ? 0x80 : 0));
    n >>>= 7;
  } while (n);
  return out;
};
const name = Buffer.from("pico.rodata");
const payload = Buffer.from("texts of a test module");
const body = Buffer.concat([Buffer.from(leb(name.length)), name, payload]);
fs.writeFileSync(output, Buffer.concat([fs.readFileSync(input), Buffer.from([0, ...leb(body.length)]), body]));
