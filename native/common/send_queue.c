#include "send_queue.h"

#include <stdlib.h>
#include <string.h>

#define STEP 1024u // allocation granularity: fewer reallocs, little slack

static size_t allocated_total;

size_t send_queue_allocated_total(void) { return allocated_total; }

/** Makes room for n more bytes (allocating); false, with nothing changed, past a budget or with a full heap. */
static bool reserve(send_queue *q, size_t n, size_t per_queue_max, size_t total_max) {
  if (q->len > per_queue_max || n > per_queue_max - q->len) return false;
  size_t need = q->len + n;
  if (need <= q->cap) return true;
  size_t cap = (need + STEP - 1) / STEP * STEP;
  if (cap > per_queue_max) cap = per_queue_max;
  if (allocated_total - q->cap + cap > total_max) return false;
  uint8_t *grown = realloc(q->bytes, cap);
  if (grown == NULL) return false;
  allocated_total = allocated_total - q->cap + cap;
  q->bytes = grown;
  q->cap = cap;
  return true;
}

bool send_queue_append(send_queue *q, const uint8_t *bytes, size_t n, size_t per_queue_max, size_t total_max) {
  if (n == 0) return true;
  if (!reserve(q, n, per_queue_max, total_max)) return false;
  memcpy(q->bytes + q->len, bytes, n);
  q->len += n;
  return true;
}

bool send_queue_send(send_queue *q, const uint8_t *bytes, size_t n, size_t room, send_queue_writer write, void *conn,
                     size_t per_queue_max, size_t total_max) {
  size_t direct = q->len == 0 ? (n < room ? n : room) : 0;
  if (n > direct && !reserve(q, n - direct, per_queue_max, total_max)) return false;
  size_t taken = direct > 0 ? write(conn, bytes, direct) : 0;
  // write took all `direct` bytes (the rest fits the room reserved) or none (nothing is on the wire yet).
  if (send_queue_append(q, bytes + taken, n - taken, per_queue_max, total_max)) return true;
  if (q->len == 0) send_queue_clear(q); // the room reserved for nothing
  return false;
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

int send_queue_offer(send_queue *q, const uint8_t *bytes, size_t n, size_t room, send_queue_writer write, void *conn,
                     size_t per_queue_max, size_t total_max) {
  return send_queue_send(q, bytes, n, room, write, conn, per_queue_max, total_max) ? (int)n : 0;
}

size_t send_queue_room(const send_queue *q, size_t room, size_t per_queue_max, size_t total_max) {
  size_t direct = q->len == 0 ? room : 0;
  if (q->len >= per_queue_max || allocated_total >= total_max) return direct;
  size_t queued = per_queue_max - q->len;
  // The budget counts whole steps: what it has left, less a step for rounding.
  size_t budget = total_max - allocated_total + (q->cap - q->len);
  budget = budget > STEP ? budget - STEP : 0;
  return direct + (queued < budget ? queued : budget);
}
