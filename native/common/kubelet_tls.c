#include "kubelet_tls.h"

#include "hal.h"
#include "logf.h"
#include "shell_config.h"

bool kubelet_tls_open(kubelet_tls *k, const tls_pipe *pipe) {
  k->announced = false;
  k->opened_ms = hal_now_ms();
  k->session = tls_server_ready() ? tls_session_open(pipe) : NULL;
  if (k->session == NULL) logf_line(LOG_DEBUG, "kubelet client closed: %s", tls_server_ready() ? "refused (see above)" : "no serving certificate installed yet");
  return k->session != NULL;
}

kubelet_tls_start kubelet_tls_start_when_room(kubelet_tls *k, const tls_pipe *pipe, event_queue *queue) {
  if (tls_server_ready() && tls_session_count() >= TLS_MAX_SESSIONS) {
    if (!k->room_asked) {
      k->room_asked = event_queue_push(queue, EVENT_SERVER_ROOM_WANTED, 0, 0);
      return KUBELET_TLS_WAITING; // (a full queue: asked again next turn)
    }
    if (event_queue_holds(queue, EVENT_SERVER_ROOM_WANTED)) return KUBELET_TLS_WAITING; // the core has not answered yet
    if (tls_session_count() >= TLS_MAX_SESSIONS) {
      logf_line(LOG_WARN, "tls: %u connections open and none idle: a new kubelet client is refused", (unsigned)TLS_MAX_SESSIONS);
      return KUBELET_TLS_REFUSED;
    }
  }
  return kubelet_tls_open(k, pipe) ? KUBELET_TLS_STARTED : KUBELET_TLS_REFUSED;
}

bool kubelet_tls_serve(kubelet_tls *k, int32_t handle, event_queue *queue) {
  tls_state state = tls_session_handshake(k->session);
  if (state == TLS_ENDED) return false;
  if (state != TLS_OPEN) return true;
  if (!k->announced) {
    char identity[EVENT_PAYLOAD_BYTES];
    size_t len = tls_session_identity(k->session, identity, sizeof identity);
    bool queued = len > 0 ? event_queue_push_data(queue, EVENT_SERVER_ACCEPT, handle, (const uint8_t *)identity, len)
                          : event_queue_push(queue, EVENT_SERVER_ACCEPT, handle, NET_LISTENER_KUBELET);
    if (!queued) return true; // the queue is full: announced on a later turn
    k->announced = true;
  }
  uint8_t buffer[EVENT_PAYLOAD_BYTES];
  size_t room = event_queue_data_room(queue, EVENT_SERVER_DATA, handle);
  if (room == 0) return true; // the core is behind: the rest waits in the session and the network
  int n = tls_session_read(k->session, buffer, room < sizeof buffer ? room : sizeof buffer);
  if (n > 0) event_queue_push_data(queue, EVENT_SERVER_DATA, handle, buffer, (size_t)n);
  return n >= 0;
}

bool kubelet_tls_ready(const kubelet_tls *k) {
  return k->session != NULL && (tls_session_busy(k->session) || tls_session_pending(k->session));
}

bool kubelet_tls_expired(const kubelet_tls *k, uint32_t now_ms) {
  if (k->session == NULL || k->announced || now_ms - k->opened_ms <= TLS_HANDSHAKE_TIMEOUT_MS) return false;
  logf_line(LOG_INFO, "kubelet client closed: its TLS handshake took over %u ms", (unsigned)TLS_HANDSHAKE_TIMEOUT_MS);
  return true;
}

void kubelet_tls_close(kubelet_tls *k) {
  tls_session_close(k->session);
  k->session = NULL;
}
