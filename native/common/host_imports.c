#include "host_imports.h"

#include <stdio.h>
#include <string.h>

#include "device_tls.h"
#include "hal.h"
#include "sha256.h"
#include "device_firmware.h"

import_status import_host_log(core_memory mem, int32_t level, uint32_t ptr, uint32_t len) {
  const uint8_t *text = core_bytes(mem, ptr, len);
  if (text == NULL) return IMPORT_OUT_OF_BOUNDS;
  if (level < 0) level = 0;
  if (level > 3) level = 3;
  hal_log(level, (const char *)text, len);
  return IMPORT_OK;
}

/** Splits "host:port" (the last colon) into a NUL-terminated host and a port; false if malformed. */
static bool parse_target(const uint8_t *text, uint32_t len, char *host, size_t host_cap, uint16_t *port) {
  int32_t colon = -1;
  for (uint32_t i = 0; i < len; i++)
    if (text[i] == ':') colon = (int32_t)i;
  if (colon <= 0 || (uint32_t)colon + 1 >= len || (size_t)colon >= host_cap) return false;
  uint32_t value = 0;
  for (uint32_t i = (uint32_t)colon + 1; i < len; i++) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (uint32_t)(text[i] - '0');
    if (value > 65535) return false;
  }
  if (value == 0) return false;
  memcpy(host, text, (size_t)colon);
  host[colon] = '\0';
  *port = (uint16_t)value;
  return true;
}

import_status import_net_open(core_memory mem, uint32_t ptr, uint32_t len, int32_t *result) {
  const uint8_t *text = core_bytes(mem, ptr, len);
  if (text == NULL) return IMPORT_OUT_OF_BOUNDS;
  char host[NET_TARGET_MAX];
  uint16_t port;
  *result = parse_target(text, len, host, sizeof host, &port) ? hal_net_open(host, port) : -1;
  return IMPORT_OK;
}

import_status import_net_send(core_memory mem, int32_t handle, uint32_t ptr, uint32_t len, int32_t *result) {
  const uint8_t *bytes = core_bytes(mem, ptr, len);
  if (bytes == NULL) return IMPORT_OUT_OF_BOUNDS;
  *result = hal_net_send(handle, bytes, len);
  return IMPORT_OK;
}

void import_net_close(host_context *ctx, int32_t handle) {
  hal_net_close(handle);
  event_queue_drop_handle(ctx->events, handle); // "no further events for the handle"
}

uint32_t import_net_ipv4(void) { return hal_net_ipv4(); }
int32_t import_net_rssi_dbm(void) { return hal_net_rssi_dbm(); }

import_status import_region_commit(host_context *ctx, core_memory mem, uint32_t ptr, uint32_t len, int32_t *result) {
  const uint8_t *bytes = core_bytes(mem, ptr, len);
  if (bytes == NULL) return IMPORT_OUT_OF_BOUNDS;
  bool ok = region_store_commit(ctx->region, bytes, len);
  if (ok) ctx->region_commits++;
  *result = ok ? 0 : -1;
  return IMPORT_OK;
}

int32_t import_rodata_read(host_context *ctx, core_memory mem, int32_t offset, uint32_t ptr, uint32_t len) {
  // The contract answers < 0 for either range (the core then traps itself): no trap here.
  if (offset < 0 || (uint32_t)offset > ctx->rodata_len || len > ctx->rodata_len - (uint32_t)offset) return -1;
  uint8_t *out = core_bytes(mem, ptr, len);
  if (out == NULL) return -1;
  memcpy(out, ctx->rodata + offset, len);
  return (int32_t)len;
}

import_status import_region_read(host_context *ctx, core_memory mem, int32_t offset, uint32_t ptr, uint32_t len,
                                 int32_t *result) {
  if (offset < 0 || (uint32_t)offset > REGION_BYTES || len > REGION_BYTES - (uint32_t)offset) {
    *result = -1; // the contract's answer for a range outside the region; the core's pointer is not used
    return IMPORT_OK;
  }
  uint8_t *out = core_bytes(mem, ptr, len);
  if (out == NULL) return IMPORT_OUT_OF_BOUNDS;
  *result = region_store_read(ctx->region, (uint32_t)offset, out, len);
  return IMPORT_OK;
}

