// A non-blocking socket as the TLS module's pipe (tls_server.h), with an output
// buffer for what the socket does not take at once: for the programs that serve
// the TLS module on 127.0.0.1 (tests/native/tls_harness.c, bench/tls_handshake.c).
#ifndef SOCKET_PIPE_H
#define SOCKET_PIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tls_server.h"

#define SOCKET_PIPE_OUT_BYTES 65536

typedef struct socket_pipe {
  int fd;
  uint8_t out[SOCKET_PIPE_OUT_BYTES];
  size_t out_len;
} socket_pipe;

/** The pipe a TLS session reads and writes through. */
tls_pipe socket_pipe_for_tls(socket_pipe *p);
/** Sends what waits in the output buffer, as much as the socket takes now. */
void socket_pipe_flush(socket_pipe *p);
/** Accepts a waiting connection into p (NULL: no room, so it is closed at once): true if p now holds one. */
bool socket_pipe_accept(int listener, socket_pipe *p);
/** Echoes every decrypted byte waiting in an open session: false when the session ended. */
bool socket_pipe_echo(tls_session *s);
/** A listening socket on 127.0.0.1 at a port the system picks; prints "port N". -1 (reported) if it cannot. */
int socket_pipe_listen(void);

#endif
