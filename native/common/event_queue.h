// Events from network callbacks, waiting for the main loop to deliver them into
// the core (which is never entered from a callback). Single producer (the
// network layer) and single consumer (the main loop) on one thread: lwIP runs
// in poll mode and the POSIX port polls sockets, so no locking is needed.
//
// Received bytes travel in the event itself: consecutive data for the same
// connection is packed into the newest slot, so a pbuf chain of small segments
// fills slots instead of wasting one per segment.
#ifndef EVENT_QUEUE_H
#define EVENT_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shell_config.h"

typedef enum event_type {
  EVENT_NONE = 0, // a slot whose connection was closed by the core before delivery
  EVENT_NET_CONNECTED,
  EVENT_NET_DATA,
  EVENT_NET_CLOSED,
  EVENT_NET_ERROR,
  EVENT_SERVER_ACCEPT,
  EVENT_SERVER_DATA,
  EVENT_SERVER_CLOSED,
  EVENT_SERVER_ROOM_WANTED, // a kubelet client waits at the port's TLS limit: the core may close an idle kept connection
} event_type;

typedef struct event {
  uint8_t type;
  int32_t handle;
  int32_t code; // EVENT_NET_ERROR: the port's error number
  uint16_t len; // bytes in data
  uint8_t data[EVENT_PAYLOAD_BYTES];
} event;

typedef struct event_queue {
  event slots[EVENT_QUEUE_SLOTS];
  uint16_t head;  // oldest
  uint16_t count;
  uint32_t refused; // pushes that found no room (the network layer retries them)
} event_queue;

void event_queue_init(event_queue *q);
/** Queues an event without bytes. False (and counted) when the queue is full. */
bool event_queue_push(event_queue *q, event_type type, int32_t handle, int32_t code);
/** How many bytes of data for (type, handle) fit now, counting the newest slot's spare room. */
size_t event_queue_data_room(const event_queue *q, event_type type, int32_t handle);
/** Queues all len bytes or nothing (check event_queue_data_room for a chain first). */
bool event_queue_push_data(event_queue *q, event_type type, int32_t handle, const uint8_t *bytes, size_t len);
/** The oldest event, or NULL when empty. Valid until event_queue_pop. */
const event *event_queue_peek(const event_queue *q);
void event_queue_pop(event_queue *q);
/** Cancels every queued event of a handle: the core closed it and hears nothing more about it. */
void event_queue_drop_handle(event_queue *q, int32_t handle);
void event_queue_clear(event_queue *q);
static inline bool event_queue_empty(const event_queue *q) { return q->count == 0; }
/** An event of this type waits to be delivered. */
bool event_queue_holds(const event_queue *q, event_type type);

#endif
