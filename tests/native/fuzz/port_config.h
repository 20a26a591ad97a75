// Settings of the fuzz build (tests/native/fuzz): the board's queue sizes, so
// the core meets the same event packing as on the Pico, and a short region
// persistence delay, so saves happen within one input.
#ifndef PORT_CONFIG_H
#define PORT_CONFIG_H

#define CORE_MEMORY_LIMIT_BYTES (40u * 1024u)
#define EVENT_QUEUE_SLOTS 8
#define REGION_PERSIST_DELAY_MS 1000u

#endif
