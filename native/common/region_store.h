// The 1 KB region the ConfigMap's memory_values fill: two slots, each with a
// sequence number and a CRC. A commit writes the slot not in use and becomes
// visible only when its CRC is in place, so a reset mid-write leaves the
// previous region intact. The port places the store in RAM that survives a
// watchdog reboot; a copy of the active slot is persisted to flash or a file.
#ifndef REGION_STORE_H
#define REGION_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REGION_BYTES 1024u
#define REGION_MAGIC 0x4e474552u /* "REGN" */

typedef struct region_slot {
  uint32_t magic;
  uint32_t sequence; // grows by one per commit; the newer valid slot wins
  uint32_t crc;      // CRC-32 over sequence and bytes
  uint8_t bytes[REGION_BYTES];
} region_slot;

typedef struct region_store {
  region_slot slots[2];
  // The active slot's index, or -1: found by region_store_verify (two CRCs
  // over 1 KB), then kept by commit, adopt and clear, so reads cost a copy.
  int32_t active;
} region_store;

/** Computes the slot's CRC and marks it valid. */
void region_slot_seal(region_slot *slot);
/** True when the slot's magic and CRC check out. */
bool region_slot_valid(const region_slot *slot);
/** Finds the valid slot with the newest sequence by checking both CRCs: RAM kept over a reset may
 *  hold a torn commit or garbage. Call it before the functions below; NULL when the store holds no region. */
const region_slot *region_store_verify(region_store *store);
/** The active slot as verified or committed since, or NULL when the store holds no region. */
const region_slot *region_store_active(const region_store *store);
/** Replaces the region with len bytes, all or nothing. False if len is not REGION_BYTES. */
bool region_store_commit(region_store *store, const uint8_t *bytes, size_t len);
/** Copies [offset, offset+len): len, 0 if the store holds no region, < 0 if out of 0..REGION_BYTES. */
int32_t region_store_read(const region_store *store, uint32_t offset, uint8_t *out, uint32_t len);
/** Installs a slot restored from persistent storage when the store holds no region. True if adopted. */
bool region_store_adopt(region_store *store, const region_slot *restored);
/** Wipes both slots (RAM that did not survive holds garbage, which must not be taken for a region). */
void region_store_clear(region_store *store);

#endif
