#include "tls_server.h"

#include <stdlib.h>
#include <string.h>

#include "device_key.h"
#include "logf.h"
#include "mbedtls/oid.h"
#include "mbedtls/pem.h"
#include "mbedtls/ssl.h"
#include "mbedtls/ssl_ticket.h"
#include "shell_config.h"
#include "tls_random.h"

// Returned by the pipe callbacks for a failed connection (mbedtls's net_sockets codes, which it passes through).
#define PIPE_SEND_FAILED (-0x004E)
#define PIPE_RECV_FAILED (-0x004C)

struct tls_session {
  mbedtls_ssl_context ssl;
  tls_pipe pipe;
  device_credential *credential; // held until the handshake ends
  tls_state state;
  bool busy; // the last handshake step made progress: the next may too
};

static const int CIPHERSUITES[] = {MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                                   MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, 0};
static const mbedtls_ecp_group_id CURVES[] = {MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_NONE};
static const int SIGNATURE_HASHES[] = {MBEDTLS_MD_SHA256, MBEDTLS_MD_NONE};

static struct {
  bool configured;
  mbedtls_ssl_config config;
  mbedtls_ssl_ticket_context tickets;
  mbedtls_x509_crt client_ca;
  bool has_client_ca;
  unsigned sessions;
} server;

/**
 * Session tickets, but only for sessions whose client certificate (if one was sent) verified: a resumed
 * session keeps the verification result it was made with, so one whose verification failed for want of
 * memory would otherwise stay unauthenticated for the ticket's lifetime. mbedTLS sends an empty ticket
 * when this fails, and the client makes a full handshake next time.
 */
static int write_ticket(void *tickets, const mbedtls_ssl_session *session, unsigned char *start, const unsigned char *end,
                        size_t *len, uint32_t *lifetime) {
  if (session->peer_cert != NULL && session->verify_result != 0) return MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
  return mbedtls_ssl_ticket_write(tickets, session, start, end, len, lifetime);
}

