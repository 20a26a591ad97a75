// The node's own conditions from the facts snapshot. Messages are fixed texts
// so that a reading that moves (free heap) does not rewrite status every tick.

import { config } from "../config";
import { facts } from "./facts";
import { conditions, COND_READY, COND_MEMORY, COND_DISK, COND_PID, COND_NETWORK, TRUE, FALSE } from "./conditions";

export function refreshConditions(): void {
  conditions.set(COND_READY, TRUE, "KubeletReady", "pico node core is running and posting status");
  if (facts.freeHeap < config.memoryPressureFreeBytes) {
    conditions.set(COND_MEMORY, TRUE, "PicoLowMemory", "free heap is below memory_pressure_free_bytes");
  } else {
    conditions.set(COND_MEMORY, FALSE, "PicoHasSufficientMemory", "free heap is above memory_pressure_free_bytes");
  }
  conditions.set(COND_DISK, FALSE, "PicoNoDisk", "the node has no disk");
  conditions.set(COND_PID, FALSE, "PicoNoProcesses", "the node runs no processes");
  if (facts.networkUp()) conditions.set(COND_NETWORK, FALSE, "PicoWiFiConnected", "Wi-Fi is connected");
  else conditions.set(COND_NETWORK, TRUE, "PicoWiFiDown", "Wi-Fi has no IPv4 address");
}
