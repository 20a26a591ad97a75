#include "firmware_image.h"

#include <string.h>

#include "le_bytes.h"
#include "mbedtls/bignum.h"
#include "mbedtls/ecdsa.h"
#include "mbedtls/ecp.h"

// Header layout (docs/firmware-update.md); integers little-endian.
enum {
  AT_MAGIC = 0,
  AT_HEADER_VERSION = 4,
  AT_HEADER_BYTES = 6,
  AT_VERSION = 8,
  AT_FLAGS = 14,
  AT_BOARD = 16,
  AT_ENGINE = 32,
  AT_PAYLOAD_BYTES = 48,
  AT_PAYLOAD_SHA256 = 52,
  AT_KEY_ID = 84,
  AT_RESERVED = 92,
  AT_SIGNATURE = 128,
  AT_SIGNATURE_END = 192,
  HEADER_VERSION = 1,
  SIGNATURE_HALF = 32,
};

static bool all_zero(const uint8_t *bytes, size_t from, size_t to) {
  for (size_t i = from; i < to; i++)
    if (bytes[i] != 0) return false;
  return true;
}

/** The header's NUL-padded field holds exactly name. */
static bool name_is(const uint8_t *field, const char *name) {
  size_t len = name == NULL ? FIRMWARE_NAME_BYTES + 1 : strnlen(name, FIRMWARE_NAME_BYTES + 1);
  if (len > FIRMWARE_NAME_BYTES || memcmp(field, name, len) != 0) return false;
  return all_zero(field, len, FIRMWARE_NAME_BYTES);
}

static int compare_versions(firmware_version a, firmware_version b) {
  if (a.major != b.major) return a.major < b.major ? -1 : 1;
  if (a.minor != b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch != b.patch) return a.patch < b.patch ? -1 : 1;
  return 0;
}

static bool is_version_1_header(const uint8_t *h) {
  return memcmp(h + AT_MAGIC, "PKFW", 4) == 0 && le_get16(h + AT_HEADER_VERSION) == HEADER_VERSION &&
         le_get16(h + AT_HEADER_BYTES) == FIRMWARE_HEADER_BYTES && le_get16(h + AT_FLAGS) == 0 &&
         all_zero(h, AT_RESERVED, AT_SIGNATURE) && all_zero(h, AT_SIGNATURE_END, FIRMWARE_HEADER_BYTES) &&
         le_get32(h + AT_PAYLOAD_BYTES) > 0;
}

static bool key_id_matches(const uint8_t *h, const uint8_t *trusted_key) {
  uint8_t digest[SHA256_DIGEST_BYTES];
  sha256_digest(trusted_key, FIRMWARE_KEY_POINT_BYTES, digest);
  return memcmp(h + AT_KEY_ID, digest, FIRMWARE_KEY_ID_BYTES) == 0;
}

static bool out_of_memory(int rc) { return rc == MBEDTLS_ERR_MPI_ALLOC_FAILED || rc == MBEDTLS_ERR_ECP_ALLOC_FAILED; }

/** ECDSA P-256 over SHA-256 of bytes 0..127, r ‖ s at 128..191. */
static firmware_reason check_signature(const uint8_t *h, const uint8_t *trusted_key) {
  uint8_t digest[SHA256_DIGEST_BYTES];
  sha256_digest(h, FIRMWARE_SIGNED_BYTES, digest);
  mbedtls_ecp_group group;
  mbedtls_ecp_point key;
  mbedtls_mpi r, s;
  mbedtls_ecp_group_init(&group);
  mbedtls_ecp_point_init(&key);
  mbedtls_mpi_init(&r);
  mbedtls_mpi_init(&s);
  int rc = mbedtls_ecp_group_load(&group, MBEDTLS_ECP_DP_SECP256R1);
  if (rc == 0) rc = mbedtls_ecp_point_read_binary(&group, &key, trusted_key, FIRMWARE_KEY_POINT_BYTES);
  if (rc == 0) rc = mbedtls_ecp_check_pubkey(&group, &key);
  if (rc == 0) rc = mbedtls_mpi_read_binary(&r, h + AT_SIGNATURE, SIGNATURE_HALF);
  if (rc == 0) rc = mbedtls_mpi_read_binary(&s, h + AT_SIGNATURE + SIGNATURE_HALF, SIGNATURE_HALF);
  if (rc == 0) rc = mbedtls_ecdsa_verify(&group, digest, sizeof digest, &key, &r, &s);
  mbedtls_mpi_free(&s);
  mbedtls_mpi_free(&r);
  mbedtls_ecp_point_free(&key);
  mbedtls_ecp_group_free(&group);
  if (rc == 0) return FIRMWARE_OK;
  return out_of_memory(rc) ? FIRMWARE_NO_MEMORY : FIRMWARE_BAD_SIGNATURE;
}

static void copy_name(char out[FIRMWARE_NAME_BYTES + 1], const uint8_t *field) {
  memcpy(out, field, FIRMWARE_NAME_BYTES);
  out[FIRMWARE_NAME_BYTES] = '\0';
}

