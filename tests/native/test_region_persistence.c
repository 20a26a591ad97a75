#include <string.h>

#include "fake_hal.h"
#include "region_persistence.h"
#include "shell_config.h"
#include "test.h"

static region_store ram;
static region_persistence persistence;

/** Steps the persistence as the main loop would, over ms of time. */
static void run_for(uint32_t ms) {
  for (uint32_t t = 0; t < ms; t += TICK_INTERVAL_MS) {
    region_persistence_step(&persistence);
    fake.now_ms += TICK_INTERVAL_MS;
  }
  region_persistence_step(&persistence);
}

static void commit(uint8_t value) {
  uint8_t bytes[REGION_BYTES];
  memset(bytes, value, sizeof bytes);
  region_store_commit(&ram, bytes, sizeof bytes);
}

TEST(nothing_anywhere_means_no_region) {
  memset(&ram, 0x5a, sizeof ram); // RAM after power-up holds garbage
  CHECK_EQ(region_restore(&persistence, &ram), REGION_NONE);
  CHECK(region_store_active(&ram) == NULL);
  region_persistence_step(&persistence);
  CHECK_EQ(fake.save_count, 0);
}

TEST(ram_kept_over_a_reset_wins_and_is_saved_if_storage_is_older) {
  region_store_clear(&ram);
  commit(1);
  fake.saved_region = *region_store_active(&ram);
  fake.has_saved_region = true;
  commit(2); // committed, then a watchdog reset before the save
  CHECK_EQ(region_restore(&persistence, &ram), REGION_FROM_RAM);
  CHECK_EQ(region_store_active(&ram)->bytes[0], 2);
  run_for(REGION_PERSIST_DELAY_MS);
  CHECK_EQ(fake.save_count, 1);
  CHECK_EQ(fake.saved_region.bytes[0], 2);
}

TEST(storage_fills_in_after_power_loss) {
  region_store_clear(&ram);
  commit(9);
  fake.saved_region = *region_store_active(&ram);
  fake.has_saved_region = true;
  memset(&ram, 0xff, sizeof ram); // power loss: RAM content gone
  CHECK_EQ(region_restore(&persistence, &ram), REGION_FROM_STORAGE);
  CHECK_EQ(region_store_active(&ram)->bytes[0], 9);
  run_for(REGION_PERSIST_DELAY_MS);
  CHECK_EQ(fake.save_count, 0); // already there
}

TEST(a_commit_is_saved_once_the_delay_has_passed) {
  region_store_clear(&ram);
  region_restore(&persistence, &ram);
  commit(3);
  run_for(REGION_PERSIST_DELAY_MS - TICK_INTERVAL_MS);
  CHECK_EQ(fake.save_count, 0);
  run_for(TICK_INTERVAL_MS);
  CHECK_EQ(fake.save_count, 1);
  CHECK_EQ(fake.saved_region.bytes[0], 3);
  run_for(3 * REGION_PERSIST_DELAY_MS);
  CHECK_EQ(fake.save_count, 1); // saved once
}

TEST(a_burst_of_commits_is_saved_once_with_the_last) {
  region_store_clear(&ram);
  region_restore(&persistence, &ram);
  for (uint8_t v = 1; v <= 5; v++) {
    commit(v);
    run_for(REGION_PERSIST_DELAY_MS / 10);
  }
  run_for(REGION_PERSIST_DELAY_MS);
  CHECK_EQ(fake.save_count, 1);
  CHECK_EQ(fake.saved_region.bytes[0], 5);
  CHECK_EQ(fake.saved_region.sequence, 5);
}

TEST(commits_that_never_stop_are_still_saved_within_the_delay) {
  // One change every 10 s for ten delays: the delay counts from the first unsaved commit, so it is no
  // debounce that a steady stream of changes postpones for ever. At every moment, storage holds the
  // state applied one delay (and a loop step) ago, or a newer one.
  region_store_clear(&ram);
  region_restore(&persistence, &ram);
  uint32_t start = fake.now_ms, applied_at[256] = {0};
  uint8_t newest = 0;
  bool bound_held = true;
  for (uint32_t t = 0; t < 10 * REGION_PERSIST_DELAY_MS; t += TICK_INTERVAL_MS) {
    if (t % 10000 == 0) {
      commit(++newest);
      applied_at[newest] = fake.now_ms;
    }
    region_persistence_step(&persistence);
    uint8_t saved = fake.has_saved_region ? fake.saved_region.bytes[0] : 0;
    for (uint8_t v = saved + 1; v <= newest; v++)
      if (fake.now_ms - applied_at[v] > REGION_PERSIST_DELAY_MS) bound_held = false;
    fake.now_ms += TICK_INTERVAL_MS;
  }
  CHECK(bound_held);
  // 60 commits; a write per delay and the 10 s until the next commit starts another: 8 of them.
  CHECK_EQ(fake.save_count, 8);
  CHECK(fake.now_ms - start >= 10 * REGION_PERSIST_DELAY_MS);
}

TEST(a_failed_save_is_logged_and_not_retried_for_that_commit) {
  region_store_clear(&ram);
  region_restore(&persistence, &ram);
  fake.fail_save = true;
  commit(5);
  run_for(2 * REGION_PERSIST_DELAY_MS);
  CHECK_EQ(fake.save_count, 1);
  CHECK(strstr(fake.last_log, "could not be saved") != NULL);
  fake.fail_save = false;
  commit(6);
  run_for(REGION_PERSIST_DELAY_MS);
  CHECK_EQ(fake.save_count, 2);
}

TEST(a_corrupt_storage_copy_is_ignored) {
  region_store_clear(&ram);
  commit(7);
  fake.saved_region = *region_store_active(&ram);
  fake.saved_region.bytes[100] ^= 0x40;
  fake.has_saved_region = true;
  region_store_clear(&ram);
  CHECK_EQ(region_restore(&persistence, &ram), REGION_NONE);
}
