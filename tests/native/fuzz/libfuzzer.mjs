// Runs the libFuzzer binary and follows its progress lines, printing one line
// of figures every 10 s; resolves with the last ones.
import { spawn } from "node:child_process";

const STATUS = /^#(\d+)[\t:]\s*(?:\w+\s+)?cov: (\d+) ft: (\d+) corp: (\d+)/;

/** { execs, seconds, cov, ft, corpus, failures, exitCode, log } of one run (it stops at its first failure). */
/** since: { started, execs } of earlier runs in the same session, so progress counts on from them. */
export function runLibFuzzer(binary, args, { quiet = false, label = "fuzz:native", env = process.env, since = null } = {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    const stats = { execs: 0, cov: 0, ft: 0, corpus: 0, failures: 0 };
    const from = since ?? { started, execs: 0 };
    const log = [];
    const child = spawn(binary, args, { stdio: ["ignore", "ignore", "pipe"], env });
    let pending = "";
    const show = () =>
      !quiet && console.log(`  ${label}: ${Math.round((Date.now() - from.started) / 1000)} s, ${(from.execs + stats.execs).toLocaleString("en")} inputs, cov ${stats.cov}, ft ${stats.ft}, corpus ${stats.corpus}`);
    const timer = setInterval(show, 10_000);
    child.stderr.on("data", (chunk) => {
      const lines = (pending + chunk.toString("latin1")).split("\n");
      pending = lines.pop();
      for (const line of lines) {
        if (log.length < 4000) log.push(line);
        const m = STATUS.exec(line);
        if (m) Object.assign(stats, { execs: Number(m[1]), cov: Number(m[2]), ft: Number(m[3]), corpus: Number(m[4]) });
        if (/^==\d+== ERROR: libFuzzer: |^SUMMARY: (Address|UndefinedBehavior)Sanitizer/.test(line)) stats.failures++;
        if (/^==fuzz== \w+: /.test(line) && !quiet) console.log(`  ${line.slice(0, 300)}`);
      }
    });
    child.on("close", (code) => {
      clearInterval(timer);
      resolve({ ...stats, seconds: (Date.now() - started) / 1000, exitCode: code, log });
    });
  });
}
