// The Pico W's radio-side facts: the LED (the CYW43's GPIO 0), the station
// address and the signal strength.
#include "hal.h"
#include "logf.h"
#include "pico/binary_info.h"
#include "pico/cyw43_arch.h"
#include "pico_port.h"

bi_decl(bi_program_feature("Wi-Fi station (CYW43), DHCP, lwIP raw TCP"));
// The CYW43 radio hangs off these RP2040 pins (the board LED is the radio's GPIO 0).
bi_decl(bi_4pins_with_names(23, "CYW43 WL_ON", 24, "CYW43 SPI data/IRQ", 25, "CYW43 SPI CS", 29, "CYW43 SPI CLK"));

static bool radio_up; // nothing here may touch the CYW43 before cyw43_arch_init succeeded

void hal_led_set(bool on) {
  if (radio_up) cyw43_arch_gpio_put(CYW43_WL_GPIO_LED_PIN, on);
}

uint32_t hal_net_ipv4(void) {
  if (cyw43_tcpip_link_status(&cyw43_state, CYW43_ITF_STA) != CYW43_LINK_UP) return 0;
  uint32_t addr = ip4_addr_get_u32(netif_ip4_addr(&cyw43_state.netif[CYW43_ITF_STA])); // network order in memory
  return lwip_ntohl(addr);
}

int32_t hal_net_rssi_dbm(void) {
  int32_t rssi = 0;
  if (cyw43_tcpip_link_status(&cyw43_state, CYW43_ITF_STA) != CYW43_LINK_UP) return 0;
  return cyw43_wifi_get_rssi(&cyw43_state, &rssi) == 0 ? rssi : 0;
}

bool pico_board_start(void) {
  if (cyw43_arch_init() != 0) return false;
  radio_up = true;
  hal_led_set(false);
  return true;
}

void pico_board_poll(void) {
  if (radio_up) cyw43_arch_poll();
}

void pico_board_wait(uint32_t ms) { cyw43_arch_wait_for_work_until(make_timeout_time_ms(ms)); }

void pico_region_saved(const region_slot *slot) { (void)slot; }

void pico_network_start(event_queue *events, const char *ssid, const char *password) {
  net_lwip_init(events);
  if (ssid[0]) wifi_start(ssid, password, "k3s-pico-node");
  else logf_line(LOG_WARN, "no wifi_ssid configured: the node stays offline");
}

void pico_network_step(void) {
  wifi_step();
  net_lwip_housekeeping();
}

bool pico_network_busy(void) { return net_lwip_busy(); }
