// The HAL of the fuzz harness: the board and the network the core sees,
// all in memory and on a simulated clock. Connections keep every byte the
// core sends; the driver plays the peers (fuzz_driver.c).
#ifndef FUZZ_HAL_H
#define FUZZ_HAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "region_store.h"

typedef enum conn_tag {
  TAG_NONE,
  TAG_STREAM, // an open watch stream the healthy server answered
  TAG_FUZZ,   // got fuzzed bytes: the peer closes it when the faults stop
  TAG_FUZZ_STREAM, // got fuzzed bytes a healthy watch stream could have begun with: it carries on after the faults
} conn_tag;

typedef struct fuzz_conn {
  bool server;          // a kubelet-port client the driver connected
  bool connected;       // outbound: on_net_connected delivered
  bool closed;          // by the core (net_close) or by the peer
  bool closed_by_core;
  bool closed_by_peer;
  uint8_t *out;         // every byte the core sent
  size_t out_len, out_cap;
  size_t read;          // how much of out the driver has read
  conn_tag tag;
  int kind;             // outbound: the request kind it was last used for (api_kind)
  uint32_t accepted_at; // server: when it connected
  uint8_t first[5];     // server: the first bytes the client sent (a HEAD's answer has no body)
  size_t first_len;
} fuzz_conn;

typedef struct fuzz_hal {
  uint32_t now_ms;
  uint32_t random_state;
  int32_t free_heap;
  uint32_t activity; // bumped by every net_open and net_send: requests are read only after some
  fuzz_conn *conns;  // indexed by handle
  int32_t conn_count, conn_cap;
  char last_warning[200];
  bool trapped;      // the shell logged "core trapped in ..."
  char trap_line[200]; // that line
  region_slot saved; // what hal_region_save wrote last
  int saves;
} fuzz_hal;

extern fuzz_hal fuzz;

/** A fresh board: clock at 1 s, no connections, no saved region. */
void fuzz_hal_reset(void);
/** Frees what the connections hold (the end of an input). */
void fuzz_hal_release(void);
/** The connection of handle, or NULL. */
fuzz_conn *fuzz_conn_of(int32_t handle);
/** A new kubelet-port client connection (the driver delivers its accept). */
int32_t fuzz_hal_client(void);
/** Outbound connections the core holds open now. */
int fuzz_hal_outbound_open(void);
/** The core's and the shell's last log lines, oldest first. */
void fuzz_hal_print_log(FILE *out);

#endif
