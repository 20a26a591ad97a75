#include "tls_random.h"

#include <stdbool.h>
#include <stdint.h>

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

time_t tls_uptime_seconds(time_t *out) {
  // mbedTLS's clock (mbedtls_config.h on the firmware): seconds since boot, carried past hal_now_ms's wrap
  // as long as it is read at least every 49 days (each handshake reads it).
  static uint32_t last_ms;
  static uint64_t total_ms;
  uint32_t now = hal_now_ms();
  total_ms += now - last_ms;
  last_ms = now;
  time_t seconds = (time_t)(total_ms / 1000u);
  if (out) *out = seconds;
  return seconds;
}
