// Flash wear of the region's power-loss copy (npm run bench:flash): a
// simulated day of ConfigMap changes, one every 10 s, through the real
// coalescing (region_persistence.c) and the real log (region_log.c) on a fake
// flash the size of the board's log area (native/pico/flash_layout.h).
// Prints records and erases per day and the years until the most-erased
// sector reaches 100k cycles, for several kinds of edit, deltas against whole
// images, and several coalescing delays. Needs only a C compiler.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../native/pico/flash_layout.h"
#include "fake_flash.h"
#include "hal.h"
#include "region_log.h"
#include "region_persistence.h"
#include "shell_config.h"
#include "xorshift.h"

#define DAY_MS (24u * 3600u * 1000u)
#define CHANGE_EVERY_MS 10000u
#define STEP_MS 1000u // the main loop steps every 50 ms; a second is close enough for a delay of seconds
#define RATED_CYCLES 100000.0

// ---- the HAL the persistence needs: a clock and the log on the fake flash ----

static uint32_t now_ms;
static fake_flash flash;
static region_log log_;

uint32_t hal_now_ms(void) { return now_ms; }
void hal_log(int level, const char *text, size_t len) {
  (void)level, (void)text, (void)len;
}
bool hal_region_load(void *slot, size_t size) {
  (void)slot, (void)size;
  return false;
}
bool hal_region_save(const void *slot, size_t size) {
  const region_slot *s = slot;
  return size == sizeof *s && region_log_append(&log_, s->bytes, s->sequence);
}

// ---- edits ----

static uint32_t rng = 1;
static uint32_t next_random(void) { return xorshift32(&rng); }

typedef struct edit {
  const char *name;
  unsigned scattered; // values changed at random places
  unsigned block;     // or: one run of this many bytes
} edit;

static const edit EDITS[] = {
    {"one value", 1, 0},
    {"8 values here and there", 8, 0},
    {"a 64-byte block", 0, 64},
    {"all 1024 bytes", 0, REGION_BYTES},
};

static void apply(const edit *e, uint8_t *bytes) {
  for (unsigned i = 0; i < e->scattered; i++) bytes[next_random() % REGION_BYTES] ^= (uint8_t)(1 + next_random() % 255);
  if (e->block) {
    uint32_t at = e->block == REGION_BYTES ? 0 : next_random() % (REGION_BYTES - e->block);
    for (unsigned i = 0; i < e->block; i++) bytes[at + i] ^= (uint8_t)(1 + next_random() % 255);
  }
}

// ---- a simulated day ----

typedef struct day {
  uint32_t commits, records, record_bytes, erases, max_sector_erases, min_sector_erases;
} day; // records: saves that wrote one

static day simulate(const edit *e, region_log_format format, uint32_t delay_ms) {
  static region_store ram;
  static region_persistence persistence;
  fake_flash_init(&flash, FLASH_REGION_LOG_SECTORS);
  region_log_mount(&log_, &flash.device, format);
  region_store_clear(&ram);
  now_ms = 0;
  rng = 7;
  region_restore(&persistence, &ram);
  persistence.delay_ms = delay_ms;
  uint8_t bytes[REGION_BYTES];
  for (unsigned i = 0; i < REGION_BYTES; i++) bytes[i] = (uint8_t)next_random();
  day d = {0};
  for (now_ms = 0; now_ms < DAY_MS; now_ms += STEP_MS) {
    if (now_ms % CHANGE_EVERY_MS == 0) {
      apply(e, bytes);
      region_store_commit(&ram, bytes, REGION_BYTES);
      d.commits++;
    }
    region_persistence_step(&persistence);
  }
  d.records = log_.stats.images + log_.stats.deltas;
  d.record_bytes = log_.stats.record_bytes;
  d.min_sector_erases = UINT32_MAX;
  for (uint32_t s = 0; s < FLASH_REGION_LOG_SECTORS; s++) {
    d.erases += flash.erases[s];
    if (flash.erases[s] > d.max_sector_erases) d.max_sector_erases = flash.erases[s];
    if (flash.erases[s] < d.min_sector_erases) d.min_sector_erases = flash.erases[s];
  }
  if (flash.violations) {
    fprintf(stderr, "flash rule broken: %s\n", flash.first_violation);
    exit(1);
  }
  return d;
}

static void row(const char *what, day d) {
  // The ring erases its sectors in turn: each is within one erase of the mean.
  double per_sector = (double)d.erases / FLASH_REGION_LOG_SECTORS;
  char spread[24];
  snprintf(spread, sizeof spread, "(%lu-%lu)", (unsigned long)d.min_sector_erases, (unsigned long)d.max_sector_erases);
  printf("  %-26s %8lu %7lu %9.1f %8lu %7.1f %-9s %7.1f\n", what, (unsigned long)d.records,
         (unsigned long)(d.records ? d.record_bytes / d.records : 0), d.record_bytes / 1024.0, (unsigned long)d.erases,
         per_sector, spread, RATED_CYCLES / per_sector / 365.25);
}

static void header(const char *first) {
  printf("  %-26s %8s %7s %9s %8s %-17s %7s\n", first, "saves", "B/save", "KB/day", "erases", " per sector/day",
         "years");
}

int main(void) {
  printf("region log: %u sectors (%u KB) at flash offset 0x%06X; one change every %u s for a simulated day; "
         "a sector is rated %.0f erase cycles\n",
         FLASH_REGION_LOG_SECTORS, FLASH_REGION_LOG_BYTES / 1024, FLASH_REGION_LOG_OFFSET, CHANGE_EVERY_MS / 1000,
         RATED_CYCLES);
  printf("before this log: every commit erased one sector: %u erases a day, its rating reached in %.1f days\n",
         DAY_MS / CHANGE_EVERY_MS, RATED_CYCLES / (DAY_MS / CHANGE_EVERY_MS));

  printf("\n== deltas (an image when that is smaller), saves coalesced over %u s (REGION_PERSIST_DELAY_MS)\n",
         REGION_PERSIST_DELAY_MS / 1000);
  header("edit");
  for (size_t i = 0; i < sizeof EDITS / sizeof EDITS[0]; i++)
    row(EDITS[i].name, simulate(&EDITS[i], REGION_LOG_DELTAS, REGION_PERSIST_DELAY_MS));
  printf("\n== whole images only, the same delay\n");
  header("edit");
  row("any (an image is 1040 B)", simulate(&EDITS[0], REGION_LOG_IMAGES, REGION_PERSIST_DELAY_MS));

  static const uint32_t delays_s[] = {0, 10, 30, 60, 120, 300};
  for (size_t k = 1; k < sizeof EDITS / sizeof EDITS[0]; k += 2) {
    printf("\n== the coalescing delay, deltas, edit: %s\n", EDITS[k].name);
    header("delay");
    for (size_t i = 0; i < sizeof delays_s / sizeof delays_s[0]; i++) {
      char what[32];
      snprintf(what, sizeof what, "%lu s", (unsigned long)delays_s[i]);
      row(what, simulate(&EDITS[k], REGION_LOG_DELTAS, delays_s[i] * 1000u));
    }
  }
  return 0;
}
