// The emulator image's network layer: hal_net_* over the fake link, shaped
// like net_lwip.c so the heap it takes is the board's. Each connection may
// have NET_FAKE_WINDOW_BYTES "in flight" per main-loop step (lwIP's
// TCP_SND_BUF); bytes beyond it wait in the connection's send_queue, as on
// the board, and drain on later steps. Frames from the script become events
// only when the queue has room; otherwise they wait in the link's ring.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emulator.h"
#include "event_queue.h"
#include "fake_link.h"
#include "hal.h"
#include "host_imports.h"
#include "kubelet_tls.h"
#include "logf.h"
#include "lwipopts.h"
#include "pico_port.h"
#include "send_queue.h"
#include "shell_config.h"

#define NET_FAKE_WINDOW_BYTES TCP_SND_BUF // what lwIP on the Pico W takes per connection before the shell queues
#define NET_FAKE_SEND_PIECE 1024u   // bytes per LINK_SEND frame (within LINK_MAX_PAYLOAD)
// A TLS client's ciphertext not yet read by its session (the board's lwIP holds these bytes in its pbufs,
// outside the C heap; here they take this much heap per TLS connection). Four of the script's DATA frames.
#define NET_FAKE_TLS_IN_BYTES 1024u

typedef enum fake_state { FAKE_FREE, FAKE_CONNECTING, FAKE_OPEN, FAKE_CLOSING } fake_state;

typedef struct fake_conn {
  fake_state state;
  bool server;
  uint16_t handle;
  send_queue pending;
  uint32_t window; // bytes the fake network still takes this step
  bool tls_wanted; // a kubelet-port client: TLS (its session opens on the main loop, when a place is free)
  kubelet_tls tls;
  uint8_t *in;     // TLS: ciphertext received (NET_FAKE_TLS_IN_BYTES), in_len of it waiting
  size_t in_len;
  bool peer_closed; // TLS: the script closed it; the session reads the end once `in` is drained
  bool in_progress; // TLS: the last turn consumed received bytes (more may be ready)
} fake_conn;

static fake_conn conns[NET_MAX_CONNECTIONS];
static event_queue *queue;
static uint16_t next_handle = 1;
static uint16_t listen_port;

void net_fake_init(event_queue *events) {
  queue = events;
  link_init();
}

static fake_conn *find(int32_t handle) {
  for (int i = 0; i < NET_MAX_CONNECTIONS; i++)
    if (conns[i].state != FAKE_FREE && conns[i].handle == handle) return &conns[i];
  return NULL;
}

static fake_conn *claim(bool server, uint16_t handle) {
  for (int i = 0; i < NET_MAX_CONNECTIONS; i++) {
    if (conns[i].state != FAKE_FREE) continue;
    memset(&conns[i], 0, sizeof conns[i]);
    conns[i].server = server;
    conns[i].handle = handle;
    conns[i].window = NET_FAKE_WINDOW_BYTES;
    return &conns[i];
  }
  return NULL;
}

static void release(fake_conn *c) {
  kubelet_tls_close(&c->tls);
  free(c->in);
  send_queue_clear(&c->pending);
  memset(c, 0, sizeof *c);
}

/** What the connection's window takes now. */
static size_t send_room(const fake_conn *c) { return c->state == FAKE_OPEN || c->state == FAKE_CLOSING ? c->window : 0; }

/** Sends up to the connection's window; returns how many bytes went. */
static size_t transmit(void *conn, const uint8_t *bytes, size_t len) {
  fake_conn *c = conn;
  size_t room = send_room(c);
  size_t n = len < room ? len : room;
  for (size_t off = 0; off < n; off += NET_FAKE_SEND_PIECE) {
    size_t piece = n - off < NET_FAKE_SEND_PIECE ? n - off : NET_FAKE_SEND_PIECE;
    link_send(LINK_SEND, c->handle, bytes + off, piece);
  }
  c->window -= (uint32_t)n;
  return n;
}

// ---- a TLS client's pipe: the connection's send queue and received ciphertext ----

static int tls_pipe_send(void *conn, const uint8_t *bytes, size_t n) {
  fake_conn *c = conn;
  return send_queue_offer(&c->pending, bytes, n, send_room(c), transmit, c, NET_SEND_QUEUE_BYTES, NET_SEND_QUEUE_TOTAL_BYTES);
}

