// Firmware updates on the Pico (firmware_updates.c): in a build with a trusted
// key (PICO_FIRMWARE_PUBKEY), started by the bootloader; without one, the
// firmware takes no updates (device_firmware_absent.c) and this does nothing.
#ifndef FIRMWARE_UPDATES_H
#define FIRMWARE_UPDATES_H

#include <stdbool.h>

// A new image that is not Ready (Lease renewed, ConfigMap listed) this long after it booted restarts, and the
// bootloader counts a failed trial boot (ota_boot.h: OTA_TRIAL_BOOTS of them and it rolls back). Long enough
// for Wi-Fi, DHCP and the API's backoff after a restart.
#define PICO_FIRMWARE_TRIAL_MS (180u * 1000u)

/** Opens the update slots; false (logged) when this image takes no updates. */
bool pico_firmware_updates_start(void);

#endif
