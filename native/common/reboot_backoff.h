// Fatal errors on a board end in a reboot after a delay that doubles with
// each fatal error in a row (FATAL_REBOOT_DELAY_MS up to
// FATAL_REBOOT_DELAY_MAX_MS), so a boot loop backs off instead of spinning,
// and a transient failure still gets retried. The port counts them across
// reboots and starts again after a run of FATAL_COUNT_RESET_MS.
#ifndef REBOOT_BACKOFF_H
#define REBOOT_BACKOFF_H

#include <stdint.h>

/** The delay before the reboot that follows the in_a_row-th fatal error in a row (1 for the first). */
uint32_t reboot_backoff_ms(uint32_t in_a_row);
/** The console lines: what was fatal, how many in a row, and when the reboot comes. */
void reboot_backoff_announce(const char *why, uint32_t in_a_row, uint32_t remaining_ms);

#endif
