// The device's check of a signed firmware image (.pkfw, docs/firmware-update.md):
// the 256-byte header against what the device expects, then the payload as it
// streams in (the device never holds the image in RAM). The signature is ECDSA
// P-256 over header bytes 0..127, checked with mbedTLS 2.28 against the one
// public key built into the firmware (firmware_key.cmake).
#ifndef FIRMWARE_IMAGE_H
#define FIRMWARE_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

#define FIRMWARE_HEADER_BYTES 256
#define FIRMWARE_SIGNED_BYTES 128
#define FIRMWARE_NAME_BYTES 16
#define FIRMWARE_KEY_ID_BYTES 8
#define FIRMWARE_KEY_POINT_BYTES 65 // 0x04 ‖ x ‖ y, uncompressed P-256

/** The refusals of docs/firmware-update.md, one each, in the order they are checked. */
typedef enum firmware_reason {
  FIRMWARE_OK = 0,
  FIRMWARE_NOT_SIGNED,
  FIRMWARE_UNKNOWN_KEY,
  FIRMWARE_BAD_SIGNATURE,
  FIRMWARE_WRONG_BOARD,
  FIRMWARE_WRONG_ENGINE,
  FIRMWARE_TOO_LARGE,
  FIRMWARE_VERSION_MISMATCH,
  FIRMWARE_DOWNGRADE,
  FIRMWARE_CORRUPTED,
  FIRMWARE_DIGEST_MISMATCH,
  // Not a verdict on the image: mbedTLS ran out of heap checking the signature. Try again later.
  FIRMWARE_NO_MEMORY,
} firmware_reason;

typedef struct firmware_version {
  uint16_t major, minor, patch;
} firmware_version;

/** What the running firmware knows when it checks an image. */
typedef struct firmware_expectations {
  const uint8_t *trusted_key; // FIRMWARE_KEY_POINT_BYTES
  const char *board;          // the running image's, e.g. "pico_w"
  const char *engine;         // "aot" or "wasm3"
  firmware_version running;
  firmware_version declared; // firmware.version of the ConfigMap
  bool allow_downgrade;      // firmware.allowDowngrade: "true"
  uint32_t slot_bytes;       // the download slot, header included
} firmware_expectations;

/** The header's fields, once it passed firmware_header_check. */
typedef struct firmware_header {
  firmware_version version;
  char board[FIRMWARE_NAME_BYTES + 1];
  char engine[FIRMWARE_NAME_BYTES + 1];
  uint32_t payload_bytes;
  uint8_t payload_sha256[SHA256_DIGEST_BYTES];
} firmware_header;

/**
 * Everything the header alone decides, from NotSigned to Downgrade; len is how many header bytes
 * the caller has (fewer than FIRMWARE_HEADER_BYTES: NotSigned). Fills *out when it returns FIRMWARE_OK.
 */
firmware_reason firmware_header_check(const uint8_t *bytes, size_t len, const firmware_expectations *expect,
                                      firmware_header *out);

/** The version a header states (bytes 8..13), whatever else it says. */
firmware_version firmware_header_version(const uint8_t header_bytes[FIRMWARE_HEADER_BYTES]);

/** expect with the header's own version standing for the declared and running ones, downgrades allowed: for a
 *  check that knows no declaration (a bootloader, the running image's identity, a download whose version the
 *  core has judged already). */
firmware_expectations firmware_expect_own_version(const firmware_expectations *expect,
                                                  const uint8_t header_bytes[FIRMWARE_HEADER_BYTES]);

/** The payload's and the whole file's SHA-256, fed as the bytes arrive. */
typedef struct firmware_stream {
  sha256_context payload;
  sha256_context file;
  uint8_t expected_sha256[SHA256_DIGEST_BYTES];
  uint32_t payload_bytes;
  uint64_t received;
  bool file_digest; // the whole file is hashed too (a declared firmware.sha256 to compare with)
} firmware_stream;

/** Starts with the header that passed firmware_header_check (its bytes count towards the file's digest).
 *  file_digest false hashes the payload only, half the work: for a check with no declared file digest
 *  (the bootloader's). */
void firmware_stream_start(firmware_stream *stream, const uint8_t header_bytes[FIRMWARE_HEADER_BYTES],
                           const firmware_header *header, bool file_digest);
void firmware_stream_update(firmware_stream *stream, const uint8_t *bytes, size_t len);
/** Corrupted (payload length or digest), DigestMismatch (declared_file_sha256, NULL: none declared; one given to
 *  a stream started without file_digest never matches) or OK. */
firmware_reason firmware_stream_finish(firmware_stream *stream, const uint8_t *declared_file_sha256);

/** The reason's name as the Node condition carries it ("NotSigned"), and a short message. */
const char *firmware_reason_name(firmware_reason reason);
const char *firmware_reason_message(firmware_reason reason);

#endif
