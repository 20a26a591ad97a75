// The POSIX port's network layer: non-blocking sockets and poll(). Like the
// board's lwIP callbacks, it only moves bytes and queues events; the core is
// entered from the main loop alone. The kubelet port speaks TLS
// (kubelet_tls.h, shared with the board): a client is announced to the core
// only once its handshake has completed, with its verified identity, and the
// core's bytes are encrypted on their way out; the healthz port is plain.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hal.h"
#include "hal_posix.h"
#include "kubelet_tls.h"
#include "logf.h"
#include "shell_config.h"

typedef enum conn_state { CONN_FREE, CONN_CONNECTING, CONN_OPEN, CONN_CLOSING } conn_state;

typedef struct connection {
  conn_state state;
  bool server;     // accepted on a listener
  bool announced;  // a plain client: the core knows it (a TLS client's own flag is in tls)
  int fd;
  kubelet_tls tls; // kubelet-port clients
  int32_t handle;
  uint8_t *out;    // bytes queued by the core, not yet written
  size_t out_len;
} connection;

static connection conns[POSIX_MAX_CONNECTIONS];
static int listeners[2] = {-1, -1}; // NET_LISTENER_KUBELET, NET_LISTENER_HEALTHZ
static event_queue *queue;
static int32_t next_handle = 1;

void net_posix_init(event_queue *events) {
  queue = events;
  signal(SIGPIPE, SIG_IGN); // a peer that went away shows as EPIPE, not a dead process
}

static connection *find(int32_t handle) {
  for (int i = 0; i < POSIX_MAX_CONNECTIONS; i++)
    if (conns[i].state != CONN_FREE && conns[i].handle == handle) return &conns[i];
  return NULL;
}

/** A free slot with a handle never used by a connection still known to the core; NULL (logged) if none is free
 *  or there is no memory for its send buffer. */
static connection *claim(int fd, bool server, conn_state state) {
  for (int i = 0; i < POSIX_MAX_CONNECTIONS; i++) {
    if (conns[i].state != CONN_FREE) continue;
    connection *c = &conns[i];
    c->out = malloc(POSIX_SEND_QUEUE_BYTES);
    if (c->out == NULL) {
      logf_line(LOG_WARN, "no memory for a connection's send buffer (%d bytes)", POSIX_SEND_QUEUE_BYTES);
      return NULL;
    }
    c->state = state;
    c->server = server;
    c->fd = fd;
    c->handle = next_handle;
    next_handle = next_handle == INT32_MAX ? 1 : next_handle + 1;
    c->out_len = 0;
    return c;
  }
  logf_line(LOG_WARN, "all %d connection slots busy", POSIX_MAX_CONNECTIONS);
  return NULL;
}

static void release(connection *c) {
  kubelet_tls_close(&c->tls);
  if (c->fd >= 0) close(c->fd);
  free(c->out);
  memset(c, 0, sizeof *c);
  c->fd = -1;
}

static void set_nonblocking(int fd) {
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/** TCP keepalive as on the board (shell_config.h): a peer gone silent ends the connection with ETIMEDOUT. */
static void set_keepalive(int fd) {
  int on = 1, idle = NET_KEEPALIVE_IDLE_MS / 1000, interval = NET_KEEPALIVE_INTERVAL_MS / 1000,
      probes = NET_KEEPALIVE_PROBES;
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof probes);
}

int32_t hal_net_open(const char *host, uint16_t port) {
  struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *found = NULL;
  char service[8];
  snprintf(service, sizeof service, "%u", port);
  int rc = getaddrinfo(host, service, &hints, &found);
  if (rc != 0 || found == NULL) {
    logf_line(LOG_WARN, "cannot resolve %s: %s", host, gai_strerror(rc));
    return -1;
  }
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    freeaddrinfo(found);
    return -1;
  }
  set_nonblocking(fd);
  set_keepalive(fd);
  rc = connect(fd, found->ai_addr, found->ai_addrlen);
  freeaddrinfo(found);
  if (rc != 0 && errno != EINPROGRESS) {
    close(fd);
    return -1;
  }
  connection *c = claim(fd, false, CONN_CONNECTING);
  if (c == NULL) {
    close(fd);
    logf_line(LOG_WARN, "connection to %s:%u not started", host, port);
    return -1;
  }
  return c->handle;
}

/** Writes what the socket takes now; false when the connection failed. */
static bool flush(connection *c) {
  while (c->out_len > 0) {
    ssize_t n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL);
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    memmove(c->out, c->out + n, c->out_len - (size_t)n);
    c->out_len -= (size_t)n;
  }
  return true;
}

