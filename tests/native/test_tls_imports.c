// The imports of ABI 3 that the TLS module answers (tls_csr, tls_install,
// tls_cert_validity) and sha256: bounds, the answers' codes, and the key made
// once. What a real TLS client sees is tested in tls.test.mjs.
#include <string.h>

#include "device_key.h"
#include "fake_hal.h"
#include "host_imports.h"
#include "mbedtls/x509_csr.h"
#include "sha256.h"
#include "test.h"

static uint8_t memory[4096];
static core_memory mem = {memory, sizeof memory};

static void setup(void) {
  memset(memory, 0, sizeof memory);
  device_key_forget();
}

static void put(uint32_t at, const char *text) { memcpy(memory + at, text, strlen(text)); }

static void hex(const uint8_t *bytes, size_t n, char *out) {
  for (size_t i = 0; i < n; i++) snprintf(out + 2 * i, 3, "%02x", bytes[i]);
}

TEST(sha256_matches_the_fips_180_vectors) {
  setup();
  static const struct {
    const char *text, *digest;
  } vectors[] = {
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
       "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
  };
  for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
    memset(memory, 0, sizeof memory);
    put(100, vectors[i].text);
    CHECK_EQ(import_sha256(mem, 100, (uint32_t)strlen(vectors[i].text), 1000), IMPORT_OK);
    char got[65];
    hex(memory + 1000, 32, got);
    CHECK(strcmp(got, vectors[i].digest) == 0);
  }
}

TEST(sha256_of_a_long_input_digested_in_place) {
  // 4000 bytes (63 blocks and a tail) digested in place: input and output overlap.
  setup();
  memset(memory, 'a', 4000);
  CHECK_EQ(import_sha256(mem, 0, 4000, 0), IMPORT_OK);
  char got[65];
  hex(memory, 32, got);
  // printf "a%.0s" $(seq 4000) | sha256sum
  CHECK(strcmp(got, "82396ec9191a22922e88923ef14b5d225e26e7fc2d1571d0d6cd51920f83880b") == 0 || (printf("    got %s\n", got), 0));
}

TEST(sha256_fed_in_pieces_equals_sha256_in_one) {
  // Every length around the one- and two-block padding edges, in pieces that straddle blocks.
  uint8_t text[300], whole[32], pieces[32];
  for (size_t i = 0; i < sizeof text; i++) text[i] = (uint8_t)(i * 7 + 1);
  static const size_t PIECE[] = {1, 3, 55, 56, 63, 64, 65, 200};
  for (size_t len = 0; len <= sizeof text; len++) {
    sha256_digest(text, len, whole);
    for (size_t p = 0; p < sizeof PIECE / sizeof PIECE[0]; p++) {
      sha256_context ctx;
      sha256_start(&ctx);
      for (size_t at = 0; at < len; at += PIECE[p]) sha256_update(&ctx, text + at, len - at < PIECE[p] ? len - at : PIECE[p]);
      sha256_finish(&ctx, pieces);
      CHECK(memcmp(whole, pieces, 32) == 0 || (printf("    length %zu in pieces of %zu\n", len, PIECE[p]), 0));
    }
  }
}

TEST(tls_and_sha256_imports_trap_out_of_bounds_without_acting) {
  setup();
  int32_t result = 99;
  CHECK_EQ(import_sha256(mem, 4090, 7, 0), IMPORT_OUT_OF_BOUNDS);
  CHECK_EQ(import_sha256(mem, 0, 4, 4080), IMPORT_OUT_OF_BOUNDS);
  CHECK_EQ(import_sha256(mem, 0xFFFFFFF0u, 32, 0), IMPORT_OUT_OF_BOUNDS);
  CHECK_EQ(import_tls_csr(mem, 4090, 10, 0, 0, 1024, &result), IMPORT_OUT_OF_BOUNDS);
  CHECK_EQ(import_tls_csr(mem, 0, 6, 0, 3500, 1024, &result), IMPORT_OUT_OF_BOUNDS);
  CHECK_EQ(import_tls_install(mem, 100, 4000, &result), IMPORT_OUT_OF_BOUNDS);
  CHECK_EQ(import_tls_cert_validity(mem, 4081, &result), IMPORT_OUT_OF_BOUNDS);
  CHECK_EQ(result, 99);
  CHECK_EQ(fake.stored_key_len, 0); // no key made for a call that trapped
}

