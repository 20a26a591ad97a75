// A NOR flash in RAM with the RP2040's rules (flash_device.h): erase whole
// 4 KB sectors to 0xFF, program aligned 256-byte pages, bits only from 1 to 0.
// A call that breaks a rule is refused and recorded as a violation (the tests
// check there are none). Power can be cut at the Nth erase or program: that
// operation is left undone or done only in part (a random part of the bits it
// would change), and every call after it fails until fake_flash_power_on().
#ifndef FAKE_FLASH_H
#define FAKE_FLASH_H

#include <stdbool.h>
#include <stdint.h>

#include "flash_device.h"

#define FAKE_FLASH_MAX_SECTORS 512 // the Pico W's 2 MB

typedef enum fake_flash_cut {
  CUT_BEFORE, // the cut operation does nothing
  CUT_TORN,   // it changes a random part of what it would (a partly erased sector, a partly programmed page)
} fake_flash_cut;

typedef struct fake_flash {
  flash_device device;
  uint8_t bytes[FAKE_FLASH_MAX_SECTORS * FLASH_ERASE_BYTES];
  uint32_t erases[FAKE_FLASH_MAX_SECTORS]; // per sector
  uint32_t programs;
  uint32_t operations;  // erases and programs so far
  uint32_t cut_at;      // the operation (1-based) at which power fails; 0: never
  fake_flash_cut cut_kind;
  bool powered_off;
  uint32_t violations;
  char first_violation[128];
  uint32_t random; // xorshift state for torn operations
} fake_flash;

/** An erased flash of sectors x 4 KB (at most FAKE_FLASH_MAX_SECTORS). */
void fake_flash_init(fake_flash *f, uint32_t sectors);
/** dst becomes a copy of src (its bytes, counters and pending cut), standing for its own flash. */
void fake_flash_copy(fake_flash *dst, const fake_flash *src);
/** Power returns: calls work again (no cut pending). */
void fake_flash_power_on(fake_flash *f);

#endif
