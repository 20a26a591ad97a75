// The Pico W's flash areas the workstation writes (UF2s for a board's first
// flash and its provisioning): native/pico/flash_layout.h's table, which
// tests/host/flash_layout.test.mjs holds these numbers to. Offsets from the
// start of flash (XIP 0x10000000).
export const SECTOR_BYTES = 4096;
export const BOOTLOADER = { offset: 0x000000, bytes: 36 * 1024 };
export const RUN_SLOT = { offset: 0x009000, bytes: 237 * SECTOR_BYTES };
export const DOWNLOAD_SLOT = { offset: 0x0f6000, bytes: 237 * SECTOR_BYTES };
export const SWAP_STATE = { offset: 0x1e3000, bytes: 5 * SECTOR_BYTES };
export const PROVISIONING = { offset: 0x1e8000, bytes: 2 * SECTOR_BYTES };
