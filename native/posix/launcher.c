// pico-node-launcher: the POSIX shell's bootloader. At every "boot" it runs
// ota_boot (ota_boot.h) on the flash file, exactly as the Pico's bootloader
// will: it finishes an install or a rollback (a swap that resumes after any
// interruption), counts a new image's trial boots and goes back to the old
// image when they run out. Then it runs the run slot's payload (a signed
// pico-node-posix) and, when that exits, boots again. A new image that has
// not confirmed within the trial time is stopped, as the Pico's watchdog
// would end a board that never became Ready.
//
//   pico-node-launcher --flash FILE [--factory IMAGE.pkfw] [--trial-s N] -- SHELL_ARGS…
//
// --factory writes a first image into an empty run slot, as flashing a new
// board over USB does. The shell gets SHELL_ARGS and --flash FILE.
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hal.h"
#include "posix_ota.h"

#define DEFAULT_TRIAL_S 60
#define MAX_SHELL_ARGS 32

static volatile sig_atomic_t stopping;
static pid_t child;

static void say(const char *format, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *format, ...) {
  va_list args;
  va_start(args, format);
  fprintf(stderr, "launcher: ");
  vfprintf(stderr, format, args);
  fputc('\n', stderr);
  va_end(args);
}

// What the shared code logs (posix_ota.c) goes to stderr as the launcher's own lines.
void hal_log(int level, const char *text, size_t len) {
  (void)level;
  fprintf(stderr, "launcher: %.*s\n", (int)len, text);
}

static void on_signal(int sig) {
  stopping = 1;
  if (child > 0) kill(child, sig);
}

static uint64_t now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

/** What ota_boot's checks found: the header of the slot checked last (the run slot, when it says boot it). */
typedef struct boot_check {
  posix_ota *ota;
  uint32_t offset; // UINT32_MAX: nothing passed
  firmware_header header;
} boot_check;

static bool check_slot(void *ctx, const flash_device *flash, uint32_t offset, uint32_t sectors) {
  (void)flash, (void)sectors;
  boot_check *c = ctx;
  c->offset = UINT32_MAX;
  if (!posix_ota_slot_ok(c->ota, offset, &c->header)) return false;
  c->offset = offset;
  return true;
}

/** Writes IMAGE into the run slot (an empty one: a new board). */
static bool write_factory_image(posix_ota *ota, const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    say("--factory %s: %s", path, strerror(errno));
    return false;
  }
  const flash_device *flash = ota->areas.flash;
  uint8_t page[FLASH_PROGRAM_BYTES];
  uint32_t at = ota->areas.run_offset, limit = (ota->areas.slot_sectors - 1) * FLASH_ERASE_BYTES;
  size_t got;
  bool ok = true;
  while (ok && (got = fread(page, 1, sizeof page, f)) > 0) {
    if (at - ota->areas.run_offset + got > limit) {
      say("--factory %s: larger than the run slot", path);
      ok = false;
      break;
    }
    memset(page + got, 0xFF, sizeof page - got);
    if (at % FLASH_ERASE_BYTES == 0) ok = flash->erase(flash->ctx, at);
    ok = ok && flash->program(flash->ctx, at, page);
    at += FLASH_PROGRAM_BYTES;
  }
  fclose(f);
  if (ok && !posix_ota_slot_ok(ota, ota->areas.run_offset, NULL)) {
    say("--factory %s: not a signed image for this launcher (key, board %s, engine)", path, ota->board);
    ok = false;
  }
  return ok;
}

/** The run slot's payload as an executable file beside the flash file. */
static bool extract_payload(posix_ota *ota, const firmware_header *header, const char *out_path) {
  char partial[4200];
  snprintf(partial, sizeof partial, "%s.partial", out_path);
  int fd = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
  if (fd < 0) return false;
  const flash_device *flash = ota->areas.flash;
  uint8_t piece[4096];
  bool ok = true;
  for (uint32_t done = 0; ok && done < header->payload_bytes;) {
    uint32_t n = header->payload_bytes - done < sizeof piece ? header->payload_bytes - done : (uint32_t)sizeof piece;
    ok = flash->read(flash->ctx, ota->areas.run_offset + FIRMWARE_HEADER_BYTES + done, piece, n) && write(fd, piece, n) == (ssize_t)n;
    done += n;
  }
  ok = close(fd) == 0 && ok;
  return ok && rename(partial, out_path) == 0;
}

