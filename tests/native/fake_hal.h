// A recording HAL for unit tests of the shell's plain-C parts.
#ifndef FAKE_HAL_H
#define FAKE_HAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "region_store.h"

typedef struct fake_hal {
  char log_history[8192]; // every line, each ended by a newline (what fits)
  size_t log_history_len;
  uint32_t now_ms; // hal_now_ms()
  char last_log[256];
  int last_log_level;
  int log_count;
  char opened_host[128];
  uint16_t opened_port;
  int open_count;
  int32_t next_handle;
  uint8_t sent[256];
  size_t sent_len;
  int32_t closed_handle;
  int led;
  bool has_saved_region;
  region_slot saved_region;
  int save_count;
  bool fail_save;
  void *stack_floor; // what hal_stack_floor answers
  uint8_t stored_key[256]; // hal_device_key_save's last bytes
  int32_t stored_key_len;
  bool no_entropy;  // hal_entropy fails
} fake_hal;

extern fake_hal fake;
void fake_hal_reset(void);

#endif
