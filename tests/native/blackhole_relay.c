// A TCP relay for the POSIX shell's keepalive test (posix_keepalive.test.mjs):
// forwards each connection it accepts to an upstream address and reports on
// stdout what passes. "blackhole N" on stdin makes connection N a dead peer:
// the relay stops forwarding it either way, and a socket filter drops every
// packet that arrives on its client side before TCP sees it, so nothing
// answers the client any more: no data, no ACK, no FIN, no RST, as when a
// router or the server vanished. New connections are relayed as before.
//
//   blackhole_relay UPSTREAM_HOST UPSTREAM_PORT
//   stdout: "listening PORT", "open N", "request N <request line>", "closed N", "blackholed N"
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PAIRS 256 // never reused: a number names one connection for the whole test

typedef struct pair {
  int client, upstream; // -1 when closed
  bool dead;            // blackholed: never read, written or closed again
} pair;

static pair pairs[MAX_PAIRS];
static int pair_count;

static int connect_upstream(const char *host, const char *port) {
  struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *found = NULL;
  if (getaddrinfo(host, port, &hints, &found) != 0 || found == NULL) return -1;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd >= 0 && connect(fd, found->ai_addr, found->ai_addrlen) != 0) {
    close(fd);
    fd = -1;
  }
  freeaddrinfo(found);
  return fd;
}

static void close_pair(int n) {
  close(pairs[n].client);
  close(pairs[n].upstream);
  pairs[n].client = pairs[n].upstream = -1;
  printf("closed %d\n", n);
}

/** Copies what from has to to; false when from ended or either side failed. */
static bool forward(int n, int from, int to, bool from_client) {
  char buffer[16384];
  ssize_t got = read(from, buffer, sizeof buffer);
  if (got <= 0) return false;
  if (from_client) { // report request lines (a request's head arrives in one piece from the shell)
    const char *space = memchr(buffer, ' ', (size_t)got);
    if (space && space - buffer <= 7 && space + 1 < buffer + got && space[1] == '/') {
      const char *end = memchr(buffer, '\r', (size_t)got);
      printf("request %d %.*s\n", n, (int)((end ? end : buffer + got) - buffer), buffer);
    }
  }
  for (ssize_t sent = 0; sent < got;) {
    ssize_t n_sent = write(to, buffer + sent, (size_t)(got - sent));
    if (n_sent <= 0) return false;
    sent += n_sent;
  }
  return true;
}

/** Waits (up to 3 s) until the client has acknowledged every byte sent to it. Bytes
 *  still unacknowledged when the filter goes on would be retransmitted to the client
 *  for minutes, and each arrival counts as traffic, so its keepalive never starts. */
static bool wait_until_acknowledged(int fd) {
  for (int tries = 0; tries < 300; tries++) {
    int unacknowledged = 0;
    if (ioctl(fd, SIOCOUTQ, &unacknowledged) != 0) return false;
    if (unacknowledged == 0) return true;
    nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
  }
  return false;
}

static void blackhole(int n) {
  if (n < 0 || n >= pair_count || pairs[n].client < 0) {
    printf("no connection %d\n", n);
    return;
  }
  if (!wait_until_acknowledged(pairs[n].client)) {
    printf("cannot blackhole %d: the client has not acknowledged what was sent to it\n", n);
    return;
  }
  struct sock_filter drop_all[] = {BPF_STMT(BPF_RET | BPF_K, 0)};
  struct sock_fprog program = {.len = 1, .filter = drop_all};
  if (setsockopt(pairs[n].client, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) != 0) {
    printf("cannot blackhole %d: %s\n", n, strerror(errno));
    return;
  }
  pairs[n].dead = true;
  printf("blackholed %d\n", n);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: blackhole_relay UPSTREAM_HOST UPSTREAM_PORT\n");
    return 2;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof addr;
  if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(listener, 16) != 0 ||
      getsockname(listener, (struct sockaddr *)&addr, &len) != 0) {
    perror("listen");
    return 1;
  }
  printf("listening %u\n", ntohs(addr.sin_port));
  char command[64];
  size_t command_len = 0;
  for (;;) {
    struct pollfd fds[2 + 2 * MAX_PAIRS];
    int owner[2 + 2 * MAX_PAIRS];
    int count = 0;
    fds[count] = (struct pollfd){.fd = listener, .events = POLLIN};
    owner[count++] = -1;
    fds[count] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
    owner[count++] = -2;
    for (int n = 0; n < pair_count; n++) {
      if (pairs[n].dead || pairs[n].client < 0) continue;
      fds[count] = (struct pollfd){.fd = pairs[n].client, .events = POLLIN};
      owner[count++] = n;
      fds[count] = (struct pollfd){.fd = pairs[n].upstream, .events = POLLIN};
      owner[count++] = n;
    }
    if (poll(fds, (nfds_t)count, -1) < 0 && errno != EINTR) return 1;
    for (int i = 0; i < count; i++) {
      if (!fds[i].revents) continue;
      if (owner[i] == -1) {
        int client = accept(listener, NULL, NULL);
        if (client < 0) continue;
        int upstream = connect_upstream(argv[1], argv[2]);
        if (upstream < 0 || pair_count == MAX_PAIRS) {
          close(client);
          if (upstream >= 0) close(upstream);
          continue;
        }
        pairs[pair_count] = (pair){.client = client, .upstream = upstream};
        printf("open %d\n", pair_count++);
      } else if (owner[i] == -2) {
        ssize_t got = read(STDIN_FILENO, command + command_len, sizeof command - 1 - command_len);
        if (got <= 0) return 0; // the test ended
        command_len += (size_t)got;
        command[command_len] = '\0';
        char *newline;
        while ((newline = strchr(command, '\n')) != NULL) {
          *newline = '\0';
          int n;
          if (sscanf(command, "blackhole %d", &n) == 1) blackhole(n);
          command_len -= (size_t)(newline + 1 - command);
          memmove(command, newline + 1, command_len + 1);
        }
        if (command_len == sizeof command - 1) command_len = 0; // a line too long: dropped
      } else {
        int n = owner[i];
        if (pairs[n].dead || pairs[n].client < 0) continue; // blackholed or closed earlier in this round
        bool from_client = fds[i].fd == pairs[n].client;
        if (!forward(n, fds[i].fd, from_client ? pairs[n].upstream : pairs[n].client, from_client)) close_pair(n);
      }
    }
  }
}
