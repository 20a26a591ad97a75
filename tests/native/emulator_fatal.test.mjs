// A fatal error before the radio starts, in the emulator image (rp2040js):
// the same image provisioned with settings the firmware rejects, which it
// checks before it starts the radio. The firmware must say why on the UART,
// wait, and ask the watchdog for a reset; after the reboot it fails again and
// waits twice as long (the count survives in watchdog scratch registers).
// tests/native/run.mjs builds the image where pico-sdk is present; skipped
// without the image or the RP2040 bootrom.
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { emulatorElf, EmulatedPico, findBootrom } from "../../bench/firmware_emulator.mjs";

const bootrom = findBootrom();
const { DEFAULT_ENGINE } = await import("../../dist/cli/firmware.js");
const EMULATOR_ELF = emulatorElf(DEFAULT_ENGINE); // the shell's own code: the same with either engine
const skip = !fs.existsSync(EMULATOR_ELF) ? "the emulator image is not built (needs pico-sdk)" : bootrom.words ? false : bootrom.reason;

/** The firmware's own clock on a console line ("  5.012 E text"), in ms. */
const stamp = (line) => Math.round(Number(line.trim().split(" ")[0]) * 1000);

test("emulated Pico: a fatal error before the radio starts is reported on the UART, then a watchdog reset, backing off on the next boot", { skip, timeout: 300_000 }, () => {
  const pico = new EmulatedPico({ elf: EMULATOR_ELF, bootrom: bootrom.words, deviceConfig: "wifi_password=short\n" });
  pico.runUntil(() => pico.resets.length >= 2, { what: "two watchdog resets", maxMs: 40_000 });
  const boots = [];
  for (const line of pico.lines) {
    if (/k3s-pico-node firmware/.test(line)) boots.push([]);
    boots.at(-1)?.push(line);
  }
  assert.ok(boots.length >= 2, `two boots on the console:\n${pico.lines.join("\n")}`);
  const find = (lines, re) => lines.find((l) => re.test(l));

  // First boot: the reason, the fatal line, the delay, the reset request.
  const [first, second] = boots;
  assert.match(first[0], /reset by power-on/);
  assert.ok(find(first, /E device configuration: line 1: wifi_password must be empty or 8 to 63 bytes$/), first.join("\n"));
  assert.ok(find(first, /E fatal: device configuration rejected: provision the board again \(pico-node provision NAME\)$/), first.join("\n"));
  assert.ok(find(first, /E fatal error 1 in a row: rebooting through the watchdog in 5 s$/), first.join("\n"));
  const rebooting = find(first, /E rebooting now$/);
  assert.ok(rebooting, first.join("\n"));
  assert.ok(stamp(rebooting) >= 5000 && stamp(rebooting) < 5600, `the reboot came after the 5 s delay: ${rebooting}`);
  assert.ok(!find(first, /kubelet port|region restored|no region held/), "nothing after the fatal error ran");
  assert.equal(pico.resets[0].reason, "timer"); // watchdog_reboot: the watchdog counted down and reset the chip
  assert.ok(pico.resets[0].ms >= 5000 && pico.resets[0].ms < 5600, `reset at ${pico.resets[0].ms} ms`);

  // Second boot: the watchdog reset and the count are known; the delay doubled.
  assert.match(second[0], /reset by the watchdog/);
  assert.ok(find(second, /W 1 fatal error\(s\) in a row before this boot$/), second.join("\n"));
  assert.ok(find(second, /E fatal error 2 in a row \(a boot loop\?\): backing off, rebooting through the watchdog in 10 s$/), second.join("\n"));
  const between = pico.resets[1].ms - pico.resets[0].ms;
  assert.ok(between >= 10_000 && between < 10_600, `the second reset came ${between} ms after the first`);
});
