#include "flash_file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool all_read(int fd, uint8_t *out, uint32_t len, uint32_t offset) {
  while (len > 0) {
    ssize_t got = pread(fd, out, len, (off_t)offset);
    if (got <= 0) return false;
    out += got, offset += (uint32_t)got, len -= (uint32_t)got;
  }
  return true;
}

static bool all_written(int fd, const uint8_t *bytes, uint32_t len, uint32_t offset) {
  while (len > 0) {
    ssize_t put = pwrite(fd, bytes, len, (off_t)offset);
    if (put <= 0) return false;
    bytes += put, offset += (uint32_t)put, len -= (uint32_t)put;
  }
  return true;
}

static bool file_erase(void *ctx, uint32_t offset) {
  flash_file *f = ctx;
  if (offset % FLASH_ERASE_BYTES != 0 || offset >= f->device.size) return false;
  uint8_t erased[FLASH_ERASE_BYTES];
  memset(erased, 0xFF, sizeof erased);
  return all_written(f->fd, erased, sizeof erased, offset);
}

static bool file_program(void *ctx, uint32_t offset, const uint8_t *page) {
  flash_file *f = ctx;
  if (offset % FLASH_PROGRAM_BYTES != 0 || offset >= f->device.size) return false;
  uint8_t cell[FLASH_PROGRAM_BYTES];
  if (!all_read(f->fd, cell, sizeof cell, offset)) return false;
  for (uint32_t i = 0; i < FLASH_PROGRAM_BYTES; i++) cell[i] &= page[i]; // NOR: a 0 stays 0
  return all_written(f->fd, cell, sizeof cell, offset);
}

static bool file_read(void *ctx, uint32_t offset, uint8_t *out, uint32_t len) {
  flash_file *f = ctx;
  if (offset > f->device.size || len > f->device.size - offset) return false;
  return all_read(f->fd, out, len, offset);
}

bool flash_file_open(flash_file *f, const char *path, uint32_t size) {
  if (size == 0 || size % FLASH_ERASE_BYTES != 0) {
    errno = EINVAL;
    return false;
  }
  f->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (f->fd < 0) return false;
  struct stat st;
  if (fstat(f->fd, &st) != 0) goto fail;
  f->device = (flash_device){.size = size, .erase = file_erase, .program = file_program, .read = file_read, .ctx = f};
  // A new file (or one shorter than the device): the missing sectors come erased, as a new chip does.
  for (uint32_t offset = (uint32_t)(st.st_size / FLASH_ERASE_BYTES) * FLASH_ERASE_BYTES; offset < size; offset += FLASH_ERASE_BYTES)
    if (!file_erase(f, offset)) goto fail;
  return true;
fail:;
  int saved = errno;
  close(f->fd);
  f->fd = -1;
  errno = saved;
  return false;
}

void flash_file_close(flash_file *f) {
  if (f->fd >= 0) close(f->fd);
  f->fd = -1;
}
