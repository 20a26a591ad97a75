// The A/B update engine (native/common/ota_boot.c, ota_swap.c, ota_state.c) on
// the fake flash: an install swaps the images exactly, a new image that never
// confirms is swapped back after OTA_TRIAL_BOOTS boots and the rollback is
// reported once, a confirmed image stays; a power cut at every erase and
// program (nothing done, or torn), and a second cut while resuming, never
// lets a boot run a half-swapped slot; garbage in the state area is ignored;
// and the wear figures (swap erases, state area erases per update) hold.
#include <stdlib.h>
#include <string.h>

#include "crc32.h"
#include "fake_flash.h"
#include "le_bytes.h"
#include "ota_boot.h"
#include "ota_state.h"
#include "test.h"
#include "xorshift.h"

#define SECTOR FLASH_ERASE_BYTES
#define MAX_IMAGE (169u * SECTOR)

static fake_flash flash, base;
static uint8_t old_image[MAX_IMAGE], new_image[MAX_IMAGE], third_image[MAX_IMAGE];
static uint32_t old_len, new_len;
// The images a boot may find in the run slot: the one installed before, and the one being installed.
static const uint8_t *older, *newer;
static uint32_t older_len, newer_len;

static void installing(const uint8_t *previous, uint32_t previous_len, const uint8_t *next, uint32_t next_len) {
  older = previous, older_len = previous_len;
  newer = next, newer_len = next_len;
}

/** Areas on one fake flash: run slot, download slot, then the state area. */
static ota_areas layout(fake_flash *f, uint32_t slot_sectors, uint32_t state_sectors) {
  fake_flash_init(f, 2 * slot_sectors + state_sectors);
  return (ota_areas){.flash = &f->device, .run_offset = 0, .download_offset = slot_sectors * SECTOR,
                     .slot_sectors = slot_sectors, .state_offset = 2 * slot_sectors * SECTOR,
                     .state_sectors = state_sectors};
}


/** A stand-in for a signed image: "IMG!", its length, a CRC-32 of the rest, random bytes. */
static uint32_t make_image(uint8_t *image, uint32_t len, uint32_t seed) {
  uint32_t state = seed * 2654435761u + 1u;
  for (uint32_t i = 0; i < len; i++) image[i] = (uint8_t)xorshift32(&state);
  memcpy(image, "IMG!", 4);
  le_put32(image + 4, len);
  le_put32(image + 8, crc32_of(image + 12, len - 12));
  return len;
}

/** The bootloader's check, faked: the image's header and CRC, read from flash (a signature check, in short). */
static unsigned checks;
static bool image_whole(void *ctx, const flash_device *device, uint32_t offset, uint32_t sectors) {
  (void)ctx;
  checks++;
  uint8_t header[12], chunk[256];
  if (!device->read(device->ctx, offset, header, sizeof header) || memcmp(header, "IMG!", 4) != 0) return false;
  uint32_t len = le_get32(header + 4);
  if (len < sizeof header || len > sectors * SECTOR) return false;
  uint32_t crc = 0;
  for (uint32_t at = sizeof header; at < len; at += sizeof chunk) {
    uint32_t n = len - at < sizeof chunk ? len - at : sizeof chunk;
    if (!device->read(device->ctx, offset + at, chunk, n)) return false;
    crc = crc32_update(crc, chunk, n);
  }
  return crc == le_get32(header + 8);
}

/** What the updater does after a verified download: the image into the download slot (written here directly). */
static void download(const ota_areas *a, const uint8_t *image, uint32_t len) {
  memset(flash.bytes + a->download_offset, 0xFF, a->slot_sectors * SECTOR);
  memcpy(flash.bytes + a->download_offset, image, len);
}

static bool slot_holds(uint32_t offset, const uint8_t *image, uint32_t len) {
  return memcmp(flash.bytes + offset, image, len) == 0;
}

/** One boot: when it says to boot the run slot, that slot holds old or new whole (on trial: new; after a
 *  rollback: old). */
