#include "device_key.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hal.h"
#include "logf.h"
#include "mbedtls/asn1write.h"
#include "mbedtls/ecp.h"
#include "mbedtls/oid.h"
#include "mbedtls/pem.h"
#include "mbedtls/x509_csr.h"
#include "tls_random.h"

// The installed chain, plus older ones still held by handshakes: with at most
// TLS_MAX_SESSIONS (2) handshakes, three slots always leave one free to install into.
#define CREDENTIAL_SLOTS 3
#define KEY_DER_MAX 256  // a P-256 private key in DER is about 121 bytes
#define CSR_DER_MAX 640  // a 253-byte name twice, the key, the signature and the framing
#define CSR_PEM_MAX 1024 // its base64 with line breaks and the two marker lines
#define NODE_NAME_MAX 253

static struct {
  mbedtls_pk_context key;
  bool has_key;
  device_credential slots[CREDENTIAL_SLOTS];
  device_credential *current;
} device;

static bool is_p256(const mbedtls_pk_context *pk) {
  return mbedtls_pk_get_type(pk) == MBEDTLS_PK_ECKEY && mbedtls_pk_ec(*pk)->grp.id == MBEDTLS_ECP_DP_SECP256R1;
}

/** Reads the stored key; false if there is none or it is unusable (logged). */
static bool load_key(void) {
  uint8_t der[KEY_DER_MAX];
  int32_t len = hal_device_key_load(der, sizeof der);
  if (len == 0) return false;
  if (len < 0) {
    logf_line(LOG_WARN, "tls: the stored device key cannot be read; making a new one");
    return false;
  }
  int rc = mbedtls_pk_parse_key(&device.key, der, (size_t)len, NULL, 0);
  memset(der, 0, sizeof der);
  if (rc == 0 && is_p256(&device.key)) return true;
  logf_line(LOG_WARN, "tls: the stored device key (%ld bytes) is not a P-256 key (-0x%04x); making a new one",
            (long)len, (unsigned)-rc);
  mbedtls_pk_free(&device.key);
  mbedtls_pk_init(&device.key);
  return false;
}

static bool make_key(void) {
  void *rng = tls_random_context();
  if (rng == NULL) return false;
  int rc = mbedtls_pk_setup(&device.key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
  if (rc == 0) rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(device.key), tls_random, rng);
  uint8_t der[KEY_DER_MAX];
  int len = rc == 0 ? mbedtls_pk_write_key_der(&device.key, der, sizeof der) : rc;
  // mbedtls_pk_write_key_der writes at the end of the buffer.
  bool saved = len > 0 && hal_device_key_save(der + sizeof der - (size_t)len, (size_t)len);
  memset(der, 0, sizeof der);
  if (!saved) {
    logf_line(LOG_ERROR, "tls: cannot %s the device key (-0x%04x)", len > 0 ? "store" : "make", (unsigned)(len > 0 ? 0 : -len));
    mbedtls_pk_free(&device.key);
    mbedtls_pk_init(&device.key);
    return false;
  }
  logf_line(LOG_INFO, "tls: made and stored a new device key (ECDSA P-256)");
  return true;
}

/** The device key, read or made on first use; false (logged) if neither works. */
static bool ensure_key(void) {
  if (device.has_key) return true;
  mbedtls_pk_init(&device.key);
  device.has_key = load_key() || make_key();
  return device.has_key;
}

/** A node name as Kubernetes accepts one: lower-case DNS labels joined by dots. */
static bool is_node_name(const char *name, size_t len) {
  if (len == 0 || len > NODE_NAME_MAX) return false;
  for (size_t i = 0; i < len; i++) {
    char c = name[i];
    bool edge = i == 0 || i + 1 == len || name[i - 1] == '.' || name[i + 1] == '.';
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) continue;
    if ((c == '-' || c == '.') && !edge) continue;
    return false;
  }
  return true;
}

