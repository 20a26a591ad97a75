#include "send_queue.h"

#include <stdlib.h>
#include <string.h>

#define STEP 1024u // allocation granularity: fewer reallocs, little slack

static size_t allocated_total;

size_t send_queue_allocated_total(void) { return allocated_total; }

bool send_queue_append(send_queue *q, const uint8_t *bytes, size_t n, size_t per_queue_max, size_t total_max) {
  if (n == 0) return true;
  if (q->len > per_queue_max || n > per_queue_max - q->len) return false;
  size_t need = q->len + n;
  if (need > q->cap) {
    size_t cap = (need + STEP - 1) / STEP * STEP;
    if (cap > per_queue_max) cap = per_queue_max;
    if (allocated_total - q->cap + cap > total_max) return false;
    uint8_t *grown = realloc(q->bytes, cap);
    if (grown == NULL) return false;
    allocated_total = allocated_total - q->cap + cap;
    q->bytes = grown;
    q->cap = cap;
  }
  memcpy(q->bytes + q->len, bytes, n);
  q->len = need;
  return true;
}

void send_queue_consume(send_queue *q, size_t n) {
  if (n >= q->len) {
    send_queue_clear(q);
    return;
  }
  memmove(q->bytes, q->bytes + n, q->len - n);
  q->len -= n;
}

void send_queue_clear(send_queue *q) {
  free(q->bytes);
  allocated_total -= q->cap;
  q->bytes = NULL;
  q->len = q->cap = 0;
}
