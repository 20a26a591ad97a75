// device_tls.h for a port built without a TLS library (the firmware until
// pico_mbedtls is wired in): every request is answered "this host has no TLS",
// as docs/host-abi.md lets a host answer, so the core can tell.
#include "device_tls.h"

int32_t device_tls_csr(const char *name, size_t name_len, uint32_t ipv4, uint8_t *out, size_t cap) {
  (void)name, (void)name_len, (void)ipv4, (void)out, (void)cap;
  return DEVICE_TLS_ABSENT;
}

int32_t device_tls_install(const uint8_t *pem, size_t len) {
  (void)pem, (void)len;
  return DEVICE_TLS_ABSENT;
}

int32_t device_tls_validity(int64_t *not_before, int64_t *not_after) {
  (void)not_before, (void)not_after;
  return DEVICE_TLS_NO_CERT;
}
