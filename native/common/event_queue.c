#include "event_queue.h"

#include <string.h>

void event_queue_init(event_queue *q) { memset(q, 0, sizeof *q); }

static event *slot_at(event_queue *q, uint16_t i) { return &q->slots[(q->head + i) % EVENT_QUEUE_SLOTS]; }
static const event *slot_at_const(const event_queue *q, uint16_t i) {
  return &q->slots[(q->head + i) % EVENT_QUEUE_SLOTS];
}

static event *append(event_queue *q, event_type type, int32_t handle, int32_t code) {
  if (q->count == EVENT_QUEUE_SLOTS) {
    q->refused++;
    return NULL;
  }
  event *e = slot_at(q, q->count++);
  e->type = (uint8_t)type;
  e->handle = handle;
  e->code = code;
  e->len = 0;
  return e;
}

bool event_queue_push(event_queue *q, event_type type, int32_t handle, int32_t code) {
  return append(q, type, handle, code) != NULL;
}

/** The newest slot when more bytes for (type, handle) may be packed into it. */
static const event *packable_tail(const event_queue *q, event_type type, int32_t handle) {
  if (q->count == 0) return NULL;
  const event *tail = slot_at_const(q, (uint16_t)(q->count - 1));
  return tail->type == type && tail->handle == handle && tail->len < EVENT_PAYLOAD_BYTES ? tail : NULL;
}

size_t event_queue_data_room(const event_queue *q, event_type type, int32_t handle) {
  const event *tail = packable_tail(q, type, handle);
  size_t room = tail ? EVENT_PAYLOAD_BYTES - tail->len : 0;
  return room + (size_t)(EVENT_QUEUE_SLOTS - q->count) * EVENT_PAYLOAD_BYTES;
}

bool event_queue_push_data(event_queue *q, event_type type, int32_t handle, const uint8_t *bytes, size_t len) {
  if (len > event_queue_data_room(q, type, handle)) {
    q->refused++;
    return false;
  }
  event *tail = (event *)packable_tail(q, type, handle);
  while (len > 0) {
    if (tail == NULL || tail->len == EVENT_PAYLOAD_BYTES) tail = append(q, type, handle, 0);
    size_t n = EVENT_PAYLOAD_BYTES - tail->len;
    if (n > len) n = len;
    memcpy(tail->data + tail->len, bytes, n);
    tail->len = (uint16_t)(tail->len + n);
    bytes += n;
    len -= n;
  }
  return true;
}

const event *event_queue_peek(const event_queue *q) { return q->count ? slot_at_const(q, 0) : NULL; }

void event_queue_pop(event_queue *q) {
  if (q->count == 0) return;
  q->head = (uint16_t)((q->head + 1) % EVENT_QUEUE_SLOTS);
  q->count--;
}

void event_queue_drop_handle(event_queue *q, int32_t handle) {
  for (uint16_t i = 0; i < q->count; i++) {
    event *e = slot_at(q, i);
    if (e->handle == handle) e->type = EVENT_NONE;
  }
}

bool event_queue_holds(const event_queue *q, event_type type) {
  for (uint16_t i = 0; i < q->count; i++)
    if (slot_at_const(q, i)->type == type) return true;
  return false;
}

void event_queue_clear(event_queue *q) {
  q->head = 0;
  q->count = 0;
}
