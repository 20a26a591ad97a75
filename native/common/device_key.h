// The device key and the certificate installed for it, as the TLS server
// (tls_server.c) uses them. The key is ECDSA P-256, made on the device from
// the HAL's entropy the first time a CSR is asked for, stored through
// hal_device_key_save and never given out. Installing a certificate
// (device_tls_install) replaces the one new handshakes get; a handshake under
// way keeps the chain it started with until it ends (each chain counts its users).
#ifndef DEVICE_KEY_H
#define DEVICE_KEY_H

#include <stdbool.h>

#include "device_tls.h"
#include "mbedtls/pk.h"
#include "mbedtls/x509_crt.h"

typedef struct device_credential {
  mbedtls_x509_crt chain; // leaf first
  unsigned users;         // handshakes holding it
  bool loaded;            // chain holds certificates
} device_credential;

/** The installed chain for a new handshake (counted until released), and the key; NULL while none is installed. */
device_credential *device_credential_acquire(mbedtls_pk_context **key);
void device_credential_release(device_credential *credential);
/** Tests: forgets the key, every certificate and the random generator's state (the stored key stays stored). */
void device_key_forget(void);

#endif