static unsigned trial_boots;
static bool boot(const ota_areas *a, ota_boot_result *r) {
  bool ok = ota_boot(a, image_whole, NULL, r);
  if (ok && r->action == OTA_BOOT_RUN_SLOT) {
    bool is_new = slot_holds(a->run_offset, newer, newer_len), is_old = slot_holds(a->run_offset, older, older_len);
    CHECK(is_new || is_old);
    if (r->state.phase == OTA_TRIAL) {
      CHECK(is_new);
      trial_boots++;
    }
    if (r->state.phase == OTA_ROLLED_BACK) CHECK(is_old);
  }
  CHECK(!ok || r->action == OTA_BOOT_RUN_SLOT); // every state here has a good image to boot
  return ok;
}

/** Boots until a boot completes, power coming back after each failure. */
static ota_boot_result boot_through(const ota_areas *a) {
  ota_boot_result r;
  for (int tries = 0; tries < 10 && !boot(a, &r); tries++) fake_flash_power_on(&flash);
  CHECK_EQ(flash.powered_off, 0);
  return r;
}

/** RUN = old image with the state knowing its size (installed by an update) or not (flashed at the factory). */
static ota_areas start(uint32_t slot_sectors, uint32_t old_bytes, uint32_t new_bytes, bool factory) {
  ota_areas a = layout(&flash, slot_sectors, 4);
  old_len = make_image(old_image, old_bytes, 1);
  new_len = make_image(new_image, new_bytes, 2);
  installing(old_image, old_len, new_image, new_len);
  if (factory) {
    memcpy(flash.bytes + a.run_offset, old_image, old_len);
  } else { // the old image arrives by an update itself
    download(&a, old_image, old_len);
    CHECK(ota_request_install(&a, old_len, 0));
    ota_boot_result r;
    CHECK(ota_boot(&a, image_whole, NULL, &r) && ota_confirm(&a));
  }
  CHECK(slot_holds(a.run_offset, old_image, old_len));
  return a;
}

TEST(an_install_swaps_the_images_and_a_confirmed_one_stays) {
  ota_areas a = start(8, 3 * SECTOR + 100, 5 * SECTOR - 7, true);
  ota_boot_result r = boot_through(&a);
  CHECK_EQ(r.state.phase, OTA_IDLE);
  CHECK_EQ(r.swap_steps, 0);
  CHECK(!ota_request_install(&a, 0, 0));
  CHECK(!ota_request_install(&a, 7 * SECTOR + 1, 0)); // the swap needs a sector more than the image
  download(&a, new_image, new_len);
  CHECK(ota_request_install(&a, new_len, 0));
  r = boot_through(&a);
  CHECK_EQ(r.state.phase, OTA_TRIAL);
  CHECK_EQ(r.state.attempts, 1);
  CHECK_EQ(r.swap_steps, 3 * 7); // the factory image's size is not known: the whole usable slot
  CHECK(slot_holds(a.run_offset, new_image, new_len));
  CHECK(slot_holds(a.download_offset, old_image, old_len));
  CHECK(!ota_download_free(&a)); // the old image is what a rollback needs
  CHECK(!ota_request_install(&a, new_len, 0));
  CHECK_EQ(ota_status(&a).phase, OTA_TRIAL);
  CHECK(ota_confirm(&a));
  CHECK(ota_confirm(&a));
  CHECK_EQ(ota_status(&a).phase, OTA_CONFIRMED);
  uint32_t programs = flash.programs;
  for (int i = 0; i < 20; i++) {
    r = boot_through(&a);
    CHECK_EQ(r.state.phase, OTA_CONFIRMED);
    CHECK(slot_holds(a.run_offset, new_image, new_len));
  }
  CHECK_EQ(flash.programs, programs); // a plain boot writes nothing

  // The next update, smaller: only the sectors the images take are swapped.
  CHECK(ota_download_free(&a));
  uint32_t third_len = make_image(third_image, 2 * SECTOR, 3);
  installing(new_image, new_len, third_image, third_len);
  download(&a, third_image, third_len);
  CHECK(ota_request_install(&a, third_len, 0));
  r = boot_through(&a);
  CHECK_EQ(r.swap_steps, 3 * 5);
  CHECK(slot_holds(a.run_offset, third_image, third_len));
  CHECK(slot_holds(a.download_offset, new_image, new_len));
  CHECK(ota_confirm(&a));
  CHECK_EQ(flash.violations, 0);
}

