// Starts a POSIX shell (shell, default PICO_POSIX_SHELL) as an enrolled device: the
// device configuration enrolment wrote (node_name, api = the proxy or, with
// api given, another address, api_token, configmap) plus what a board's file
// adds. Its log lines (stderr) go to onLog. Used by the posix_*.test.mjs files.
import fs from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";

const WASM = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../build/core.wasm");

/** launcher ({ program, flash, factory, trialS }): start the shell through pico-node-launcher, from a flash file's run slot. */
export function startPosixShell({ shell: program = process.env.PICO_POSIX_SHELL, enrolled, state, kubeletPort, api, clientCa, address, onLog, launcher }) {
  let text = fs.readFileSync(enrolled.deviceEnv, "utf8");
  if (api) text = text.replace(/^api=.*$/m, `api=${api}`);
  const config = path.join(state, "device.env");
  fs.writeFileSync(config, text.trimEnd() + "\n" + [
    "wifi_ssid=unused-on-posix",
    `kubelet_port=${kubeletPort}`,
    "healthz_port=0",
    "lease_renew_ms=2000",
    "",
  ].join("\n"));
  // address: the IPv4 it reports and serves on (the API server's node proxy refuses loopback).
  const args = ["--config", config, "--wasm", WASM, "--state", state, ...(clientCa ? ["--client-ca", clientCa] : []), ...(address ? ["--ipv4", address, "--bind", address] : [])];
  const shell = launcher
    ? spawn(launcher.program, ["--flash", launcher.flash, "--factory", launcher.factory, "--trial-s", String(launcher.trialS ?? 60), "--", ...args], { stdio: ["ignore", "ignore", "pipe"] })
    : spawn(program, args, { stdio: ["ignore", "ignore", "pipe"] });
  shell.stderr.on("data", onLog);
  return shell;
}
