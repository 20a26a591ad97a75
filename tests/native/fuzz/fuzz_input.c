#include "fuzz_input.h"

#include <stdlib.h>
#include <string.h>

const uint32_t FUZZ_GAPS_MS[8] = {0, 50, 100, 1000, 2000, 4000, 11000, 12000};

static void push(fuzz_input *in, fuzz_op op) { in->ops[in->op_count++] = op; }

void fuzz_input_decode(const uint8_t *bytes, size_t len, fuzz_input *in) {
  memset(in, 0, sizeof *in);
  in->target = len ? bytes[0] % TARGET_COUNT : 0;
  in->data = malloc(len + 1);
  in->ops = malloc((len + 1) * sizeof *in->ops); // at most one op per input byte
  if (in->data == NULL || in->ops == NULL) abort();
  size_t used = 0, run = 0; // run: where the current OP_BYTES began in data
  for (size_t i = 1; i < len; i++) {
    if (bytes[i] != 0xff || i + 1 == len) { // a lone 0xFF at the very end is dropped with its missing code
      if (bytes[i] != 0xff) in->data[used++] = bytes[i];
      continue;
    }
    uint8_t code = bytes[++i];
    if (code == 0xff) {
      in->data[used++] = 0xff;
      continue;
    }
    if (used > run) push(in, (fuzz_op){.type = OP_BYTES, .bytes = in->data + run, .len = used - run});
    run = used;
    if (code < 0x40) push(in, (fuzz_op){.type = OP_CUT, .arg = FUZZ_GAPS_MS[code & 7]});
    else if (code < 0x80) push(in, (fuzz_op){.type = OP_NEXT, .arg = code & 0x3f});
    else if (code < 0xc0) push(in, (fuzz_op){.type = OP_END, .arg = code & 3});
    else push(in, (fuzz_op){.type = OP_REPEAT, .arg = code & 15});
  }
  if (used > run) push(in, (fuzz_op){.type = OP_BYTES, .bytes = in->data + run, .len = used - run});
}

void fuzz_input_free(fuzz_input *in) {
  free(in->data);
  free(in->ops);
  memset(in, 0, sizeof *in);
}
