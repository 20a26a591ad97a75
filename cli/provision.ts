// pico-node provision NAME: the enrolled device's settings (its device.env)
// plus Wi-Fi, as a provisioning record (cli/provisioning_record.ts) in a UF2
// that writes only the provisioning area of flash. Dragged onto the board's
// RPI-RP2 drive once, it leaves the firmware alone; a firmware image (the same
// for every board) never touches it. The UF2 holds the device's token and the
// Wi-Fi password: 0600, beside the device's other secrets by default.
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { checkNodeName, deviceFiles, readDeviceConfig, writePrivate } from "./devices.js";
import { findPicotool } from "./firmware.js";
import { proxyDirFrom } from "./proxy_commands.js";
import { PROVISIONING_OFFSET, provisioningArea, provisioningUf2 } from "./provisioning_record.js";
import { FLASH_XIP_BASE } from "./uf2.js";

type Opt = Record<string, string>;

export interface Wifi {
  ssid: string;
  password: string;
}

const WIFI_KEYS = /^wifi_(ssid|password)=/;

/** Wi-Fi from --wifi-ssid/--wifi-password, else PICO_WIFI_SSID/PICO_WIFI_PASSWORD, else the device.env's own lines. */
export function wifiFrom(opt: Opt, env: NodeJS.ProcessEnv, deviceEnvText: string): Wifi {
  const fileValue = (key: string) => deviceEnvText.split("\n").map((l) => l.trim()).find((l) => l.startsWith(`${key}=`))?.slice(key.length + 1);
  const ssid = opt["wifi-ssid"] ?? (env.PICO_WIFI_SSID || fileValue("wifi_ssid"));
  const password = opt["wifi-password"] ?? (env.PICO_WIFI_PASSWORD || fileValue("wifi_password")); // "--wifi-password=": open
  if (!ssid || ssid === "true") throw new Error("no Wi-Fi network: pass --wifi-ssid NAME or set PICO_WIFI_SSID");
  if (password === undefined || password === "true") {
    throw new Error("no Wi-Fi password: set PICO_WIFI_PASSWORD (or pass --wifi-password; --wifi-password= for an open network)");
  }
  checkWifi(ssid, password);
  return { ssid, password };
}

/** The firmware's rules (native/common/device_config.c), and nothing that would end or trim a line. */
function checkWifi(ssid: string, password: string): void {
  const bytes = (s: string) => Buffer.byteLength(s, "utf8");
  const lineSafe = (s: string) => !/[\r\n\0]/.test(s) && !/[ \t]$/.test(s);
  if (bytes(ssid) > 32 || !lineSafe(ssid)) throw new Error(`Wi-Fi network "${ssid}": 1 to 32 bytes, no line break, no trailing blank`);
  const n = bytes(password);
  if ((n > 0 && n < 8) || n > 63 || !lineSafe(password)) {
    throw new Error(`the Wi-Fi password is ${n} bytes: WPA2 takes 8 to 63 (empty for an open network), no line break, no trailing blank`);
  }
}

const CORE_CONFIG_MAX = 512; // device_config.h: the core's lines, each with its newline
const CLIENT_CA_MAX = 2;

/** The record's text: the device.env's settings without comments, blank lines or Wi-Fi lines, then the Wi-Fi.
 *  What the firmware would refuse at boot (device_config.c) is refused here. */
export function provisioningText(deviceEnvText: string, wifi: Wifi): string {
  const settings = deviceEnvText.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#") && !WIFI_KEYS.test(l));
  const clientCas = settings.filter((l) => l.startsWith("client_ca=")).length;
  if (clientCas > CLIENT_CA_MAX) throw new Error(`${clientCas} client_ca lines: the firmware takes at most ${CLIENT_CA_MAX}`);
  const coreBytes = settings.filter((l) => !l.startsWith("client_ca=")).reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
  if (coreBytes > CORE_CONFIG_MAX) throw new Error(`the core's settings are ${coreBytes} bytes: the firmware takes at most ${CORE_CONFIG_MAX}`);
  return [...settings, `wifi_ssid=${wifi.ssid}`, `wifi_password=${wifi.password}`, ""].join("\n");
}

/** Writes the area over USB with picotool (the board in BOOTSEL mode). */
function loadWithPicotool(text: string, scratchDir: string): void {
  const picotool = findPicotool();
  if (!picotool) throw new Error("--load: picotool not found on PATH or in $picotool_DIR; copy the UF2 onto the RPI-RP2 drive instead");
  const bin = path.join(scratchDir, "provisioning.bin.tmp");
  writePrivate(bin, provisioningArea(text));
  try {
    const address = `0x${(FLASH_XIP_BASE + PROVISIONING_OFFSET).toString(16)}`;
    console.log(`${path.basename(picotool)} load ${bin} -t bin -o ${address}`);
    const r = spawnSync(picotool, ["load", bin, "-t", "bin", "-o", address], { stdio: "inherit" });
    if (r.status !== 0) throw new Error(`picotool load failed (exit ${r.status}): is the board in BOOTSEL mode, and was picotool built with USB support?`);
  } finally {
    fs.rmSync(bin, { force: true });
  }
}

export async function cmdProvision(pos: string[], opt: Opt): Promise<void> {
  const name = pos[1];
  if (!name || pos.length > 2) throw new Error("usage: pico-node provision NAME [--dir PROXYDIR] [--wifi-ssid S --wifi-password P] [-o FILE.uf2] [--load]");
  checkNodeName(name);
  const dir = proxyDirFrom(opt);
  const files = deviceFiles(dir, name);
  if (!fs.existsSync(files.env)) throw new Error(`${name} is not enrolled at ${dir} (no ${files.env}): run \`pico-node enroll ${name} --dir ${dir}\` first`);
  readDeviceConfig(files.env); // names what an enrolment should have written
  const deviceEnvText = fs.readFileSync(files.env, "utf8");
  const text = provisioningText(deviceEnvText, wifiFrom(opt, process.env, deviceEnvText));
  const out = path.resolve(opt.out ?? path.join(files.dir, "provisioning.uf2"));
  writePrivate(out, provisioningUf2(text));
  console.log(`${out}: provisioning for ${name} (${Buffer.byteLength(text)} bytes of settings at flash 0x${PROVISIONING_OFFSET.toString(16)}).`);
  console.log("It holds the device's token and the Wi-Fi password: keep it private (0600), never commit it, delete it when done.");
  if (opt.load === "true") {
    loadWithPicotool(text, files.dir);
    console.log("loaded: reset the board (unplug and plug it in) to boot with its settings");
  } else {
    console.log("Hold BOOTSEL while plugging the board in, copy the file onto the RPI-RP2 drive; the board restarts with its settings.");
    console.log("(Once per board: a firmware update keeps them. The firmware UF2 is the same for every board.)");
  }
}
