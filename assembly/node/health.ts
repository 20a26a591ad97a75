// The node's own conditions from the facts snapshot. Messages are fixed texts
// so that a reading that moves (free heap) does not rewrite status every tick.

import { config } from "../config";
import { facts } from "./facts";
import { conditions, COND_READY, COND_MEMORY, COND_DISK, COND_PID, COND_NETWORK, TRUE, FALSE } from "./conditions";
import { T } from "../lib/text";

export function refreshConditions(): void {
  conditions.set(COND_READY, TRUE, T("KubeletReady"), T("core running"));
  if (facts.freeHeap < config.memoryPressureFreeBytes) {
    conditions.set(COND_MEMORY, TRUE, T("PicoLowMemory"), T("free heap below threshold"));
  } else {
    conditions.set(COND_MEMORY, FALSE, T("PicoHasSufficientMemory"), T("free heap above threshold"));
  }
  conditions.set(COND_DISK, FALSE, T("PicoNoDisk"), T("the node has no disk"));
  conditions.set(COND_PID, FALSE, T("PicoNoProcesses"), T("the node runs no processes"));
  if (facts.networkUp()) conditions.set(COND_NETWORK, FALSE, T("PicoWiFiConnected"), T("Wi-Fi is connected"));
  else conditions.set(COND_NETWORK, TRUE, T("PicoWiFiDown"), T("Wi-Fi has no IPv4 address"));
}
