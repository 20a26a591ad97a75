// k3s_pico_boot: the bootloader at the start of the Pico's flash
// (flash_layout.h). At every boot it runs ota_boot (ota_boot.h) over the
// update areas: it finishes an install or a rollback (a swap that resumes
// after a power cut), counts a new image's trial boots and goes back to the
// old image when they run out. It checks the run slot's image whole (the
// signature against the trusted key, then the payload's SHA-256) before it
// starts it, so a changed byte never runs. Without a bootable image it says so
// on the console and waits in the boot ROM's USB mode for a new UF2.
#include <stdio.h>

#include "firmware_slot.h"
#include "hardware/structs/scb.h"
#include "hardware/structs/systick.h"
#include "hardware/sync.h"
#include "hardware/timer.h"
#include "pico/binary_info.h"
#include "pico/bootrom.h"
#include "pico/stdlib.h"
#include "pico_ota.h"

// picotool info: what this program is and the areas it owns (flash_layout.h).
bi_decl(bi_program_description("k3s-pico-node bootloader: checks and starts the run slot's signed image, installs and rolls back updates"));
bi_decl(bi_program_feature("images for board " PICO_NODE_BOARD_NAME ", engine " PICO_NODE_ENGINE_NAME ", signed with the build's key"));
#define AREA_FLAGS (BINARY_INFO_BLOCK_DEV_FLAG_READ | BINARY_INFO_BLOCK_DEV_FLAG_WRITE | BINARY_INFO_BLOCK_DEV_FLAG_PT_UNKNOWN)
bi_decl(bi_block_device(BINARY_INFO_MAKE_TAG('K', 'P'), "run slot", XIP_BASE + OTA_RUN_SLOT_OFFSET, OTA_SLOT_BYTES, NULL, AREA_FLAGS));
bi_decl(bi_block_device(BINARY_INFO_MAKE_TAG('K', 'P'), "download slot", XIP_BASE + OTA_DOWNLOAD_SLOT_OFFSET, OTA_SLOT_BYTES, NULL, AREA_FLAGS));
bi_decl(bi_block_device(BINARY_INFO_MAKE_TAG('K', 'P'), "swap state", XIP_BASE + OTA_STATE_OFFSET, OTA_STATE_BYTES, NULL, AREA_FLAGS));

#define FLASH_RETRY_MS 100u // ota_boot failed on the flash (power failing): try again

/** What ota_boot's checks found in the slot checked last: the run slot, when it says boot. */
typedef struct boot_check {
  firmware_reason verdict;
  bool misplaced; // signed, but its vector table does not point into the run slot: linked for elsewhere
  firmware_header header;
} boot_check;

/** True when an image's vector table points into RAM (stack) and into its own code in the run slot (reset). */
static bool vectors_plausible(const uint32_t vectors[2], uint32_t payload_bytes) {
  uint32_t stack = vectors[0], reset = vectors[1] & ~1u;
  return stack > SRAM_BASE && stack <= SRAM_END && (vectors[1] & 1u) && reset >= PICO_OTA_IMAGE_VECTORS &&
         reset < PICO_OTA_IMAGE_CODE + payload_bytes;
}

/** The image check ota_boot calls: signed and whole (firmware_slot_check), and linked to run from the run slot,
 *  so an image that could not start is refused (rolled back, or never swapped in) rather than jumped to. */
static bool check_slot(void *ctx, const flash_device *flash, uint32_t offset, uint32_t sectors) {
  (void)sectors;
  boot_check *c = ctx;
  firmware_expectations expect = pico_ota_expectations();
  c->verdict = firmware_slot_check(flash, offset, &expect, false, NULL, &c->header);
  c->misplaced = false;
  if (c->verdict != FIRMWARE_OK) return false;
  uint32_t vectors[2];
  uint32_t at = offset + (PICO_OTA_IMAGE_VECTORS - PICO_OTA_IMAGE_CODE) + FIRMWARE_HEADER_BYTES;
  c->misplaced = !flash->read(flash->ctx, at, (uint8_t *)vectors, sizeof vectors) || !vectors_plausible(vectors, c->header.payload_bytes);
  return !c->misplaced;
}

/** Starts the image as the boot ROM starts one: interrupts off and cleared, its vector table, its stack. */
static void __attribute__((noreturn)) start_image(const uint32_t *vectors) {
  stdio_flush();
  uart_default_tx_wait_blocking();
  (void)save_and_disable_interrupts();
  systick_hw->csr = 0;
  *(volatile uint32_t *)(PPB_BASE + M0PLUS_NVIC_ICER_OFFSET) = ~0u;
  *(volatile uint32_t *)(PPB_BASE + M0PLUS_NVIC_ICPR_OFFSET) = ~0u;
  scb_hw->vtor = (uint32_t)(uintptr_t)vectors;
  __asm volatile("msr msp, %0\n\tcpsie i\n\tbx %1\n" : : "r"(vectors[0]), "r"(vectors[1]));
  __builtin_unreachable();
}

int main(void) {
  stdio_init_all();
  uint64_t start_us = time_us_64();
  ota_areas areas = pico_ota_areas();
  boot_check check = {.verdict = FIRMWARE_NOT_SIGNED};
  ota_boot_result result;
  while (!ota_boot(&areas, check_slot, &check, &result)) {
    printf("boot: the flash failed during the update; trying again\n");
    busy_wait_ms(FLASH_RETRY_MS);
  }
  uint32_t took_ms = (uint32_t)((time_us_64() - start_us) / 1000u);
  if (result.action != OTA_BOOT_RUN_SLOT && check.misplaced) {
    printf("boot: the run slot's image is signed but not linked for the run slot (no vector table at 0x%08lx): "
           "copy a firmware UF2 to the RPI-RP2 drive\n", (unsigned long)PICO_OTA_IMAGE_VECTORS);
  } else if (result.action != OTA_BOOT_RUN_SLOT) {
    printf("boot: no bootable image in the run slot (%s: %s): copy a firmware UF2 to the RPI-RP2 drive\n",
           firmware_reason_name(check.verdict), firmware_reason_message(check.verdict));
  } else {
    firmware_version v = check.header.version;
    printf("boot: firmware %u.%u.%u (%s, %s) %s, checked in %lu ms", v.major, v.minor, v.patch, check.header.board,
           check.header.engine, ota_boot_words(result.state.phase), (unsigned long)took_ms);
    if (result.swap_steps) printf(" after %lu swap steps", (unsigned long)result.swap_steps);
    if (result.state.phase == OTA_TRIAL) printf(" (trial boot %u of %u)", result.state.attempts, OTA_TRIAL_BOOTS);
    printf("\n");
    start_image((const uint32_t *)PICO_OTA_IMAGE_VECTORS);
  }
  rom_reset_usb_boot(0, 0);
}
