// mbedTLS for the bootloader: only what checks an image's signature (ECDSA
// P-256 verify), so it fits in its 36 KB. pico_mbedtls compiles the library
// with the mbedtls_config.h first on the target's include path: this one.
// Verifying handles public data only, so the multiplication's blinding
// (an internal DRBG, SHA-256 and HMAC: ~5 KB) is left out, and so is the
// generator's precomputed table (flash for speed; measured in the note).
#ifndef BOOTLOADER_MBEDTLS_CONFIG_H
#define BOOTLOADER_MBEDTLS_CONFIG_H

#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_HAVE_ASM

#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ASN1_PARSE_C // required with ECDSA by check_config.h; unused by a raw r ‖ s check
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECP_NO_INTERNAL_RNG
#define MBEDTLS_ECP_WINDOW_SIZE 2
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0

#include "mbedtls/check_config.h"

#endif
