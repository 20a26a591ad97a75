// SHA-256 (FIPS 180-4) for the host import `sha256`, which the core uses to
// key its authentication and authorization caches, and for firmware images,
// hashed as they stream in. Plain C with no library, so every port offers the
// import whether or not it links a TLS library.
#ifndef SHA256_H
#define SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_BYTES 32

void sha256_digest(const uint8_t *bytes, size_t len, uint8_t out[SHA256_DIGEST_BYTES]);

/** A digest fed in pieces: sha256_start, sha256_update any number of times, sha256_finish once. */
typedef struct sha256_context {
  uint32_t state[8];
  uint64_t total_bytes;
  uint8_t block[64];
  size_t held; // bytes of block filled
} sha256_context;

void sha256_start(sha256_context *ctx);
void sha256_update(sha256_context *ctx, const uint8_t *bytes, size_t len);
void sha256_finish(sha256_context *ctx, uint8_t out[SHA256_DIGEST_BYTES]);

#endif
