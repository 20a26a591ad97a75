// The POSIX shell's firmware updates (device_firmware_posix.c): on with --flash FILE.
#ifndef POSIX_FIRMWARE_H
#define POSIX_FIRMWARE_H

#include <stdbool.h>

/** Takes updates into the flash file's slots; its run slot tells what runs. False, logged, if it cannot be opened. */
bool posix_firmware_open(const char *flash_path);

#endif
