#include "region_persistence.h"

#include <string.h>

#include "hal.h"
#include "logf.h"
#include "shell_config.h"

region_origin region_restore(region_persistence *p, region_store *store) {
  p->store = store;
  p->delay_ms = REGION_PERSIST_DELAY_MS;
  p->held = false;
  region_slot saved;
  bool have_saved = hal_region_load(&saved, sizeof saved) && region_slot_valid(&saved);
  region_origin origin;
  const region_slot *active = region_store_verify(store);
  if (active != NULL) {
    origin = REGION_FROM_RAM;
    logf_line(LOG_INFO, "region restored from RAM kept over the reset (commit %lu)", (unsigned long)active->sequence);
  } else if (have_saved) {
    origin = REGION_FROM_STORAGE;
    region_store_clear(store); // whatever RAM held did not check out
    region_store_adopt(store, &saved);
    logf_line(LOG_INFO, "region restored from persistent storage (commit %lu)", (unsigned long)saved.sequence);
  } else {
    origin = REGION_NONE;
    region_store_clear(store);
    logf_line(LOG_INFO, "no region held yet: it reads as zeros until the ConfigMap is applied");
  }
  active = region_store_active(store);
  // RAM is newer than storage when a reset came between a commit and its save: then it is saved again.
  p->saved_known = active != NULL && have_saved && saved.sequence == active->sequence &&
                   memcmp(saved.bytes, active->bytes, REGION_BYTES) == 0;
  p->saved_sequence = p->saved_known ? active->sequence : 0;
  p->seen_sequences[0] = ~store->slots[0].sequence; // the first step looks at whatever the slots hold
  p->seen_sequences[1] = ~store->slots[1].sequence;
  return origin;
}

void region_persistence_step(region_persistence *p) {
  if (p->store == NULL) return;
  // Cheap on most steps: checking the slots' CRCs (2 KB) waits for a commit, or the end of the delay.
  const region_slot *slots = p->store->slots;
  uint32_t now = hal_now_ms();
  if (p->held ? now - p->held_since_ms < p->delay_ms
              : slots[0].sequence == p->seen_sequences[0] && slots[1].sequence == p->seen_sequences[1])
    return;
  p->seen_sequences[0] = slots[0].sequence;
  p->seen_sequences[1] = slots[1].sequence;
  const region_slot *active = region_store_active(p->store);
  if (active == NULL || (p->saved_known && p->saved_sequence == active->sequence)) {
    p->held = false;
    return;
  }
  // Held from the first unsaved commit on, so a burst of commits costs one write: whatever is active
  // when the delay ends is saved.
  if (!p->held) {
    p->held = true;
    p->held_since_ms = now;
    if (p->delay_ms > 0) return;
  }
  p->held = false;
  // One attempt per commit: a failing flash is not hammered (an erase stalls the CPU for tens of ms).
  p->saved_known = true;
  p->saved_sequence = active->sequence;
  if (hal_region_save(active, sizeof *active))
    logf_line(LOG_INFO, "region commit %lu saved to persistent storage", (unsigned long)active->sequence);
  else
    logf_line(LOG_WARN, "region commit %lu could not be saved: it survives resets but not power loss",
              (unsigned long)active->sequence);
}
