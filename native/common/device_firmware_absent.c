// device_firmware.h for a port that does not install images yet: firmware_identity
// says so, and the core reports PicoFirmware NotSupported instead of fetching anything.
#include "device_firmware.h"

int32_t device_firmware_identity(uint8_t out[DEVICE_FIRMWARE_IDENTITY_BYTES]) {
  (void)out;
  return DEVICE_FIRMWARE_ABSENT;
}

int32_t device_firmware_boot_state(uint8_t out[DEVICE_FIRMWARE_VERSION_BYTES]) {
  (void)out;
  return 0;
}

int32_t device_firmware_slot_write(uint32_t offset, const uint8_t *bytes, size_t len) {
  (void)offset, (void)bytes, (void)len;
  return DEVICE_FIRMWARE_FLASH_FAILED;
}

int32_t device_firmware_slot_finish(const uint8_t declared_sha256[32]) {
  (void)declared_sha256;
  return DEVICE_FIRMWARE_FLASH_FAILED;
}

int32_t device_firmware_install(void) { return DEVICE_FIRMWARE_ABSENT; }
int32_t device_firmware_confirm(void) { return DEVICE_FIRMWARE_ABSENT; }
bool device_firmware_restart_due(void) { return false; }
