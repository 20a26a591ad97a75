// The emulator image's stand-in for Wi-Fi: frames over UART1 to a script on
// the other end (bench/firmware_emulator.mjs in rp2040js; a serial cable to a
// real Pico would work the same). A frame is
//   type (1 byte) | handle (2, little-endian) | length (2, little-endian) | payload
// Received bytes land in a ring from the UART interrupt; frames are taken
// from it on the main loop only when the event queue has room for them, so
// the UART's flow control (the script feeds only into a FIFO with room) is
// the fake network's TCP window.
#ifndef FAKE_LINK_H
#define FAKE_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// script -> firmware
#define LINK_CONNECTED 'C'    // an outbound connection is up
#define LINK_DATA 'D'         // bytes for a connection
#define LINK_PEER_CLOSED 'F'  // the peer closed (EOF)
#define LINK_FAILED 'E'       // the connection failed; payload: i32 error code
#define LINK_ACCEPT 'A'       // a kubelet client connected; the script picks its handle (>= LINK_SERVER_HANDLE_BASE)
#define LINK_REPORT 'R'       // asks for a resource report
// firmware -> script
#define LINK_OPEN 'O'         // start a connection; payload: "host:port"
#define LINK_SEND 'S'         // bytes to send on a connection
#define LINK_CLOSE 'X'        // close (after the bytes sent before it)
#define LINK_LISTEN 'L'       // listening; payload: u16 port
#define LINK_REGION 'G'       // the region record persisted (region_slot bytes)
#define LINK_RESOURCES 'r'    // the resource report: u32 fields (see emulator_report in board_emulator.c)

#define LINK_HEADER_BYTES 5u
#define LINK_MAX_PAYLOAD 1100u            // the largest frame either side sends (a region record)
#define LINK_SERVER_HANDLE_BASE 0x4000    // handles the script picks; the firmware's own stay below

typedef struct link_frame {
  uint8_t type;
  uint16_t handle;
  uint16_t len;
  const uint8_t *payload; // valid until link_take
} link_frame;

void link_init(void);
/** The oldest complete received frame, left in place; false if none is complete yet. */
bool link_peek(link_frame *frame);
/** Drops the frame link_peek returned. */
void link_take(const link_frame *frame);
/** True when received bytes wait (to end a sleep). */
bool link_has_input(void);
/** Sends one frame (blocking until the UART took it). */
void link_send(uint8_t type, uint16_t handle, const void *payload, size_t len);

#endif
