// What lives where in the Pico W's 2 MB flash: the one table every user of
// flash reads (the region log; the OTA areas of issue 13). Offsets are from the
// start of flash, which the RP2040 maps at XIP_BASE (0x10000000); every area
// starts and ends on a 4 KB sector.
//
// Two builds use it (native/pico/firmware.cmake). Built with a trusted key
// (PICO_FIRMWARE_PUBKEY), the bootloader k3s_pico_boot takes the first 36 KB
// and the firmware runs from the run slot, after its signed header: the whole
// table below (pico_ota.h; docs/firmware-update.md). Without one, the firmware
// starts at 0 and may grow up to the provisioning area
// (FLASH_IMAGE_OFFSET/BYTES): no bootloader, no slots. Either way the
// provisioning area, the device key and the region log are where the table
// says.
//
//   area          offset     bytes                 holds
//   bootloader    0x000000   36 KB (9 sectors)     decides what boots (native/common/ota_boot.h)
//   run slot      0x009000   948 KB (237 sectors)  the image that runs: 256-byte header, then the firmware
//   download slot 0x0F6000   948 KB (237 sectors)  the downloaded image; after a swap, the previous one
//   swap state    0x1E3000   20 KB (5 sectors)     the update's state records (native/common/ota_state.h)
//   provisioning  0x1E8000   8 KB (2 sectors)      the device's settings (native/common/provisioning_record.h)
//   device key    0x1EA000   8 KB (2 sectors)      the TLS key's record (native/common/key_record.h)
//   region log    0x1EC000   80 KB (20 sectors)    the region's power-loss copy (native/common/region_log.h)
//
// An image (header included) takes at most 236 sectors (944 KB): the swap
// moves the run slot up by one sector (native/common/ota_swap.h). An update of
// an n-sector image erases at most 3n slot sectors (none more than twice) and
// writes 3n + 4 state records, 256 to a sector: at 165 sectors, 2 state
// erases per update over 5 sectors, so 100k cycles last ~250k updates.
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
// The provisioning area holds what makes a board this node (name, proxy URL,
// token, ConfigMap, client CA, Wi-Fi) so that every board runs the same image:
// written once over USB by the UF2 `pico-node provision` makes, which covers
// only these two sectors; the firmware only reads it (provisioning_flash.c),
// and no image or update reaches it.
//
// Plain numbers only, so host programs (the wear benchmark) read the same table.
#ifndef FLASH_LAYOUT_H
#define FLASH_LAYOUT_H

#define FLASH_TOTAL_BYTES (2u * 1024u * 1024u) // the Pico W's W25Q16JV
#define FLASH_SECTOR_BYTES 4096u

#define FLASH_IMAGE_OFFSET 0u
#define FLASH_IMAGE_BYTES FLASH_PROVISIONING_OFFSET
#define FLASH_DEVICE_KEY_SECTORS 2u
#define FLASH_DEVICE_KEY_BYTES (FLASH_DEVICE_KEY_SECTORS * FLASH_SECTOR_BYTES)
#define FLASH_DEVICE_KEY_OFFSET (FLASH_REGION_LOG_OFFSET - FLASH_DEVICE_KEY_BYTES)
#define FLASH_REGION_LOG_SECTORS 20u
#define FLASH_REGION_LOG_BYTES (FLASH_REGION_LOG_SECTORS * FLASH_SECTOR_BYTES)
#define FLASH_REGION_LOG_OFFSET (FLASH_TOTAL_BYTES - FLASH_REGION_LOG_BYTES)

#define FLASH_PROVISIONING_SECTORS 2u
#define FLASH_PROVISIONING_BYTES (FLASH_PROVISIONING_SECTORS * FLASH_SECTOR_BYTES)
#define FLASH_PROVISIONING_OFFSET (FLASH_DEVICE_KEY_OFFSET - FLASH_PROVISIONING_BYTES)

// The bootloader's and the slots' (see the table): each area ends where the next begins.
#define OTA_BOOTLOADER_OFFSET 0u
#define OTA_BOOTLOADER_BYTES (36u * 1024u)
#define OTA_STATE_SECTORS 5u
#define OTA_STATE_BYTES (OTA_STATE_SECTORS * FLASH_SECTOR_BYTES)
#define OTA_STATE_OFFSET (FLASH_PROVISIONING_OFFSET - OTA_STATE_BYTES)
#define OTA_RUN_SLOT_OFFSET (OTA_BOOTLOADER_OFFSET + OTA_BOOTLOADER_BYTES)
#define OTA_SLOT_SECTORS ((OTA_STATE_OFFSET - OTA_RUN_SLOT_OFFSET) / FLASH_SECTOR_BYTES / 2u)
#define OTA_SLOT_BYTES (OTA_SLOT_SECTORS * FLASH_SECTOR_BYTES)
#define OTA_DOWNLOAD_SLOT_OFFSET (OTA_RUN_SLOT_OFFSET + OTA_SLOT_BYTES)

_Static_assert(FLASH_REGION_LOG_OFFSET == 0x1EC000u && FLASH_DEVICE_KEY_OFFSET == 0x1EA000u, "key and region log stay");
_Static_assert(FLASH_PROVISIONING_OFFSET == 0x1E8000u && OTA_STATE_OFFSET == 0x1E3000u, "the table's offsets");
_Static_assert(OTA_RUN_SLOT_OFFSET == 0x009000u && OTA_DOWNLOAD_SLOT_OFFSET == 0x0F6000u && OTA_SLOT_SECTORS == 237u,
               "the table's slots");
_Static_assert(OTA_DOWNLOAD_SLOT_OFFSET + OTA_SLOT_BYTES == OTA_STATE_OFFSET, "the slots end where the state begins");

#endif
