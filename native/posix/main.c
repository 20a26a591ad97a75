// The POSIX shell: the firmware's C host layer over sockets, running
// core.wasm in either engine on Linux. Usage:
//   pico-node-posix --config device.env --wasm build/core.wasm [--state DIR]
//                   [--ipv4 A.B.C.D] [--bind ADDR] [--unique-id HEX] [--client-ca FILE] [--flash FILE] [--quiet]
// DIR keeps the region and the device's TLS key (device-key.der, 0600); the
// kubelet port verifies client certificates against the CA in FILE (PEM),
// provisioned at enrolment; without it, none is asked for. --flash FILE holds
// the firmware slots (posix_ota.h): the launcher boots the shell from it, and
// the shell takes updates into it.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "device_config.h"
#include "event_queue.h"
#include "hal.h"
#include "hal_posix.h"
#include "logf.h"
#include "posix_firmware.h"
#include "region_store.h"
#include "shell.h"
#include "tls_server.h"

static event_queue events;
static region_store region; // the board keeps this in RAM that survives a reset; here the file does that job
static device_config config;
static shell sh;

/** Maps a whole file read-only: like the board's flash, it takes no heap (so no allocation can fail here). */
static const uint8_t *map_file(const char *path, size_t *len) {
  int fd = open(path, O_RDONLY);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0 || st.st_size <= 0) {
    if (fd >= 0) close(fd);
    return NULL;
  }
  void *bytes = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  *len = (size_t)st.st_size;
  return bytes == MAP_FAILED ? NULL : bytes;
}

static void usage(void) {
  fprintf(stderr, "usage: pico-node-posix --config FILE --wasm core.wasm [--state DIR] [--ipv4 A.B.C.D] "
                  "[--bind ADDR] [--unique-id HEX] [--client-ca FILE] [--flash FILE] [--quiet]\n");
  exit(2);
}

int main(int argc, char **argv) {
  const char *config_path = NULL, *wasm_path = NULL, *state_dir = NULL, *client_ca_path = NULL, *flash_path = NULL;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(arg, "--quiet") == 0) {
      posix.log_level = 2;
      continue;
    }
    if (value == NULL) usage();
    i++;
    if (strcmp(arg, "--config") == 0) config_path = value;
    else if (strcmp(arg, "--wasm") == 0) wasm_path = value;
    else if (strcmp(arg, "--state") == 0) state_dir = value;
    else if (strcmp(arg, "--bind") == 0) posix.bind_address = value;
    else if (strcmp(arg, "--unique-id") == 0) posix.unique_id = value;
    else if (strcmp(arg, "--client-ca") == 0) client_ca_path = value;
    else if (strcmp(arg, "--flash") == 0) flash_path = value;
    else if (strcmp(arg, "--ipv4") == 0) {
      struct in_addr a;
      if (inet_pton(AF_INET, value, &a) != 1) usage();
      posix.ipv4 = ntohl(a.s_addr);
    } else usage();
  }
  if (!config_path || !wasm_path) usage();

  size_t config_len = 0, wasm_len = 0;
  const char *config_text = (const char *)map_file(config_path, &config_len);
  if (!config_text) hal_fatal("cannot read the device configuration file");
  char error[128];
  if (device_config_parse(config_text, config_len, &config, error, sizeof error) != 0) {
    logf_line(LOG_ERROR, "%s: %s", config_path, error);
    hal_fatal("device configuration rejected");
  }
  hal_posix_identity(config.core_text, config.core_len);
  const uint8_t *wasm = map_file(wasm_path, &wasm_len); // kept for the process's life: an engine may parse it in place
  if (!wasm) hal_fatal("cannot read core.wasm");

  static char region_file[4096], key_file[4096];
  if (state_dir) {
    snprintf(region_file, sizeof region_file, "%s/region.bin", state_dir);
    posix.region_file = region_file;
    snprintf(key_file, sizeof key_file, "%s/device-key.der", state_dir);
    posix.key_file = key_file;
  }
  if (client_ca_path) {
    size_t ca_len = 0;
    const uint8_t *ca = map_file(client_ca_path, &ca_len);
    if (!ca) hal_fatal("cannot read the client CA file (--client-ca)");
    if (tls_server_set_client_ca(ca, ca_len) != 0) hal_fatal("the client CA file (--client-ca) holds no PEM certificate");
  }
  if (flash_path && !posix_firmware_open(flash_path)) hal_fatal("cannot take firmware updates (--flash)");
  region_restore(&sh.persistence, &region);
  event_queue_init(&events);
  net_posix_init(&events);
  shell_start(&sh, wasm, wasm_len, &config, &events);
  hal_watchdog_feed();
  for (;;) {
    uint32_t wait_ms = shell_step(&sh);
    net_posix_poll(event_queue_empty(&events) ? wait_ms : 0);
  }
}
