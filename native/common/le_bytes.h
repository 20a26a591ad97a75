// Little-endian integers in byte buffers: the byte order of every record this
// shell keeps in flash (region log, device key, OTA state).
#ifndef LE_BYTES_H
#define LE_BYTES_H

#include <stdint.h>

static inline uint16_t le_get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t le_get32(const uint8_t *p) { return (uint32_t)le_get16(p) | (uint32_t)le_get16(p + 2) << 16; }
static inline void le_put16(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}
static inline void le_put32(uint8_t *p, uint32_t v) {
  le_put16(p, v);
  le_put16(p + 2, v >> 16);
}

#endif
