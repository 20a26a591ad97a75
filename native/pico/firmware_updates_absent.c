// A build without a trusted key (no PICO_FIRMWARE_PUBKEY): linked at the start
// of flash, no bootloader, no updates (device_firmware_absent.c answers the core).
#include "firmware_updates.h"

#include "logf.h"

bool pico_firmware_updates_start(void) {
  logf_line(LOG_INFO, "firmware updates: none in this build (built without PICO_FIRMWARE_PUBKEY)");
  return false;
}
