// The device key's flash record (native/common/key_record.c) on the fake
// flash: it reads back what was saved, survives a restart, and a power cut at
// every erase and program of a save (nothing done, or torn) leaves the
// previous key or the new one, whole.
#include <string.h>

#include "fake_flash.h"
#include "key_record.h"
#include "test.h"

static fake_flash flash;

static void key_of(uint8_t *key, size_t len, uint8_t seed) {
  for (size_t i = 0; i < len; i++) key[i] = (uint8_t)(seed * 31u + i * 7u);
}

TEST(a_saved_key_reads_back_and_none_reads_as_zero) {
  fake_flash_init(&flash, KEY_RECORD_SECTORS);
  uint8_t out[KEY_RECORD_MAX_KEY], key[121];
  CHECK_EQ(key_record_load(&flash.device, out, sizeof out), 0);
  key_of(key, sizeof key, 1);
  CHECK(key_record_save(&flash.device, key, sizeof key));
  CHECK_EQ(key_record_load(&flash.device, out, sizeof out), sizeof key);
  CHECK(memcmp(out, key, sizeof key) == 0);
  CHECK_EQ(key_record_load(&flash.device, out, 100), -1); // does not fit
  for (uint8_t seed = 2; seed < 7; seed++) { // each save lands in the other sector
    key_of(key, sizeof key, seed);
    CHECK(key_record_save(&flash.device, key, sizeof key));
    CHECK_EQ(key_record_load(&flash.device, out, sizeof out), sizeof key);
    CHECK(memcmp(out, key, sizeof key) == 0);
  }
  CHECK_EQ(flash.erases[0] + flash.erases[1], 6);
  CHECK(!key_record_save(&flash.device, key, KEY_RECORD_MAX_KEY + 1));
  CHECK(!key_record_save(&flash.device, key, 0));
  CHECK_EQ(flash.violations, 0);
}

TEST(a_power_cut_at_any_step_of_a_save_leaves_the_old_key_or_the_new_one_whole) {
  uint8_t old_key[121], new_key[121], out[KEY_RECORD_MAX_KEY];
  key_of(old_key, sizeof old_key, 10);
  key_of(new_key, sizeof new_key, 11);
  unsigned olds = 0, news = 0;
  for (int had_old = 0; had_old < 2; had_old++) {
    for (int saves_before = 0; saves_before < 3; saves_before++) { // the record in sector 0 or 1
      for (uint32_t cut = 1; cut <= 2; cut++) { // the save's erase, then its program
        for (int kind = CUT_BEFORE; kind <= CUT_TORN; kind++) {
          for (uint32_t seed = 0; seed < (kind == CUT_TORN ? 16u : 1u); seed++) {
            fake_flash_init(&flash, KEY_RECORD_SECTORS);
            if (had_old) {
              for (int i = 0; i <= saves_before; i++) CHECK(key_record_save(&flash.device, old_key, sizeof old_key));
            }
            flash.cut_at = flash.operations + cut;
            flash.cut_kind = (fake_flash_cut)kind;
            flash.random = seed * 2654435761u + cut;
            CHECK(!key_record_save(&flash.device, new_key, sizeof new_key));
            fake_flash_power_on(&flash);
            int32_t n = key_record_load(&flash.device, out, sizeof out);
            if (n == 0) CHECK(!had_old); // nothing stored before: nothing, never garbage
            else {
              CHECK_EQ(n, sizeof new_key);
              bool is_old = memcmp(out, old_key, sizeof old_key) == 0, is_new = memcmp(out, new_key, sizeof new_key) == 0;
              CHECK(is_old || is_new);
              CHECK(had_old || is_new);
              olds += is_old, news += is_new;
            }
            // A later save works as if nothing had happened.
            CHECK(key_record_save(&flash.device, new_key, sizeof new_key));
            CHECK_EQ(key_record_load(&flash.device, out, sizeof out), sizeof new_key);
            CHECK(memcmp(out, new_key, sizeof new_key) == 0);
            CHECK_EQ(flash.violations, 0);
          }
        }
      }
    }
  }
  CHECK(olds > 0); // the cuts did leave the previous key in place
}
