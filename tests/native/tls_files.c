#include "tls_files.h"

#include <stdio.h>

#include "hal_posix.h"

const uint8_t *tls_files_read(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  static uint8_t bytes[65536];
  *len = fread(bytes, 1, sizeof bytes, f);
  fclose(f);
  return bytes;
}

void tls_files_use_state(const char *dir) {
  static char key_file[4096];
  snprintf(key_file, sizeof key_file, "%s/device-key.der", dir);
  posix.key_file = key_file;
}
