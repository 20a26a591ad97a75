// SHA-256 (FIPS 180-4) for the host import `sha256`, which the core uses to
// key its authentication and authorization caches. Plain C with no library, so
// every port offers the import whether or not it links a TLS library.
#ifndef SHA256_H
#define SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_BYTES 32

void sha256_digest(const uint8_t *bytes, size_t len, uint8_t out[SHA256_DIGEST_BYTES]);

#endif