TEST(a_factory_image_that_says_its_size_swaps_only_the_sectors_the_images_take_and_rolls_back_whole) {
  ota_areas a = start(8, 3 * SECTOR + 100, 2 * SECTOR - 7, true);
  CHECK(!ota_request_install(&a, new_len, 8 * SECTOR)); // a running image larger than the slot: not believed
  download(&a, new_image, new_len);
  CHECK(ota_request_install(&a, new_len, old_len)); // the running firmware knows its size from its signed header
  ota_boot_result r = boot_through(&a);
  CHECK_EQ(r.state.phase, OTA_TRIAL);
  CHECK_EQ(r.swap_steps, 3 * 4); // the larger image's 4 sectors, not the usable slot's 7
  CHECK(slot_holds(a.run_offset, new_image, new_len));
  CHECK(slot_holds(a.download_offset, old_image, old_len));
  for (uint32_t i = 1; i < OTA_TRIAL_BOOTS; i++) boot_through(&a);
  r = boot_through(&a);
  CHECK_EQ(r.state.phase, OTA_ROLLED_BACK);
  CHECK_EQ(r.swap_steps, 3 * 4);
  CHECK(slot_holds(a.run_offset, old_image, old_len)); // the factory image back, byte for byte
  CHECK_EQ(flash.violations, 0);
}

TEST(an_image_that_never_confirms_is_rolled_back_and_that_is_reported_once) {
  ota_areas a = start(8, 4 * SECTOR, 2 * SECTOR + 1, false);
  download(&a, new_image, new_len);
  CHECK(ota_request_install(&a, new_len, 0));
  for (uint32_t i = 1; i <= OTA_TRIAL_BOOTS; i++) {
    ota_boot_result r = boot_through(&a);
    CHECK_EQ(r.state.phase, OTA_TRIAL);
    CHECK_EQ(r.state.attempts, i);
    CHECK(slot_holds(a.run_offset, new_image, new_len));
  }
  ota_boot_result r = boot_through(&a);
  CHECK_EQ(r.state.phase, OTA_ROLLED_BACK);
  CHECK_EQ(r.state.reason, OTA_REASON_NOT_CONFIRMED);
  CHECK_EQ(r.swap_steps, 3 * 4);
  CHECK(slot_holds(a.run_offset, old_image, old_len));
  CHECK(slot_holds(a.download_offset, new_image, new_len));
  CHECK(!ota_confirm(&a)); // too late: the old image runs
  ota_state s = ota_status(&a);
  CHECK_EQ(s.phase, OTA_ROLLED_BACK); // the old image reads it, sets RolledBack on the Node...
  CHECK_EQ(s.reason, OTA_REASON_NOT_CONFIRMED);
  CHECK_EQ(boot_through(&a).state.phase, OTA_ROLLED_BACK); // (still reported across a reboot until acknowledged)
  CHECK(ota_acknowledge(&a)); // ...and acknowledges it: reported once
  CHECK_EQ(ota_status(&a).phase, OTA_IDLE);
  r = boot_through(&a);
  CHECK_EQ(r.state.phase, OTA_IDLE);
  CHECK(slot_holds(a.run_offset, old_image, old_len));
  CHECK(ota_download_free(&a));
  CHECK_EQ(flash.violations, 0);
}

TEST(a_new_image_that_fails_the_check_is_rolled_back_and_a_bad_download_is_never_swapped_in) {
  ota_areas a = start(8, 4 * SECTOR, 3 * SECTOR, false);
  uint8_t *bad = third_image;
  memcpy(bad, new_image, new_len);
  bad[5000] ^= 1;
  download(&a, bad, new_len);
  CHECK(ota_request_install(&a, new_len, 0));
  ota_boot_result r = boot_through(&a);
  CHECK_EQ(r.state.phase, OTA_REJECTED);
  CHECK_EQ(r.state.reason, OTA_REASON_DOWNLOAD_CHECK_FAILED);
  CHECK_EQ(r.swap_steps, 0);
  CHECK(slot_holds(a.run_offset, old_image, old_len));
  CHECK(ota_acknowledge(&a));

  // A good download whose run-slot copy goes bad while on trial: swapped back at the next boot.
  download(&a, new_image, new_len);
  CHECK(ota_request_install(&a, new_len, 0));
  CHECK_EQ(boot_through(&a).state.phase, OTA_TRIAL);
  flash.bytes[a.run_offset + 100] ^= 0x80; // (flash erases clear; a zeroed bit stands for the damage)
  r = boot_through(&a);
  CHECK_EQ(r.state.phase, OTA_ROLLED_BACK);
  CHECK_EQ(r.state.reason, OTA_REASON_RUN_CHECK_FAILED);
  CHECK(slot_holds(a.run_offset, old_image, old_len));
  CHECK_EQ(flash.violations, 0);
}

