// The one random bit generator of the TLS module (mbedTLS CTR_DRBG), seeded
// from the HAL's entropy source on first use. Key generation, the CSR's
// signature, handshakes and session tickets all draw from it.
#ifndef TLS_RANDOM_H
#define TLS_RANDOM_H

#include <stddef.h>
#include <time.h>

/** mbedTLS's f_rng with tls_random_context() as p_rng. */
int tls_random(void *context, unsigned char *out, size_t len);
/** The seeded generator; NULL (logged) if the HAL has no entropy to seed it. */
void *tls_random_context(void);

/** Tests: the next use seeds afresh. */
void tls_random_forget(void);

/** Seconds since boot: mbedTLS's clock where there is no RTC (mbedtls_config.h). */
time_t tls_uptime_seconds(time_t *out);

#endif
