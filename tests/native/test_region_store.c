#include <string.h>

#include "crc32.h"
#include "region_store.h"
#include "test.h"

static region_store store;

static void fill(uint8_t *bytes, uint8_t value) { memset(bytes, value, REGION_BYTES); }

/** A fresh store with two commits: every byte `first`, then every byte `second`. */
static void commit_two(uint8_t first, uint8_t second) {
  region_store_clear(&store);
  uint8_t bytes[REGION_BYTES];
  fill(bytes, first);
  region_store_commit(&store, bytes, REGION_BYTES);
  fill(bytes, second);
  region_store_commit(&store, bytes, REGION_BYTES);
}

TEST(crc32_matches_zlib) {
  CHECK_EQ(crc32_of((const uint8_t *)"123456789", 9), 0xCBF43926u);
  CHECK_EQ(crc32_update(crc32_of((const uint8_t *)"1234", 4), (const uint8_t *)"56789", 5), 0xCBF43926u);
}

TEST(an_empty_store_reads_as_no_region) {
  region_store_clear(&store);
  uint8_t out[8] = {9};
  CHECK(region_store_active(&store) == NULL);
  CHECK_EQ(region_store_read(&store, 0, out, 8), 0);
  CHECK_EQ(out[0], 9);
}

TEST(a_commit_is_read_back) {
  region_store_clear(&store);
  uint8_t bytes[REGION_BYTES];
  for (unsigned i = 0; i < REGION_BYTES; i++) bytes[i] = (uint8_t)(i * 7);
  CHECK(region_store_commit(&store, bytes, REGION_BYTES));
  uint8_t out[4];
  CHECK_EQ(region_store_read(&store, 1020, out, 4), 4);
  CHECK(memcmp(out, bytes + 1020, 4) == 0);
  CHECK_EQ(region_store_active(&store)->sequence, 1);
}

TEST(reads_outside_the_region_are_refused) {
  region_store_clear(&store);
  uint8_t out[8];
  CHECK_EQ(region_store_read(&store, 1021, out, 4), -1);
  CHECK_EQ(region_store_read(&store, 0xFFFFFFFFu, out, 2), -1);
  CHECK_EQ(region_store_read(&store, 1024, out, 0), 0);
}

TEST(a_commit_of_the_wrong_size_changes_nothing) {
  region_store_clear(&store);
  uint8_t bytes[REGION_BYTES];
  fill(bytes, 1);
  CHECK(region_store_commit(&store, bytes, REGION_BYTES));
  CHECK(!region_store_commit(&store, bytes, 1023));
  CHECK_EQ(region_store_active(&store)->sequence, 1);
}

TEST(commits_alternate_slots_and_the_newest_wins) {
  region_store_clear(&store);
  uint8_t bytes[REGION_BYTES];
  for (uint8_t v = 1; v <= 5; v++) {
    fill(bytes, v);
    CHECK(region_store_commit(&store, bytes, REGION_BYTES));
    CHECK_EQ(region_store_active(&store)->bytes[0], v);
    CHECK_EQ(region_store_active(&store)->sequence, v);
  }
}

TEST(a_torn_commit_leaves_the_previous_region) {
  commit_two(0xAA, 0xBB);
  // a reset in the middle of the second commit: its bytes half written, the CRC stale
  region_slot *second = (region_slot *)region_store_active(&store);
  memset(second->bytes + 512, 0xCC, 512);
  CHECK_EQ(region_store_verify(&store)->bytes[0], 0xAA); // what the next boot finds
  CHECK_EQ(region_store_active(&store)->bytes[0], 0xAA);
  CHECK_EQ(region_store_active(&store)->sequence, 1);
}

TEST(sequence_numbers_compare_across_wrap) {
  region_store_clear(&store);
  store.slots[0].sequence = 0xFFFFFFFFu;
  fill(store.slots[0].bytes, 1);
  region_slot_seal(&store.slots[0]);
  CHECK_EQ(region_store_verify(&store)->bytes[0], 1);
  uint8_t bytes[REGION_BYTES];
  fill(bytes, 2);
  CHECK(region_store_commit(&store, bytes, REGION_BYTES));
  CHECK_EQ(region_store_active(&store)->sequence, 0); // wrapped, and still the newer one
  CHECK_EQ(region_store_active(&store)->bytes[0], 2);
}

TEST(adopt_takes_a_saved_slot_only_when_ram_holds_none) {
  region_store_clear(&store);
  uint8_t bytes[REGION_BYTES];
  fill(bytes, 7);
  region_store_commit(&store, bytes, REGION_BYTES);
  region_slot saved = *region_store_active(&store);
  fill(bytes, 8);
  region_store_commit(&store, bytes, REGION_BYTES);
  CHECK(!region_store_adopt(&store, &saved)); // RAM already holds a region
  region_store_clear(&store);
  CHECK(region_store_adopt(&store, &saved));
  CHECK_EQ(region_store_active(&store)->bytes[0], 7);
  saved.bytes[3] ^= 1; // corrupted copy
  region_store_clear(&store);
  CHECK(!region_store_adopt(&store, &saved));
}

TEST(verify_finds_the_newest_valid_slot_in_ram_of_unknown_state) {
  commit_two(3, 4);
  store.active = 0x5a5a5a5a; // RAM kept over a reset: the index is garbage, the slots are not
  CHECK(region_store_active(&store) == NULL);
  CHECK_EQ(region_store_verify(&store)->bytes[0], 4);
  CHECK_EQ(region_store_active(&store)->sequence, 2);
  memset(&store, 0x5a, sizeof store); // RAM after power-up
  CHECK(region_store_verify(&store) == NULL);
  CHECK_EQ(store.active, -1);
}
