// What lives where in the Pico W's 2 MB flash: the one table every user of
// flash reads (the region log now; the OTA slots of issue 13 will split the
// image area). Offsets are from the start of flash, which the RP2040 maps at
// XIP_BASE (0x10000000); every area starts and ends on a 4 KB sector.
//
//   area         offset     bytes               holds
//   image        0x000000   FLASH_IMAGE_BYTES   the firmware, run in place (today ~453 KB)
//   device key   0x1EA000   8 KB (2 sectors)    the TLS key's record (native/common/key_record.h)
//   region log   0x1EC000   80 KB (20 sectors)  the region's power-loss copy (native/common/region_log.h)
//
// The region log sits at the top so the image can grow (or be split into
// slots) without moving it. Its size comes from wear: at one ConfigMap change
// every 10 s, saves coalesced to one a minute (REGION_PERSIST_DELAY_MS), even
// a change of all 1024 bytes each time keeps every sector under its 100k
// erase cycles for more than ten years (npm run bench:flash prints the
// figures). Boot refuses an image that reaches into it (region_flash.c), and
// picotool info lists it as a block device. The device key sits just below
// it: written once (when the first CSR is made), so it needs no wear levelling,
// only two sectors so a save never erases the record in use.
//
// Plain numbers only, so host programs (the wear benchmark) read the same table.
#ifndef FLASH_LAYOUT_H
#define FLASH_LAYOUT_H

#define FLASH_TOTAL_BYTES (2u * 1024u * 1024u) // the Pico W's W25Q16JV
#define FLASH_SECTOR_BYTES 4096u

#define FLASH_IMAGE_OFFSET 0u
#define FLASH_IMAGE_BYTES FLASH_DEVICE_KEY_OFFSET
#define FLASH_DEVICE_KEY_SECTORS 2u
#define FLASH_DEVICE_KEY_BYTES (FLASH_DEVICE_KEY_SECTORS * FLASH_SECTOR_BYTES)
#define FLASH_DEVICE_KEY_OFFSET (FLASH_REGION_LOG_OFFSET - FLASH_DEVICE_KEY_BYTES)
#define FLASH_REGION_LOG_SECTORS 20u
#define FLASH_REGION_LOG_BYTES (FLASH_REGION_LOG_SECTORS * FLASH_SECTOR_BYTES)
#define FLASH_REGION_LOG_OFFSET (FLASH_TOTAL_BYTES - FLASH_REGION_LOG_BYTES)

#endif