static int tls_pipe_recv(void *conn, uint8_t *out, size_t cap) {
  fake_conn *c = conn;
  if (c->in_len == 0) return c->peer_closed ? -1 : 0;
  size_t n = cap < c->in_len ? cap : c->in_len;
  memcpy(out, c->in, n);
  memmove(c->in, c->in + n, c->in_len - n);
  c->in_len -= n;
  return (int)n;
}

static size_t tls_pipe_room(void *conn) {
  fake_conn *c = conn;
  return send_queue_room(&c->pending, send_room(c), NET_SEND_QUEUE_BYTES, NET_SEND_QUEUE_TOTAL_BYTES);
}

static void finish_close(fake_conn *c) {
  if (c->state == FAKE_CLOSING && c->pending.len == 0) {
    link_send(LINK_CLOSE, c->handle, NULL, 0);
    release(c);
  }
}

// ---- the HAL ----

int32_t hal_net_open(const char *host, uint16_t port) {
  fake_conn *c = claim(false, next_handle);
  if (c == NULL) {
    logf_line(LOG_WARN, "no free connection slot for %s:%u", host, port);
    return -1;
  }
  next_handle = next_handle + 1 >= LINK_SERVER_HANDLE_BASE ? 1 : next_handle + 1;
  c->state = FAKE_CONNECTING;
  char target[NET_TARGET_MAX + 8];
  int n = snprintf(target, sizeof target, "%s:%u", host, port);
  link_send(LINK_OPEN, c->handle, target, (size_t)n);
  return c->handle;
}

int32_t hal_net_send(int32_t handle, const uint8_t *bytes, size_t len) {
  fake_conn *c = find(handle);
  if (c == NULL || c->state == FAKE_CLOSING) return -1;
  if (c->tls.session) return tls_session_write(c->tls.session, bytes, len); // all or nothing, encrypted into the queue
  bool sent = send_queue_send(&c->pending, bytes, len, send_room(c), transmit, c, NET_SEND_QUEUE_BYTES,
                              NET_SEND_QUEUE_TOTAL_BYTES);
  return sent ? 0 : -2;
}

void hal_net_close(int32_t handle) {
  fake_conn *c = find(handle);
  if (c == NULL) return;
  kubelet_tls_close(&c->tls); // its close_notify joins the queued bytes
  if (c->state == FAKE_OPEN && c->pending.len > 0) {
    c->state = FAKE_CLOSING; // drained on later steps, then closed
    return;
  }
  link_send(LINK_CLOSE, c->handle, NULL, 0);
  release(c);
}

void hal_net_close_all(void) {
  for (int i = 0; i < NET_MAX_CONNECTIONS; i++) {
    if (conns[i].state == FAKE_FREE) continue;
    link_send(LINK_CLOSE, conns[i].handle, NULL, 0);
    release(&conns[i]);
  }
}

bool hal_net_listen(int listener, uint16_t port) {
  if (listener != NET_LISTENER_KUBELET) { // the script's link has one listening port: the kubelet's
    logf_line(LOG_INFO, "healthz port %u not served by the fake network", port);
    return true;
  }
  listen_port = port;
  uint8_t payload[2] = {(uint8_t)port, (uint8_t)(port >> 8)};
  link_send(LINK_LISTEN, 0, payload, sizeof payload);
  logf_line(LOG_INFO, "kubelet port %u listening (fake network)", port);
  return true;
}

uint32_t hal_net_ipv4(void) { return 0x0a00000fu; } // 10.0.0.15, what the script expects
int32_t hal_net_rssi_dbm(void) { return 0; }

// ---- frames from the script ----

static int server_count(void) {
  int n = 0;
  for (int i = 0; i < NET_MAX_CONNECTIONS; i++) n += conns[i].state != FAKE_FREE && conns[i].server;
  return n;
}

