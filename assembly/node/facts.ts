// A snapshot of the board's live readings. Refreshed before anything is
// rendered, so both passes of a render (count, then write) see the same values.

import { board_cpu_busy_ms, board_free_heap, board_memory_used, board_temperature_mc, net_ipv4, net_rssi_dbm } from "../host";
import { Out } from "../lib/out";

export const SRAM_BYTES: i64 = 270336; // RP2040: 264 KiB
export const CPU_CORES: i32 = 2;
export const CPU_FREQUENCY_KHZ: i32 = 125000;
export const TEMPERATURE_UNKNOWN: i32 = i32.MIN_VALUE;

// Plain data, created once: no managed header needed.
@unmanaged
export class Facts {
  ipv4: u32 = 0;
  rssiDbm: i32 = 0;
  freeHeap: i32 = 0;
  memoryUsed: i32 = 0;
  temperatureMc: i32 = TEMPERATURE_UNKNOWN;
  cpuBusyMs: u64 = 0;
  private lastBusy: u32 = 0;
  private busyStarted: bool = false;

  refresh(): void {
    this.ipv4 = net_ipv4();
    this.rssiDbm = net_rssi_dbm();
    this.freeHeap = board_free_heap();
    this.memoryUsed = board_memory_used();
    this.temperatureMc = board_temperature_mc();
    const busy = board_cpu_busy_ms();
    if (this.busyStarted) this.cpuBusyMs += <u64>(busy - this.lastBusy); // wrap-safe
    else this.busyStarted = true;
    this.lastBusy = busy;
  }

  networkUp(): bool {
    return this.ipv4 != 0;
  }
}

export const facts = new Facts();

export function writeIpv4(out: Out, ip: u32): void {
  out.dec(<u64>(ip >> 24));
  out.byte(0x2e);
  out.dec(<u64>((ip >> 16) & 255));
  out.byte(0x2e);
  out.dec(<u64>((ip >> 8) & 255));
  out.byte(0x2e);
  out.dec(<u64>(ip & 255));
}
