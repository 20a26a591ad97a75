// What the POSIX port's main sets up for its HAL and network layer.
#ifndef HAL_POSIX_H
#define HAL_POSIX_H

#include <stdbool.h>
#include <stdint.h>

#include "event_queue.h"

typedef struct posix_options {
  const char *region_file; // where the region persists (the board's flash)
  const char *key_file;    // where the device's TLS key persists (mode 0600)
  const char *unique_id;   // board id; derived from the configuration when NULL
  uint32_t ipv4;           // the address reported as the node's InternalIP
  const char *bind_address; // the kubelet listener's address
  int log_level;           // shell lines above this are not printed
} posix_options;

extern posix_options posix;

/** Seeds the derived unique id from the device configuration text. */
void hal_posix_identity(const char *config_text, size_t len);
/** The network layer: bytes and events go into events. */
void net_posix_init(event_queue *events);
/** Waits up to timeout_ms for socket activity, then queues what happened. */
void net_posix_poll(uint32_t timeout_ms);

#endif
