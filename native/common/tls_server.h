// The kubelet port's TLS (docs/host-abi.md, version 3), one connection at a
// time over a byte pipe the port provides: no sockets here, so the POSIX
// shell, the firmware and the tests drive the same code. TLS 1.2,
// ECDHE-ECDSA on P-256 with AES-128-GCM or ChaCha20-Poly1305 and SHA-256;
// the server's certificate is the one installed for the device key
// (device_key.h); session tickets make a reconnect cost no ECC; a client
// certificate is asked for when a client CA is set, and only one that
// verifies against it gives the connection an identity.
//
// The handshake advances one step per call (tls_session_handshake), so a
// port's main loop runs between steps: the expensive steps are the ECDHE key
// and the signature (ServerKeyExchange) and the client's key and certificate.
#ifndef TLS_SERVER_H
#define TLS_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** The connection beneath: ciphertext in and out. */
typedef struct tls_pipe {
  void *conn;
  /** Takes up to n bytes now: how many (0 when there is no room), or < 0 if the connection failed. */
  int (*send)(void *conn, const uint8_t *bytes, size_t n);
  /** Reads up to cap bytes: how many, 0 when none are waiting now, or < 0 at the peer's end or an error. */
  int (*recv)(void *conn, uint8_t *out, size_t cap);
  /** How many bytes send would take now. */
  size_t (*room)(void *conn);
} tls_pipe;

typedef enum tls_state {
  TLS_HANDSHAKING,
  TLS_OPEN,  // the handshake completed: plaintext flows
  TLS_ENDED, // closed by the peer, or failed (logged): close the session
} tls_state;

typedef struct tls_session tls_session;

enum { TLS_CA_UNPARSABLE = -1, TLS_CA_NO_MEMORY = -2 };
/** Verifies client certificates against this CA (PEM, one or more) from now on: 0, TLS_CA_UNPARSABLE (logged),
 *  or TLS_CA_NO_MEMORY (nothing changed: try again later). */
int tls_server_set_client_ca(const uint8_t *pem, size_t len);
/** True once a certificate is installed: before, the port closes kubelet clients at once. */
bool tls_server_ready(void);
/** A session over pipe (copied); NULL (logged) with no certificate installed, TLS_MAX_SESSIONS open already, or no memory. */
tls_session *tls_session_open(const tls_pipe *pipe);
/** Advances the handshake by at most one step; TLS_OPEN once it has completed. */
tls_state tls_session_handshake(tls_session *s);
/** The handshake can take its next step now, without waiting for the peer. */
bool tls_session_busy(const tls_session *s);
/** Decrypted bytes: how many (at most cap), 0 when none are ready, < 0 when the session ended (close it). */
int tls_session_read(tls_session *s, uint8_t *out, size_t cap);
/** Decrypted bytes or records wait inside the session: read again without waiting for the pipe. */
bool tls_session_pending(const tls_session *s);
/** Encrypts and sends all len bytes, or none: 0, -2 when the pipe has no room for them now, -1 if the session ended. */
int tls_session_write(tls_session *s, const uint8_t *bytes, size_t len);
/** The verified client's identity as "CN\nO1\nO2…" (username, then groups): its length, 0 with no verified
 *  certificate (none sent, not verified by the client CA, no client CA set, or a name that cannot be given safely). */
size_t tls_session_identity(const tls_session *s, char *out, size_t cap);
/** Sends close_notify (if the pipe takes it) and frees the session. */
void tls_session_close(tls_session *s);
/** Sessions open now. */
unsigned tls_session_count(void);

#endif
