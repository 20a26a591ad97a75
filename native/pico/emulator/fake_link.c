#include "fake_link.h"

#include <string.h>

#include "hardware/gpio.h"
#include "hardware/irq.h"
#include "hardware/uart.h"
#include "pico/stdlib.h"

#define LINK_UART uart1
#define LINK_UART_IRQ UART1_IRQ
#define LINK_TX_PIN 4
#define LINK_RX_PIN 5
#define LINK_BAUD 921600
// Holds one largest frame plus the UART FIFO's worth.
#define RING_BYTES 2048u
_Static_assert(RING_BYTES >= LINK_HEADER_BYTES + LINK_MAX_PAYLOAD + 32u, "a whole frame fits the ring");

static uint8_t ring[RING_BYTES];
static volatile uint32_t ring_head, ring_tail; // head: written by the interrupt; tail: by the main loop
static uint8_t frame_bytes[LINK_HEADER_BYTES + LINK_MAX_PAYLOAD]; // the peeked frame, contiguous

static uint32_t ring_used(void) { return ring_head - ring_tail; }

static void on_uart_rx(void) {
  while (uart_is_readable(LINK_UART)) {
    if (ring_used() == RING_BYTES) { // full: leave bytes in the FIFO, stop the interrupt until the main loop drains
      uart_set_irq_enables(LINK_UART, false, false);
      return;
    }
    ring[ring_head % RING_BYTES] = (uint8_t)uart_get_hw(LINK_UART)->dr;
    ring_head++;
  }
}

void link_init(void) {
  uart_init(LINK_UART, LINK_BAUD);
  gpio_set_function(LINK_TX_PIN, GPIO_FUNC_UART);
  gpio_set_function(LINK_RX_PIN, GPIO_FUNC_UART);
  irq_set_exclusive_handler(LINK_UART_IRQ, on_uart_rx);
  irq_set_enabled(LINK_UART_IRQ, true);
  uart_set_irq_enables(LINK_UART, true, false);
}

static uint8_t ring_at(uint32_t offset) { return ring[(ring_tail + offset) % RING_BYTES]; }

bool link_peek(link_frame *frame) {
  uint32_t used = ring_used();
  if (used < LINK_HEADER_BYTES) return false;
  uint16_t len = (uint16_t)(ring_at(3) | ring_at(4) << 8);
  if (len > LINK_MAX_PAYLOAD) len = LINK_MAX_PAYLOAD; // a broken script: read on rather than wedge
  if (used < LINK_HEADER_BYTES + len) return false;
  for (uint32_t i = 0; i < LINK_HEADER_BYTES + len; i++) frame_bytes[i] = ring_at(i);
  frame->type = frame_bytes[0];
  frame->handle = (uint16_t)(frame_bytes[1] | frame_bytes[2] << 8);
  frame->len = len;
  frame->payload = frame_bytes + LINK_HEADER_BYTES;
  return true;
}

void link_take(const link_frame *frame) {
  ring_tail += LINK_HEADER_BYTES + frame->len;
  uart_set_irq_enables(LINK_UART, true, false); // room again
}

bool link_has_input(void) { return ring_used() > 0 || uart_is_readable(LINK_UART); }

void link_send(uint8_t type, uint16_t handle, const void *payload, size_t len) {
  uint8_t header[LINK_HEADER_BYTES] = {type, (uint8_t)handle, (uint8_t)(handle >> 8), (uint8_t)len, (uint8_t)(len >> 8)};
  uart_write_blocking(LINK_UART, header, sizeof header);
  if (len) uart_write_blocking(LINK_UART, payload, len);
}
