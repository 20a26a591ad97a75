// posix_firmware.h for a shell built without PICO_FIRMWARE_PUBKEY: it trusts
// no signing key, so it takes no updates (device_firmware_absent.c answers).
#include "logf.h"
#include "posix_firmware.h"

bool posix_firmware_open(const char *flash_path) {
  logf_line(LOG_ERROR, "--flash %s: this shell was built without PICO_FIRMWARE_PUBKEY, so it takes no firmware updates", flash_path);
  return false;
}
