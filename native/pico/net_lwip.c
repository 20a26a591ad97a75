// The Pico W's network layer on lwIP's raw TCP API. Callbacks run inside
// cyw43_arch_poll() on the main loop; they only copy bytes and queue events,
// never enter the core. Every close path clears the callbacks first and falls
// back to tcp_abort, and a pcb is forgotten the moment lwIP frees it (tcp_err),
// so nothing is freed twice. Kubelet-port clients speak TLS (kubelet_tls.h):
// their received pbufs are held, not copied, until the session reads them on
// the main loop (lwIP's window bounds what waits), the handshake advances one
// step per loop turn, and the core hears of the client once it completed.
#include <stdlib.h>
#include <string.h>

#include "hal.h"
#include "kubelet_tls.h"
#include "logf.h"
#include "lwip/dns.h"
#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "pico_port.h"
#include "send_queue.h"
#include "shell_config.h"

typedef enum conn_state { CONN_FREE, CONN_RESOLVING, CONN_CONNECTING, CONN_OPEN, CONN_CLOSING, CONN_GONE } conn_state;

typedef struct connection {
  conn_state state;
  bool server;          // accepted on a listener
  bool tls;             // a kubelet-port client: TLS (its session opens on the main loop)
  int32_t handle;
  struct tcp_pcb *pcb;  // NULL once lwIP freed it or we closed it
  uint16_t port;        // while resolving
  send_queue pending;   // bytes lwIP could not take yet (allocated only while some wait)
  uint32_t last_activity_ms;
  event_type notice;    // CONN_GONE: the event still to be queued for the core
  int32_t notice_code;
  kubelet_tls session;  // tls: the session, and whether the core knows the client
  struct pbuf *rx;      // tls: received ciphertext the session has not read, not yet tcp_recved
  bool peer_closed;     // tls: FIN received; the session reads the end after rx
  bool rx_progress;     // tls: the last turn read from rx (more may be ready)
} connection;

static connection conns[NET_MAX_CONNECTIONS];
static event_queue *queue;
static struct tcp_pcb *listeners[2]; // NET_LISTENER_KUBELET, NET_LISTENER_HEALTHZ
static int32_t next_handle = 1;

void net_lwip_init(event_queue *events) { queue = events; }

static connection *find(int32_t handle) {
  for (int i = 0; i < NET_MAX_CONNECTIONS; i++)
    if (conns[i].state != CONN_FREE && conns[i].handle == handle) return &conns[i];
  return NULL;
}

static connection *claim(bool server) {
  for (int i = 0; i < NET_MAX_CONNECTIONS; i++) {
    if (conns[i].state != CONN_FREE) continue;
    connection *c = &conns[i];
    memset(c, 0, sizeof *c);
    c->server = server;
    c->handle = next_handle; // never reused while the core may still hear of an old one
    next_handle = next_handle == INT32_MAX ? 1 : next_handle + 1;
    c->last_activity_ms = hal_now_ms();
    return c;
  }
  return NULL;
}

static void release(connection *c) {
  kubelet_tls_close(&c->session);
  if (c->rx) pbuf_free(c->rx);
  send_queue_clear(&c->pending);
  memset(c, 0, sizeof *c);
}

/** Detaches our callbacks and closes the pcb, aborting it if lwIP cannot close it now.
 *  Returns true if it aborted: an lwIP callback must then return ERR_ABRT. */
static bool close_pcb(connection *c, bool abort_now) {
  struct tcp_pcb *pcb = c->pcb;
  if (pcb == NULL) return false;
  c->pcb = NULL;
  tcp_arg(pcb, NULL);
  tcp_recv(pcb, NULL);
  tcp_sent(pcb, NULL);
  tcp_err(pcb, NULL);
  tcp_poll(pcb, NULL, 0);
  if (!abort_now && tcp_close(pcb) == ERR_OK) return false;
  tcp_abort(pcb);
  return true;
}

/** The peer went away or the connection failed: tell the core once (later, if the queue is full).
 *  Returns true if the pcb was aborted (see close_pcb). */
static bool gone(connection *c, event_type type, int32_t code) {
  // The core closed it already, or (a TLS client before its handshake completed) never heard of it.
  if (c->state == CONN_CLOSING || (c->tls && !c->session.announced)) {
    bool aborted = close_pcb(c, true);
    release(c);
    return aborted;
  }
  bool aborted = close_pcb(c, false);
  c->state = CONN_GONE;
  c->notice = c->server ? EVENT_SERVER_CLOSED : type;
  c->notice_code = code;
  if (event_queue_push(queue, c->notice, c->handle, c->notice_code)) release(c);
  return aborted;
}

/** Bytes lwIP's send buffer takes now. */
static size_t send_room(const connection *c) {
  return c->pcb != NULL && (c->state == CONN_OPEN || c->state == CONN_CLOSING) ? tcp_sndbuf(c->pcb) : 0;
}

