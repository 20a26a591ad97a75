// Files the programs serving the TLS module read (tests/native/tls_harness.c,
// bench/tls_handshake.c): PEM files, and the state directory where the POSIX
// HAL keeps the device key.
#ifndef TLS_FILES_H
#define TLS_FILES_H

#include <stddef.h>
#include <stdint.h>

/** The first 64 KiB of a file, in a buffer the next call reuses; NULL if it cannot be read. */
const uint8_t *tls_files_read(const char *path, size_t *len);
/** The device key lives in dir/device-key.der from now on. */
void tls_files_use_state(const char *dir);

#endif
