// pico-node firmware uf2: a new board's first flash over USB, for an
// updatable build (docs/firmware-update.md, "The Pico W"): the bootloader at
// the start of flash, a signed image in the run slot, and the swap state
// erased, so the board starts with no update pending whatever it ran before.
// Its settings are not in it: `pico-node provision` writes those.
import { BOOTLOADER, RUN_SLOT, SECTOR_BYTES, SWAP_STATE } from "./flash_layout.js";
import { HEADER_BYTES, decodeHeader, formatVersion } from "./firmware_image.js";
import { FLASH_XIP_BASE, writeUf2Parts } from "./uf2.js";

const PICO_BOARDS = ["pico_w", "pico"];
const IMAGE_ROOM = RUN_SLOT.bytes - SECTOR_BYTES; // an image leaves the slot's last sector to the swap (ota_swap.h)

/** The UF2; image is a checked .pkfw, bootloader the build's k3s_pico_boot.bin. An Error names what is wrong. */
export function firstFlashUf2(image: Buffer, bootloader: Buffer): Buffer {
  const header = decodeHeader(image);
  if (!header) throw new Error("the image is not a signed .pkfw (pico-node firmware verify says more)");
  if (!PICO_BOARDS.includes(header.board)) throw new Error(`the image is for board ${header.board}: a first flash is for a Pico (pico_w, or pico in the emulator)`);
  if (image.length > IMAGE_ROOM) throw new Error(`the image has ${image.length} bytes: more than the run slot takes (${IMAGE_ROOM})`);
  if (bootloader.length === 0 || bootloader.length > BOOTLOADER.bytes) {
    throw new Error(`the bootloader has ${bootloader.length} bytes: expected k3s_pico_boot.bin, at most ${BOOTLOADER.bytes}`);
  }
  if (!bootloader.includes(Buffer.from("k3s_pico_boot\0"))) throw new Error("the bootloader file is not k3s_pico_boot.bin (its program name is missing)");
  return writeUf2Parts([
    { address: FLASH_XIP_BASE + BOOTLOADER.offset, bytes: bootloader },
    { address: FLASH_XIP_BASE + RUN_SLOT.offset, bytes: image },
    { address: FLASH_XIP_BASE + SWAP_STATE.offset, bytes: Buffer.alloc(SWAP_STATE.bytes, 0xff) },
  ]);
}

/** One line about what the UF2 holds. */
export function describeFirstFlash(image: Buffer, bootloader: Buffer, uf2: Buffer): string {
  const h = decodeHeader(image)!;
  return `${uf2.length / 512} UF2 blocks: k3s_pico_boot (${bootloader.length} bytes) at 0x10000000, firmware ${formatVersion(h.version)} ` +
    `(${h.board}, ${h.engine}; ${image.length - HEADER_BYTES} + ${HEADER_BYTES} bytes) in the run slot at 0x${(FLASH_XIP_BASE + RUN_SLOT.offset).toString(16)}, the swap state erased`;
}
