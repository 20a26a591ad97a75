#include "region_persistence.h"

#include <string.h>

#include "hal.h"
#include "logf.h"

region_origin region_restore(region_persistence *p, region_store *store) {
  p->store = store;
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
  return origin;
}

void region_persistence_step(region_persistence *p) {
  if (p->store == NULL) return;
  const region_slot *active = region_store_active(p->store);
  if (active == NULL || (p->saved_known && p->saved_sequence == active->sequence)) return;
  // One attempt per commit: a failing flash is not hammered (an erase stalls the CPU for tens of ms).
  p->saved_known = true;
  p->saved_sequence = active->sequence;
  if (hal_region_save(active, sizeof *active))
    logf_line(LOG_INFO, "region commit %lu saved to persistent storage", (unsigned long)active->sequence);
  else
    logf_line(LOG_WARN, "region commit %lu could not be saved: it survives resets but not power loss",
              (unsigned long)active->sequence);
}
