// One change to a proxy dir at a time. Enrol, revoke and fault each generate
// keys, certificates and the nginx maps from what is on disk, then reload
// nginx; two at once could pair a key with the other run's certificate or
// write maps that miss a device. The lock is flock(1) on <dir>/.lock held by a
// child process: the kernel releases it when the child ends, and the child
// ends when this process does, however it ends.
import { spawn } from "node:child_process";
import path from "node:path";

export async function withProxyLock<T>(dir: string, say: (line: string) => void, fn: () => Promise<T>): Promise<T> {
  const holder = spawn("flock", ["-x", path.join(dir, ".lock"), "-c", "echo locked; exec cat >/dev/null"], { stdio: ["pipe", "pipe", "inherit"] });
  const waiting = setTimeout(() => say(`waiting for another enrol, revoke or fault on ${dir} to finish`), 1000);
  try {
    await new Promise<void>((resolve, reject) => {
      holder.stdout.once("data", () => resolve());
      holder.once("error", (e) => reject(new Error(`cannot lock ${dir} (flock from util-linux is required): ${e.message}`)));
      holder.once("exit", (code) => reject(new Error(`cannot lock ${dir}: flock exited with ${code}`)));
    });
  } finally {
    clearTimeout(waiting);
  }
  try {
    return await fn();
  } finally {
    holder.removeAllListeners("exit");
    holder.stdin.end();
  }
}
