// Configuration of the unit-test build: small queue sizes so edge cases are cheap to reach.
#ifndef PORT_CONFIG_H
#define PORT_CONFIG_H

#define EVENT_QUEUE_SLOTS 4
#define EVENT_PAYLOAD_BYTES 16
#define TICK_INTERVAL_MS 50u

#endif