/** Hands lwIP as many of bytes as its send buffer takes (it copies them), or none if it has no memory for
 *  them now (ERR_MEM: retried on sent/poll); returns how many. */
static size_t write_some(void *conn, const uint8_t *bytes, size_t len) {
  connection *c = conn;
  size_t room = send_room(c);
  size_t n = len < room ? len : room;
  if (n == 0 || tcp_write(c->pcb, bytes, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK) return 0;
  tcp_output(c->pcb);
  return n;
}

/** Hands lwIP what waits in the queue; the queue's buffer is freed once it drains. */
static void flush(connection *c) {
  send_queue_consume(&c->pending, write_some(c, c->pending.bytes, c->pending.len));
}

/** A closing connection ends once every byte has been handed to lwIP. */
static void finish_close(connection *c) {
  if (c->state == CONN_CLOSING && c->pending.len == 0) {
    close_pcb(c, false);
    release(c);
  }
}

// ---- lwIP callbacks: copy, queue, return ----

/** A TLS client's bytes wait as lwIP gave them, for its session to read on the main loop. */
static err_t hold_ciphertext(connection *c, struct pbuf *p) {
  if (p == NULL) {
    c->peer_closed = true;
    return ERR_OK;
  }
  if (c->rx == NULL) c->rx = p;
  else pbuf_cat(c->rx, p); // takes over p's reference
  return ERR_OK;
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err) {
  connection *c = arg;
  if (c == NULL) { // not ours any more (callbacks are cleared on close): consume and drop
    if (p) {
      tcp_recved(pcb, p->tot_len);
      pbuf_free(p);
    }
    return ERR_OK;
  }
  if (c->tls && c->state == CONN_OPEN && err == ERR_OK) {
    c->last_activity_ms = hal_now_ms();
    return hold_ciphertext(c, p);
  }
  if (p == NULL || err != ERR_OK) { // FIN from the peer
    if (p) pbuf_free(p);
    return gone(c, EVENT_NET_CLOSED, 0) ? ERR_ABRT : ERR_OK;
  }
  c->last_activity_ms = hal_now_ms();
  if (c->state == CONN_CLOSING) { // the core is done with it: drop what still arrives
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    return ERR_OK;
  }
  event_type type = c->server ? EVENT_SERVER_DATA : EVENT_NET_DATA;
  if (p->tot_len > event_queue_data_room(queue, type, c->handle)) return ERR_MEM; // lwIP offers it again later
  for (struct pbuf *q = p; q != NULL; q = q->next) event_queue_push_data(queue, type, c->handle, q->payload, q->len);
  tcp_recved(pcb, p->tot_len); // after copying: the window reopens for bytes we hold
  pbuf_free(p);
  return ERR_OK;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len) {
  (void)pcb;
  (void)len;
  connection *c = arg;
  if (c == NULL) return ERR_OK;
  c->last_activity_ms = hal_now_ms();
  flush(c);
  finish_close(c);
  return ERR_OK;
}

static err_t on_poll(void *arg, struct tcp_pcb *pcb) {
  (void)pcb;
  connection *c = arg;
  if (c == NULL) return ERR_OK;
  flush(c);
  finish_close(c);
  return ERR_OK;
}

static void on_err(void *arg, err_t err) {
  connection *c = arg;
  if (c == NULL) return;
  c->pcb = NULL; // lwIP has freed it already
  // ERR_ABRT: keepalive probes or retransmissions went unanswered; ERR_RST: the peer reset it.
  logf_line(LOG_WARN, "connection %ld lost (lwIP error %d)", (long)c->handle, err);
  gone(c, EVENT_NET_ERROR, err);
}

static void attach(connection *c, struct tcp_pcb *pcb) {
  c->pcb = pcb;
  tcp_arg(pcb, c);
  tcp_recv(pcb, on_recv);
  tcp_sent(pcb, on_sent);
  tcp_err(pcb, on_err);
  tcp_poll(pcb, on_poll, 2); // every second: retries sends and closes
  tcp_nagle_disable(pcb);
  // A peer that went silent is noticed (shell_config.h): lwIP aborts the pcb and calls on_err.
  ip_set_option(pcb, SOF_KEEPALIVE);
  pcb->keep_idle = NET_KEEPALIVE_IDLE_MS;
  pcb->keep_intvl = NET_KEEPALIVE_INTERVAL_MS;
  pcb->keep_cnt = NET_KEEPALIVE_PROBES;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err) {
  (void)pcb;
  connection *c = arg;
  if (c == NULL) return ERR_OK;
  if (err != ERR_OK) {
    close_pcb(c, true); // ERR_ABRT below tells lwIP the pcb is gone: it must really be aborted
    gone(c, EVENT_NET_ERROR, err);
    return ERR_ABRT;
  }
  c->state = CONN_OPEN;
  c->last_activity_ms = hal_now_ms();
  if (!event_queue_push(queue, EVENT_NET_CONNECTED, c->handle, 0)) {
    close_pcb(c, true);
    gone(c, EVENT_NET_ERROR, ERR_MEM); // the core would wait for a connection it never hears of
    return ERR_ABRT;
  }
  flush(c);
  return ERR_OK;
}

static void start_connect(connection *c, const ip_addr_t *addr) {
  struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
  if (pcb == NULL) {
    gone(c, EVENT_NET_ERROR, ERR_MEM);
    return;
  }
  attach(c, pcb);
  c->state = CONN_CONNECTING;
  if (tcp_connect(pcb, addr, c->port, on_connected) != ERR_OK) gone(c, EVENT_NET_ERROR, ERR_CONN);
}

static void on_resolved(const char *name, const ip_addr_t *addr, void *arg) {
  connection *c = find((int32_t)(intptr_t)arg); // by handle: the core may have closed it meanwhile
  if (c == NULL || c->state != CONN_RESOLVING) return;
  if (addr == NULL) {
    logf_line(LOG_WARN, "cannot resolve %s", name);
    gone(c, EVENT_NET_ERROR, ERR_ARG);
    return;
  }
  start_connect(c, addr);
}

// ---- the HAL ----

int32_t hal_net_open(const char *host, uint16_t port) {
  connection *c = claim(false);
  if (c == NULL) {
    logf_line(LOG_WARN, "no free connection slot for %s:%u", host, port);
    return -1;
  }
  c->port = port;
  c->state = CONN_RESOLVING;
  int32_t handle = c->handle;
  ip_addr_t addr;
  err_t err = dns_gethostbyname(host, &addr, on_resolved, (void *)(intptr_t)handle);
  if (err == ERR_OK) start_connect(c, &addr); // a literal address or a cached name
  else if (err != ERR_INPROGRESS) {
    release(c);
    return -1;
  }
  return handle; // a failure from here on arrives as on_net_error
}

int32_t hal_net_send(int32_t handle, const uint8_t *bytes, size_t len) {
  connection *c = find(handle);
  if (c == NULL || c->state == CONN_CLOSING || c->state == CONN_GONE) return -1;
  if (c->session.session) return tls_session_write(c->session.session, bytes, len); // all or nothing, encrypted
  bool sent = send_queue_send(&c->pending, bytes, len, send_room(c), write_some, c, NET_SEND_QUEUE_BYTES,
                              NET_SEND_QUEUE_TOTAL_BYTES);
  return sent ? 0 : -2; // nothing of it was sent; the core treats a refused send as a broken connection
}

void hal_net_close(int32_t handle) {
  connection *c = find(handle);
  if (c == NULL) return;
  kubelet_tls_close(&c->session); // its close_notify joins the queued bytes
  if (c->state == CONN_OPEN && c->pending.len > 0) {
    c->state = CONN_CLOSING; // sent callbacks drain it, then it closes
    return;
  }
  close_pcb(c, c->state != CONN_OPEN);
  release(c);
}

void hal_net_close_all(void) {
  for (int i = 0; i < NET_MAX_CONNECTIONS; i++) {
    if (conns[i].state == CONN_FREE) continue;
    close_pcb(&conns[i], true);
    release(&conns[i]);
  }
}

static int server_count(void) {
  int n = 0;
  for (int i = 0; i < NET_MAX_CONNECTIONS; i++) n += conns[i].state != CONN_FREE && conns[i].server;
  return n;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err) {
  int listener = (int)(intptr_t)arg;
  if (err != ERR_OK || pcb == NULL) return ERR_VAL;
  connection *c = server_count() < NET_MAX_SERVER_CONNECTIONS && queue->count < EVENT_QUEUE_SLOTS ? claim(true) : NULL;
  if (c == NULL) {
    tcp_abort(pcb); // over the connection limit: refused at once
    return ERR_ABRT;
  }
  attach(c, pcb);
  c->state = CONN_OPEN;
  c->tls = listener == NET_LISTENER_KUBELET; // its session opens on the main loop (net_lwip_housekeeping)
  if (!c->tls) event_queue_push(queue, EVENT_SERVER_ACCEPT, c->handle, listener);
  return ERR_OK;
}

bool hal_net_listen(int listener, uint16_t port) {
  if (listener < 0 || listener > 1) return false;
  struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_ANY);
  if (pcb == NULL) return false;
  if (tcp_bind(pcb, IP_ANY_TYPE, port) != ERR_OK) {
    tcp_abort(pcb);
    return false;
  }
  struct tcp_pcb *listening = tcp_listen_with_backlog(pcb, 2);
  if (listening == NULL) {
    tcp_abort(pcb);
    return false;
  }
  listeners[listener] = listening;
  tcp_arg(listening, (void *)(intptr_t)listener);
  tcp_accept(listening, on_accept);
  logf_line(LOG_INFO, "%s port %u listening", listener == NET_LISTENER_KUBELET ? "kubelet" : "healthz", port);
  return true;
}

