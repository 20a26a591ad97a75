// A kubelet-port client's TLS as a port's network layer drives it from its
// main loop (tls_server.h underneath): the handshake one step per turn, the
// core told of the client only once the handshake completed (with its
// verified identity), then decrypted bytes as far as the event queue has
// room. The POSIX shell, the Pico W (lwIP) and the emulator image share it;
// each gives the session a pipe over its own connection.
#ifndef KUBELET_TLS_H
#define KUBELET_TLS_H

#include <stdbool.h>
#include <stdint.h>

#include "event_queue.h"
#include "tls_server.h"

typedef struct kubelet_tls {
  tls_session *session; // NULL: not a TLS connection (or closed)
  uint32_t opened_ms;
  bool announced;       // the core knows the connection
  bool room_asked;      // waiting at the TLS limit: the core was asked to close an idle kept connection
} kubelet_tls;

typedef enum kubelet_tls_start {
  KUBELET_TLS_STARTED, // the session is open: serve it
  KUBELET_TLS_WAITING, // at the TLS limit, the core was asked to make room: try again next turn
  KUBELET_TLS_REFUSED, // no certificate yet, no room after the core had its say, or no memory (logged): close it
} kubelet_tls_start;

/** Starts TLS for a new client; false (logged) when refused (no certificate yet, TLS_MAX_SESSIONS open, no
 *  memory): the port closes the connection at once and tells the core nothing. */
bool kubelet_tls_open(kubelet_tls *k, const tls_pipe *pipe);
/**
 * kubelet_tls_open for a port that holds a new client until a place is free (the board: the client is
 * already accepted, its bytes wait). At TLS_MAX_SESSIONS it asks the core once (EVENT_SERVER_ROOM_WANTED)
 * to close an idle kept connection, and waits until the core has taken the event; then it opens the
 * session, or refuses the client if no place came free.
 */
kubelet_tls_start kubelet_tls_start_when_room(kubelet_tls *k, const tls_pipe *pipe, event_queue *queue);
/** One turn; false when the session ended: the port closes the connection, telling the core (as a server
 *  close) only if it was announced. */
bool kubelet_tls_serve(kubelet_tls *k, int32_t handle, event_queue *queue);
/** Work waits that needs nothing from the network: a handshake step, or decrypted bytes. */
bool kubelet_tls_ready(const kubelet_tls *k);
/** The handshake has not completed within TLS_HANDSHAKE_TIMEOUT_MS (logged): close the connection. */
bool kubelet_tls_expired(const kubelet_tls *k, uint32_t now_ms);
/** Sends close_notify if the pipe takes it, and frees the session. */
void kubelet_tls_close(kubelet_tls *k);

#endif
