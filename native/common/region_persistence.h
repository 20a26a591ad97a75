// The region across resets and power loss: restored at boot (before the
// network starts) from RAM that survived a watchdog reboot, else from the copy
// in persistent storage; every new commit is saved once from the main loop.
#ifndef REGION_PERSISTENCE_H
#define REGION_PERSISTENCE_H

#include <stdbool.h>
#include <stdint.h>

#include "region_store.h"

typedef enum region_origin { REGION_NONE, REGION_FROM_RAM, REGION_FROM_STORAGE } region_origin;

typedef struct region_persistence {
  region_store *store;
  uint32_t saved_sequence; // commit last written to storage (or attempted)
  bool saved_known;
} region_persistence;

/** Restores the region into store and logs where it came from. */
region_origin region_restore(region_persistence *p, region_store *store);
/** Saves the active commit if it has not been saved (or tried) yet. Call outside any core call. */
void region_persistence_step(region_persistence *p);

#endif