/** Copies text into the core's buffer [ptr, ptr+cap), truncating at cap. */
static import_status write_text(core_memory mem, uint32_t ptr, uint32_t cap, const char *text, size_t len,
                                int32_t *result) {
  uint8_t *out = core_bytes(mem, ptr, cap);
  if (out == NULL) return IMPORT_OUT_OF_BOUNDS;
  if (len > cap) len = cap;
  memcpy(out, text, len);
  *result = (int32_t)len;
  return IMPORT_OK;
}

import_status import_board_unique_id(core_memory mem, uint32_t ptr, uint32_t cap, int32_t *result) {
  char id[64];
  size_t len = hal_board_unique_id(id, sizeof id);
  return write_text(mem, ptr, cap, id, len, result);
}

import_status import_board_platform(host_context *ctx, core_memory mem, uint32_t ptr, uint32_t cap, int32_t *result) {
  char platform[128];
  int len = snprintf(platform, sizeof platform, "%s, %s", hal_board_platform(), ctx->engine ? ctx->engine : "?");
  if (len < 0) len = 0;
  if ((size_t)len >= sizeof platform) len = sizeof platform - 1;
  return write_text(mem, ptr, cap, platform, (size_t)len, result);
}

int32_t import_board_free_heap(void) { return hal_free_heap(); }
int32_t import_board_memory_used(void) { return hal_memory_used(); }
int32_t import_board_temperature_mc(void) { return hal_temperature_mc(); }
uint32_t import_board_cpu_busy_ms(void) { return hal_cpu_busy_ms(); }
uint32_t import_random_u32(void) { return hal_random_u32(); }
void import_led_set(int32_t on) { hal_led_set(on != 0); }

import_status import_tls_csr(core_memory mem, uint32_t name_ptr, uint32_t name_len, uint32_t ipv4, uint32_t out_ptr,
                             uint32_t out_cap, int32_t *result) {
  const uint8_t *name = core_bytes(mem, name_ptr, name_len);
  uint8_t *out = core_bytes(mem, out_ptr, out_cap);
  if (name == NULL || out == NULL) return IMPORT_OUT_OF_BOUNDS;
  char copy[TLS_NODE_NAME_MAX]; // the ranges may overlap: the name is read before the CSR is written
  if (name_len > sizeof copy) {
    *result = DEVICE_TLS_NO_KEY;
    return IMPORT_OK;
  }
  memcpy(copy, name, name_len);
  *result = device_tls_csr(copy, name_len, ipv4, out, out_cap);
  return IMPORT_OK;
}

import_status import_tls_install(core_memory mem, uint32_t ptr, uint32_t len, int32_t *result) {
  const uint8_t *pem = core_bytes(mem, ptr, len);
  if (pem == NULL) return IMPORT_OUT_OF_BOUNDS;
  *result = device_tls_install(pem, len);
  return IMPORT_OK;
}

static void put_i64_le(uint8_t *out, int64_t value) {
  for (int i = 0; i < 8; i++) out[i] = (uint8_t)((uint64_t)value >> (8 * i));
}

import_status import_tls_cert_validity(core_memory mem, uint32_t out_ptr, int32_t *result) {
  uint8_t *out = core_bytes(mem, out_ptr, 16);
  if (out == NULL) return IMPORT_OUT_OF_BOUNDS;
  int64_t not_before = 0, not_after = 0;
  *result = device_tls_validity(&not_before, &not_after) == 0 ? 0 : -1;
  if (*result == 0) {
    put_i64_le(out, not_before);
    put_i64_le(out + 8, not_after);
  }
  return IMPORT_OK;
}

import_status import_sha256(core_memory mem, uint32_t ptr, uint32_t len, uint32_t out_ptr) {
  const uint8_t *bytes = core_bytes(mem, ptr, len);
  uint8_t *out = core_bytes(mem, out_ptr, SHA256_DIGEST_BYTES);
  if (bytes == NULL || out == NULL) return IMPORT_OUT_OF_BOUNDS;
  uint8_t digest[SHA256_DIGEST_BYTES];
  sha256_digest(bytes, len, digest);
  memcpy(out, digest, sizeof digest);
  return IMPORT_OK;
}

