// device_tls.h and tls_server.h for an image built without a TLS library (the
// firmware with the wasm3 engine, or without PICO_MBEDTLS_PATH): every request is answered "this host has no TLS",
// as docs/host-abi.md lets a host answer, so the core can tell.
#include "device_tls.h"
#include "tls_server.h"

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

// The kubelet port's TLS server (tls_server.h) without a TLS library: no certificate is ever ready, so the
// port closes every kubelet client at once.
int tls_server_set_client_ca(const uint8_t *pem, size_t len) {
  (void)pem, (void)len;
  return 0; // nothing will ever be verified with it
}
bool tls_server_ready(void) { return false; }
tls_session *tls_session_open(const tls_pipe *pipe) {
  (void)pipe;
  return NULL;
}
tls_state tls_session_handshake(tls_session *s) { return (void)s, TLS_ENDED; }
bool tls_session_busy(const tls_session *s) { return (void)s, false; }
int tls_session_read(tls_session *s, uint8_t *out, size_t cap) { return (void)s, (void)out, (void)cap, -1; }
bool tls_session_pending(const tls_session *s) { return (void)s, false; }
int tls_session_write(tls_session *s, const uint8_t *bytes, size_t len) { return (void)s, (void)bytes, (void)len, -1; }
size_t tls_session_identity(const tls_session *s, char *out, size_t cap) { return (void)s, (void)out, (void)cap, 0; }
void tls_session_close(tls_session *s) { (void)s; }
unsigned tls_session_count(void) { return 0; }