TEST(images_of_one_sector_and_of_a_whole_slot_swap_exactly_both_ways) {
  const uint32_t slot = 10, full = (slot - 1) * SECTOR;
  const uint32_t sizes[][2] = {{SECTOR, full}, {full, SECTOR}, {SECTOR, SECTOR}, {full, full}, {5000, 3 * SECTOR + 17}};
  for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    ota_areas a = start(slot, sizes[i][0], sizes[i][1], false);
    download(&a, new_image, new_len);
    CHECK(ota_request_install(&a, new_len, 0));
    CHECK_EQ(boot_through(&a).state.phase, OTA_TRIAL);
    CHECK(slot_holds(a.run_offset, new_image, new_len));
    CHECK(slot_holds(a.download_offset, old_image, old_len));
    for (uint32_t b = 0; b < OTA_TRIAL_BOOTS; b++) boot_through(&a);
    CHECK_EQ(ota_status(&a).phase, OTA_ROLLED_BACK);
    CHECK(slot_holds(a.run_offset, old_image, old_len));
    CHECK(slot_holds(a.download_offset, new_image, new_len));
    CHECK_EQ(flash.violations, 0);
  }
}

/**
 * From base, runs `work` with power cut at its cut-th erase or program (nothing done, or torn), then, for some
 * cuts, a second cut while the boot after it resumes, then boots until one completes. Returns the operations
 * `work` takes uncut when cut is 0.
 */
typedef void (*scenario)(const ota_areas *a);

static uint32_t operations_of(const ota_areas *a, scenario work) {
  fake_flash_copy(&flash, &base);
  uint32_t before = flash.operations;
  work(a);
  CHECK_EQ(flash.powered_off, 0);
  return flash.operations - before;
}

static unsigned cuts_tried, second_cuts;

static void cut_everywhere(const ota_areas *a, scenario work, void (*after)(const ota_areas *a, uint32_t cut)) {
  uint32_t total = operations_of(a, work);
  CHECK(total > 0);
  for (uint32_t cut = 1; cut <= total; cut++) {
    for (int kind = CUT_BEFORE; kind <= CUT_TORN; kind++) {
      fake_flash_copy(&flash, &base);
      trial_boots = 0;
      flash.cut_at = flash.operations + cut;
      flash.cut_kind = (fake_flash_cut)kind;
      flash.random = cut * 2654435761u + (uint32_t)kind;
      work(a);
      CHECK(flash.powered_off); // the cut fell inside the work
      fake_flash_power_on(&flash);
      if (cut % 5 == 0) { // a second cut while the next boot resumes
        ota_boot_result r;
        flash.cut_at = flash.operations + 1 + (cut * 7u) % total;
        flash.cut_kind = (fake_flash_cut)(1 - kind);
        if (!boot(a, &r)) second_cuts++;
        fake_flash_power_on(&flash);
      }
      after(a, cut);
      CHECK_EQ(flash.violations, 0);
      cuts_tried++;
    }
  }
}

static void request_and_boot(const ota_areas *a) {
  ota_boot_result r;
  if (ota_request_install(a, new_len, 0)) boot(a, &r);
}

static uint32_t request_operations;

static void install_completes(const ota_areas *a, uint32_t cut) {
  ota_boot_result r = boot_through(a);
  if (r.state.phase != OTA_TRIAL) { // the cut fell in the request: nothing was swapped, the updater asks again
    CHECK(cut <= request_operations);
    CHECK(r.state.phase == OTA_IDLE || r.state.phase == OTA_CONFIRMED);
    CHECK(slot_holds(a->run_offset, old_image, old_len));
    CHECK(ota_request_install(a, new_len, 0));
    r = boot_through(a);
  }
  CHECK_EQ(r.state.phase, OTA_TRIAL);
  CHECK(slot_holds(a->run_offset, new_image, new_len));
  CHECK(slot_holds(a->download_offset, old_image, old_len));
}

