// CPU time of local processes from /proc/<pid>/stat (Linux), for the benches
// that watch the plane, nginx and the simulator while they work.
import fs from "node:fs";
import { runningPid } from "../dist/cli/nginx.js";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** utime + stime of one process in seconds; with exited = true also what its exited, reaped children used. */
export function procCpuSeconds(pid, exited = false) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  const ticks = Number(f[11]) + Number(f[12]) + (exited ? Number(f[13]) + Number(f[14]) : 0);
  return ticks / TICKS_PER_SECOND;
}

/** CPU seconds of the nginx master and its workers, with the workers of earlier reloads that have exited. */
export function nginxCpuSeconds(proxy) {
  const master = runningPid(proxy);
  const workers = fs.readFileSync(`/proc/${master}/task/${master}/children`, "utf8").split(" ").filter(Boolean).map(Number);
  return workers.reduce((sum, pid) => sum + procCpuSeconds(pid), procCpuSeconds(master, true));
}
