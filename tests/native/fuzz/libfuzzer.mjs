// Runs the libFuzzer binary and follows its progress lines (plain and -fork
// mode), printing one line of figures every 10 s; resolves with the last ones.
import { spawn } from "node:child_process";

const STATUS = /^#(\d+)[\t:]\s*(?:\w+\s+)?cov: (\d+) ft: (\d+) corp: (\d+)/;
const FORK_CRASHES = /oom\/timeout\/crash: (\d+)\/(\d+)\/(\d+)/;

/** { execs, seconds, cov, ft, corpus, crashes, exitCode, log } of one run. */
export function runLibFuzzer(binary, args, { quiet = false, label = "fuzz:native" } = {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    const stats = { execs: 0, cov: 0, ft: 0, corpus: 0, crashes: 0, failures: 0 };
    const log = [];
    const child = spawn(binary, args, { stdio: ["ignore", "ignore", "pipe"] });
    let pending = "";
    const show = () =>
      !quiet && console.log(`  ${label}: ${Math.round((Date.now() - started) / 1000)} s, ${stats.execs.toLocaleString("en")} inputs, cov ${stats.cov}, ft ${stats.ft}, corpus ${stats.corpus}, crashes ${stats.crashes}`);
    const timer = setInterval(show, 10_000);
    child.stderr.on("data", (chunk) => {
      const lines = (pending + chunk.toString("latin1")).split("\n");
      pending = lines.pop();
      for (const line of lines) {
        if (log.length < 4000) log.push(line);
        const m = STATUS.exec(line);
        if (m) Object.assign(stats, { execs: Number(m[1]), cov: Number(m[2]), ft: Number(m[3]), corpus: Number(m[4]) });
        const f = FORK_CRASHES.exec(line);
        if (f) stats.crashes = Number(f[1]) + Number(f[2]) + Number(f[3]);
        if (/^==\d+== ERROR: libFuzzer: |^SUMMARY: (Address|UndefinedBehavior)Sanitizer/.test(line)) stats.failures++;
        if (/^==fuzz== \w+: /.test(line) && !quiet) console.log(`  ${line.slice(0, 300)}`);
      }
    });
    child.on("close", (code) => {
      clearInterval(timer);
      if (!stats.crashes && stats.failures) stats.crashes = 1; // plain mode stops at the first one
      resolve({ ...stats, seconds: (Date.now() - started) / 1000, exitCode: code, log });
    });
  });
}
