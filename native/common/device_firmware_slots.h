// device_firmware.h over two flash slots and a swap state (ota_boot.h), for a
// port whose bootloader runs ota_boot: the Pico's (native/pico/bootloader)
// and the POSIX launcher. A download is programmed page by page into the
// download slot and checked by reading it back; an install is a request in
// the swap state and a restart into the bootloader, which swaps.
#ifndef DEVICE_FIRMWARE_SLOTS_H
#define DEVICE_FIRMWARE_SLOTS_H

#include <stdbool.h>
#include <stdint.h>

#include "firmware_image.h"
#include "ota_boot.h"

typedef struct firmware_slots {
  ota_areas areas;
  firmware_expectations expect; // the trusted key, this board and engine, the slot's size (versions unused)
  // An image on trial that has not confirmed this long after boot asks for a restart (device_firmware_restart_due),
  // so a node that never becomes Ready still reaches the bootloader's rollback. 0: the port stops it itself.
  uint32_t trial_ms;
} firmware_slots;

/**
 * Takes updates into these slots. The running image is the run slot's: the bootloader checked it whole before
 * booting it, so only its signed header is read again here, for its identity. False (logged) if the run slot
 * holds no image signed for this board and engine: then no updates.
 */
bool device_firmware_slots_open(const firmware_slots *slots);

#endif
