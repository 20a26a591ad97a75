// What the build embeds (generated C arrays in the build directory, never
// committed): core.wasm and the device configuration text.
#ifndef EMBEDDED_H
#define EMBEDDED_H

#include <stddef.h>
#include <stdint.h>

extern const uint8_t CORE_WASM[];    // in flash: wasm3 parses it in place; empty with the AOT engine (compiled in)
extern const size_t CORE_WASM_LENGTH;
extern const char DEVICE_CONFIG_TEXT[]; // NUL-terminated; from device.env or CMake cache variables
extern const size_t DEVICE_CONFIG_TEXT_SIZE;

#endif
