#include "fake_hal.h"

#include <stdlib.h>
#include <string.h>

#include "hal.h"

fake_hal fake;

void fake_hal_reset(void) {
  memset(&fake, 0, sizeof fake);
  fake.next_handle = 7;
  fake.closed_handle = -1;
  fake.led = -1;
  fake.now_ms = 1000;
}

uint32_t hal_now_ms(void) { return fake.now_ms; }
void hal_log(int level, const char *text, size_t len) {
  if (len >= sizeof fake.last_log) len = sizeof fake.last_log - 1;
  memcpy(fake.last_log, text, len);
  fake.last_log[len] = '\0';
  if (fake.log_history_len + len + 2 <= sizeof fake.log_history) {
    memcpy(fake.log_history + fake.log_history_len, text, len);
    fake.log_history_len += len;
    fake.log_history[fake.log_history_len++] = '\n';
    fake.log_history[fake.log_history_len] = '\0';
  }
  fake.last_log_level = level;
  fake.log_count++;
}
size_t hal_board_unique_id(char *out, size_t cap) {
  const char *id = "e6614103e7452d2f";
  size_t n = strlen(id) < cap ? strlen(id) : cap;
  memcpy(out, id, n);
  return n;
}
const char *hal_board_platform(void) { return "unit tests"; }
int32_t hal_free_heap(void) { return 123456; }
int32_t hal_memory_used(void) { return 98765; }
uint32_t hal_heap_used(void) { return 0; }
int32_t hal_temperature_mc(void) { return 27500; }
uint32_t hal_cpu_busy_ms(void) { return 42; }
uint32_t hal_random_u32(void) { return 0x12345678u; }
void hal_led_set(bool on) { fake.led = on; }
uint32_t hal_net_ipv4(void) { return 0x0a00000fu; }
int32_t hal_net_rssi_dbm(void) { return -57; }
int32_t hal_net_open(const char *host, uint16_t port) {
  strncpy(fake.opened_host, host, sizeof fake.opened_host - 1);
  fake.opened_port = port;
  fake.open_count++;
  return fake.next_handle;
}
int32_t hal_net_send(int32_t handle, const uint8_t *bytes, size_t len) {
  (void)handle;
  if (len > sizeof fake.sent) return -1;
  memcpy(fake.sent, bytes, len);
  fake.sent_len = len;
  return 0;
}
void hal_net_close(int32_t handle) { fake.closed_handle = handle; }
void hal_net_close_all(void) {}
bool hal_net_listen(int listener, uint16_t port) { return listener >= 0 && port != 0; }
bool hal_region_load(void *slot, size_t size) {
  if (!fake.has_saved_region || size != sizeof fake.saved_region) return false;
  memcpy(slot, &fake.saved_region, size);
  return true;
}
bool hal_region_save(const void *slot, size_t size) {
  fake.save_count++;
  if (fake.fail_save || size != sizeof fake.saved_region) return false;
  memcpy(&fake.saved_region, slot, size);
  fake.has_saved_region = true;
  return true;
}
bool hal_entropy(uint8_t *out, size_t len) {
  static uint64_t state = 0x9e3779b97f4a7c15ull; // xorshift: the tests' keys differ, nothing depends on which
  if (fake.no_entropy) return false;
  for (size_t i = 0; i < len; i++) {
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    out[i] = (uint8_t)state;
  }
  return true;
}
int32_t hal_device_key_load(uint8_t *out, size_t cap) {
  if ((size_t)fake.stored_key_len > cap) return -1;
  memcpy(out, fake.stored_key, (size_t)fake.stored_key_len);
  return fake.stored_key_len;
}
bool hal_device_key_save(const uint8_t *der, size_t len) {
  if (len > sizeof fake.stored_key) return false;
  memcpy(fake.stored_key, der, len);
  fake.stored_key_len = (int32_t)len;
  return true;
}
void hal_watchdog_feed(void) {}
void *hal_stack_floor(void) { return fake.stack_floor; }
void hal_reboot(const char *why) {
  (void)why;
  abort();
}
void hal_restart(const char *why) { hal_reboot(why); }
void hal_fatal(const char *why) {
  (void)why;
  abort();
}
