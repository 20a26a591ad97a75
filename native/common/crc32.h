// CRC-32 (IEEE 802.3, reflected, as zlib): the same checksum the core uses for
// the region, so a region's CRC reads alike on both sides.
#ifndef CRC32_H
#define CRC32_H

#include <stddef.h>
#include <stdint.h>

uint32_t crc32_update(uint32_t crc, const uint8_t *bytes, size_t len);
static inline uint32_t crc32_of(const uint8_t *bytes, size_t len) { return crc32_update(0, bytes, len); }

#endif