/** Turns one frame into an event; false when the queue has no room yet (the frame waits). */
static bool deliver(const link_frame *f) {
  fake_conn *c = find(f->handle);
  switch (f->type) {
  case LINK_ACCEPT:
    if (listen_port == 0 || server_count() >= NET_MAX_SERVER_CONNECTIONS || find(f->handle) != NULL ||
        (c = claim(true, f->handle)) == NULL) {
      link_send(LINK_CLOSE, f->handle, NULL, 0); // refused at once, like lwIP's accept over the limit
      return true;
    }
    c->state = FAKE_OPEN;
    c->tls_wanted = true; // the core hears of it once its handshake completed (serve_tls)
    c->in = malloc(NET_FAKE_TLS_IN_BYTES);
    if (c->in == NULL) {
      link_send(LINK_CLOSE, f->handle, NULL, 0);
      release(c);
    }
    return true;
  case LINK_CONNECTED:
    if (c == NULL || c->state != FAKE_CONNECTING) return true;
    if (!event_queue_push(queue, EVENT_NET_CONNECTED, c->handle, 0)) return false;
    c->state = FAKE_OPEN;
    send_queue_consume(&c->pending, transmit(c, c->pending.bytes, c->pending.len));
    return true;
  case LINK_DATA: {
    if (c == NULL || c->state == FAKE_CLOSING) return true; // the core is done with it: dropped, as on the board
    if (c->tls_wanted) { // ciphertext for the session, read on the main loop
      if (f->len > NET_FAKE_TLS_IN_BYTES - c->in_len) return false;
      memcpy(c->in + c->in_len, f->payload, f->len);
      c->in_len += f->len;
      return true;
    }
    event_type type = c->server ? EVENT_SERVER_DATA : EVENT_NET_DATA;
    if (f->len > event_queue_data_room(queue, type, c->handle)) return false;
    return event_queue_push_data(queue, type, c->handle, f->payload, f->len);
  }
  case LINK_PEER_CLOSED:
  case LINK_FAILED: {
    if (c == NULL) return true;
    if (c->tls.session && c->in_len > 0) { // the session reads the end after the bytes before it
      c->peer_closed = true;
      return true;
    }
    if (c->tls_wanted && !c->tls.announced) { // the core never heard of it
      release(c);
      return true;
    }
    int32_t code = 0;
    if (f->type == LINK_FAILED && f->len >= 4) memcpy(&code, f->payload, 4);
    event_type type = c->server ? EVENT_SERVER_CLOSED : f->type == LINK_FAILED ? EVENT_NET_ERROR : EVENT_NET_CLOSED;
    if (c->state != FAKE_CLOSING && !event_queue_push(queue, type, c->handle, code)) return false;
    release(c);
    return true;
  }
  case LINK_REPORT:
    emulator_report();
    return true;
  default:
    logf_line(LOG_WARN, "fake network: unknown frame type 0x%02x", f->type);
    return true;
  }
}

/** A TLS client's turn (kubelet_tls.h); the session ended, or its handshake took too long: closed, the core
 *  told if it knew the client. */
static void serve_tls(fake_conn *c) {
  if (c->tls.session == NULL) {
    tls_pipe pipe = {.conn = c, .send = tls_pipe_send, .recv = tls_pipe_recv, .room = tls_pipe_room};
    kubelet_tls_start start = kubelet_tls_start_when_room(&c->tls, &pipe, queue);
    if (start == KUBELET_TLS_WAITING) return;
    if (start == KUBELET_TLS_REFUSED) {
      link_send(LINK_CLOSE, c->handle, NULL, 0);
      release(c);
      return;
    }
  }
  size_t before = c->in_len;
  bool open = kubelet_tls_serve(&c->tls, c->handle, queue);
  c->in_progress = c->in_len < before;
  if (open && !kubelet_tls_expired(&c->tls, hal_now_ms())) return;
  if (c->tls.announced && !event_queue_push(queue, EVENT_SERVER_CLOSED, c->handle, 0)) return; // next turn
  kubelet_tls_close(&c->tls);
  c->state = FAKE_CLOSING; // its close_notify goes out, then the close
  finish_close(c);
}

void net_fake_step(void) {
  for (int i = 0; i < NET_MAX_CONNECTIONS; i++) { // the network acknowledged what was in flight
    fake_conn *c = &conns[i];
    if (c->state == FAKE_FREE) continue;
    c->window = NET_FAKE_WINDOW_BYTES;
    send_queue_consume(&c->pending, transmit(c, c->pending.bytes, c->pending.len));
    finish_close(c);
  }
  link_frame f;
  while (link_peek(&f) && deliver(&f)) link_take(&f);
  for (int i = 0; i < NET_MAX_CONNECTIONS; i++)
    if (conns[i].state == FAKE_OPEN && conns[i].tls_wanted) serve_tls(&conns[i]);
}

bool net_fake_busy(void) {
  for (int i = 0; i < NET_MAX_CONNECTIONS; i++)
    if (conns[i].state == FAKE_OPEN && conns[i].tls_wanted &&
        (conns[i].tls.session == NULL || kubelet_tls_ready(&conns[i].tls) || (conns[i].in_progress && conns[i].in_len > 0)))
      return true;
  return false;
}
