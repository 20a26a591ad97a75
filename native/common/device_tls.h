// The device's TLS identity as the host imports tls_csr, tls_install and
// tls_cert_validity see it (docs/host-abi.md): no library types, so the
// imports compile on every port. device_key.c implements it over mbedTLS;
// device_tls_absent.c answers "this host has no TLS" for a port without it.
#ifndef DEVICE_TLS_H
#define DEVICE_TLS_H

#include <stddef.h>
#include <stdint.h>

enum {
  DEVICE_TLS_ABSENT = -1,      // this host has no TLS
  DEVICE_TLS_TOO_SMALL = -2,   // tls_csr: the PEM does not fit in the space given
  DEVICE_TLS_NO_KEY = -3,      // tls_csr: the key cannot be made or read, or the name is not a node name
  DEVICE_TLS_UNPARSABLE = -2,  // tls_install: not a PEM certificate (chain)
  DEVICE_TLS_OTHER_KEY = -3,   // tls_install: the certificate is for another key
  DEVICE_TLS_NO_CERT = -1,     // tls_cert_validity: nothing installed
};

/**
 * Writes a PEM PKCS#10 request for the device key (made and stored on first
 * use): subject O=system:nodes, CN=system:node:<name>; subjectAltName
 * DNS:<name> and, when ipv4 is not 0, IP:<ipv4> ((a<<24)|(b<<16)|(c<<8)|d).
 * Returns the PEM's length or a DEVICE_TLS_* code.
 */
int32_t device_tls_csr(const char *name, size_t name_len, uint32_t ipv4, uint8_t *out, size_t cap);
/** Serves with this PEM certificate (chain) from now on: 0, or a DEVICE_TLS_* code (nothing changes then). */
int32_t device_tls_install(const uint8_t *pem, size_t len);
/** notBefore and notAfter of the installed leaf certificate in Unix seconds: 0, or DEVICE_TLS_NO_CERT. */
int32_t device_tls_validity(int64_t *not_before, int64_t *not_after);

#endif
