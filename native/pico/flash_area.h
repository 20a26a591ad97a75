// One area of flash_layout.h as a flash_device (flash_device.h) over the SDK:
// erase and program stop XIP, so they run through flash_safe_execute with
// interrupts off; reads go past the XIP cache. Offsets are the area's own and
// never reach outside it. Used by the region log, the device key, the update
// slots and the bootloader.
#ifndef FLASH_AREA_H
#define FLASH_AREA_H

#include <stdint.h>

#include "flash_device.h"

typedef struct flash_area {
  uint32_t offset, size; // from the start of flash; whole sectors
} flash_area;

/** A flash_device over *area (which must outlive it). */
flash_device flash_area_device(const flash_area *area);

#endif