import_status import_firmware_identity(core_memory mem, uint32_t out_ptr, int32_t *result) {
  uint8_t *out = core_bytes(mem, out_ptr, DEVICE_FIRMWARE_IDENTITY_BYTES);
  if (out == NULL) return IMPORT_OUT_OF_BOUNDS;
  uint8_t identity[DEVICE_FIRMWARE_IDENTITY_BYTES] = {0};
  *result = device_firmware_identity(identity);
  if (*result == 0) memcpy(out, identity, sizeof identity);
  return IMPORT_OK;
}

import_status import_firmware_boot_state(core_memory mem, uint32_t out_ptr, int32_t *result) {
  uint8_t *out = core_bytes(mem, out_ptr, DEVICE_FIRMWARE_VERSION_BYTES);
  if (out == NULL) return IMPORT_OUT_OF_BOUNDS;
  uint8_t version[DEVICE_FIRMWARE_VERSION_BYTES] = {0};
  *result = device_firmware_boot_state(version);
  memcpy(out, version, sizeof version);
  return IMPORT_OK;
}

import_status import_firmware_slot_write(core_memory mem, uint32_t offset, uint32_t ptr, uint32_t len, int32_t *result) {
  const uint8_t *bytes = core_bytes(mem, ptr, len);
  if (bytes == NULL) return IMPORT_OUT_OF_BOUNDS;
  *result = offset > INT32_MAX ? DEVICE_FIRMWARE_OUT_OF_STEP : device_firmware_slot_write(offset, bytes, len);
  return IMPORT_OK;
}

import_status import_firmware_slot_finish(core_memory mem, uint32_t sha_ptr, int32_t *result) {
  const uint8_t *sha = core_bytes(mem, sha_ptr, SHA256_DIGEST_BYTES);
  if (sha == NULL) return IMPORT_OUT_OF_BOUNDS;
  uint8_t declared[SHA256_DIGEST_BYTES];
  memcpy(declared, sha, sizeof declared);
  *result = device_firmware_slot_finish(declared);
  return IMPORT_OK;
}

int32_t import_firmware_install(void) { return device_firmware_install(); }
int32_t import_firmware_confirm(void) { return device_firmware_confirm(); }

/**
 * Appends an AssemblyScript string (UTF-16LE; its byte length is the u32 just
 * before it) as ASCII. A null pointer reads as "?". False if out of bounds.
 */
static bool append_as_string(core_memory mem, uint32_t ptr, char *out, size_t cap, size_t *used) {
  if (ptr == 0) {
    *used += (size_t)snprintf(out + *used, cap - *used, "?");
    return true;
  }
  const uint8_t *size_field = ptr >= 4 ? core_bytes(mem, ptr - 4, 4) : NULL;
  if (size_field == NULL) return false;
  uint32_t bytes = (uint32_t)size_field[0] | (uint32_t)size_field[1] << 8 | (uint32_t)size_field[2] << 16 |
                   (uint32_t)size_field[3] << 24;
  const uint8_t *text = core_bytes(mem, ptr, bytes);
  if (text == NULL) return false;
  for (uint32_t i = 0; i + 1 < bytes && *used + 1 < cap; i += 2) {
    uint16_t unit = (uint16_t)(text[i] | text[i + 1] << 8);
    out[(*used)++] = unit >= 0x20 && unit < 0x7f ? (char)unit : '?';
  }
  out[*used] = '\0';
  return true;
}

import_status import_abort(core_memory mem, uint32_t msg, uint32_t file, uint32_t line, uint32_t col) {
  char text[160];
  size_t used = (size_t)snprintf(text, sizeof text, "core abort: ");
  if (!append_as_string(mem, msg, text, sizeof text, &used)) return IMPORT_OUT_OF_BOUNDS;
  if (used + 4 < sizeof text) used += (size_t)snprintf(text + used, sizeof text - used, " at ");
  if (!append_as_string(mem, file, text, sizeof text, &used)) return IMPORT_OUT_OF_BOUNDS;
  if (used < sizeof text)
    used += (size_t)snprintf(text + used, sizeof text - used, ":%lu:%lu", (unsigned long)line, (unsigned long)col);
  if (used >= sizeof text) used = sizeof text - 1;
  hal_log(0, text, used);
  return IMPORT_ABORTED;
}
