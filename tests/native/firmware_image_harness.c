// native/common/firmware_image.c as a program, for firmware_image.test.mjs
// (images signed by the TypeScript signer) and npm run bench:firmware-image.
//   firmware_image_harness check FILE NAME=VALUE...   prints "verdict NAME" (one line)
//   firmware_image_harness bench FILE NAME=VALUE...   prints the time of each step instead
// NAME=VALUE: key=HEX (the 65-byte point), board=, engine=, running=X.Y.Z, declared=X.Y.Z,
// allow-downgrade=0|1, slot=BYTES, sha256=HEX (the file's declared digest), chunk=BYTES (default 256).
// The file is read in chunks, as a download or a flash slot arrives, never whole.
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "firmware_image.h"

typedef struct settings {
  firmware_expectations expect;
  uint8_t key[FIRMWARE_KEY_POINT_BYTES];
  uint8_t declared_sha256[SHA256_DIGEST_BYTES];
  size_t chunk;
} settings;

static void usage(const char *why) {
  fprintf(stderr, "firmware_image_harness: %s\nusage: firmware_image_harness check|bench FILE key=HEX board=B engine=E "
                  "running=X.Y.Z declared=X.Y.Z allow-downgrade=0|1 slot=BYTES sha256=HEX [chunk=BYTES]\n", why);
  exit(2);
}

static void read_hex(const char *text, uint8_t *out, size_t bytes, const char *what) {
  if (strlen(text) != 2 * bytes) usage(what);
  for (size_t i = 0; i < bytes; i++) {
    unsigned value;
    if (sscanf(text + 2 * i, "%2x", &value) != 1) usage(what);
    out[i] = (uint8_t)value;
  }
}

static firmware_version read_version(const char *text) {
  unsigned major, minor, patch;
  char end;
  if (sscanf(text, "%u.%u.%u%c", &major, &minor, &patch, &end) != 3 || major > 0xffff || minor > 0xffff || patch > 0xffff)
    usage("a version is X.Y.Z");
  return (firmware_version){(uint16_t)major, (uint16_t)minor, (uint16_t)patch};
}

static settings read_settings(int argc, char **argv) {
  settings s = {.chunk = 256};
  unsigned seen = 0;
  for (int i = 0; i < argc; i++) {
    char *value = strchr(argv[i], '=');
    if (value == NULL) usage("settings are NAME=VALUE");
    *value++ = '\0';
    const char *name = argv[i];
    if (strcmp(name, "key") == 0) read_hex(value, s.key, sizeof s.key, "key= wants 130 hex digits"), seen |= 1;
    else if (strcmp(name, "board") == 0) s.expect.board = value, seen |= 2;
    else if (strcmp(name, "engine") == 0) s.expect.engine = value, seen |= 4;
    else if (strcmp(name, "running") == 0) s.expect.running = read_version(value), seen |= 8;
    else if (strcmp(name, "declared") == 0) s.expect.declared = read_version(value), seen |= 16;
    else if (strcmp(name, "allow-downgrade") == 0) s.expect.allow_downgrade = strcmp(value, "1") == 0, seen |= 32;
    else if (strcmp(name, "slot") == 0) s.expect.slot_bytes = (uint32_t)strtoul(value, NULL, 10), seen |= 64;
    else if (strcmp(name, "sha256") == 0) read_hex(value, s.declared_sha256, sizeof s.declared_sha256, "sha256= wants 64 hex digits"), seen |= 128;
    else if (strcmp(name, "chunk") == 0) s.chunk = strtoul(value, NULL, 10);
    else usage("unknown setting");
  }
  if (seen != 255) usage("every setting but chunk is required");
  if (s.chunk == 0 || s.chunk > 65536) usage("chunk= is 1..65536");
  return s;
}

/** The header check, then the payload through the stream in chunks; the verdict. */
static firmware_reason verify(FILE *file, const settings *s, double *header_seconds, double *stream_seconds) {
  uint8_t header_bytes[FIRMWARE_HEADER_BYTES];
  size_t got = fread(header_bytes, 1, sizeof header_bytes, file);
  struct timespec t0, t1, t2;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  firmware_header header;
  firmware_reason reason = firmware_header_check(header_bytes, got, &s->expect, &header);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (reason != FIRMWARE_OK) return reason;
  firmware_stream stream;
  firmware_stream_start(&stream, header_bytes, &header, true);
  uint8_t *chunk = malloc(s->chunk);
  if (chunk == NULL) return FIRMWARE_NO_MEMORY;
  double reading = 0;
  for (;;) {
    struct timespec r0, r1;
    clock_gettime(CLOCK_MONOTONIC, &r0);
    size_t n = fread(chunk, 1, s->chunk, file);
    clock_gettime(CLOCK_MONOTONIC, &r1);
    reading += (double)(r1.tv_sec - r0.tv_sec) + (double)(r1.tv_nsec - r0.tv_nsec) / 1e9;
    if (n == 0) break;
    firmware_stream_update(&stream, chunk, n);
  }
  free(chunk);
  reason = firmware_stream_finish(&stream, s->declared_sha256);
  clock_gettime(CLOCK_MONOTONIC, &t2);
  if (header_seconds) *header_seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  if (stream_seconds) *stream_seconds = (double)(t2.tv_sec - t1.tv_sec) + (double)(t2.tv_nsec - t1.tv_nsec) / 1e9 - reading;
  return reason;
}

int main(int argc, char **argv) {
  if (argc < 3) usage("give check or bench, and a file");
  bool bench = strcmp(argv[1], "bench") == 0;
  if (!bench && strcmp(argv[1], "check") != 0) usage("check or bench");
  settings s = read_settings(argc - 3, argv + 3);
  s.expect.trusted_key = s.key; // here: read_settings returned a copy
  const int rounds = bench ? 20 : 1;
  double header_best = 1e9, stream_best = 1e9;
  firmware_reason reason = FIRMWARE_OK;
  for (int i = 0; i < rounds; i++) {
    FILE *file = fopen(argv[2], "rb");
    if (file == NULL) return fprintf(stderr, "cannot read %s\n", argv[2]), 2;
    double header_seconds = 0, stream_seconds = 0;
    reason = verify(file, &s, &header_seconds, &stream_seconds);
    fclose(file);
    if (header_seconds < header_best) header_best = header_seconds;
    if (stream_seconds < stream_best) stream_best = stream_seconds;
  }
  if (!bench) {
    printf("verdict %s\n", firmware_reason_name(reason));
    return 0;
  }
  if (reason != FIRMWARE_OK) return fprintf(stderr, "the image is refused: %s\n", firmware_reason_name(reason)), 1;
  printf("header check (key id, ECDSA P-256 verify): %.2f ms\n", header_best * 1e3);
  printf("payload and file SHA-256, %zu-byte chunks: %.2f ms\n", s.chunk, stream_best * 1e3);
  return 0;
}
