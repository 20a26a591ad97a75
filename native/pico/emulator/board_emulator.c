// The emulator image's board: no radio (the LED is GPIO 25 of the plain
// Pico), the fake network over UART1 instead of Wi-Fi, and the region's
// persistent copy sent to the script instead of written to flash (rp2040js
// does not emulate flash programming).
#include <string.h>

#include "emulator.h"
#include "fake_link.h"
#include "hal.h"
#include "hardware/gpio.h"
#include "pico/binary_info.h"
#include "pico/platform.h"
#include "pico/stdlib.h"
#include "pico_port.h"
#include "region_store.h"

#define LED_PIN 25

bi_decl(bi_program_feature("emulator image: fake network over UART1 (GP4 TX, GP5 RX), no radio"));

region_store __uninitialized_ram(region_ram);

region_store *pico_region_ram(void) { return &region_ram; }

bool hal_region_load(void *slot, size_t size) {
  (void)slot;
  (void)size;
  return false; // a fresh emulator has no flash copy
}

bool hal_region_save(const void *slot, size_t size) {
  link_send(LINK_REGION, 0, slot, size);
  return true;
}

void hal_led_set(bool on) { gpio_put(LED_PIN, on); }

bool pico_board_start(void) {
  gpio_init(LED_PIN);
  gpio_set_dir(LED_PIN, GPIO_OUT);
  return true;
}

void pico_board_poll(void) {}

void pico_board_wait(uint32_t ms) {
  // Sleeps in WFE: the emulator then skips ahead to the next timer alarm or UART byte.
  absolute_time_t until = make_timeout_time_ms(ms);
  while (!link_has_input() && !best_effort_wfe_or_timeout(until)) {
  }
}

void pico_network_start(event_queue *events, const char *ssid, const char *password) {
  (void)ssid;
  (void)password;
  net_fake_init(events);
}

void pico_network_step(void) { net_fake_step(); }

void emulator_report(void) {
  pico_resources r;
  pico_resources_read(&r);
  pico_resources_log(&r);
  link_send(LINK_RESOURCES, 0, &r, sizeof r);
}
