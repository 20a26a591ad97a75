// What the build embeds (a generated C array in the build directory, never
// committed): core.wasm. The device's settings are not in the image: they are
// in the provisioning area (provisioning_flash.h).
#ifndef EMBEDDED_H
#define EMBEDDED_H

#include <stddef.h>
#include <stdint.h>

extern const uint8_t CORE_WASM[];    // in flash: wasm3 parses it in place; empty with the AOT engine (compiled in)
extern const size_t CORE_WASM_LENGTH;

#endif