static void request_only(const ota_areas *a) { CHECK(ota_request_install(a, new_len, 0)); }

static uint32_t state_erases(const ota_areas *a, uint32_t *max) {
  uint32_t total = 0, first = a->state_offset / SECTOR;
  *max = 0;
  for (uint32_t s = first; s < first + a->state_sectors; s++) {
    total += flash.erases[s];
    if (flash.erases[s] > *max) *max = flash.erases[s];
  }
  return total;
}

/** Repeats the state record until the log has gone round the ring once and its sector has room left for
 *  `left` more: the next few records then move it on, erasing a sector of older records. */
static void fill_state_log(const ota_areas *a, uint32_t left) {
  ota_state_log log;
  ota_state_mount(&log, a->flash, a->state_offset, a->state_sectors, (uint16_t)(a->slot_sectors - 1));
  ota_state same = log.state;
  for (uint32_t n = 0; n < a->state_sectors * OTA_RECORDS_PER_SECTOR || log.next_slot != OTA_RECORDS_PER_SECTOR - left; n++)
    CHECK(ota_state_append(&log, &same));
}

TEST(a_power_cut_at_any_step_of_an_install_resumes_to_the_new_image_exactly) {
  cuts_tried = second_cuts = 0;
  for (int variant = 0; variant < 3; variant++) {
    bool factory = variant == 0;
    ota_areas a = start(7, factory ? 2 * SECTOR + 9 : 4 * SECTOR + 1, factory ? 4 * SECTOR : 2 * SECTOR + 300, factory);
    if (variant == 2) fill_state_log(&a, 5); // the state log moves on to its next sector mid-swap
    download(&a, new_image, new_len);
    fake_flash_copy(&base, &flash);
    request_operations = operations_of(&a, request_only);
    if (variant == 2) { // (check that it does)
      uint32_t most, before = state_erases(&a, &most);
      operations_of(&a, request_and_boot);
      CHECK_EQ(state_erases(&a, &most), before + 1);
    }
    cut_everywhere(&a, request_and_boot, install_completes);
  }
  CHECK(cuts_tried > 500);
  CHECK(second_cuts > 50);
  printf("    install: %u power cuts (every erase and program, before it and torn), %u more while resuming\n", cuts_tried,
         second_cuts);
}

static void three_boots(const ota_areas *a) {
  ota_boot_result r;
  for (uint32_t i = 0; i < OTA_TRIAL_BOOTS && boot(a, &r); i++) {}
}

static void rollback_completes(const ota_areas *a, uint32_t cut) {
  (void)cut;
  ota_boot_result r;
  for (int i = 0; i < 10; i++) {
    r = boot_through(a);
    if (r.state.phase != OTA_TRIAL) break;
  }
  CHECK(1 + trial_boots <= OTA_TRIAL_BOOTS); // the boot before the cuts, and those since: never more than allowed
  CHECK_EQ(r.state.phase, OTA_ROLLED_BACK);
  CHECK_EQ(r.state.reason, OTA_REASON_NOT_CONFIRMED);
  CHECK(slot_holds(a->run_offset, old_image, old_len));
  CHECK(slot_holds(a->download_offset, new_image, new_len));
  CHECK(ota_acknowledge(a));
  CHECK_EQ(ota_status(a).phase, OTA_IDLE);
}

TEST(a_power_cut_at_any_step_of_trial_boots_and_the_rollback_ends_with_the_old_image_exactly) {
  cuts_tried = second_cuts = 0;
  ota_areas a = start(7, 3 * SECTOR + 5, 5 * SECTOR, false);
  download(&a, new_image, new_len);
  CHECK(ota_request_install(&a, new_len, 0));
  CHECK_EQ(boot_through(&a).state.attempts, 1);
  fake_flash_copy(&base, &flash); // on trial, boots 2, 3 and 4 (the rollback) to come
  cut_everywhere(&a, three_boots, rollback_completes);
  CHECK(cuts_tried > 300);
  CHECK(second_cuts > 50);
  printf("    trial boots and rollback: %u power cuts, %u more while resuming\n", cuts_tried, second_cuts);
}

