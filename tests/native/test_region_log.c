#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_flash.h"
#include "region_log.h"
#include "test.h"
#include "xorshift.h"

static fake_flash flash;
static region_log log_, again;

static uint32_t rng = 12345;
static uint32_t next_random(void) { return xorshift32(&rng); }

static void fill(uint8_t *bytes, uint8_t value) { memset(bytes, value, REGION_BYTES); }

static void check_no_violation(void) {
  CHECK_EQ(flash.violations, 0);
  if (flash.violations) printf("    first violation: %s\n", flash.first_violation);
}

TEST(the_fake_flash_refuses_what_the_rp2040s_flash_cannot_do) {
  fake_flash_init(&flash, 2);
  uint8_t page[FLASH_PROGRAM_BYTES];
  memset(page, 0x0F, sizeof page);
  CHECK(flash.device.program(flash.device.ctx, 256, page));
  memset(page, 0xF0, sizeof page); // would need bits 0 -> 1
  CHECK(!flash.device.program(flash.device.ctx, 256, page));
  CHECK(!flash.device.program(flash.device.ctx, 100, page)); // not on a page boundary
  CHECK(!flash.device.erase(flash.device.ctx, 2048));        // not on a sector boundary
  CHECK(!flash.device.erase(flash.device.ctx, 2 * FLASH_ERASE_BYTES)); // outside
  CHECK_EQ(flash.violations, 4);
  memset(page, 0x0F, sizeof page); // programming the same bits again changes nothing and is allowed
  CHECK(flash.device.program(flash.device.ctx, 256, page));
  CHECK_EQ(flash.violations, 4);
  CHECK(flash.device.erase(flash.device.ctx, 0));
  CHECK_EQ(flash.bytes[256], 0xFF);
}

TEST(a_blank_flash_holds_no_region_until_the_first_append) {
  fake_flash_init(&flash, 4);
  CHECK(!region_log_mount(&log_, &flash.device, REGION_LOG_DELTAS));
  uint8_t bytes[REGION_BYTES];
  for (unsigned i = 0; i < REGION_BYTES; i++) bytes[i] = (uint8_t)(i * 13);
  CHECK(region_log_append(&log_, bytes, 7));
  CHECK(region_log_mount(&again, &flash.device, REGION_LOG_DELTAS));
  CHECK_EQ(again.commit, 7);
  CHECK(memcmp(again.image, bytes, REGION_BYTES) == 0);
  CHECK_EQ(flash.erases[0], 1); // erased before its first use: the flash is never assumed blank
  check_no_violation();
}

TEST(a_small_change_is_a_delta_a_large_one_an_image) {
  fake_flash_init(&flash, 4);
  region_log_mount(&log_, &flash.device, REGION_LOG_DELTAS);
  uint8_t bytes[REGION_BYTES];
  fill(bytes, 0);
  CHECK(region_log_append(&log_, bytes, 1));
  CHECK_EQ(log_.stats.last_record_bytes, REGION_LOG_HEADER_BYTES + REGION_BYTES);
  bytes[500] = 1;
  CHECK(region_log_append(&log_, bytes, 2));
  CHECK_EQ(log_.stats.last_record_bytes, REGION_LOG_HEADER_BYTES + 4 + 1); // one run of one byte
  bytes[10] = 2, bytes[12] = 3;                                              // close together: one run
  CHECK(region_log_append(&log_, bytes, 3));
  CHECK_EQ(log_.stats.last_record_bytes, REGION_LOG_HEADER_BYTES + 4 + 3);
  CHECK(region_log_append(&log_, bytes, 4)); // same bytes, newer commit: a header alone
  CHECK_EQ(log_.stats.last_record_bytes, REGION_LOG_HEADER_BYTES);
  uint32_t records = log_.stats.images + log_.stats.deltas;
  CHECK(region_log_append(&log_, bytes, 4)); // nothing new: nothing written
  CHECK_EQ(log_.stats.images + log_.stats.deltas, records);
  fill(bytes, 0x55);
  CHECK(region_log_append(&log_, bytes, 5));
  CHECK_EQ(log_.stats.last_record_bytes, REGION_LOG_HEADER_BYTES + REGION_BYTES);
  CHECK_EQ(log_.stats.images, 2);
  CHECK(region_log_mount(&again, &flash.device, REGION_LOG_DELTAS));
  CHECK_EQ(again.commit, 5);
  CHECK(memcmp(again.image, bytes, REGION_BYTES) == 0);
  check_no_violation();
}