TEST(tls_csr_refuses_what_is_not_a_node_name) {
  const char *bad[] = {"", "Pico", "pico_1", "-pico", "pico-", "a..b", "pico 1", "pico,O=system:masters", "a\nb"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    setup();
    put(0, bad[i]);
    int32_t result = 0;
    CHECK_EQ(import_tls_csr(mem, 0, (uint32_t)strlen(bad[i]), 0, 1000, 2000, &result), IMPORT_OK);
    CHECK_EQ(result, DEVICE_TLS_NO_KEY);
  }
  setup();
  memset(memory, 'a', 254);
  int32_t result = 0;
  CHECK_EQ(import_tls_csr(mem, 0, 254, 0, 1000, 2000, &result), IMPORT_OK);
  CHECK_EQ(result, DEVICE_TLS_NO_KEY);
}

/** Parses the CSR the import wrote at `at` (PEM, len bytes). */
static bool parse_csr(uint32_t at, int32_t len, mbedtls_x509_csr *csr) {
  static char text[2048];
  if (len <= 0 || (size_t)len >= sizeof text) return false;
  memcpy(text, memory + at, (size_t)len);
  text[len] = '\0';
  mbedtls_x509_csr_init(csr);
  return mbedtls_x509_csr_parse(csr, (const uint8_t *)text, (size_t)len + 1) == 0;
}

TEST(tls_csr_writes_a_signed_request_for_the_stored_key) {
  setup();
  put(0, "pico-1");
  int32_t len = 0;
  CHECK_EQ(import_tls_csr(mem, 0, 6, 0x0a00000fu, 1000, 2000, &len), IMPORT_OK);
  CHECK(len > 200);
  CHECK(memcmp(memory + 1000, "-----BEGIN CERTIFICATE REQUEST-----\n", 36) == 0);
  CHECK_EQ(memory[1000 + len], 0); // nothing written past the length returned
  mbedtls_x509_csr csr;
  CHECK(parse_csr(1000, len, &csr));
  char subject[128];
  mbedtls_x509_dn_gets(subject, sizeof subject, &csr.subject);
  CHECK(strcmp(subject, "O=system:nodes, CN=system:node:pico-1") == 0 || (printf("    subject %s\n", subject), 0));
  CHECK(fake.stored_key_len > 100);
  // The key is made once: a second request (the core renewing) is for the same key.
  uint8_t first_key[256];
  memcpy(first_key, fake.stored_key, sizeof first_key);
  mbedtls_x509_csr_free(&csr);
  device_key_forget(); // as after a restart: read back from storage
  int32_t again = 0;
  CHECK_EQ(import_tls_csr(mem, 0, 6, 0, 1000, 2000, &again), IMPORT_OK);
  CHECK(again > 200);
  CHECK(memcmp(first_key, fake.stored_key, sizeof first_key) == 0);
  mbedtls_x509_csr second;
  CHECK(parse_csr(1000, again, &second));
  CHECK(second.pk.pk_info != NULL);
  mbedtls_x509_csr_free(&second);
}

TEST(tls_csr_answers_too_small_and_no_key) {
  setup();
  put(0, "pico-1");
  int32_t len = 0;
  CHECK_EQ(import_tls_csr(mem, 0, 6, 0, 1000, 2000, &len), IMPORT_OK);
  CHECK(len > 0);
  int32_t exact = 0, short_by_one = 0;
  CHECK_EQ(import_tls_csr(mem, 0, 6, 0, 1000, (uint32_t)len, &exact), IMPORT_OK);
  CHECK_EQ(exact, len); // the same length: same name, same key, same SANs
  CHECK_EQ(import_tls_csr(mem, 0, 6, 0, 1000, (uint32_t)len - 1, &short_by_one), IMPORT_OK);
  CHECK_EQ(short_by_one, DEVICE_TLS_TOO_SMALL);

  setup(); // as after a restart with nothing stored
  put(0, "pico-1");
  fake.stored_key_len = 0;
  fake.no_entropy = true; // nothing stored and nothing to make a key from
  int32_t result = 0;
  CHECK_EQ(import_tls_csr(mem, 0, 6, 0, 1000, 2000, &result), IMPORT_OK);
  CHECK_EQ(result, DEVICE_TLS_NO_KEY);

}

TEST(tls_install_and_validity_before_any_certificate) {
  setup();
  put(0, "not a certificate");
  int32_t result = 0;
  CHECK_EQ(import_tls_install(mem, 0, 17, &result), IMPORT_OK);
  CHECK_EQ(result, DEVICE_TLS_UNPARSABLE);
  memset(memory + 100, 0xAB, 16);
  CHECK_EQ(import_tls_cert_validity(mem, 100, &result), IMPORT_OK);
  CHECK_EQ(result, -1);
  CHECK_EQ(memory[100], 0xAB); // untouched
}