firmware_reason firmware_header_check(const uint8_t *bytes, size_t len, const firmware_expectations *expect,
                                      firmware_header *out) {
  if (bytes == NULL || len < FIRMWARE_HEADER_BYTES || !is_version_1_header(bytes)) return FIRMWARE_NOT_SIGNED;
  // What the node can judge from the declaration comes first (the core checks these before the host sees a
  // byte); they can only refuse, so trusting them unsigned is harmless. Then the key, the signature, the size.
  if (!name_is(bytes + AT_BOARD, expect->board)) return FIRMWARE_WRONG_BOARD;
  if (!name_is(bytes + AT_ENGINE, expect->engine)) return FIRMWARE_WRONG_ENGINE;
  firmware_version version = firmware_header_version(bytes);
  if (compare_versions(version, expect->declared) != 0) return FIRMWARE_VERSION_MISMATCH;
  if (!expect->allow_downgrade && compare_versions(version, expect->running) < 0) return FIRMWARE_DOWNGRADE;
  if (expect->trusted_key == NULL || !key_id_matches(bytes, expect->trusted_key)) return FIRMWARE_UNKNOWN_KEY;
  firmware_reason signature = check_signature(bytes, expect->trusted_key);
  if (signature != FIRMWARE_OK) return signature;
  uint32_t payload_bytes = le_get32(bytes + AT_PAYLOAD_BYTES);
  if ((uint64_t)FIRMWARE_HEADER_BYTES + payload_bytes > expect->slot_bytes) return FIRMWARE_TOO_LARGE;
  out->version = version;
  copy_name(out->board, bytes + AT_BOARD);
  copy_name(out->engine, bytes + AT_ENGINE);
  out->payload_bytes = payload_bytes;
  memcpy(out->payload_sha256, bytes + AT_PAYLOAD_SHA256, SHA256_DIGEST_BYTES);
  return FIRMWARE_OK;
}

void firmware_stream_start(firmware_stream *stream, const uint8_t header_bytes[FIRMWARE_HEADER_BYTES],
                           const firmware_header *header, bool file_digest) {
  stream->file_digest = file_digest;
  sha256_start(&stream->payload);
  sha256_start(&stream->file);
  if (file_digest) sha256_update(&stream->file, header_bytes, FIRMWARE_HEADER_BYTES);
  memcpy(stream->expected_sha256, header->payload_sha256, SHA256_DIGEST_BYTES);
  stream->payload_bytes = header->payload_bytes;
  stream->received = 0;
}

void firmware_stream_update(firmware_stream *stream, const uint8_t *bytes, size_t len) {
  sha256_update(&stream->payload, bytes, len);
  if (stream->file_digest) sha256_update(&stream->file, bytes, len);
  stream->received += len;
}

firmware_reason firmware_stream_finish(firmware_stream *stream, const uint8_t *declared_file_sha256) {
  uint8_t payload[SHA256_DIGEST_BYTES], file[SHA256_DIGEST_BYTES];
  sha256_finish(&stream->payload, payload);
  sha256_finish(&stream->file, file);
  if (stream->received != stream->payload_bytes || memcmp(payload, stream->expected_sha256, SHA256_DIGEST_BYTES) != 0)
    return FIRMWARE_CORRUPTED;
  if (declared_file_sha256 != NULL && (!stream->file_digest || memcmp(file, declared_file_sha256, SHA256_DIGEST_BYTES) != 0))
    return FIRMWARE_DIGEST_MISMATCH;
  return FIRMWARE_OK;
}

static const struct {
  const char *name, *message;
} REASONS[] = {
    [FIRMWARE_OK] = {"OK", "signed by the trusted key, for this board and engine, intact"},
    [FIRMWARE_NOT_SIGNED] = {"NotSigned", "not a version-1 signed image (magic, header version or size, or reserved bytes)"},
    [FIRMWARE_UNKNOWN_KEY] = {"UnknownKey", "signed with a key this firmware does not trust"},
    [FIRMWARE_BAD_SIGNATURE] = {"BadSignature", "the signature does not verify"},
    [FIRMWARE_WRONG_BOARD] = {"WrongBoard", "built for another board"},
    [FIRMWARE_WRONG_ENGINE] = {"WrongEngine", "built for another engine"},
    [FIRMWARE_TOO_LARGE] = {"TooLarge", "header and payload exceed the download slot"},
    [FIRMWARE_VERSION_MISMATCH] = {"VersionMismatch", "the header's version differs from firmware.version"},
    [FIRMWARE_DOWNGRADE] = {"Downgrade", "lower than the running version, without firmware.allowDowngrade"},
    [FIRMWARE_CORRUPTED] = {"Corrupted", "the payload differs from the header's SHA-256 (a changed byte, a truncated file)"},
    [FIRMWARE_DIGEST_MISMATCH] = {"DigestMismatch", "the file's SHA-256 differs from firmware.sha256"},
    [FIRMWARE_NO_MEMORY] = {"NoMemory", "out of heap checking the signature (not a verdict on the image)"},
};

const char *firmware_reason_name(firmware_reason reason) {
  return (size_t)reason < sizeof REASONS / sizeof REASONS[0] ? REASONS[reason].name : "Unknown";
}

const char *firmware_reason_message(firmware_reason reason) {
  return (size_t)reason < sizeof REASONS / sizeof REASONS[0] ? REASONS[reason].message : "no such reason";
}

firmware_version firmware_header_version(const uint8_t header_bytes[FIRMWARE_HEADER_BYTES]) {
  return (firmware_version){le_get16(header_bytes + AT_VERSION), le_get16(header_bytes + AT_VERSION + 2), le_get16(header_bytes + AT_VERSION + 4)};
}

firmware_expectations firmware_expect_own_version(const firmware_expectations *expect,
                                                  const uint8_t header_bytes[FIRMWARE_HEADER_BYTES]) {
  firmware_expectations own = *expect;
  own.declared = own.running = firmware_header_version(header_bytes);
  own.allow_downgrade = true;
  return own;
}