TEST(the_ring_wears_its_sectors_evenly_and_keeps_the_newest) {
  fake_flash_init(&flash, 4);
  region_log_mount(&log_, &flash.device, REGION_LOG_IMAGES);
  uint8_t bytes[REGION_BYTES];
  for (uint32_t commit = 1; commit <= 120; commit++) {
    fill(bytes, (uint8_t)commit);
    CHECK(region_log_append(&log_, bytes, commit));
  }
  // 3 images per sector: 40 sectors opened over 4 sectors.
  for (int s = 0; s < 4; s++) CHECK_EQ(flash.erases[s], 10);
  CHECK(region_log_mount(&again, &flash.device, REGION_LOG_IMAGES));
  CHECK_EQ(again.commit, 120);
  CHECK_EQ(again.image[1023], 120);
  check_no_violation();
}

TEST(a_flash_full_of_other_bytes_reads_as_no_region_and_is_taken_over) {
  fake_flash_init(&flash, 4);
  for (uint32_t i = 0; i < flash.device.size; i++) flash.bytes[i] = (uint8_t)next_random();
  memset(flash.bytes, 0x00, 2 * FLASH_ERASE_BYTES);
  CHECK(!region_log_mount(&log_, &flash.device, REGION_LOG_DELTAS));
  uint8_t bytes[REGION_BYTES];
  fill(bytes, 9);
  for (uint32_t commit = 1; commit <= 20; commit++) {
    bytes[commit] = (uint8_t)commit;
    CHECK(region_log_append(&log_, bytes, commit));
  }
  CHECK(region_log_mount(&again, &flash.device, REGION_LOG_DELTAS));
  CHECK_EQ(again.commit, 20);
  CHECK(memcmp(again.image, bytes, REGION_BYTES) == 0);
  check_no_violation();
}

TEST(a_record_that_does_not_check_is_skipped_and_never_appended_after) {
  fake_flash_init(&flash, 4);
  region_log_mount(&log_, &flash.device, REGION_LOG_DELTAS);
  uint8_t first[REGION_BYTES], second[REGION_BYTES];
  fill(first, 1);
  memcpy(second, first, REGION_BYTES);
  second[3] = 2;
  CHECK(region_log_append(&log_, first, 1));
  CHECK(region_log_append(&log_, second, 2));
  flash.bytes[REGION_LOG_HEADER_BYTES + REGION_BYTES + REGION_LOG_HEADER_BYTES + 4] ^= 0x01; // the delta's byte
  CHECK(region_log_mount(&again, &flash.device, REGION_LOG_DELTAS));
  CHECK_EQ(again.commit, 1);
  CHECK(memcmp(again.image, first, REGION_BYTES) == 0);
  CHECK(again.head_closed);
  CHECK(region_log_append(&again, second, 3));
  CHECK_EQ(again.head, 1); // moved on: the bad bytes stay where they are
  CHECK(region_log_mount(&log_, &flash.device, REGION_LOG_DELTAS));
  CHECK_EQ(log_.commit, 3);
  check_no_violation();
}

// ---- power cuts at every erase and program of a long random run of commits ----

#define CUT_SECTORS 4
#define CUT_COMMITS 400
#define CUT_AREA (CUT_SECTORS * FLASH_ERASE_BYTES)

static uint8_t regions[CUT_COMMITS][REGION_BYTES];

/** Commit k + 1 sets regions[k]: an edit of a kind a ConfigMap change makes, drawn at random. */
static void draw_commits(void) {
  rng = 2024;
  for (unsigned i = 0; i < REGION_BYTES; i++) regions[0][i] = (uint8_t)next_random();
  for (int k = 1; k < CUT_COMMITS; k++) {
    memcpy(regions[k], regions[k - 1], REGION_BYTES);
    uint32_t kind = next_random() % 100;
    if (kind < 40) { // one value
      regions[k][next_random() % REGION_BYTES] ^= (uint8_t)(1 + next_random() % 255);
    } else if (kind < 70) { // a few values here and there
      for (int n = 0; n < 8; n++) regions[k][next_random() % REGION_BYTES] = (uint8_t)next_random();
    } else if (kind < 85) { // a block
      uint32_t at = next_random() % (REGION_BYTES - 64), n = 16 + next_random() % 48;
      for (uint32_t i = 0; i < n; i++) regions[k][at + i] = (uint8_t)next_random();
    } else if (kind < 95) { // the whole region
      for (unsigned i = 0; i < REGION_BYTES; i++) regions[k][i] = (uint8_t)next_random();
    } // else: the same bytes again
  }
}

