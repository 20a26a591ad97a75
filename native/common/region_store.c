#include "region_store.h"

#include <string.h>

#include "crc32.h"

static uint32_t slot_crc(const region_slot *slot) {
  uint8_t seq[4] = {(uint8_t)slot->sequence, (uint8_t)(slot->sequence >> 8), (uint8_t)(slot->sequence >> 16),
                    (uint8_t)(slot->sequence >> 24)};
  return crc32_update(crc32_of(seq, sizeof seq), slot->bytes, REGION_BYTES);
}

void region_slot_seal(region_slot *slot) {
  slot->crc = slot_crc(slot);
  slot->magic = REGION_MAGIC; // last: the slot counts only once its CRC is in place
}

bool region_slot_valid(const region_slot *slot) {
  return slot->magic == REGION_MAGIC && slot->crc == slot_crc(slot);
}

// Sequence numbers compare modulo 2^32, so wrapping after 4 billion commits is harmless.
static bool newer(const region_slot *a, const region_slot *b) { return (int32_t)(a->sequence - b->sequence) > 0; }

const region_slot *region_store_verify(region_store *store) {
  const region_slot *a = &store->slots[0], *b = &store->slots[1];
  bool a_ok = region_slot_valid(a), b_ok = region_slot_valid(b);
  store->active = a_ok && b_ok ? (newer(b, a) ? 1 : 0) : a_ok ? 0 : b_ok ? 1 : -1;
  return region_store_active(store);
}

const region_slot *region_store_active(const region_store *store) {
  if (store->active != 0 && store->active != 1) return NULL;
  const region_slot *slot = &store->slots[store->active];
  return slot->magic == REGION_MAGIC ? slot : NULL;
}

bool region_store_commit(region_store *store, const uint8_t *bytes, size_t len) {
  if (bytes == NULL || len != REGION_BYTES) return false;
  const region_slot *active = region_store_active(store);
  region_slot *target = active == &store->slots[0] ? &store->slots[1] : &store->slots[0];
  // Invalidate first: until the new CRC is written the target reads as empty.
  target->magic = 0;
  target->sequence = active ? active->sequence + 1 : 1;
  memcpy(target->bytes, bytes, REGION_BYTES);
  region_slot_seal(target);
  store->active = (int32_t)(target - store->slots);
  return true;
}

int32_t region_store_read(const region_store *store, uint32_t offset, uint8_t *out, uint32_t len) {
  if (offset > REGION_BYTES || len > REGION_BYTES - offset) return -1;
  const region_slot *active = region_store_active(store);
  if (active == NULL) return 0;
  memcpy(out, active->bytes + offset, len);
  return (int32_t)len;
}

bool region_store_adopt(region_store *store, const region_slot *restored) {
  if (region_store_active(store) != NULL || !region_slot_valid(restored)) return false;
  store->slots[0] = *restored;
  memset(&store->slots[1], 0, sizeof store->slots[1]);
  store->active = 0;
  return true;
}

void region_store_clear(region_store *store) {
  memset(store, 0, sizeof *store);
  store->active = -1;
}
