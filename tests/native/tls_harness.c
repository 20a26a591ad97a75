// The TLS module (device_key.c, tls_server.c) as a program, for
// tls.test.mjs to drive with openssl and node:tls as the other side. It uses
// the POSIX port's HAL, so the key lives in STATE/device-key.der as the shell keeps it.
//   tls_harness csr STATE NAME IPV4|0 [CAP]  prints the CSR (or "error N")
//   tls_harness install STATE CERT           prints "install N" and, if installed, "validity FROM TO"
//   tls_harness serve STATE CERT|- [CLIENT_CA] installs CERT (- none) and serves on 127.0.0.1: prints "port N", then per
//                                            connection, once open, sends "identity LEN\n<identity>\n" and
//                                            echoes what it reads; a refused one is closed. Ends when stdin closes.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "device_tls.h"
#include "hal_posix.h"
#include "socket_pipe.h"
#include "tls_files.h"
#include "tls_server.h"

#define MAX_CLIENTS 8

typedef struct client {
  socket_pipe net;
  tls_session *tls;
  bool greeted;
} client;

static client clients[MAX_CLIENTS];

static int install(const char *path) {
  size_t len = 0;
  const uint8_t *pem = tls_files_read(path, &len);
  if (!pem) return fprintf(stderr, "cannot read %s\n", path), 99;
  return device_tls_install(pem, len);
}

static client *free_client(void) {
  for (int i = 0; i < MAX_CLIENTS; i++)
    if (clients[i].net.fd < 0) return &clients[i];
  return NULL;
}

static void drop(client *c) {
  tls_session_close(c->tls);
  socket_pipe_flush(&c->net);
  close(c->net.fd);
  memset(c, 0, sizeof *c);
  c->net.fd = -1;
}

/** Handshake steps, then the greeting, then echo; false when the connection ended. */
static bool serve_client(client *c) {
  while (tls_session_handshake(c->tls) == TLS_HANDSHAKING && tls_session_busy(c->tls)) {
  }
  tls_state state = tls_session_handshake(c->tls);
  if (state == TLS_ENDED) return false;
  if (state != TLS_OPEN) return true;
  if (!c->greeted) {
    char identity[512], line[600];
    size_t len = tls_session_identity(c->tls, identity, sizeof identity);
    int n = snprintf(line, sizeof line, "identity %zu\n%.*s\n", len, (int)len, identity);
    if (tls_session_write(c->tls, (const uint8_t *)line, (size_t)n) != 0) return false;
    c->greeted = true;
  }
  return socket_pipe_echo(c->tls);
}

static int serve(void) {
  int listener = socket_pipe_listen();
  if (listener < 0) return 1;
  for (int i = 0; i < MAX_CLIENTS; i++) clients[i].net.fd = -1;
  for (;;) {
    struct pollfd fds[MAX_CLIENTS + 2];
    int of[MAX_CLIENTS + 2], n = 0;
    fds[n] = (struct pollfd){.fd = 0, .events = POLLIN}, of[n++] = -1;
    fds[n] = (struct pollfd){.fd = listener, .events = POLLIN}, of[n++] = -2;
    for (int i = 0; i < MAX_CLIENTS; i++)
      if (clients[i].net.fd >= 0) {
        fds[n] = (struct pollfd){.fd = clients[i].net.fd, .events = POLLIN | (clients[i].net.out_len ? POLLOUT : 0)};
        of[n++] = i;
      }
    poll(fds, (nfds_t)n, -1);
    for (int k = 0; k < n; k++) {
      if (!fds[k].revents) continue;
      if (of[k] == -1) {
        char b[64];
        if (read(0, b, sizeof b) <= 0) return 0; // the test is done
      } else if (of[k] == -2) {
        client *c = free_client();
        if (!socket_pipe_accept(listener, c ? &c->net : NULL)) continue;
        tls_pipe pipe = socket_pipe_for_tls(&c->net);
        c->tls = tls_session_open(&pipe);
        if (c->tls == NULL) { // refused: closed at once, as the shell does
          close(c->net.fd);
          c->net.fd = -1;
          printf("refused\n");
          fflush(stdout);
        }
      } else {
        client *c = &clients[of[k]];
        if (fds[k].revents & POLLOUT) socket_pipe_flush(&c->net);
        if ((fds[k].revents & (POLLIN | POLLHUP | POLLERR)) && !serve_client(c)) drop(c);
      }
    }
  }
}

int main(int argc, char **argv) {
  posix.log_level = 3;
  if (argc < 3) return fprintf(stderr, "usage: see tls_harness.c\n"), 2;
  tls_files_use_state(argv[2]);
  if (strcmp(argv[1], "csr") == 0 && argc >= 5) {
    struct in_addr a = {0};
    uint32_t ipv4 = strcmp(argv[4], "0") == 0 ? 0 : (inet_pton(AF_INET, argv[4], &a) == 1 ? ntohl(a.s_addr) : 0);
    size_t cap = argc > 5 ? (size_t)atoi(argv[5]) : 4096;
    static uint8_t out[4096];
    int32_t len = device_tls_csr(argv[3], strlen(argv[3]), ipv4, out, cap);
    if (len < 0) return printf("error %d\n", len), 1;
    fwrite(out, 1, (size_t)len, stdout);
    return 0;
  }
  if (strcmp(argv[1], "install") == 0 && argc >= 4) {
    int rc = install(argv[3]);
    printf("install %d\n", rc);
    int64_t from, to;
    if (device_tls_validity(&from, &to) == 0) printf("validity %lld %lld\n", (long long)from, (long long)to);
    return 0;
  }
  if (strcmp(argv[1], "serve") == 0 && argc >= 4) {
    int rc = strcmp(argv[3], "-") == 0 ? 0 : install(argv[3]); // "-": serve with no certificate installed
    if (rc != 0) return printf("install %d\n", rc), 1;
    if (argc > 4) {
      size_t len = 0;
      const uint8_t *pem = tls_files_read(argv[4], &len);
      if (!pem || tls_server_set_client_ca(pem, len) != 0) return 1;
    }
    return serve();
  }
  return fprintf(stderr, "usage: see tls_harness.c\n"), 2;
}
