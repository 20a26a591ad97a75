#include "tls_random.h"

#include <stdbool.h>

#include "hal.h"
#include "logf.h"
#include "mbedtls/ctr_drbg.h"

static mbedtls_ctr_drbg_context generator;
static bool seeded;

static int hal_entropy_source(void *unused, unsigned char *out, size_t len) {
  (void)unused;
  return hal_entropy(out, len) ? 0 : MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
}

void *tls_random_context(void) {
  if (seeded) return &generator;
  mbedtls_ctr_drbg_init(&generator);
  static const unsigned char personalization[] = "pico-node tls";
  int rc = mbedtls_ctr_drbg_seed(&generator, hal_entropy_source, NULL, personalization, sizeof personalization - 1);
  if (rc != 0) {
    logf_line(LOG_ERROR, "tls: cannot seed the random generator from the entropy source (-0x%04x)", (unsigned)-rc);
    mbedtls_ctr_drbg_free(&generator);
    return NULL;
  }
  // Reseeds from the HAL's source every MBEDTLS_CTR_DRBG_RESEED_INTERVAL requests.
  seeded = true;
  return &generator;
}

int tls_random(void *context, unsigned char *out, size_t len) { return mbedtls_ctr_drbg_random(context, out, len); }

void tls_random_forget(void) {
  if (seeded) mbedtls_ctr_drbg_free(&generator);
  seeded = false;
}
