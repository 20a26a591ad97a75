// What the Pico W port's files share: the network layer's entry points, Wi-Fi
// and the board's bookkeeping.
#ifndef PICO_PORT_H
#define PICO_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include "event_queue.h"
#include "flash_device.h"
#include "region_store.h"

/** The network layer: bytes and events go into events. */
void net_lwip_init(event_queue *events);
/** Aborts connections idle past NET_IDLE_TIMEOUT_MS or stuck connecting, and gives each kubelet client's
 *  TLS its turn (kubelet_tls.h). From the main loop. */
void net_lwip_housekeeping(void);
/** A TLS client has work that needs nothing from the network: the main loop must not sleep. */
bool net_lwip_busy(void);

/** Starts joining the configured network (non-blocking). */
void wifi_start(const char *ssid, const char *password, const char *hostname);
/** Follows the link: retries a failed join with exponential backoff, rejoins when the link drops. */
void wifi_step(void);

// ---- what differs between the Pico W and the emulator image (board_radio.c, emulator/board_emulator.c) ----
/** Starts the radio (or its stand-in); false if it did not come up. */
bool pico_board_start(void);
/** Lets the radio driver run. */
void pico_board_poll(void);
/** Sleeps until the radio has work or ms pass. */
void pico_board_wait(uint32_t ms);
/** Starts the network: events go to the queue; Wi-Fi joins ssid (empty: stay offline). */
void pico_network_start(event_queue *events, const char *ssid, const char *password);
/** Per main-loop step: link supervision, connection housekeeping, the kubelet clients' TLS. */
void pico_network_step(void);
/** Work waits in the network layer that no interrupt will announce (a TLS handshake's next step). */
bool pico_network_busy(void);
/** A region record reached the flash log (the emulator image tells its script). */
void pico_region_saved(const region_slot *slot);

// ---- flash data areas (region_flash.c, flash_layout.h) ----
/** False (logged once) when the image reaches into the data areas: nothing may be written there then. */
bool pico_flash_data_usable(void);
/** The device key's two sectors, for key_record.h (after pico_flash_data_usable()). */
extern flash_device pico_device_key_flash;

// ---- fatal errors (fatal_reboot.c) ----
/** Fatal errors in a row before this boot, counting a hang the watchdog ended. */
uint32_t pico_fatal_count_at_boot(void);
/** The node ran FATAL_COUNT_RESET_MS: the next fatal error is the first in a row again. */
void pico_fatal_count_clear(void);

/** Marks time spent waiting for work, so board_cpu_busy_ms counts only the rest. */
void pico_idle_begin(void);
void pico_idle_end(void);

// ---- stacks (stacks.c) ----
/** Runs fn(arg) on the shell stack (painted first); returns only if fn does. */
void pico_run_on_shell_stack(void (*fn)(void *), void *arg);
/** Bytes of the shell's C stack never touched so far (its high-water mark is the rest). */
uint32_t pico_stack_untouched(void);

/** RAM figures for the console and the emulator's report (sent as this struct's u32s, in this order). */
typedef struct pico_resources {
  uint32_t stack_used, stack_size; // the shell stack's high-water mark, and its size
  uint32_t heap_size;              // RAM between the end of static data and the stack limit
  uint32_t heap_arena;             // taken by malloc so far: its high-water mark (newlib keeps what it took)
  uint32_t heap_in_use;            // allocated now
  uint32_t heap_free;              // never taken plus freed blocks: what is left
  uint32_t heap_after_boot;        // allocated once the core had booted
  uint32_t send_queues;            // held by connections' send queues now
  uint32_t engine_heap;            // taken by the engine to load the core (wasm3; the AOT engine takes none)
  uint32_t core_mem_used;          // the core's linear memory in use
  uint32_t events_refused;         // event pushes that found the queue full (and were retried)
} pico_resources;

/** Fills every field (firmware_main.c; heap figures from pico_heap_read). */
void pico_resources_read(pico_resources *r);
/** Fills the heap_* fields but heap_after_boot (hal_pico.c). */
void pico_heap_read(pico_resources *r);
/** One console line with the figures. */
void pico_resources_log(const pico_resources *r);

#endif