typedef struct snapshot {
  uint8_t bytes[CUT_AREA];
  region_log log;
  uint32_t operations;
} snapshot;

typedef struct cut_outcomes {
  uint32_t erases, programs; // of the run without cuts
  uint32_t cuts, previous, fresh, none, wrong;
} cut_outcomes;

static void power_cuts(region_log_format format, cut_outcomes *out) {
  // One run without a cut, keeping the flash and the log before each commit.
  snapshot *before = malloc(sizeof(snapshot) * (CUT_COMMITS + 1));
  fake_flash_init(&flash, CUT_SECTORS);
  region_log_mount(&log_, &flash.device, format);
  for (int k = 0; k < CUT_COMMITS; k++) {
    memcpy(before[k].bytes, flash.bytes, CUT_AREA);
    before[k].log = log_;
    before[k].operations = flash.operations;
    CHECK(region_log_append(&log_, regions[k], (uint32_t)k + 1));
  }
  uint32_t total = before[CUT_COMMITS].operations = flash.operations;
  out->programs = flash.programs;
  out->erases = total - flash.programs;
  check_no_violation();

  for (uint32_t cut = 1; cut <= total; cut++) {
    for (int kind = CUT_BEFORE; kind <= CUT_TORN; kind++) {
      int k = 0; // the commit during which power fails
      while (before[k + 1].operations < cut) k++;
      memcpy(flash.bytes, before[k].bytes, CUT_AREA);
      flash.operations = before[k].operations;
      flash.powered_off = false;
      flash.cut_at = cut;
      flash.cut_kind = (fake_flash_cut)kind;
      flash.random = cut * 2654435761u + (uint32_t)kind;
      log_ = before[k].log;
      CHECK(!region_log_append(&log_, regions[k], (uint32_t)k + 1));
      CHECK(flash.powered_off);

      // Power returns: a fresh boot reads the flash.
      fake_flash_power_on(&flash);
      out->cuts++;
      if (!region_log_mount(&again, &flash.device, format)) {
        if (k == 0) out->none++;
        else out->wrong++;
      } else if (again.commit == (uint32_t)k + 1 && memcmp(again.image, regions[k], REGION_BYTES) == 0) {
        out->fresh++;
      } else if (k > 0 && again.commit == (uint32_t)k && memcmp(again.image, regions[k - 1], REGION_BYTES) == 0) {
        out->previous++;
      } else {
        out->wrong++;
      }
      // The log goes on from there with two other regions (a torn record programmed again with the same
      // bytes would only be completed), read back whole.
      const uint8_t *last = NULL;
      for (uint32_t step = 1; step <= 2; step++) {
        last = regions[((uint32_t)k + step) % CUT_COMMITS];
        CHECK(region_log_append(&again, last, (uint32_t)k + 1 + step));
      }
      CHECK(region_log_mount(&log_, &flash.device, format));
      CHECK_EQ(log_.commit, (uint32_t)k + 3);
      CHECK(memcmp(log_.image, last, REGION_BYTES) == 0);
      if (flash.violations) break;
    }
    if (flash.violations) break;
  }
  check_no_violation();
  free(before);
}

TEST(a_power_cut_at_any_erase_or_program_leaves_the_previous_or_the_new_region_whole) {
  draw_commits();
  const char *names[] = {"deltas", "images"};
  for (int format = REGION_LOG_DELTAS; format <= REGION_LOG_IMAGES; format++) {
    cut_outcomes out = {0};
    power_cuts((region_log_format)format, &out);
    printf("    %s: %d commits on %d sectors took %lu erases and %lu page programs; a power cut at each "
           "(before it, and torn): %lu boots found the previous region %lu times, the new one %lu, none (first "
           "commit) %lu, anything else %lu\n",
           names[format], CUT_COMMITS, CUT_SECTORS, (unsigned long)out.erases, (unsigned long)out.programs,
           (unsigned long)out.cuts, (unsigned long)out.previous,
           (unsigned long)out.fresh, (unsigned long)out.none, (unsigned long)out.wrong);
    CHECK_EQ(out.wrong, 0);
    CHECK(out.previous > 0);
  }
}
