// The emulator image's board: no radio (the LED is GPIO 25 of the plain
// Pico), the fake network over UART1 instead of Wi-Fi, and each region record
// written to the flash log also sent to the script (rp2040js does not emulate
// flash programming: the script stands in for the boot ROM's erase and
// program, bench/firmware_emulator.mjs).
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

void pico_region_saved(const region_slot *slot) { link_send(LINK_REGION, 0, slot, sizeof *slot); }

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

bool pico_network_busy(void) { return net_fake_busy(); }

void emulator_report(void) {
  pico_resources r;
  pico_resources_read(&r);
  pico_resources_log(&r);
  link_send(LINK_RESOURCES, 0, &r, sizeof r);
}
