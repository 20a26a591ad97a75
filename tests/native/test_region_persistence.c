#include <string.h>

#include "fake_hal.h"
#include "region_persistence.h"
#include "test.h"

static region_store ram;
static region_persistence persistence;

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
  region_persistence_step(&persistence);
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
  region_persistence_step(&persistence);
  CHECK_EQ(fake.save_count, 0); // already there
}

TEST(each_new_commit_is_saved_once) {
  region_store_clear(&ram);
  region_restore(&persistence, &ram);
  commit(3);
  region_persistence_step(&persistence);
  region_persistence_step(&persistence);
  CHECK_EQ(fake.save_count, 1);
  commit(4);
  region_persistence_step(&persistence);
  CHECK_EQ(fake.save_count, 2);
  CHECK_EQ(fake.saved_region.bytes[0], 4);
}

TEST(a_failed_save_is_logged_and_not_retried_for_that_commit) {
  region_store_clear(&ram);
  region_restore(&persistence, &ram);
  fake.fail_save = true;
  commit(5);
  region_persistence_step(&persistence);
  region_persistence_step(&persistence);
  CHECK_EQ(fake.save_count, 1);
  CHECK(strstr(fake.last_log, "could not be saved") != NULL);
  fake.fail_save = false;
  commit(6);
  region_persistence_step(&persistence);
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
