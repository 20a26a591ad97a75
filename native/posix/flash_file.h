// A flash_device over a file, with the RP2040's flash rules (flash_device.h):
// erase sets a 4 KB sector to 0xFF, program writes one 256-byte page and can
// only clear bits (the result is old AND new), read has no alignment rules.
// The POSIX shell and its launcher keep the firmware slots in one, as the
// Pico keeps them in its QSPI flash. A new file starts all 0xFF.
#ifndef FLASH_FILE_H
#define FLASH_FILE_H

#include <stdbool.h>
#include <stdint.h>

#include "flash_device.h"

typedef struct flash_file {
  int fd;
  flash_device device;
} flash_file;

/** Opens (or creates, erased) the file as a device of size bytes (whole sectors). False, with errno, if it cannot. */
bool flash_file_open(flash_file *f, const char *path, uint32_t size);
void flash_file_close(flash_file *f);

#endif
