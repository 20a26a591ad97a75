// The byte format libFuzzer mutates. The first byte picks the target; the
// rest is the bytes a peer sends, with control codes escaped by 0xFF so that
// byte-level mutations mostly change what is sent, not how:
//
//   byte 0          target = byte % 11: 0..7 an API answer to the first request of that
//                   kind (api_kind order: registration, node-get, status, lease-get,
//                   lease-create, lease-renew, list, watch); 8 kubelet-port clients;
//                   9 a ConfigMap's memory_values; 10 the device configuration
//                   (device.env: the bytes, control codes ignored)
//   FF FF           a literal 0xFF byte
//   FF 00..3F       cut: what came before is delivered on its own, then
//                   FUZZ_GAPS_MS[x & 7] pass (the healthy server answering meanwhile)
//   FF 40..7F       next: api — the next answer, to the next request of kind (x & 7);
//                   kubelet — what follows goes to client (x & 3), connecting it first;
//                   memory_values — what came before was an earlier memory_values member
//   FF 80..BF       end: api — the peer closes (x & 3 = 0), resets (1), refuses (2), times out (3);
//                   kubelet — the client closes; memory_values — sent by LIST after an in-stream 410
//   FF C0..FE       repeat: api — this answer also goes to the next (x & 15) requests of its kind
//
// tests/native/fuzz/seeds.mjs writes the JavaScript harness's corpus and saved
// inputs in this format.
#ifndef FUZZ_INPUT_H
#define FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

#define TARGET_KUBELET 8
#define TARGET_MEMORY_VALUES 9
#define TARGET_CONFIG 10
#define TARGET_COUNT 11

typedef enum op_type { OP_BYTES, OP_CUT, OP_NEXT, OP_END, OP_REPEAT } op_type;

typedef struct fuzz_op {
  op_type type;
  uint32_t arg;          // CUT: the gap in ms; NEXT: kind or client; END: how; REPEAT: times
  const uint8_t *bytes;  // OP_BYTES: the bytes (unescaped)
  size_t len;
} fuzz_op;

typedef struct fuzz_input {
  int target;
  fuzz_op *ops;
  size_t op_count;
  uint8_t *data; // the unescaped bytes the ops point into
} fuzz_input;

extern const uint32_t FUZZ_GAPS_MS[8];

/** Decodes libFuzzer's bytes (never fails: every byte string is an input; empty is target 0 with nothing). */
void fuzz_input_decode(const uint8_t *bytes, size_t len, fuzz_input *in);
void fuzz_input_free(fuzz_input *in);

#endif
