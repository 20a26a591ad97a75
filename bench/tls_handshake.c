// npm run bench:tls: the kubelet port's TLS module (native/common/tls_server.c,
// device_key.c) as a server on 127.0.0.1 for bench/tls.mjs, whose node:tls
// client connects. Measures, on the server side only: the CPU of every
// handshake step (each tls_session_handshake call is one turn of a shell's
// main loop), and the heap mbedTLS and the module hold, counted by wrapping
// calloc and free at link time (Debian's mbedTLS calls them directly: it is
// built without MBEDTLS_PLATFORM_MEMORY, so the bench links its static
// libraries with -Wl,--wrap=calloc,--wrap=free).
//   tls_bench STATE CERT CLIENT_CA   serves with the device key in STATE and
//   CERT; prints "port N", then one line per ended connection:
//     conn steps=S cpu_ns=C longest_ns=L longest_step=NAME resumed=0|1 peak=B held=B refused=0|1
//   where peak is the most heap added since the connection was accepted (bytes;
//   its own when connections come one at a time), held what it kept once the
//   handshake completed. Reads commands on stdin, one a line:
//     heap   prints "heap live=B peak=B" (the module's whole heap now, and its
//            peak since the last "heap"), then resets the peak.
// tls_server.c is compiled into this file so the bench can name each step
// by mbedTLS's handshake state without widening the module's API.
#define _GNU_SOURCE
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../native/common/tls_server.c"
#include "device_tls.h"
#include "hal_posix.h"
#include "../tests/native/socket_pipe.h"
#include "../tests/native/tls_files.h"

// ---- heap accounting: every live calloc'd block and its size ----

void *__real_calloc(size_t n, size_t size);
void __real_free(void *p);

#define SLOTS (1u << 16) // open addressing; far more than mbedTLS keeps live
static struct {
  void *p;
  size_t size;
} blocks[SLOTS];
static void *const TOMBSTONE = (void *)1;
static size_t heap_live;
static size_t heap_peak; // since the last "heap" command
static size_t conn_peak; // since the last connection was accepted

static size_t slot_of(const void *p) { return (size_t)(((uintptr_t)p >> 4) * 2654435761u) & (SLOTS - 1); }

void *__wrap_calloc(size_t n, size_t size) {
  void *p = __real_calloc(n, size);
  if (p == NULL) return NULL;
  for (size_t i = slot_of(p);; i = (i + 1) & (SLOTS - 1))
    if (blocks[i].p == NULL || blocks[i].p == TOMBSTONE) {
      blocks[i].p = p;
      blocks[i].size = n * size;
      break;
    }
  heap_live += n * size;
  if (heap_live > heap_peak) heap_peak = heap_live;
  if (heap_live > conn_peak) conn_peak = heap_live;
  return p;
}

void __wrap_free(void *p) {
  if (p == NULL) return;
  // A block calloc did not make (malloc's, libc's) is not in the table: give up at an empty slot or after all.
  for (size_t i = slot_of(p), probes = 0; blocks[i].p != NULL && probes < SLOTS; i = (i + 1) & (SLOTS - 1), probes++)
    if (blocks[i].p == p) {
      heap_live -= blocks[i].size;
      blocks[i].p = TOMBSTONE;
      break;
    }
  __real_free(p);
}

// ---- connections ----

#define CLIENTS ((int)TLS_MAX_SESSIONS + 1) // one more than the module serves: it is refused

typedef struct client {
  socket_pipe net;
  tls_session *tls;
  unsigned steps;
  uint64_t cpu_ns, longest_ns;
  int longest_state;
  bool key_exchange, refused; // key_exchange: a full handshake (a resumed one skips ServerKeyExchange)
  size_t heap_at_open, held;
} client;

static client clients[CLIENTS];

static const char *state_name(int state) {
  static const char *const names[] = {"HelloRequest", "ClientHello", "ServerHello", "ServerCertificate",
    "ServerKeyExchange", "CertificateRequest", "ServerHelloDone", "ClientCertificate", "ClientKeyExchange",
    "CertificateVerify", "ClientChangeCipherSpec", "ClientFinished", "ServerChangeCipherSpec", "ServerFinished",
    "FlushBuffers", "HandshakeWrapup", "HandshakeOver", "NewSessionTicket"};
  return state >= 0 && state < (int)(sizeof names / sizeof *names) ? names[state] : "?";
}