static void confirm(const ota_areas *a) { ota_confirm(a); }
static void confirmed_or_on_trial(const ota_areas *a, uint32_t cut) {
  (void)cut;
  ota_phase phase = ota_status(a).phase;
  CHECK(phase == OTA_TRIAL || phase == OTA_CONFIRMED);
  CHECK(ota_confirm(a));
  for (int i = 0; i < 5; i++) CHECK_EQ(boot_through(a).state.phase, OTA_CONFIRMED);
  CHECK(slot_holds(a->run_offset, new_image, new_len));
}

TEST(a_power_cut_while_confirming_leaves_the_image_on_trial_or_confirmed) {
  ota_areas a = start(6, SECTOR, 2 * SECTOR, false);
  download(&a, new_image, new_len);
  CHECK(ota_request_install(&a, new_len, 0));
  boot_through(&a);
  fake_flash_copy(&base, &flash);
  cut_everywhere(&a, confirm, confirmed_or_on_trial);
}

/** Writes random bytes into slots of the state area that are erased (what a torn or stray write leaves). */
static void scribble_free_slots(const ota_areas *a, uint32_t *seed, unsigned count) {
  for (unsigned i = 0; i < count; i++) {
    uint32_t slot = xorshift32(seed) % (a->state_sectors * OTA_RECORDS_PER_SECTOR);
    uint8_t *at = flash.bytes + a->state_offset + slot * OTA_RECORD_BYTES;
    if (!flash_bytes_erased(at, OTA_RECORD_BYTES)) continue;
    for (uint32_t j = 0; j < OTA_RECORD_BYTES; j++) at[j] = (uint8_t)xorshift32(seed);
  }
}

/** An install whose boot loses power at a random erase or program within the first `within`. */
static ota_areas install_cut_somewhere(int round, uint32_t *seed, uint32_t within) {
  ota_areas a = start(6, 2 * SECTOR + 3, 4 * SECTOR, round % 2 == 0);
  download(&a, new_image, new_len);
  CHECK(ota_request_install(&a, new_len, 0));
  flash.cut_at = flash.operations + 1 + xorshift32(seed) % within;
  ota_boot_result r;
  boot(&a, &r);
  fake_flash_power_on(&flash);
  return a;
}

TEST(garbage_in_the_state_area_is_skipped_and_never_boots_a_mixed_image) {
  uint32_t seed = 12345;
  for (int round = 0; round < 40; round++) {
    // Power fails somewhere in the swap; then garbage lands in erased slots: the swap still completes exactly.
    ota_areas a = install_cut_somewhere(round, &seed, 150);
    scribble_free_slots(&a, &seed, 200);
    ota_boot_result r = boot_through(&a);
    CHECK_EQ(r.state.phase, OTA_TRIAL);
    CHECK(slot_holds(a.run_offset, new_image, new_len));
    CHECK(slot_holds(a.download_offset, old_image, old_len));
    CHECK_EQ(flash.violations, 0);
  }
  // Any bytes of the state area changed anyway (records included): a boot may lose its place, but it boots
  // only an image that passes the check, never crashes, never breaks a flash rule.
  unsigned booted = 0, refused = 0;
  for (int round = 0; round < 200; round++) {
    ota_areas a = install_cut_somewhere(round, &seed, 200);
    ota_boot_result r;
    unsigned changes = 1 + xorshift32(&seed) % 64;
    for (unsigned i = 0; i < changes; i++) {
      uint32_t at = xorshift32(&seed) % (a.state_sectors * SECTOR);
      flash.bytes[a.state_offset + at] = (uint8_t)xorshift32(&seed);
    }
    for (int b = 0; b < 6; b++) {
      if (!ota_boot(&a, image_whole, NULL, &r)) continue;
      if (r.action == OTA_BOOT_RUN_SLOT) {
        bool whole = slot_holds(a.run_offset, old_image, old_len) || slot_holds(a.run_offset, new_image, new_len);
        CHECK(whole);
        booted++;
      } else {
        refused++;
      }
    }
    CHECK_EQ(flash.violations, 0);
  }
  CHECK(booted > 0);
  printf("    state area garbage: %u boots of a whole image, %u refused (slot not whole after a lost place)\n", booted,
         refused);
}

