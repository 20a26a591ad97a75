#include "provisioning_flash.h"

#include "flash_layout.h"
#include "hardware/flash.h"
#include "pico/binary_info.h"

_Static_assert(FLASH_PROVISIONING_OFFSET % FLASH_SECTOR_SIZE == 0, "the area starts on a sector");

bi_decl(bi_block_device(BINARY_INFO_MAKE_TAG('K', 'P'), "provisioning", XIP_BASE + FLASH_PROVISIONING_OFFSET,
                        FLASH_PROVISIONING_BYTES, NULL,
                        BINARY_INFO_BLOCK_DEV_FLAG_READ | BINARY_INFO_BLOCK_DEV_FLAG_PT_UNKNOWN));

provisioning_status pico_provisioning_read(const char **text, size_t *len, char *why, size_t why_cap) {
  // Past the XIP cache, like the region log's reads: the settings are read at boot, the code stays cached.
  const uint8_t *area = (const uint8_t *)(XIP_NOCACHE_NOALLOC_BASE + FLASH_PROVISIONING_OFFSET);
  return provisioning_record_decode(area, FLASH_PROVISIONING_BYTES, text, len, why, why_cap);
}