// ---- the kubelet clients' TLS: a session's pipe is its pcb, its send queue and its held pbufs ----

static int tls_pipe_send(void *conn, const uint8_t *bytes, size_t n) {
  connection *c = conn;
  return send_queue_offer(&c->pending, bytes, n, send_room(c), write_some, c, NET_SEND_QUEUE_BYTES, NET_SEND_QUEUE_TOTAL_BYTES);
}

static int tls_pipe_recv(void *conn, uint8_t *out, size_t cap) {
  connection *c = conn;
  if (c->rx == NULL) return c->peer_closed || c->pcb == NULL ? -1 : 0;
  u16_t n = pbuf_copy_partial(c->rx, out, (u16_t)(cap < 0xffff ? cap : 0xffff), 0);
  c->rx = pbuf_free_header(c->rx, n);
  if (c->pcb) tcp_recved(c->pcb, n); // the window reopens for bytes the session has taken
  return n;
}

static size_t tls_pipe_room(void *conn) {
  connection *c = conn;
  return send_queue_room(&c->pending, send_room(c), NET_SEND_QUEUE_BYTES, NET_SEND_QUEUE_TOTAL_BYTES);
}

/** A TLS client's turn: its session opened on the first, then kubelet_tls_serve; an ended session or an
 *  expired handshake closes the connection (the core told if it knew the client). */
