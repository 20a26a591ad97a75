// Swapping the images of the run slot and the download slot in place, one
// step at a time, so the swap can stop anywhere (power lost) and go on later.
//
// A swap covers the first n sectors of both slots (n: the larger image) and
// needs one sector more in the run slot (run[n]) to move into. It runs in
// 3n steps, each of which erases one sector and copies one sector into it:
//   move, steps 0 .. n-1:     run[i+1] <- run[i] for i = n-1 down to 0
//   swap, steps n .. 3n-1:    run[i] <- download[i], then download[i] <- run[i+1], for i = 0 .. n-1
// Afterwards run[0..n) holds what download held and download[0..n) what run
// held; run[n] holds a stale copy. A step's source is only overwritten by a
// later step, so a step cut short is done again from the start (erase and
// copy) with the same result: the caller records each step done (ota_state.h)
// and resumes at the first step not recorded. Swapping again swaps back.
// A step whose destination already equals its source writes nothing (the
// step redone after a cut that came just after its copy, or sectors the two
// images share), so an update of an n-sector image erases at most 3n sectors:
// n of the download slot once, the run slot's twice.
#ifndef OTA_SWAP_H
#define OTA_SWAP_H

#include <stdbool.h>
#include <stdint.h>

#include "flash_device.h"

#define OTA_SWAP_STEPS_PER_SECTOR 3u

typedef struct ota_slots {
  const flash_device *flash;
  uint32_t run_offset, download_offset; // sector boundaries on flash
  uint32_t slot_sectors;                // each slot's size; images take at most slot_sectors - 1
} ota_slots;

/** Does step (0 .. 3 x sectors - 1) of a swap of the slots' first sectors sectors. False if the flash failed. */
bool ota_swap_step(const ota_slots *slots, uint32_t sectors, uint32_t step);

#endif
