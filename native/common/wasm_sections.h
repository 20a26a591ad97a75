// Finds a custom section in a wasm binary by walking its section headers
// (the core keeps its fixed texts in "pico.rodata"; the host serves them).
#ifndef WASM_SECTIONS_H
#define WASM_SECTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Sets payload and payload_len to the named custom section's contents. False if absent or the binary is malformed. */
bool wasm_find_custom_section(const uint8_t *wasm, size_t len, const char *name, const uint8_t **payload,
                              uint32_t *payload_len);

#endif