/** subjectAltName's value: SEQUENCE { [2] dNSName, [7] iPAddress (when ipv4 is not 0) }, DER, written backwards
 *  ending at *end; its length, or < 0. */
static int write_alt_names(uint8_t *start, uint8_t **end, const char *name, size_t name_len, uint32_t ipv4) {
  int ret;
  size_t len = 0;
  if (ipv4 != 0) {
    const uint8_t ip[4] = {(uint8_t)(ipv4 >> 24), (uint8_t)(ipv4 >> 16), (uint8_t)(ipv4 >> 8), (uint8_t)ipv4};
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_raw_buffer(end, start, ip, sizeof ip));
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_len(end, start, sizeof ip));
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_tag(end, start, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7));
  }
  size_t dns = 0;
  MBEDTLS_ASN1_CHK_ADD(dns, mbedtls_asn1_write_raw_buffer(end, start, (const uint8_t *)name, name_len));
  MBEDTLS_ASN1_CHK_ADD(dns, mbedtls_asn1_write_len(end, start, name_len));
  MBEDTLS_ASN1_CHK_ADD(dns, mbedtls_asn1_write_tag(end, start, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2));
  len += dns;
  MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_len(end, start, len));
  MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_tag(end, start, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
  return (int)len;
}

int32_t device_tls_csr(const char *name, size_t name_len, uint32_t ipv4, uint8_t *out, size_t cap) {
  if (!is_node_name(name, name_len)) {
    logf_line(LOG_WARN, "tls: no CSR for \"%.*s\": not a node name", (int)(name_len > 64 ? 64 : name_len), name);
    return DEVICE_TLS_NO_KEY;
  }
  if (!ensure_key()) return DEVICE_TLS_NO_KEY;
  char subject[40 + NODE_NAME_MAX];
  snprintf(subject, sizeof subject, "O=system:nodes,CN=system:node:%.*s", (int)name_len, name);
  uint8_t alt_names[NODE_NAME_MAX + 32], *alt_end = alt_names + sizeof alt_names;
  int alt_len = write_alt_names(alt_names, &alt_end, name, name_len, ipv4);

  mbedtls_x509write_csr csr;
  mbedtls_x509write_csr_init(&csr);
  mbedtls_x509write_csr_set_md_alg(&csr, MBEDTLS_MD_SHA256);
  mbedtls_x509write_csr_set_key(&csr, &device.key);
  uint8_t *der = malloc(CSR_DER_MAX);
  void *rng = tls_random_context();
  int rc = der == NULL || rng == NULL ? MBEDTLS_ERR_X509_ALLOC_FAILED : alt_len < 0 ? alt_len : 0;
  if (rc == 0) rc = mbedtls_x509write_csr_set_subject_name(&csr, subject);
  if (rc == 0)
    rc = mbedtls_x509write_csr_set_extension(&csr, MBEDTLS_OID_SUBJECT_ALT_NAME, MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME),
                                             alt_end, (size_t)alt_len);
  int der_len = rc == 0 ? mbedtls_x509write_csr_der(&csr, der, CSR_DER_MAX, tls_random, rng) : rc;
  mbedtls_x509write_csr_free(&csr);
  int32_t result;
  if (der_len <= 0) {
    logf_line(LOG_ERROR, "tls: cannot write the CSR (-0x%04x)", (unsigned)-der_len);
    result = DEVICE_TLS_NO_KEY;
  } else {
    // mbedtls_x509write_csr_der writes at the end of the buffer; the PEM writer ends its text with a NUL.
    static const char begin[] = "-----BEGIN CERTIFICATE REQUEST-----\n", end[] = "-----END CERTIFICATE REQUEST-----\n";
    // It writes a NUL after the text: into a buffer of our own, so a PEM of exactly cap bytes fits.
    size_t pem_len = 0, room = cap < CSR_PEM_MAX ? cap : CSR_PEM_MAX;
    char *pem = malloc(room + 1);
    rc = pem == NULL ? MBEDTLS_ERR_X509_ALLOC_FAILED
                     : mbedtls_pem_write_buffer(begin, end, der + CSR_DER_MAX - der_len, (size_t)der_len,
                                                (unsigned char *)pem, room + 1, &pem_len);
    if (rc == 0) memcpy(out, pem, pem_len - 1);
    result = rc == 0 ? (int32_t)(pem_len - 1) : pem == NULL ? DEVICE_TLS_NO_KEY : DEVICE_TLS_TOO_SMALL;
    free(pem);
  }
  free(der);
  return result;
}