static uint64_t thread_cpu_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void report(const client *c) {
  size_t peak = conn_peak - c->heap_at_open;
  printf("conn steps=%u cpu_ns=%llu longest_ns=%llu longest_step=%s resumed=%d peak=%zu held=%zu refused=%d\n", c->steps,
         (unsigned long long)c->cpu_ns, (unsigned long long)c->longest_ns, state_name(c->longest_state), c->steps > 0 && !c->key_exchange, peak,
         c->held, c->refused);
  fflush(stdout);
}

static void drop(client *c) {
  if (c->tls) tls_session_close(c->tls);
  socket_pipe_flush(&c->net);
  close(c->net.fd);
  report(c);
  memset(c, 0, sizeof *c);
  c->net.fd = -1;
}

/** One handshake step, timed, as a shell's loop turn runs it. */
static tls_state timed_step(client *c) {
  mbedtls_ssl_context *ssl = &c->tls->ssl;
  int state = ssl->state;
  if (state == MBEDTLS_SSL_SERVER_KEY_EXCHANGE) c->key_exchange = true;
  uint64_t t0 = thread_cpu_ns();
  tls_state result = tls_session_handshake(c->tls);
  uint64_t spent = thread_cpu_ns() - t0;
  c->steps++;
  c->cpu_ns += spent;
  if (spent > c->longest_ns) c->longest_ns = spent, c->longest_state = state;
  return result;
}

/** Handshake steps, then echo until the peer ends; false when the connection ended. */
static bool serve_client(client *c) {
  tls_state state;
  do state = timed_step(c);
  while (state == TLS_HANDSHAKING && tls_session_busy(c->tls));
  if (state == TLS_ENDED) return false;
  if (state != TLS_OPEN) return true;
  if (c->held == 0) c->held = heap_live - c->heap_at_open;
  return socket_pipe_echo(c->tls);
}

static void accept_client(int listener) {
  client *c = NULL;
  for (int i = 0; i < CLIENTS && !c; i++)
    if (clients[i].net.fd < 0) c = &clients[i];
  if (!socket_pipe_accept(listener, c ? &c->net : NULL)) return;
  c->heap_at_open = heap_live;
  conn_peak = heap_live;
  tls_pipe pipe = socket_pipe_for_tls(&c->net);
  c->tls = tls_session_open(&pipe);
  if (c->tls == NULL) c->refused = true, drop(c);
}

static void command(void) {
  char line[64];
  if (fgets(line, sizeof line, stdin) == NULL) exit(0); // the driver is done
  if (strncmp(line, "heap", 4) == 0) {
    printf("heap live=%zu peak=%zu\n", heap_live, heap_peak);
    fflush(stdout);
    heap_peak = heap_live;
  }
}

static int serve(void) {
  int listener = socket_pipe_listen();
  if (listener < 0) return 1;
  for (int i = 0; i < CLIENTS; i++) clients[i].net.fd = -1;
  for (;;) {
    struct pollfd watched[CLIENTS + 2] = {{.fd = 0, .events = POLLIN}, {.fd = listener, .events = POLLIN}};
    client *whose[CLIENTS + 2] = {NULL, NULL};
    nfds_t count = 2;
    for (int i = 0; i < CLIENTS; i++) {
      if (clients[i].net.fd < 0) continue;
      whose[count] = &clients[i];
      watched[count++] = (struct pollfd){.fd = clients[i].net.fd, .events = POLLIN | (clients[i].net.out_len ? POLLOUT : 0)};
    }
    poll(watched, count, -1);
    if (watched[0].revents) command();
    if (watched[1].revents) accept_client(listener);
    for (nfds_t k = 2; k < count; k++) {
      client *c = whose[k];
      if (watched[k].revents & POLLOUT) socket_pipe_flush(&c->net);
      if ((watched[k].revents & (POLLIN | POLLHUP | POLLERR)) && !serve_client(c)) drop(c);
    }
  }
}

int main(int argc, char **argv) {
  if (argc != 4) return fprintf(stderr, "usage: tls_bench STATE CERT CLIENT_CA\n"), 2;
  posix.log_level = 2; // warnings and errors
  tls_files_use_state(argv[1]);
  size_t len = 0;
  const uint8_t *pem = tls_files_read(argv[2], &len);
  int rc = pem ? device_tls_install(pem, len) : -99;
  if (rc != 0) return fprintf(stderr, "cannot install %s (%d)\n", argv[2], rc), 1;
  pem = tls_files_read(argv[3], &len);
  if (!pem || tls_server_set_client_ca(pem, len) != 0) return fprintf(stderr, "cannot use client CA %s\n", argv[3]), 1;
  return serve();
}
