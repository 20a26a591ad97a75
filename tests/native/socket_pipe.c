#define _GNU_SOURCE
#include "socket_pipe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void socket_pipe_flush(socket_pipe *p) {
  while (p->out_len > 0) {
    ssize_t n = send(p->fd, p->out, p->out_len, MSG_NOSIGNAL);
    if (n <= 0) return;
    memmove(p->out, p->out + n, p->out_len - (size_t)n);
    p->out_len -= (size_t)n;
  }
}

static int to_peer(void *conn, const uint8_t *bytes, size_t n) {
  socket_pipe *p = conn;
  if (n > SOCKET_PIPE_OUT_BYTES - p->out_len) n = SOCKET_PIPE_OUT_BYTES - p->out_len;
  memcpy(p->out + p->out_len, bytes, n);
  p->out_len += n;
  socket_pipe_flush(p);
  return (int)n;
}

static int from_peer(void *conn, uint8_t *out, size_t cap) {
  ssize_t n = recv(((socket_pipe *)conn)->fd, out, cap, 0);
  if (n > 0) return (int)n;
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -1;
}

static size_t room(void *conn) { return SOCKET_PIPE_OUT_BYTES - ((socket_pipe *)conn)->out_len; }

tls_pipe socket_pipe_for_tls(socket_pipe *p) { return (tls_pipe){.conn = p, .send = to_peer, .recv = from_peer, .room = room}; }

int socket_pipe_listen(void) {
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t addr_len = sizeof addr;
  if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(listener, 8) != 0 ||
      getsockname(listener, (struct sockaddr *)&addr, &addr_len) != 0)
    return perror("listen"), -1;
  printf("port %u\n", ntohs(addr.sin_port));
  fflush(stdout);
  return listener;
}

bool socket_pipe_accept(int listener, socket_pipe *p) {
  int fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK);
  if (fd < 0) return false;
  if (p == NULL) return close(fd), false;
  p->fd = fd;
  p->out_len = 0;
  return true;
}

bool socket_pipe_echo(tls_session *s) {
  uint8_t buffer[2048];
  for (;;) {
    int n = tls_session_read(s, buffer, sizeof buffer);
    if (n < 0) return false;
    if (n == 0) return true;
    if (tls_session_write(s, buffer, (size_t)n) != 0) return false;
  }
}
