// The board's provisioning area (flash_layout.h): its settings, written once
// over USB by `pico-node provision`, never by the firmware.
#ifndef PROVISIONING_FLASH_H
#define PROVISIONING_FLASH_H

#include "provisioning_record.h"

/** The settings text of the area's record, in place in flash (it stays valid while the firmware runs); otherwise
 *  why says what is wrong. */
provisioning_status pico_provisioning_read(const char **text, size_t *len, char *why, size_t why_cap);

#endif
