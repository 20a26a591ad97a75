// The Pico W's HAL: clock, UART log, board facts, watchdog. Network,
// region storage and the fatal paths live in net_lwip.c, region_flash.c and
// fatal_reboot.c.
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "hal.h"
#include "hardware/adc.h"
#include "hardware/watchdog.h"
#include "pico/rand.h"
#include "pico/stdlib.h"
#include "pico/unique_id.h"
#include "pico_port.h"
#include "shell_config.h"

extern char __StackLimit, __end__; // the heap runs from the end of .bss up to the stack limit

uint32_t hal_now_ms(void) { return to_ms_since_boot(get_absolute_time()); }

void hal_log(int level, const char *text, size_t len) {
  static const char *const names[] = {"E", "W", "I", "D"};
  uint32_t ms = hal_now_ms();
  printf("%6lu.%03lu %s %.*s\n", (unsigned long)(ms / 1000), (unsigned long)(ms % 1000), names[level & 3], (int)len,
         text);
}

size_t hal_board_unique_id(char *out, size_t cap) {
  char id[2 * PICO_UNIQUE_BOARD_ID_SIZE_BYTES + 1];
  pico_get_unique_board_id_string(id, sizeof id); // upper-case hex
  size_t n = strlen(id) < cap ? strlen(id) : cap;
  for (size_t i = 0; i < n; i++) out[i] = (id[i] >= 'A' && id[i] <= 'F') ? (char)(id[i] - 'A' + 'a') : id[i];
  return n;
}

const char *hal_board_platform(void) { return "pico-sdk " PICO_SDK_VERSION_STRING ", RP2040"; }

uint32_t hal_heap_used(void) { return (uint32_t)mallinfo().uordblks; }

static uint32_t heap_size(void) { return (uint32_t)(&__StackLimit - &__end__); }

/** The RP2040's SRAM: what the node's working set is a part of. */
#define PICO_SRAM_BYTES (264u * 1024u)

int32_t hal_memory_used(void) {
  // All of SRAM but what is still free: static RAM (the core's memory, stacks, buffers) plus heap in use.
  return (int32_t)(PICO_SRAM_BYTES - (uint32_t)hal_free_heap());
}

int32_t hal_free_heap(void) {
  // Never handed out (between the heap's top and the stack limit) plus freed blocks kept by malloc.
  struct mallinfo info = mallinfo();
  return (int32_t)(heap_size() - (uint32_t)info.arena + (uint32_t)info.fordblks);
}

void pico_heap_read(pico_resources *r) {
  struct mallinfo info = mallinfo();
  r->heap_size = heap_size();
  r->heap_arena = (uint32_t)info.arena;
  r->heap_in_use = (uint32_t)info.uordblks;
  r->heap_free = r->heap_size - (uint32_t)info.arena + (uint32_t)info.fordblks;
}

int32_t hal_temperature_mc(void) {
  static bool ready;
  if (!ready) {
    adc_init();
    adc_set_temp_sensor_enabled(true);
    ready = true;
  }
  adc_select_input(4); // the on-die sensor
  uint32_t raw = adc_read();
  // RP2040 datasheet: T = 27 - (V - 0.706) / 0.001721, V = raw * 3.3 / 4096; in milli-degrees, integer only.
  int32_t microvolts = (int32_t)(raw * 3300000u / 4096u);
  return 27000 - (microvolts - 706000) * 1000 / 1721;
}

static uint64_t idle_us, idle_since_us;
void pico_idle_begin(void) { idle_since_us = time_us_64(); }
void pico_idle_end(void) { idle_us += time_us_64() - idle_since_us; }
uint32_t hal_cpu_busy_ms(void) { return (uint32_t)((time_us_64() - idle_us) / 1000u); }

uint32_t hal_random_u32(void) { return get_rand_32(); }

void hal_watchdog_feed(void) { watchdog_update(); }

// hal_fatal and hal_reboot: fatal_reboot.c.
