// The region across resets and power loss: restored at boot (before the
// network starts) from RAM that survived a watchdog reboot, else from the copy
// in persistent storage. Commits are saved from the main loop, coalesced: the
// first commit not yet saved starts a delay (REGION_PERSIST_DELAY_MS), and
// whatever is active when it ends is saved once. So the state applied at any
// moment reaches storage within the delay, and a burst of commits costs one
// write. (The ConfigMap on the API server is the source of truth once the
// node is back online; storage only bridges a power cut.)
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
  uint32_t delay_ms;       // REGION_PERSIST_DELAY_MS (the wear benchmark tries others)
  bool held;               // a commit waits for the delay to end
  uint32_t held_since_ms;  // when the first commit not yet saved was seen
  uint32_t seen_sequences[2]; // the slots' sequence fields at the last look (a commit changes one)
} region_persistence;

/** Restores the region into store and logs where it came from. */
region_origin region_restore(region_persistence *p, region_store *store);
/** Saves the active commit once the delay since the first unsaved one has passed. Call outside any core call. */
void region_persistence_step(region_persistence *p);

#endif