int32_t hal_net_send(int32_t handle, const uint8_t *bytes, size_t len) {
  connection *c = find(handle);
  if (c == NULL || c->state == CONN_CLOSING) return -1;
  if (c->tls.session) return tls_session_write(c->tls.session, bytes, len); // all or nothing, encrypted into c->out
  if (len > POSIX_SEND_QUEUE_BYTES - c->out_len) return -2; // all or nothing
  memcpy(c->out + c->out_len, bytes, len);
  c->out_len += len;
  if (c->state == CONN_OPEN && !flush(c)) return -1;
  return 0;
}

void hal_net_close(int32_t handle) {
  connection *c = find(handle);
  if (c == NULL) return;
  kubelet_tls_close(&c->tls); // its close_notify joins the queued bytes
  if (c->state != CONN_OPEN || c->out_len == 0 || !flush(c) || c->out_len == 0) {
    if (c->state == CONN_OPEN) shutdown(c->fd, SHUT_WR);
    release(c);
  } else {
    c->state = CONN_CLOSING; // written out by the poll loop, then closed; the core hears nothing more
  }
}

void hal_net_close_all(void) {
  for (int i = 0; i < POSIX_MAX_CONNECTIONS; i++)
    if (conns[i].state != CONN_FREE) release(&conns[i]);
}

bool hal_net_listen(int which, uint16_t port) {
  if (which != NET_LISTENER_KUBELET && which != NET_LISTENER_HEALTHZ) return false;
  int listener = listeners[which] = socket(AF_INET, SOCK_STREAM, 0);
  if (listener < 0) return false;
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
  if (inet_pton(AF_INET, posix.bind_address, &addr.sin_addr) != 1 ||
      bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(listener, 8) != 0) {
    logf_line(LOG_ERROR, "cannot listen on %s:%u: %s", posix.bind_address, port, strerror(errno));
    return false;
  }
  set_nonblocking(listener);
  logf_line(LOG_INFO, "%s port listening on %s:%u", which == NET_LISTENER_KUBELET ? "kubelet (TLS)" : "healthz",
            posix.bind_address, port);
  return true;
}

// ---- the kubelet port's TLS: the session's pipe is the connection's socket and send queue ----

static int tls_pipe_send(void *conn, const uint8_t *bytes, size_t n) {
  connection *c = conn;
  size_t room = POSIX_SEND_QUEUE_BYTES - c->out_len;
  if (n > room) n = room;
  memcpy(c->out + c->out_len, bytes, n);
  c->out_len += n;
  return flush(c) ? (int)n : -1;
}

static int tls_pipe_recv(void *conn, uint8_t *out, size_t cap) {
  ssize_t n = recv(((connection *)conn)->fd, out, cap, 0);
  if (n > 0) return (int)n;
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -1;
}

static size_t tls_pipe_room(void *conn) { return POSIX_SEND_QUEUE_BYTES - ((connection *)conn)->out_len; }

/** A kubelet client found both TLS places taken and the core was asked to make room (its answer comes as net_close). */
static bool room_asked;

static void accept_clients(int which) {
  for (;;) {
    if (which == NET_LISTENER_KUBELET && tls_server_ready() && tls_session_count() >= TLS_MAX_SESSIONS && !room_asked) {
      // Leave the client in the backlog until the core had its say: an idle kept connection may give way.
      room_asked = event_queue_push(queue, EVENT_SERVER_ROOM_WANTED, 0, 0);
      if (room_asked) return;
    }
    int fd = accept(listeners[which], NULL, NULL);
    if (fd < 0) return;
    set_nonblocking(fd);
    set_keepalive(fd);
    bool tls = which == NET_LISTENER_KUBELET;
    if (tls && !tls_server_ready()) {
      close(fd); // no serving certificate yet: closed at once
      logf_line(LOG_DEBUG, "kubelet client closed: no serving certificate installed yet");
      continue;
    }
    if (tls) room_asked = false; // the core had its say: a place is free now, or the client is refused below
    connection *c = NULL;
    if (queue->count >= EVENT_QUEUE_SLOTS) logf_line(LOG_WARN, "event queue full");
    else c = claim(fd, true, CONN_OPEN);
    if (c != NULL && tls) {
      tls_pipe pipe = {.conn = c, .send = tls_pipe_send, .recv = tls_pipe_recv, .room = tls_pipe_room};
      if (!kubelet_tls_open(&c->tls, &pipe)) { // logged: two sessions open already, or no memory
        release(c);
        continue; // release closed the socket
      }
    }
    if (c == NULL) {
      close(fd); // refused at once rather than left hanging
      logf_line(LOG_WARN, "kubelet client refused (see the line above)");
      continue;
    }
    if (!tls) {
      c->announced = true;
      event_queue_push(queue, EVENT_SERVER_ACCEPT, c->handle, which);
    }
  }
}

