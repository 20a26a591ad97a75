#include "sha256.h"

#include <string.h>

static const uint32_t ROUND_CONSTANTS[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static inline uint32_t rotate_right(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }

static void compress(uint32_t state[8], const uint8_t block[64]) {
  uint32_t w[64];
  for (int i = 0; i < 16; i++)
    w[i] = (uint32_t)block[4 * i] << 24 | (uint32_t)block[4 * i + 1] << 16 | (uint32_t)block[4 * i + 2] << 8 |
           block[4 * i + 3];
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = rotate_right(w[i - 15], 7) ^ rotate_right(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = rotate_right(w[i - 2], 17) ^ rotate_right(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = state[0], b = state[1], c = state[2], d = state[3], e = state[4], f = state[5], g = state[6],
           h = state[7];
  for (int i = 0; i < 64; i++) {
    uint32_t t1 = h + (rotate_right(e, 6) ^ rotate_right(e, 11) ^ rotate_right(e, 25)) + ((e & f) ^ (~e & g)) +
                  ROUND_CONSTANTS[i] + w[i];
    uint32_t t2 = (rotate_right(a, 2) ^ rotate_right(a, 13) ^ rotate_right(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    h = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
  }
  state[0] += a, state[1] += b, state[2] += c, state[3] += d;
  state[4] += e, state[5] += f, state[6] += g, state[7] += h;
}

void sha256_start(sha256_context *ctx) {
  static const uint32_t INITIAL[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  memcpy(ctx->state, INITIAL, sizeof INITIAL);
  ctx->total_bytes = 0;
  ctx->held = 0;
}

void sha256_update(sha256_context *ctx, const uint8_t *bytes, size_t len) {
  ctx->total_bytes += len;
  if (ctx->held > 0) {
    size_t take = 64 - ctx->held < len ? 64 - ctx->held : len;
    memcpy(ctx->block + ctx->held, bytes, take);
    ctx->held += take, bytes += take, len -= take;
    if (ctx->held < 64) return;
    compress(ctx->state, ctx->block);
    ctx->held = 0;
  }
  for (; len >= 64; bytes += 64, len -= 64) compress(ctx->state, bytes);
  memcpy(ctx->block, bytes, len);
  ctx->held = len;
}

void sha256_finish(sha256_context *ctx, uint8_t out[SHA256_DIGEST_BYTES]) {
  // The 0x80 marker and the bit length fill one or two last blocks.
  uint64_t bits = ctx->total_bytes * 8;
  ctx->block[ctx->held++] = 0x80;
  if (ctx->held > 56) {
    memset(ctx->block + ctx->held, 0, 64 - ctx->held);
    compress(ctx->state, ctx->block);
    ctx->held = 0;
  }
  memset(ctx->block + ctx->held, 0, 56 - ctx->held);
  for (int i = 0; i < 8; i++) ctx->block[63 - i] = (uint8_t)(bits >> (8 * i));
  compress(ctx->state, ctx->block);
  for (int i = 0; i < 8; i++) {
    out[4 * i] = (uint8_t)(ctx->state[i] >> 24);
    out[4 * i + 1] = (uint8_t)(ctx->state[i] >> 16);
    out[4 * i + 2] = (uint8_t)(ctx->state[i] >> 8);
    out[4 * i + 3] = (uint8_t)ctx->state[i];
  }
}

void sha256_digest(const uint8_t *bytes, size_t len, uint8_t out[SHA256_DIGEST_BYTES]) {
  sha256_context ctx;
  sha256_start(&ctx);
  sha256_update(&ctx, bytes, len);
  sha256_finish(&ctx, out);
}