static device_credential *free_slot(void) {
  for (int i = 0; i < CREDENTIAL_SLOTS; i++)
    if (&device.slots[i] != device.current && device.slots[i].users == 0) return &device.slots[i];
  return NULL; // cannot happen while handshakes are at most CREDENTIAL_SLOTS - 1
}

static void unload(device_credential *c) {
  if (c->loaded) mbedtls_x509_crt_free(&c->chain);
  c->loaded = false;
}

int32_t device_tls_install(const uint8_t *pem, size_t len) {
  device_credential *slot = free_slot();
  if (slot == NULL) return DEVICE_TLS_UNPARSABLE;
  unload(slot);
  // mbedtls parses PEM only from NUL-terminated text whose length counts the NUL.
  char *text = malloc(len + 1);
  if (text == NULL) return DEVICE_TLS_UNPARSABLE;
  memcpy(text, pem, len);
  text[len] = '\0';
  mbedtls_x509_crt_init(&slot->chain);
  slot->loaded = true;
  int rc = memchr(pem, 0, len) ? MBEDTLS_ERR_PEM_BAD_INPUT_DATA : mbedtls_x509_crt_parse(&slot->chain, (uint8_t *)text, len + 1);
  free(text);
  if (rc != 0 || slot->chain.raw.p == NULL) {
    logf_line(LOG_WARN, "tls: the certificate to install does not parse (%s-0x%04x)", rc > 0 ? "certificates skipped: " : "",
              (unsigned)(rc < 0 ? -rc : rc));
    unload(slot);
    return DEVICE_TLS_UNPARSABLE;
  }
  if (!ensure_key() || mbedtls_pk_check_pair(&slot->chain.pk, &device.key) != 0) {
    logf_line(LOG_WARN, "tls: the certificate to install is for another key than the device's");
    unload(slot);
    return DEVICE_TLS_OTHER_KEY;
  }
  device.current = slot;
  logf_line(LOG_INFO, "tls: serving with the certificate installed now");
  return 0;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t year, int month, int day) {
  year -= month <= 2;
  int64_t era = (year >= 0 ? year : year - 399) / 400;
  int64_t year_of_era = year - era * 400;
  int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

static int64_t unix_seconds(const mbedtls_x509_time *t) {
  return days_from_civil(t->year, t->mon, t->day) * 86400 + t->hour * 3600 + t->min * 60 + t->sec;
}

int32_t device_tls_validity(int64_t *not_before, int64_t *not_after) {
  if (device.current == NULL) return DEVICE_TLS_NO_CERT;
  *not_before = unix_seconds(&device.current->chain.valid_from);
  *not_after = unix_seconds(&device.current->chain.valid_to);
  return 0;
}

device_credential *device_credential_acquire(mbedtls_pk_context **key) {
  if (device.current == NULL) return NULL;
  device.current->users++;
  *key = &device.key;
  return device.current;
}

void device_credential_release(device_credential *credential) {
  if (credential != NULL && credential->users > 0) credential->users--;
}

void device_key_forget(void) {
  for (int i = 0; i < CREDENTIAL_SLOTS; i++) unload(&device.slots[i]);
  if (device.has_key) mbedtls_pk_free(&device.key);
  memset(&device, 0, sizeof device);
  tls_random_forget();
}
