// The POSIX port's HAL: monotonic clock, stderr log, getrandom, a region
// file, the device key's file, and SIGALRM as the watchdog.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "hal.h"
#include "hal_posix.h"
#include "shell_config.h"

posix_options posix = {.ipv4 = 0x7f000001u, .bind_address = "127.0.0.1", .log_level = 3};

static char unique_id[17];

uint32_t hal_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

void hal_log(int level, const char *text, size_t len) {
  static const char *const names[] = {"error", "warn", "info", "debug"};
  if (level > posix.log_level) return;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  fprintf(stderr, "%02d:%02d:%02d.%03ld %s: %.*s\n", tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
          names[level & 3], (int)len, text);
}

void hal_posix_identity(const char *config_text, size_t len) {
  // FNV-1a over the machine id and the device configuration: stable per device, different per node.
  uint64_t hash = 0xcbf29ce484222325ull;
  char machine[64] = {0};
  FILE *f = fopen("/etc/machine-id", "r");
  if (f) {
    if (!fgets(machine, sizeof machine, f)) machine[0] = '\0';
    fclose(f);
  }
  for (const char *p = machine; *p; p++) hash = (hash ^ (uint8_t)*p) * 0x100000001b3ull;
  for (size_t i = 0; i < len; i++) hash = (hash ^ (uint8_t)config_text[i]) * 0x100000001b3ull;
  snprintf(unique_id, sizeof unique_id, "%016llx", (unsigned long long)hash);
}

size_t hal_board_unique_id(char *out, size_t cap) {
  const char *id = posix.unique_id ? posix.unique_id : unique_id;
  size_t n = strlen(id) < cap ? strlen(id) : cap;
  memcpy(out, id, n);
  return n;
}

const char *hal_board_platform(void) {
  static char text[160];
  if (!text[0]) {
    struct utsname u;
    if (uname(&u) == 0) {
      // Major.minor only: the core keeps 48 bytes of platform, and the engine's name follows this.
      int major_minor = (int)strcspn(u.release, ".");
      if (u.release[major_minor] == '.') major_minor += 1 + (int)strcspn(u.release + major_minor + 1, ".-");
      snprintf(text, sizeof text, "posix shell, %s %.*s", u.sysname, major_minor, u.release);
    } else snprintf(text, sizeof text, "posix shell");
  }
  return text;
}

int32_t hal_memory_used(void) {
  // What the node would take of a board's RAM: the core's memory and the shell's heap in use
  // (TLS sessions, queues) — not the process's RSS, which counts the OS's libraries.
  struct mallinfo2 info = mallinfo2();
  size_t used = CORE_MEMORY_LIMIT_BYTES + info.uordblks;
  return used > INT32_MAX ? INT32_MAX : (int32_t)used;
}

int32_t hal_free_heap(void) {
  struct sysinfo info;
  if (sysinfo(&info) != 0) return 0;
  unsigned long long bytes = (unsigned long long)info.freeram * info.mem_unit;
  return bytes > INT32_MAX ? INT32_MAX : (int32_t)bytes;
}

uint32_t hal_heap_used(void) { return (uint32_t)mallinfo2().uordblks; }

int32_t hal_temperature_mc(void) {
  FILE *f = fopen("/sys/class/thermal/thermal_zone0/temp", "r");
  long value;
  bool ok = f && fscanf(f, "%ld", &value) == 1;
  if (f) fclose(f);
  return ok ? (int32_t)value : INT32_MIN;
}

uint32_t hal_cpu_busy_ms(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  uint64_t us = (uint64_t)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000000u + (uint64_t)(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
  return (uint32_t)(us / 1000u);
}

uint32_t hal_random_u32(void) {
  uint32_t value = 0;
  while (getrandom(&value, sizeof value, 0) != (ssize_t)sizeof value && errno == EINTR) {
  }
  return value;
}

void hal_led_set(bool on) {
  const char *line = on ? "LED on" : "LED off";
  hal_log(2, line, strlen(line));
}

uint32_t hal_net_ipv4(void) { return posix.ipv4; }
int32_t hal_net_rssi_dbm(void) { return 0; } // no radio

bool hal_region_load(void *slot, size_t size) {
  if (!posix.region_file) return false;
  FILE *f = fopen(posix.region_file, "rb");
  if (!f) return false;
  bool ok = fread(slot, 1, size, f) == size;
  fclose(f);
  return ok;
}

bool hal_region_save(const void *slot, size_t size) {
  if (!posix.region_file) return false;
  // Write a new file and rename it over the old one: all or nothing, like the board's flash sector.
  char temp[4096];
  snprintf(temp, sizeof temp, "%s.new", posix.region_file);
  FILE *f = fopen(temp, "wb");
  if (!f) return false;
  bool ok = fwrite(slot, 1, size, f) == size;
  ok = fflush(f) == 0 && fsync(fileno(f)) == 0 && ok;
  fclose(f);
  return ok && rename(temp, posix.region_file) == 0;
}

bool hal_entropy(uint8_t *out, size_t len) {
  while (len > 0) {
    ssize_t n = getrandom(out, len, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    out += n;
    len -= (size_t)n;
  }
  return true;
}

int32_t hal_device_key_load(uint8_t *out, size_t cap) {
  if (!posix.key_file) return -1;
  int fd = open(posix.key_file, O_RDONLY);
  if (fd < 0) return errno == ENOENT ? 0 : -1;
  ssize_t n = read(fd, out, cap);
  char more;
  bool whole = n >= 0 && read(fd, &more, 1) == 0;
  close(fd);
  return n > 0 && whole ? (int32_t)n : -1;
}

bool hal_device_key_save(const uint8_t *der, size_t len) {
  if (!posix.key_file) return false;
  // Created 0600 under a temporary name and renamed into place: never readable by others, never half written.
  char temp[4096];
  snprintf(temp, sizeof temp, "%s.new", posix.key_file);
  unlink(temp);
  int fd = open(temp, O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return false;
  bool ok = write(fd, der, len) == (ssize_t)len && fsync(fd) == 0;
  ok = close(fd) == 0 && ok;
  return ok && rename(temp, posix.key_file) == 0;
}

void *hal_stack_floor(void) { return NULL; } // wasm3: d_m3MaxNativeStack bounds it

void hal_watchdog_feed(void) { alarm(POSIX_WATCHDOG_SECONDS); }

void hal_reboot(const char *why) {
  hal_log(0, why, strlen(why));
  exit(3); // a supervisor (or the test) starts the shell again, as the watchdog would reboot the board
}

void hal_restart(const char *why) { hal_reboot(why); } // the launcher runs ota_boot at every start

void hal_fatal(const char *why) {
  hal_log(0, why, strlen(why));
  exit(1);
}
