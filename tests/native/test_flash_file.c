// The POSIX shell's flash file (native/posix/flash_file.c) keeps the RP2040's
// rules: a new file reads erased, programming only clears bits, erase restores
// a whole sector, misaligned or out-of-range calls fail, and what was written
// is there after the file is opened again.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flash_file.h"
#include "test.h"

static char path[64];

static void fresh(flash_file *f, uint32_t sectors) {
  snprintf(path, sizeof path, "/tmp/flash-file-test-%d.bin", (int)getpid());
  unlink(path);
  CHECK(flash_file_open(f, path, sectors * FLASH_ERASE_BYTES));
}

TEST(a_new_flash_file_reads_erased_and_programming_only_clears_bits) {
  flash_file f;
  fresh(&f, 2);
  uint8_t page[FLASH_PROGRAM_BYTES], out[FLASH_PROGRAM_BYTES];
  CHECK(f.device.read(f.device.ctx, 4096, out, sizeof out));
  for (size_t i = 0; i < sizeof out; i++) CHECK_EQ(out[i], 0xFF);
  memset(page, 0x0F, sizeof page);
  CHECK(f.device.program(f.device.ctx, 256, page));
  memset(page, 0x3C, sizeof page);
  CHECK(f.device.program(f.device.ctx, 256, page)); // over it: 0x0F AND 0x3C
  CHECK(f.device.read(f.device.ctx, 256, out, sizeof out));
  CHECK_EQ(out[0], 0x0C);
  CHECK_EQ(out[255], 0x0C);
  CHECK(f.device.erase(f.device.ctx, 0));
  CHECK(f.device.read(f.device.ctx, 256, out, 1));
  CHECK_EQ(out[0], 0xFF);
  flash_file_close(&f);
  unlink(path);
}

TEST(misaligned_or_outside_calls_fail_and_the_contents_survive_a_reopen) {
  flash_file f;
  fresh(&f, 2);
  uint8_t page[FLASH_PROGRAM_BYTES], out[4];
  memset(page, 0x42, sizeof page);
  CHECK(!f.device.erase(f.device.ctx, 100));
  CHECK(!f.device.erase(f.device.ctx, 2 * FLASH_ERASE_BYTES));
  CHECK(!f.device.program(f.device.ctx, 128, page));
  CHECK(!f.device.program(f.device.ctx, 2 * FLASH_ERASE_BYTES, page));
  CHECK(!f.device.read(f.device.ctx, 2 * FLASH_ERASE_BYTES - 2, out, 4));
  CHECK(f.device.program(f.device.ctx, FLASH_ERASE_BYTES, page));
  flash_file_close(&f);
  CHECK(flash_file_open(&f, path, 2 * FLASH_ERASE_BYTES));
  CHECK(f.device.read(f.device.ctx, FLASH_ERASE_BYTES, out, 4));
  CHECK_EQ(out[3], 0x42);
  flash_file_close(&f);
  unlink(path);
}
