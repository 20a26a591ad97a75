// The POSIX shell's updates: the common slots code (device_firmware_slots.h)
// over the flash file; pico-node-launcher plays the bootloader and stops an
// image that stays on trial too long (trial_ms 0 here).
#include "device_firmware_slots.h"
#include "posix_firmware.h"
#include "posix_ota.h"

static posix_ota ota; // open while the shell runs: the slots' flash device lives here

bool posix_firmware_open(const char *flash_path) {
  if (!posix_ota_open(&ota, flash_path)) return false;
  firmware_slots slots = {.areas = ota.areas, .expect = posix_ota_expectations(&ota), .trial_ms = 0};
  device_firmware_slots_open(&slots);
  return true;
}