/** The connection is gone: tell the core (unless it closed it) and free the slot. */
static void gone(connection *c, int error) {
  if (error == ETIMEDOUT && c->state != CONN_CONNECTING) // on a quiet connection, only keepalive probes time out
    logf_line(LOG_WARN, "connection %ld: the peer stopped answering (keepalive or retransmission timeout); closed",
              (long)c->handle);
  else if (error)
    logf_line(LOG_INFO, "connection %ld lost: %s", (long)c->handle, strerror(error));
  if (c->state != CONN_CLOSING) {
    // A TLS client gone before its handshake completed was never announced: the core hears nothing.
    if (c->server) {
      if (c->announced || c->tls.announced) event_queue_push(queue, EVENT_SERVER_CLOSED, c->handle, 0);
    } else if (error) event_queue_push(queue, EVENT_NET_ERROR, c->handle, -error);
    else event_queue_push(queue, EVENT_NET_CLOSED, c->handle, 0);
  }
  release(c);
}

/** Has work without waiting for its socket: a handshake step to take, or decrypted bytes waiting. */
static bool tls_ready(const connection *c) { return c->state == CONN_OPEN && kubelet_tls_ready(&c->tls); }

/** Closes TLS clients whose handshake has not completed within TLS_HANDSHAKE_TIMEOUT_MS: one of the two
 *  sessions must not be held by a client that connects and says nothing. */
static void expire_handshakes(void) {
  uint32_t now = hal_now_ms();
  for (int i = 0; i < POSIX_MAX_CONNECTIONS; i++)
    if (conns[i].state == CONN_OPEN && kubelet_tls_expired(&conns[i].tls, now)) gone(&conns[i], 0);
}

static void receive(connection *c) {
  if (c->tls.session) { // one turn (kubelet_tls.h); the main loop runs between handshake steps
    if (!kubelet_tls_serve(&c->tls, c->handle, queue)) gone(c, 0);
    return;
  }
  event_type type = c->server ? EVENT_SERVER_DATA : EVENT_NET_DATA;
  uint8_t buffer[EVENT_PAYLOAD_BYTES];
  size_t room = event_queue_data_room(queue, type, c->handle);
  if (room == 0) return; // the core is behind: leave the bytes in the socket (TCP pushes back)
  if (room > sizeof buffer) room = sizeof buffer;
  ssize_t n = recv(c->fd, buffer, room, 0);
  if (n > 0) event_queue_push_data(queue, type, c->handle, buffer, (size_t)n);
  else if (n == 0) gone(c, 0);
  else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) gone(c, errno);
}

/** Room for what one connection can produce in a step: two slots of data and its close. */
static bool has_room(void) { return EVENT_QUEUE_SLOTS - queue->count >= 3; }

void net_posix_poll(uint32_t timeout_ms) {
  struct pollfd fds[POSIX_MAX_CONNECTIONS + 2];
  connection *of[POSIX_MAX_CONNECTIONS + 2];
  int listener_of[POSIX_MAX_CONNECTIONS + 2];
  int n = 0;
  bool room = has_room();
  expire_handshakes();
  for (int i = 0; i < POSIX_MAX_CONNECTIONS; i++) {
    connection *c = &conns[i];
    if (c->state == CONN_FREE) continue;
    if (room && tls_ready(c)) timeout_ms = 0; // a handshake step or decrypted bytes wait: no sleeping
    short want = 0;
    if (c->state == CONN_CONNECTING || c->out_len > 0) want |= POLLOUT;
    if (c->state != CONN_CONNECTING && room) want |= POLLIN;
    fds[n] = (struct pollfd){.fd = c->fd, .events = want};
    of[n++] = c;
  }
  for (int which = 0; which < 2; which++)
    if (listeners[which] >= 0 && room) {
      fds[n] = (struct pollfd){.fd = listeners[which], .events = POLLIN};
      listener_of[n] = which;
      of[n++] = NULL;
    }
  if (poll(fds, (nfds_t)n, (int)timeout_ms) < 0) return;
  for (int i = 0; i < n && has_room(); i++) { // the rest wait for the next poll (level-triggered)
    connection *c = of[i];
    short got = fds[i].revents;
    if (c != NULL && got == 0 && tls_ready(c)) got = POLLIN; // its work needs no socket event
    if (got == 0) continue;
    if (c == NULL) {
      accept_clients(listener_of[i]);
      continue;
    }
    if (c->state == CONN_CONNECTING) {
      int error = 0;
      socklen_t len = sizeof error;
      getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &error, &len);
      if (error) {
        gone(c, error);
        continue;
      }
      c->state = CONN_OPEN;
      event_queue_push(queue, EVENT_NET_CONNECTED, c->handle, 0);
    }
    if ((got & POLLOUT) && c->out_len > 0 && !flush(c)) {
      gone(c, errno ? errno : EPIPE);
      continue;
    }
    if (c->state == CONN_CLOSING) {
      if (c->out_len == 0 || (got & (POLLERR | POLLHUP))) {
        shutdown(c->fd, SHUT_WR);
        release(c);
      }
      continue;
    }
    if (got & (POLLIN | POLLHUP | POLLERR)) receive(c);
  }
}