int main(int argc, char **argv) {
  const char *flash_path = NULL, *factory = NULL;
  long trial_s = DEFAULT_TRIAL_S;
  int i = 1;
  for (; i < argc && strcmp(argv[i], "--") != 0; i += 2) {
    const char *value = i + 1 < argc ? argv[i + 1] : NULL;
    if (!value) break;
    if (strcmp(argv[i], "--flash") == 0) flash_path = value;
    else if (strcmp(argv[i], "--factory") == 0) factory = value;
    else if (strcmp(argv[i], "--trial-s") == 0) trial_s = strtol(value, NULL, 10);
    else break;
  }
  if (!flash_path || i >= argc || strcmp(argv[i], "--") != 0 || trial_s <= 0 || argc - i - 1 > MAX_SHELL_ARGS) {
    fprintf(stderr, "usage: pico-node-launcher --flash FILE [--factory IMAGE.pkfw] [--trial-s N] -- SHELL_ARGS...\n");
    return 2;
  }
  setvbuf(stderr, NULL, _IOLBF, 0);
  posix_ota ota;
  if (!posix_ota_open(&ota, flash_path)) return 1;
  if (!posix_ota_slot_ok(&ota, ota.areas.run_offset, NULL)) {
    if (!factory) {
      say("the run slot holds no signed image for this board (%s): give one with --factory", ota.board);
      return 1;
    }
    if (!write_factory_image(&ota, factory)) return 1;
    say("wrote the factory image %s into the run slot", factory);
  }
  char program[4096];
  snprintf(program, sizeof program, "%s.run", flash_path);
  char *shell_argv[MAX_SHELL_ARGS + 4];
  int n = 0;
  shell_argv[n++] = program;
  for (int k = i + 1; k < argc; k++) shell_argv[n++] = argv[k];
  shell_argv[n++] = "--flash";
  shell_argv[n++] = (char *)flash_path;
  shell_argv[n] = NULL;
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);

  while (!stopping) {
    ota_boot_result boot;
    boot_check checked = {.ota = &ota, .offset = UINT32_MAX};
    if (!ota_boot(&ota.areas, check_slot, &checked, &boot)) {
      say("the flash file failed during boot; trying again");
      sleep(1);
      continue;
    }
    // ota_boot checks the run slot before it says boot it: that check's header is the image's.
    if (boot.action != OTA_BOOT_RUN_SLOT || checked.offset != ota.areas.run_offset) {
      say("no bootable image in the run slot");
      return 1;
    }
    const firmware_header header = checked.header;
    say("boot: %s %u.%u.%u (%u swap steps this boot)", ota_boot_words(boot.state.phase), header.version.major, header.version.minor,
        header.version.patch, boot.swap_steps);
    if (!extract_payload(&ota, &header, program)) {
      say("cannot write %s: %s", program, strerror(errno));
      return 1;
    }
    uint64_t started = now_ms();
    child = fork();
    if (child == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL); // the board goes down with its bootloader
      execv(program, shell_argv);
      _exit(127);
    }
    if (child < 0) return 1;
    int status = 0;
    bool stopped_for_trial = false;
    for (;;) {
      pid_t done = waitpid(child, &status, WNOHANG);
      if (done == child || (done < 0 && errno != EINTR)) break;
      if (!stopped_for_trial && ota_status(&ota.areas).phase == OTA_TRIAL && now_ms() - started > (uint64_t)trial_s * 1000u) {
        say("%u.%u.%u has not confirmed within %ld s: restarting it (trial boot %u of %u)", header.version.major, header.version.minor,
            header.version.patch, trial_s, boot.state.attempts, OTA_TRIAL_BOOTS);
        kill(child, SIGKILL);
        stopped_for_trial = true;
      }
      usleep(100 * 1000);
    }
    child = 0;
    if (stopping) break;
    if (WIFEXITED(status)) say("the shell exited with status %d; booting again", WEXITSTATUS(status));
    else if (WIFSIGNALED(status)) say("the shell ended by signal %d; booting again", WTERMSIG(status));
  }
  flash_file_close(&ota.file);
  return 0;
}
