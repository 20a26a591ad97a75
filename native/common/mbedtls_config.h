// mbedTLS 2.28 configuration for the firmware (pico-sdk's pico_mbedtls picks
// it up as MBEDTLS_CONFIG_FILE). Only what the kubelet port's TLS server
// (tls_server.c), the device key and its CSR (device_key.c) and the random
// generator (tls_random.c) use; everything else stays out of flash and RAM.
// The POSIX shell links Debian's libmbedtls with that package's own config.
#ifndef PICO_NODE_MBEDTLS_CONFIG_H
#define PICO_NODE_MBEDTLS_CONFIG_H

#include <time.h>

// ---- system ----
#define MBEDTLS_HAVE_ASM          // bignum's multiply-accumulate in Thumb-1 assembly: the ECC inner loop
#define MBEDTLS_NO_PLATFORM_ENTROPY // no /dev/urandom: tls_random.c seeds CTR_DRBG from hal_entropy (the ROSC)
#define MBEDTLS_PLATFORM_C        // needed only to give mbedtls_time our clock (below)
// No RTC: certificate dates are not checked here (no MBEDTLS_HAVE_TIME_DATE; the core checks its own
// certificate's validity against the API server's clock). Ticket lifetimes need only seconds that
// increase: the time since boot.
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_PLATFORM_TIME_MACRO tls_uptime_seconds
time_t tls_uptime_seconds(time_t *out); // tls_random.c

// ---- TLS: 1.2 server only, ECDHE-ECDSA ----
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_SRV_C                  // the Pico only serves: the proxy speaks TLS to the cluster for it
#define MBEDTLS_SSL_PROTO_TLS1_2           // 2.28 has no TLS 1.3 server; Go and Node clients accept 1.2
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED // the device key is ECDSA P-256 (kubelet-serving CSR)
// The two suites tls_server.c offers, and no others compiled in: AES-GCM for clients with AES
// hardware, ChaCha20-Poly1305 for those without; both SHA-256 (no SHA-384 needed anywhere).
#define MBEDTLS_SSL_CIPHERSUITES MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, \
                                 MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
#define MBEDTLS_SSL_SESSION_TICKETS        // a scrape every 15 s resumes without ECC (RFC 5077)
#define MBEDTLS_SSL_TICKET_C               // the server side of tickets: keys in RAM, AES-GCM
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE  // the client certificate's names are read after the handshake (identity)
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET // RFC 7627, which Go and Node clients offer
// tls_server.c gives each handshake the chain it holds (mbedtls_ssl_set_hs_own_cert), which 2.28 offers
// only with SNI compiled in; no SNI callback is set (one certificate).
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
// Clients may send records of the full 16 KB, so the input buffer must hold one; the Pico's answers
// go out in pieces of at most this (a /metrics answer of ~6 KB is two records).
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096

// ---- ciphers and hashes ----
#define MBEDTLS_CIPHER_C
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES    // AES tables in flash, not 8 KB of RAM
#define MBEDTLS_AES_FEWER_TABLES  // 2 KB of tables instead of 8 KB: flash, at some speed (records are small)
#define MBEDTLS_GCM_C
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C
#define MBEDTLS_MD_C
#define MBEDTLS_SHA256_C          // the suites' PRF, ECDSA-SHA256 signatures
#define MBEDTLS_CTR_DRBG_C        // the one random generator (tls_random.c)
#define MBEDTLS_HMAC_DRBG_C       // for deterministic ECDSA:
#define MBEDTLS_ECDSA_DETERMINISTIC // signatures do not depend on a fresh nonce from the ROSC (RFC 6979)

// ---- public-key crypto: P-256 only ----
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_MPI_MAX_SIZE 64   // bytes: P-256 needs 32 (products 64); no RSA
#define MBEDTLS_MPI_WINDOW_SIZE 2 // only RSA/DHM exponentiation uses it: the least
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED // the only curve the device key, ECDHE and client CAs use (k3s CAs are P-256)
#define MBEDTLS_ECP_NIST_OPTIM    // fast modular reduction for the NIST prime: the largest single speed-up
#define MBEDTLS_ECP_WINDOW_SIZE 4 // the default: ~1 KB more heap per multiplication than 2, many cycles fewer
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 1 // the generator's comb table is precomputed in flash for P-256
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C        // the stored key, certificates' keys
#define MBEDTLS_PK_WRITE_C        // the key to DER for flash, and into the CSR
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_PEM_PARSE_C       // the issued certificate and the client CA arrive as PEM
#define MBEDTLS_PEM_WRITE_C       // the CSR goes out as PEM

// ---- X.509 ----
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C  // the serving chain, client certificates and the client CA
#define MBEDTLS_X509_CREATE_C
#define MBEDTLS_X509_CSR_WRITE_C  // the kubelet-serving CSR
#define MBEDTLS_X509_CHECK_KEY_USAGE          // a client certificate must allow digitalSignature
#define MBEDTLS_X509_CHECK_EXTENDED_KEY_USAGE // and clientAuth, as kubelet requires
#define MBEDTLS_X509_MAX_INTERMEDIATE_CA 2    // a client chain is a leaf under the cluster's client CA

// Left out on purpose: file system (MBEDTLS_FS_IO), sockets (MBEDTLS_NET_C: the port's pipe carries the
// bytes), MBEDTLS_ENTROPY_C (hal_entropy seeds the DRBG directly), RSA, TLS client, DTLS, renegotiation,
// CBC suites, error strings and debug output (flash), PSA. MBEDTLS_ECP_RESTARTABLE is not used: 2.28's
// server signs ServerKeyExchange in one step regardless; the shell steps the handshake once per loop
// turn instead and the longest step is measured (npm run bench:tls).

#include "mbedtls/check_config.h"

#endif
