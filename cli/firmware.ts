// pico-node firmware build: core.wasm, then the pico-sdk firmware with CMake
// (progress from Ninja), then what `picotool info -a` says about the UF2.
// --board pico builds the rp2040js emulator image (fake network over UART1)
// into build/firmware-emulator instead of the Pico W's build/firmware.
// --engine picks what runs core.wasm: aot (wasm2c at build time, the default:
// README, Firmware) or wasm3; a non-default engine builds in a directory of
// its own (build/firmware-wasm3, build/firmware-emulator-wasm3).
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { ROOT } from "./cluster.js";

function step(n: number, what: string): void {
  console.log(`\n[firmware ${n}/4] ${what}`);
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): void {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: "inherit", env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${path.basename(cmd)} ${args.slice(0, 3).join(" ")} … failed (exit ${r.status})`);
}

const has = (cmd: string): boolean => spawnSync(cmd, ["--version"], { stdio: "ignore" }).status === 0;

export const ENGINES = ["aot", "wasm3"] as const;
export const DEFAULT_ENGINE = "aot";

/** Where a build goes unless --build-dir says otherwise. */
export function firmwareBuildDir(board: string, engine: string): string {
  return path.join(ROOT, "build", (board === "pico" ? "firmware-emulator" : "firmware") + (engine === DEFAULT_ENGINE ? "" : `-${engine}`));
}

/** picotool from dir (a picotool_DIR), else on PATH; null when neither runs. */
export function findPicotool(dir: string | undefined = process.env.picotool_DIR): string | null {
  const candidates = [dir && path.join(dir, "picotool"), "picotool"].filter((c): c is string => !!c);
  return candidates.find((c) => spawnSync(c, ["version"], { stdio: "ignore" }).status === 0) ?? null;
}

export function firmwareBuild(opt: Record<string, string>): string {
  const board = opt.board ?? "pico_w";
  if (board !== "pico_w" && board !== "pico") throw new Error(`--board ${board}: pico_w (the board) or pico (the emulator image)`);
  const engine = opt.engine ?? DEFAULT_ENGINE;
  if (!(ENGINES as readonly string[]).includes(engine)) throw new Error(`--engine ${engine}: aot (core.wasm compiled to C by wasm2c) or wasm3 (interpreted)`);
  if (engine === "aot" && !has("wasm2c")) throw new Error("wasm2c not found: the AOT engine needs wabt 1.0.32 (apt-get install wabt), or use --engine wasm3");
  const sdk = opt.sdk ?? process.env.PICO_SDK_PATH;
  if (!sdk || !fs.existsSync(path.join(sdk, "pico_sdk_init.cmake"))) {
    throw new Error("pico-sdk not found: set PICO_SDK_PATH or --sdk to a pico-sdk 2.2 checkout (README, Firmware)");
  }
  if (!has("arm-none-eabi-gcc")) throw new Error("arm-none-eabi-gcc not found: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi");
  const buildDir = opt["build-dir"] ? path.resolve(opt["build-dir"]) : firmwareBuildDir(board, engine);
  const picotool = opt.picotool ?? process.env.picotool_DIR;
  const wasm3 = opt.wasm3 ?? process.env.FETCHCONTENT_SOURCE_DIR_WASM3;
  if (opt.device) {
    throw new Error("--device: the image holds no device settings (one image serves every board); build without it, then "
      + "`pico-node provision NAME` writes each board's settings (README, Pico W)");
  }

  step(1, "core.wasm (npm run build:core)");
  run("npm", ["run", "--silent", "build:core"]);

  step(2, `configure (${board}, engine ${engine}) in ${path.relative(ROOT, buildDir)}`);
  const defs = [`-DPICO_BOARD=${board}`, `-DPICO_NODE_ENGINE=${engine}`, `-DPICO_SDK_PATH=${sdk}`];
  if (picotool) defs.push(`-Dpicotool_DIR=${picotool}`);
  if (wasm3 && engine === "wasm3") defs.push(`-DFETCHCONTENT_SOURCE_DIR_WASM3=${wasm3}`);
  // mbedTLS 2.28.8 for the kubelet port's TLS (pico_mbedtls; the SDK's own lib/mbedtls is 3.6).
  const mbedtls = opt.mbedtls ?? process.env.PICO_MBEDTLS_PATH;
  if (mbedtls) defs.push(`-DPICO_MBEDTLS_PATH=${path.resolve(mbedtls)}`);
  // A trusted key makes an updatable build: the bootloader k3s_pico_boot, the firmware linked for the run slot.
  const pubkey = opt["firmware-pubkey"] ?? process.env.PICO_FIRMWARE_PUBKEY;
  if (pubkey) defs.push(`-DPICO_FIRMWARE_PUBKEY=${path.resolve(pubkey)}`);
  const generator = has("ninja") && !fs.existsSync(path.join(buildDir, "Makefile")) ? ["-G", "Ninja"] : [];
  run("cmake", ["-S", ROOT, "-B", buildDir, ...generator, ...defs]);

  step(3, `compile and link (pico-sdk, ${board === "pico" ? "the fake network" : "cyw43-driver, lwIP"}, ${engine === "aot" ? "core.wasm through wasm2c" : "wasm3"}, the shell)`);
  const targets = pubkey ? ["k3s_pico_node", "k3s_pico_boot"] : ["k3s_pico_node"];
  run("cmake", ["--build", buildDir, "--target", ...targets, "--", ...(generator.length || fs.existsSync(path.join(buildDir, "build.ninja")) ? [] : ["-j2"])]);
  const uf2 = path.join(buildDir, "k3s_pico_node.uf2");
  const elf = path.join(buildDir, "k3s_pico_node.elf");

  step(4, "describe");
  const size = spawnSync("arm-none-eabi-size", [elf], { encoding: "utf8" });
  if (size.status === 0) {
    const [text, data, bss] = size.stdout.split("\n")[1].trim().split(/\s+/).map(Number);
    console.log(`flash ${((text + data) / 1024).toFixed(1)} KB, static RAM ${((data + bss) / 1024).toFixed(1)} KB of 264 KB`);
  }
  const tool = findPicotool(picotool);
  // An updatable image starts after the run slot's header, where picotool does not look: the bootloader's
  // information (its areas included) is what picotool shows, here and on a board.
  const described = pubkey ? path.join(buildDir, "k3s_pico_boot.uf2") : uf2;
  if (tool && fs.existsSync(described)) run(tool, ["info", "-a", described]);
  else if (!fs.existsSync(uf2)) console.log("no UF2 (pico-sdk builds one only with picotool ≥ 2.1.1: pass --picotool)");
  if (pubkey) {
    const bootBin = path.join(buildDir, "k3s_pico_boot.bin"); // its flash bytes, from 0x10000000 on
    if (fs.existsSync(bootBin)) console.log(`bootloader k3s_pico_boot: flash ${(fs.statSync(bootBin).size / 1024).toFixed(1)} KB of 36 KB`);
    const bin = path.join(buildDir, "k3s_pico_node.bin");
    console.log(`\nthe image for the run slot: ${bin}\nsign it: pico-node firmware sign --board ${board} --engine ${engine} --version X.Y.Z ${path.relative(process.cwd(), bin)}` +
      `\n(docs/firmware-update.md, "The Pico W": the first flash over USB, then updates)`);
    return bin;
  }
  console.log(`\n${fs.existsSync(uf2) ? uf2 : elf}`);
  return uf2;
}
