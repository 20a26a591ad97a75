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
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "device_tls.h"
#include "hal_posix.h"
#include "tls_server.h"

#define MAX_CLIENTS 8
#define OUT_BYTES 65536

typedef struct client {
  int fd;
  tls_session *tls;
  bool greeted;
  uint8_t out[OUT_BYTES];
  size_t out_len;
} client;

static client clients[MAX_CLIENTS];

static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  static uint8_t bytes[65536];
  *len = fread(bytes, 1, sizeof bytes, f);
  fclose(f);
  return bytes;
}

static void use_state(const char *dir) {
  static char key_file[4096];
  snprintf(key_file, sizeof key_file, "%s/device-key.der", dir);
  posix.key_file = key_file;
}

static int install(const char *path) {
  size_t len = 0;
  uint8_t *pem = read_file(path, &len);
  if (!pem) return fprintf(stderr, "cannot read %s\n", path), 99;
  return device_tls_install(pem, len);
}

static void flush(client *c) {
  while (c->out_len > 0) {
    ssize_t n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL);
    if (n <= 0) return;
    memmove(c->out, c->out + n, c->out_len - (size_t)n);
    c->out_len -= (size_t)n;
  }
}

static int pipe_send(void *conn, const uint8_t *bytes, size_t n) {
  client *c = conn;
  if (n > OUT_BYTES - c->out_len) n = OUT_BYTES - c->out_len;
  memcpy(c->out + c->out_len, bytes, n);
  c->out_len += n;
  flush(c);
  return (int)n;
}

static int pipe_recv(void *conn, uint8_t *out, size_t cap) {
  ssize_t n = recv(((client *)conn)->fd, out, cap, 0);
  if (n > 0) return (int)n;
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -1;
}

static size_t pipe_room(void *conn) { return OUT_BYTES - ((client *)conn)->out_len; }

static void drop(client *c) {
  tls_session_close(c->tls);
  flush(c);
  close(c->fd);
  memset(c, 0, sizeof *c);
  c->fd = -1;
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
  uint8_t buffer[2048];
  for (;;) {
    int n = tls_session_read(c->tls, buffer, sizeof buffer);
    if (n < 0) return false;
    if (n == 0) return true;
    if (tls_session_write(c->tls, buffer, (size_t)n) != 0) return false;
  }
}

static int serve(void) {
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t addr_len = sizeof addr;
  if (bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(listener, 8) != 0 ||
      getsockname(listener, (struct sockaddr *)&addr, &addr_len) != 0)
    return perror("listen"), 1;
  printf("port %u\n", ntohs(addr.sin_port));
  fflush(stdout);
  for (int i = 0; i < MAX_CLIENTS; i++) clients[i].fd = -1;
  for (;;) {
    struct pollfd fds[MAX_CLIENTS + 2];
    int of[MAX_CLIENTS + 2], n = 0;
    fds[n] = (struct pollfd){.fd = 0, .events = POLLIN}, of[n++] = -1;
    fds[n] = (struct pollfd){.fd = listener, .events = POLLIN}, of[n++] = -2;
    for (int i = 0; i < MAX_CLIENTS; i++)
      if (clients[i].fd >= 0) {
        fds[n] = (struct pollfd){.fd = clients[i].fd, .events = POLLIN | (clients[i].out_len ? POLLOUT : 0)};
        of[n++] = i;
      }
    poll(fds, (nfds_t)n, -1);
    for (int k = 0; k < n; k++) {
      if (!fds[k].revents) continue;
      if (of[k] == -1) {
        char b[64];
        if (read(0, b, sizeof b) <= 0) return 0; // the test is done
      } else if (of[k] == -2) {
        int fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK);
        if (fd < 0) continue;
        client *c = NULL;
        for (int i = 0; i < MAX_CLIENTS && !c; i++)
          if (clients[i].fd < 0) c = &clients[i];
        if (c == NULL) {
          close(fd);
          continue;
        }
        c->fd = fd;
        c->tls = tls_session_open(&(tls_pipe){.conn = c, .send = pipe_send, .recv = pipe_recv, .room = pipe_room});
        if (c->tls == NULL) { // refused: closed at once, as the shell does
          close(fd);
          c->fd = -1;
          printf("refused\n");
          fflush(stdout);
        }
      } else {
        client *c = &clients[of[k]];
        if (fds[k].revents & POLLOUT) flush(c);
        if ((fds[k].revents & (POLLIN | POLLHUP | POLLERR)) && !serve_client(c)) drop(c);
      }
    }
  }
}

int main(int argc, char **argv) {
  posix.log_level = 3;
  if (argc < 3) return fprintf(stderr, "usage: see tls_harness.c\n"), 2;
  use_state(argv[2]);
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
      uint8_t *pem = read_file(argv[4], &len);
      if (!pem || tls_server_set_client_ca(pem, len) != 0) return 1;
    }
    return serve();
  }
  return fprintf(stderr, "usage: see tls_harness.c\n"), 2;
}
