// What the emulator image's files share (PICO_BOARD=pico, run in rp2040js by
// bench/firmware_emulator.mjs): the fake network and the resource report.
#ifndef EMULATOR_H
#define EMULATOR_H

#include "event_queue.h"

/** Starts the fake link on UART1; events go into events. */
void net_fake_init(event_queue *events);
/** Per main-loop step: drains send queues, turns received frames into events while the queue has room. */
void net_fake_step(void);
/** A TLS client has work that needs no new frame (a handshake step, decrypted bytes): do not sleep. */
bool net_fake_busy(void);
/** Sends a LINK_RESOURCES frame with the figures of pico_resources_read (and logs them). */
void emulator_report(void);

#endif
