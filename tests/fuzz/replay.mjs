// node tests/fuzz/replay.mjs FILE.json… [--log]: plays saved inputs on a fresh
// core and prints what each oracle said (with --log, the core's log too).
import { createSession } from "./session.mjs";
import fs from "node:fs";

const args = process.argv.slice(2);
const showLog = args.includes("--log");
let failed = 0;
for (const file of args.filter((a) => a !== "--log")) {
  const saved = JSON.parse(fs.readFileSync(file, "utf8"));
  const session = await createSession(); // a fresh core: nothing carried over from another input
  const r = session.run(saved.input);
  console.log(`${file}: ${r.failures.length ? "FAILS" : "passes"} (outcome ${r.outcome})`);
  for (const f of r.failures) console.log(`  ${f.oracle}: ${f.detail}`);
  if (showLog) for (const l of session.driver.host.logs) console.log(`  [core ${l.level}] ${l.line}`);
  if (r.failures.length) failed++;
}
process.exit(failed ? 1 : 0);
