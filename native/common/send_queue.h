// Bytes the core has sent that the network cannot take yet. The buffer is
// allocated only while bytes wait and sized to them (in 1 KiB steps), and is
// freed as soon as it drains: most sends fit the network's own buffer and
// never allocate. All queues together stay under one budget, so a burst of
// large answers cannot take the heap the engine needs.
#ifndef SEND_QUEUE_H
#define SEND_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct send_queue {
  uint8_t *bytes; // NULL while empty
  size_t len;     // bytes waiting
  size_t cap;     // bytes allocated
} send_queue;

/** Queues all n bytes, or none: false when this queue would pass per_queue_max,
 *  all queues together total_max, or the heap has no room. */
bool send_queue_append(send_queue *q, const uint8_t *bytes, size_t n, size_t per_queue_max, size_t total_max);

/** Takes as many bytes as it can now, all or none of them (a network's own send buffer); returns how many. */
typedef size_t (*send_queue_writer)(void *conn, const uint8_t *bytes, size_t n);

/**
 * A connection's send, all or nothing: with nothing queued, up to `room` bytes
 * go straight to write(conn, …) and the rest wait in q; with bytes queued, all
 * wait behind them. Room in the queue for what waits is found before anything
 * is written, so a full heap or budget refuses the whole send (false) and
 * never leaves half of it on the wire.
 */
bool send_queue_send(send_queue *q, const uint8_t *bytes, size_t n, size_t room, send_queue_writer write, void *conn,
                     size_t per_queue_max, size_t total_max);
/** send_queue_send for a writer that offers its bytes again when refused (a TLS session's pipe): n when all
 *  were sent or queued, 0 when none fit now. */
int send_queue_offer(send_queue *q, const uint8_t *bytes, size_t n, size_t room, send_queue_writer write, void *conn,
                     size_t per_queue_max, size_t total_max);
/** Bytes a send_queue_send would take now with this room in the network (heap permitting): what a
 *  connection can promise a writer that needs all-or-nothing room up front (TLS records). */
size_t send_queue_room(const send_queue *q, size_t room, size_t per_queue_max, size_t total_max);
/** Drops the first n bytes (the network took them); frees the buffer once empty. */
void send_queue_consume(send_queue *q, size_t n);
/** Drops everything and frees the buffer. */
void send_queue_clear(send_queue *q);
/** Bytes allocated by all queues now (for the budget and the resource report). */
size_t send_queue_allocated_total(void);

#endif
