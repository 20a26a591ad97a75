#include "fake_flash.h"

#include <stdio.h>
#include <string.h>

#include "xorshift.h"

static uint32_t next_random(fake_flash *f) { return xorshift32(&f->random); }

static void violation(fake_flash *f, const char *what, uint32_t offset) {
  if (f->violations++ == 0)
    snprintf(f->first_violation, sizeof f->first_violation, "%s at offset 0x%lx", what, (unsigned long)offset);
}

/** Counts the operation; true if power fails at it. */
static bool cut_now(fake_flash *f) { return ++f->operations == f->cut_at; }

static bool fake_erase(void *ctx, uint32_t offset) {
  fake_flash *f = ctx;
  if (f->powered_off) return false;
  if (offset % FLASH_ERASE_BYTES != 0 || offset >= f->device.size) {
    violation(f, "erase not at a sector boundary inside the flash", offset);
    return false;
  }
  uint8_t *sector = f->bytes + offset;
  if (cut_now(f)) {
    f->powered_off = true;
    if (f->cut_kind == CUT_TORN) // some bits made it back to 1, others not yet
      for (uint32_t i = 0; i < FLASH_ERASE_BYTES; i++) sector[i] |= (uint8_t)next_random(f);
    return false;
  }
  memset(sector, 0xFF, FLASH_ERASE_BYTES);
  f->erases[offset / FLASH_ERASE_BYTES]++;
  return true;
}

static bool fake_program(void *ctx, uint32_t offset, const uint8_t *page) {
  fake_flash *f = ctx;
  if (f->powered_off) return false;
  if (offset % FLASH_PROGRAM_BYTES != 0 || offset >= f->device.size) {
    violation(f, "program not at a page boundary inside the flash", offset);
    return false;
  }
  uint8_t *at = f->bytes + offset;
  for (uint32_t i = 0; i < FLASH_PROGRAM_BYTES; i++) {
    if (page[i] & ~at[i]) { // asks for a 1 where the flash holds 0: only an erase does that
      violation(f, "program would turn a 0 bit into 1", offset + i);
      return false;
    }
  }
  if (cut_now(f)) {
    f->powered_off = true;
    if (f->cut_kind == CUT_TORN) // a random part of the bits that were to go 1 -> 0 did
      for (uint32_t i = 0; i < FLASH_PROGRAM_BYTES; i++) at[i] &= (uint8_t)(page[i] | next_random(f));
    return false;
  }
  for (uint32_t i = 0; i < FLASH_PROGRAM_BYTES; i++) at[i] &= page[i];
  f->programs++;
  return true;
}

static bool fake_read(void *ctx, uint32_t offset, uint8_t *out, uint32_t len) {
  fake_flash *f = ctx;
  if (f->powered_off) return false;
  if (offset > f->device.size || len > f->device.size - offset) {
    violation(f, "read outside the flash", offset);
    return false;
  }
  memcpy(out, f->bytes + offset, len);
  return true;
}

/** Everything but the bytes (a 2 MB array: only the sectors in use are touched). */
static void reset_counters(fake_flash *f, uint32_t sectors) {
  f->device = (flash_device){.size = sectors * FLASH_ERASE_BYTES, .erase = fake_erase, .program = fake_program,
                             .read = fake_read, .ctx = f};
  memset(f->erases, 0, sizeof f->erases);
  f->programs = f->operations = f->cut_at = f->violations = 0;
  f->cut_kind = CUT_BEFORE;
  f->powered_off = false;
  f->first_violation[0] = '\0';
  f->random = 0x9E3779B9u;
}

void fake_flash_init(fake_flash *f, uint32_t sectors) {
  if (sectors > FAKE_FLASH_MAX_SECTORS) sectors = FAKE_FLASH_MAX_SECTORS;
  reset_counters(f, sectors);
  memset(f->bytes, 0xFF, f->device.size);
}

void fake_flash_copy(fake_flash *dst, const fake_flash *src) {
  reset_counters(dst, src->device.size / FLASH_ERASE_BYTES);
  memcpy(dst->bytes, src->bytes, src->device.size);
  memcpy(dst->erases, src->erases, sizeof dst->erases);
  dst->programs = src->programs;
  dst->operations = src->operations;
  dst->cut_at = src->cut_at;
  dst->cut_kind = src->cut_kind;
  dst->powered_off = src->powered_off;
  dst->violations = src->violations;
  memcpy(dst->first_violation, src->first_violation, sizeof dst->first_violation);
  dst->random = src->random;
}

void fake_flash_power_on(fake_flash *f) {
  f->powered_off = false;
  f->cut_at = 0;
}