/** The configuration every session shares, made on first use (it needs the random generator). */
static bool configure(void) {
  if (server.configured) return true;
  void *rng = tls_random_context();
  if (rng == NULL) return false;
  mbedtls_ssl_config *c = &server.config;
  mbedtls_ssl_config_init(c);
  mbedtls_ssl_ticket_init(&server.tickets);
  int rc = mbedtls_ssl_config_defaults(c, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
  if (rc == 0) rc = mbedtls_ssl_ticket_setup(&server.tickets, tls_random, rng, MBEDTLS_CIPHER_AES_128_GCM, TLS_TICKET_LIFETIME_S);
  if (rc != 0) {
    logf_line(LOG_ERROR, "tls: cannot set up the server (-0x%04x)", (unsigned)-rc);
    mbedtls_ssl_ticket_free(&server.tickets);
    mbedtls_ssl_config_free(c);
    return false;
  }
  mbedtls_ssl_conf_rng(c, tls_random, rng);
  // The library's own build may enable more; the kubelet port offers exactly these.
  mbedtls_ssl_conf_min_version(c, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_ciphersuites(c, CIPHERSUITES);
  mbedtls_ssl_conf_curves(c, CURVES);
  mbedtls_ssl_conf_sig_hashes(c, SIGNATURE_HASHES);
  mbedtls_ssl_conf_session_tickets_cb(c, write_ticket, mbedtls_ssl_ticket_parse, &server.tickets);
#if defined(MBEDTLS_SSL_RENEGOTIATION) // a library built without it (the firmware's) never renegotiates
  mbedtls_ssl_conf_renegotiation(c, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
#endif
  if (server.has_client_ca) {
    mbedtls_ssl_conf_ca_chain(c, &server.client_ca, NULL);
    // Optional but verified: without a certificate, or with one that fails, the connection has no identity
    // and the core answers 401 unless a bearer token authenticates the request.
    mbedtls_ssl_conf_authmode(c, MBEDTLS_SSL_VERIFY_OPTIONAL);
  } else {
    mbedtls_ssl_conf_authmode(c, MBEDTLS_SSL_VERIFY_NONE);
  }
  server.configured = true;
  return true;
}

int tls_server_set_client_ca(const uint8_t *pem, size_t len) {
  char *text = malloc(len + 1);
  if (text == NULL) return TLS_CA_NO_MEMORY;
  memcpy(text, pem, len);
  text[len] = '\0';
  mbedtls_x509_crt parsed;
  mbedtls_x509_crt_init(&parsed);
  int rc = memchr(pem, 0, len) ? -1 : mbedtls_x509_crt_parse(&parsed, (const uint8_t *)text, len + 1);
  free(text);
  if (rc == MBEDTLS_ERR_X509_ALLOC_FAILED || rc == MBEDTLS_ERR_PEM_ALLOC_FAILED) {
    mbedtls_x509_crt_free(&parsed);
    return TLS_CA_NO_MEMORY;
  }
  if (rc != 0 || parsed.raw.p == NULL) {
    logf_line(LOG_ERROR, "tls: the client CA does not parse as PEM certificates (-0x%04x)", (unsigned)(rc < 0 ? -rc : rc));
    mbedtls_x509_crt_free(&parsed);
    return TLS_CA_UNPARSABLE;
  }
  if (server.has_client_ca) mbedtls_x509_crt_free(&server.client_ca);
  server.client_ca = parsed; // the list's nodes are on the heap: moving its head is safe
  server.has_client_ca = true;
  if (server.configured) {
    mbedtls_ssl_conf_ca_chain(&server.config, &server.client_ca, NULL);
    mbedtls_ssl_conf_authmode(&server.config, MBEDTLS_SSL_VERIFY_OPTIONAL);
  }
  return 0;
}

bool tls_server_ready(void) {
  mbedtls_pk_context *key;
  device_credential *c = device_credential_acquire(&key);
  device_credential_release(c);
  return c != NULL;
}

unsigned tls_session_count(void) { return server.sessions; }

static int pipe_send(void *context, const unsigned char *bytes, size_t n) {
  tls_session *s = context;
  int sent = s->pipe.send(s->pipe.conn, bytes, n);
  return sent > 0 ? sent : sent == 0 ? MBEDTLS_ERR_SSL_WANT_WRITE : PIPE_SEND_FAILED;
}

static int pipe_recv(void *context, unsigned char *out, size_t cap) {
  tls_session *s = context;
  int got = s->pipe.recv(s->pipe.conn, out, cap);
  return got > 0 ? got : got == 0 ? MBEDTLS_ERR_SSL_WANT_READ : 0; // mbedtls reads 0 as the peer's end
}

tls_session *tls_session_open(const tls_pipe *pipe) {
  if (server.sessions >= TLS_MAX_SESSIONS) {
    logf_line(LOG_WARN, "tls: %u connections open already: this one is refused", server.sessions);
    return NULL;
  }
  mbedtls_pk_context *key;
  device_credential *credential = device_credential_acquire(&key);
  if (credential == NULL) return NULL; // no certificate yet: the port closes the connection
  tls_session *s = configure() ? calloc(1, sizeof *s) : NULL;
  if (s == NULL) {
    logf_line(LOG_WARN, "tls: no memory for a session");
    device_credential_release(credential);
    return NULL;
  }
  s->pipe = *pipe;
  s->credential = credential;
  mbedtls_ssl_init(&s->ssl);
  int rc = mbedtls_ssl_setup(&s->ssl, &server.config);
  if (rc == 0) rc = mbedtls_ssl_set_hs_own_cert(&s->ssl, &credential->chain, key);
  if (rc != 0) {
    logf_line(LOG_WARN, "tls: cannot start a session (-0x%04x)", (unsigned)-rc);
    mbedtls_ssl_free(&s->ssl);
    device_credential_release(credential);
    free(s);
    return NULL;
  }
  mbedtls_ssl_set_bio(&s->ssl, s, pipe_send, pipe_recv, NULL);
  server.sessions++;
  return s;
}

static void end_handshake(tls_session *s, tls_state state) {
  device_credential_release(s->credential);
  s->credential = NULL;
  s->state = state;
  s->busy = false;
}

tls_state tls_session_handshake(tls_session *s) {
  if (s->state != TLS_HANDSHAKING) return s->state;
  int rc = mbedtls_ssl_handshake_step(&s->ssl);
  if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
    s->busy = false;
  } else if (rc != 0) {
    logf_line(LOG_INFO, "tls: handshake failed (-0x%04x)", (unsigned)-rc);
    end_handshake(s, TLS_ENDED);
  } else if (s->ssl.state == MBEDTLS_SSL_HANDSHAKE_OVER) {
    end_handshake(s, TLS_OPEN);
  } else {
    s->busy = true;
  }
  return s->state;
}

bool tls_session_busy(const tls_session *s) { return s->busy; }

int tls_session_read(tls_session *s, uint8_t *out, size_t cap) {
  if (s->state != TLS_OPEN) return s->state == TLS_ENDED ? -1 : 0;
  int rc = mbedtls_ssl_read(&s->ssl, out, cap);
  if (rc > 0) return rc;
  if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) return 0;
  if (rc != 0 && rc != MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) logf_line(LOG_INFO, "tls: connection failed (-0x%04x)", (unsigned)-rc);
  s->state = TLS_ENDED;
  return -1;
}

bool tls_session_pending(const tls_session *s) {
  return s->state == TLS_OPEN && (mbedtls_ssl_get_bytes_avail(&s->ssl) > 0 || mbedtls_ssl_check_pending(&s->ssl));
}

int tls_session_write(tls_session *s, const uint8_t *bytes, size_t len) {
  if (s->state != TLS_OPEN) return -1;
  int payload = mbedtls_ssl_get_max_out_record_payload(&s->ssl), expansion = mbedtls_ssl_get_record_expansion(&s->ssl);
  if (payload <= 0 || expansion < 0) return -1;
  size_t records = (len + (size_t)payload - 1) / (size_t)payload;
  if (s->pipe.room(s->pipe.conn) < len + records * (size_t)expansion) return -2;
  for (size_t done = 0; done < len;) {
    int rc = mbedtls_ssl_write(&s->ssl, bytes + done, len - done);
    if (rc <= 0) { // the room was checked: anything but progress means the connection failed
      logf_line(LOG_INFO, "tls: send failed (-0x%04x)", (unsigned)-rc);
      s->state = TLS_ENDED;
      return -1;
    }
    done += (size_t)rc;
  }
  return 0;
}

/** Appends a name's value and a separator; false if it does not fit or could smuggle in a line of its own. */
static bool append_name(char *out, size_t cap, size_t *used, const mbedtls_x509_buf *value, bool first) {
  size_t need = value->len + (first ? 0 : 1);
  if (value->len == 0 || need > cap - *used) return false;
  for (size_t i = 0; i < value->len; i++)
    if (value->p[i] < 0x20 || value->p[i] > 0x7e) return false;
  if (!first) out[(*used)++] = '\n';
  memcpy(out + *used, value->p, value->len);
  *used += value->len;
  return true;
}

size_t tls_session_identity(const tls_session *s, char *out, size_t cap) {
  if (s->state != TLS_OPEN || !server.has_client_ca) return 0;
  const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(&s->ssl);
  if (peer == NULL || mbedtls_ssl_get_verify_result(&s->ssl) != 0) return 0;
  const mbedtls_x509_name *common_name = NULL;
  for (const mbedtls_x509_name *n = &peer->subject; n != NULL; n = n->next) {
    if (MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) != 0) continue;
    if (common_name != NULL) return 0; // two user names: which one is meant is not ours to guess
    common_name = n;
  }
  size_t used = 0;
  if (common_name == NULL || !append_name(out, cap, &used, &common_name->val, true)) goto refused;
  for (const mbedtls_x509_name *n = &peer->subject; n != NULL; n = n->next)
    if (MBEDTLS_OID_CMP(MBEDTLS_OID_AT_ORGANIZATION, &n->oid) == 0 && !append_name(out, cap, &used, &n->val, false))
      goto refused;
  return used;
refused:
  logf_line(LOG_WARN, "tls: the client certificate's subject is not a usable identity (empty, not printable ASCII, or over %lu bytes)",
            (unsigned long)cap);
  return 0;
}

void tls_session_close(tls_session *s) {
  if (s == NULL) return;
  if (s->state == TLS_OPEN) mbedtls_ssl_close_notify(&s->ssl); // best effort: a full pipe drops it
  if (s->credential) device_credential_release(s->credential);
  mbedtls_ssl_free(&s->ssl);
  free(s);
  server.sessions--;
}