TEST(a_thousand_updates_wear_the_state_area_as_documented) {
  const uint32_t image_sectors = 8, updates = 1000;
  ota_areas a = start(image_sectors + 1, image_sectors * SECTOR, image_sectors * SECTOR, false);
  uint32_t first_erases, max_erases;
  first_erases = state_erases(&a, &max_erases);
  for (uint32_t u = 0; u < updates; u++) {
    const uint8_t *image = u % 2 ? old_image : new_image;
    installing(u % 2 ? new_image : old_image, image_sectors * SECTOR, image, image_sectors * SECTOR);
    download(&a, image, image_sectors * SECTOR);
    CHECK(ota_request_install(&a, image_sectors * SECTOR, 0));
    ota_boot_result r = boot_through(&a);
    CHECK_EQ(r.state.phase, OTA_TRIAL);
    CHECK(ota_confirm(&a));
    if (!slot_holds(a.run_offset, image, image_sectors * SECTOR)) {
      CHECK(!"run slot differs from the image installed");
      break;
    }
  }
  uint32_t total = state_erases(&a, &max_erases) - first_erases;
  uint32_t records = updates * OTA_RECORDS_PER_UPDATE(image_sectors);
  uint32_t bound = records / (OTA_RECORDS_PER_SECTOR * a.state_sectors) + 2;
  CHECK(max_erases <= bound);
  CHECK(total <= records / OTA_RECORDS_PER_SECTOR + 1);
  printf("    %u updates of an %u-sector image: %u records, state area %u erases (most on one sector: %u, bound %u)\n",
         updates, image_sectors, records, total, max_erases, bound);
  CHECK_EQ(flash.violations, 0);
}

TEST(figures_for_an_update_of_a_165_sector_image) {
  const uint32_t image_sectors = 165, updates = 8;
  ota_areas a = start(image_sectors + 5, image_sectors * SECTOR, image_sectors * SECTOR, false);
  uint32_t max_state, state_before = state_erases(&a, &max_state);
  uint32_t slot_erases = 0, most_on_a_sector = 0, programs = 0;
  for (uint32_t u = 0; u < updates; u++) {
    const uint8_t *image = u % 2 ? old_image : new_image;
    installing(u % 2 ? new_image : old_image, image_sectors * SECTOR, image, image_sectors * SECTOR);
    download(&a, image, image_sectors * SECTOR);
    uint32_t erases_before[FAKE_FLASH_MAX_SECTORS];
    memcpy(erases_before, flash.erases, sizeof erases_before);
    uint32_t programs_before = flash.programs;
    CHECK(ota_request_install(&a, image_sectors * SECTOR, 0));
    CHECK_EQ(boot_through(&a).state.phase, OTA_TRIAL);
    CHECK(ota_confirm(&a));
    CHECK(slot_holds(a.run_offset, image, image_sectors * SECTOR));
    if (u == 0) {
      for (uint32_t s = 0; s < 2 * a.slot_sectors; s++) {
        uint32_t n = flash.erases[s] - erases_before[s];
        slot_erases += n;
        if (n > most_on_a_sector) most_on_a_sector = n;
      }
      programs = flash.programs - programs_before;
    }
  }
  uint32_t state_total = state_erases(&a, &max_state) - state_before;
  CHECK(slot_erases <= 3 * image_sectors);
  CHECK(most_on_a_sector <= 2);
  printf("    swap of a %u-sector image: %u erases (at most %u on one sector), %u page programs (%u of them state "
         "records); state area (%u sectors): %u records, %.2f erases per update (%.2f per sector)\n",
         image_sectors, slot_erases, most_on_a_sector, programs, OTA_RECORDS_PER_UPDATE(image_sectors),
         a.state_sectors, OTA_RECORDS_PER_UPDATE(image_sectors), (double)state_total / updates,
         (double)state_total / updates / a.state_sectors);
  CHECK_EQ(flash.violations, 0);
}
