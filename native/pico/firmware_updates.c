// The firmware's side of updates on the Pico: the common slots code
// (device_firmware_slots.h) over the flash_layout.h areas. The image runs
// from the run slot, started by the bootloader (bootloader/boot_main.c).
#include "firmware_updates.h"

#include "device_firmware_slots.h"
#include "logf.h"
#include "pico.h"
#include "pico_ota.h"

extern char __logical_binary_start; // the linker's start of this image's vector table

bool pico_firmware_updates_start(void) {
  if ((uintptr_t)&__logical_binary_start != PICO_OTA_IMAGE_VECTORS) {
    logf_line(LOG_ERROR, "firmware: this image is linked at 0x%08lx, not at the run slot's 0x%08lx: no updates",
              (unsigned long)(uintptr_t)&__logical_binary_start, (unsigned long)PICO_OTA_IMAGE_VECTORS);
    return false;
  }
  firmware_slots slots = {.areas = pico_ota_areas(), .expect = pico_ota_expectations(), .trial_ms = PICO_FIRMWARE_TRIAL_MS};
  return device_firmware_slots_open(&slots);
}
