// Wi-Fi station: join without blocking the main loop, retry a failed join
// with exponential backoff, and rejoin when the link drops. DHCP runs in the
// cyw43 lwIP glue once the link is up.
#include <string.h>

#include "hal.h"
#include "logf.h"
#include "lwip/netif.h"
#include "pico/cyw43_arch.h"
#include "pico_port.h"
#include "shell_config.h"

typedef enum wifi_phase { WIFI_IDLE, WIFI_JOINING, WIFI_UP, WIFI_WAITING } wifi_phase;

static struct {
  const char *ssid, *password;
  wifi_phase phase;
  uint32_t since_ms;   // start of the current phase
  uint32_t backoff_ms; // wait before the next join
} wifi;

static void join(void) {
  uint32_t auth = wifi.password[0] ? CYW43_AUTH_WPA2_AES_PSK : CYW43_AUTH_OPEN;
  int rc = cyw43_arch_wifi_connect_async(wifi.ssid, wifi.password[0] ? wifi.password : NULL, auth);
  wifi.phase = rc == 0 ? WIFI_JOINING : WIFI_WAITING;
  wifi.since_ms = hal_now_ms();
  if (rc == 0) logf_line(LOG_INFO, "wifi: joining \"%s\"", wifi.ssid);
  else logf_line(LOG_WARN, "wifi: join of \"%s\" did not start (%d)", wifi.ssid, rc);
}

static void retry_later(const char *why) {
  logf_line(LOG_WARN, "wifi: %s; next try in %lu ms", why, (unsigned long)wifi.backoff_ms);
  cyw43_wifi_leave(&cyw43_state, CYW43_ITF_STA);
  wifi.phase = WIFI_WAITING;
  wifi.since_ms = hal_now_ms();
}

void wifi_start(const char *ssid, const char *password, const char *hostname) {
  wifi.ssid = ssid;
  wifi.password = password;
  wifi.backoff_ms = WIFI_RETRY_INITIAL_MS;
  cyw43_arch_enable_sta_mode();
  netif_set_hostname(&cyw43_state.netif[CYW43_ITF_STA], hostname);
  join();
}

static const char *link_problem(int status) {
  switch (status) {
  case CYW43_LINK_BADAUTH: return "wrong password";
  case CYW43_LINK_NONET: return "network not found";
  case CYW43_LINK_FAIL: return "join failed";
  default: return NULL;
  }
}

void wifi_step(void) {
  uint32_t now = hal_now_ms();
  int status = cyw43_tcpip_link_status(&cyw43_state, CYW43_ITF_STA);
  switch (wifi.phase) {
  case WIFI_IDLE: return;
  case WIFI_JOINING:
    if (status == CYW43_LINK_UP) {
      const ip4_addr_t *ip = netif_ip4_addr(&cyw43_state.netif[CYW43_ITF_STA]);
      logf_line(LOG_INFO, "wifi: up, address %s", ip4addr_ntoa(ip));
      wifi.phase = WIFI_UP;
      wifi.backoff_ms = WIFI_RETRY_INITIAL_MS;
    } else if (link_problem(status)) {
      retry_later(link_problem(status));
    } else if (now - wifi.since_ms > WIFI_JOIN_TIMEOUT_MS) {
      retry_later(status == CYW43_LINK_NOIP ? "no address from DHCP" : "join timed out");
    }
    return;
  case WIFI_UP:
    if (status != CYW43_LINK_UP) retry_later("link lost"); // the core sees net_ipv4() == 0 meanwhile
    return;
  case WIFI_WAITING:
    if (now - wifi.since_ms >= wifi.backoff_ms) {
      wifi.backoff_ms = wifi.backoff_ms * 2 > WIFI_RETRY_MAX_MS ? WIFI_RETRY_MAX_MS : wifi.backoff_ms * 2;
      join();
    }
    return;
  }
}
