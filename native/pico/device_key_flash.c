// The TLS HAL of the board (hal.h): entropy from pico_rand (the RP2040's ring
// oscillator's random bit, mixed with timer and bus counters at boot), and
// the device key kept in its own two flash sectors (key_record.h). Linked
// only into images with TLS (firmware.cmake).
#include "hal.h"
#include "key_record.h"
#include "logf.h"
#include "pico/rand.h"
#include "pico_port.h"

bool hal_entropy(uint8_t *out, size_t len) {
  for (size_t i = 0; i < len; i += 8) {
    uint64_t bits = get_rand_64();
    for (size_t j = 0; j < 8 && i + j < len; j++) out[i + j] = (uint8_t)(bits >> (8 * j));
  }
  return true;
}

int32_t hal_device_key_load(uint8_t *out, size_t cap) {
  if (!pico_flash_data_usable()) return -1;
  return key_record_load(&pico_device_key_flash, out, cap);
}

bool hal_device_key_save(const uint8_t *der, size_t len) {
  if (!pico_flash_data_usable()) return false;
  bool saved = key_record_save(&pico_device_key_flash, der, len);
  if (!saved) logf_line(LOG_ERROR, "the device key could not be written to flash (or did not read back)");
  return saved;
}