static void serve_tls(connection *c) {
  if (c->session.session == NULL) {
    tls_pipe pipe = {.conn = c, .send = tls_pipe_send, .recv = tls_pipe_recv, .room = tls_pipe_room};
    kubelet_tls_start start = kubelet_tls_start_when_room(&c->session, &pipe, queue);
    if (start == KUBELET_TLS_WAITING) return; // the core is asked to close an idle kept connection
    if (start == KUBELET_TLS_REFUSED) {       // no certificate yet, no place, or no memory
      close_pcb(c, true);
      release(c);
      return;
    }
  }
  struct pbuf *before = c->rx;
  u16_t before_len = before ? before->tot_len : 0;
  bool open = kubelet_tls_serve(&c->session, c->handle, queue);
  c->rx_progress = c->rx != before || (c->rx && c->rx->tot_len != before_len);
  if (open && !kubelet_tls_expired(&c->session, hal_now_ms())) return;
  if (c->session.announced && !event_queue_push(queue, EVENT_SERVER_CLOSED, c->handle, 0)) return; // next turn
  kubelet_tls_close(&c->session); // close_notify into the send queue
  c->state = CONN_CLOSING;        // drained by the sent callbacks, then closed
  if (c->pcb == NULL) release(c);
  else finish_close(c);
}

bool net_lwip_busy(void) {
  for (int i = 0; i < NET_MAX_CONNECTIONS; i++) {
    const connection *c = &conns[i];
    if (c->state == CONN_OPEN && c->tls &&
        (c->session.session == NULL || kubelet_tls_ready(&c->session) || (c->rx_progress && c->rx != NULL)))
      return true;
  }
  return false;
}

void net_lwip_housekeeping(void) {
  uint32_t now = hal_now_ms();
  for (int i = 0; i < NET_MAX_CONNECTIONS; i++)
    if (conns[i].state == CONN_OPEN && conns[i].tls) serve_tls(&conns[i]);
  for (int i = 0; i < NET_MAX_CONNECTIONS; i++) {
    connection *c = &conns[i];
    if (c->state == CONN_GONE) {
      if (event_queue_push(queue, c->notice, c->handle, c->notice_code)) release(c);
      continue;
    }
    if (c->state == CONN_FREE) continue;
    uint32_t idle = now - c->last_activity_ms;
    bool stuck = (c->state == CONN_RESOLVING || c->state == CONN_CONNECTING) && idle > NET_CONNECT_TIMEOUT_MS;
    // Only kubelet clients idle out here (the watch stream is quiet for minutes and the core times its
    // requests), and connections the core closed whose last bytes lwIP never took (no memory, no progress).
    if (stuck || ((c->server || c->state == CONN_CLOSING) && idle > NET_IDLE_TIMEOUT_MS)) {
      logf_line(LOG_WARN, "connection %ld %s; aborted", (long)c->handle, stuck ? "did not connect in time" : "idle too long");
      close_pcb(c, true);
      gone(c, EVENT_NET_ERROR, ERR_TIMEOUT);
    }
  }
}
