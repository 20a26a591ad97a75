// UF2 (github.com/microsoft/uf2): what the RP2040's boot ROM takes on its
// RPI-RP2 drive. 512-byte blocks, each carrying 256 bytes for one flash page;
// the ROM erases each sector it writes into and leaves the rest of flash alone.
export const UF2_BLOCK_BYTES = 512;
export const UF2_PAYLOAD_BYTES = 256;
export const RP2040_FAMILY_ID = 0xe48bff56;
export const FLASH_XIP_BASE = 0x10000000;
const MAGIC_START0 = 0x0a324655, MAGIC_START1 = 0x9e5d5157, MAGIC_END = 0x0ab16f30;
const FLAG_FAMILY_ID_PRESENT = 0x2000;
const DATA_FIELD_BYTES = 476;

/** bytes written to flash from address on (an XIP address, page-aligned), 256 bytes a block. */
export function writeUf2(address: number, bytes: Uint8Array, familyId = RP2040_FAMILY_ID): Buffer {
  return writeUf2Parts([{ address, bytes }], familyId);
}

/** Several parts in one file (blocks numbered across all of them), each page-aligned, none overlapping. */
export function writeUf2Parts(parts: { address: number; bytes: Uint8Array }[], familyId = RP2040_FAMILY_ID): Buffer {
  const pages: { address: number; data: Uint8Array }[] = [];
  for (const { address, bytes } of parts) {
    if (address % UF2_PAYLOAD_BYTES) throw new Error(`UF2 target 0x${address.toString(16)} is not on a 256-byte page`);
    for (let i = 0; i < bytes.length; i += UF2_PAYLOAD_BYTES) pages.push({ address: address + i, data: bytes.subarray(i, i + UF2_PAYLOAD_BYTES) });
  }
  const sorted = [...pages].sort((a, b) => a.address - b.address);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].address === sorted[i - 1].address) throw new Error(`UF2 parts overlap at 0x${sorted[i].address.toString(16)}`);
  }
  const out = Buffer.alloc(pages.length * UF2_BLOCK_BYTES);
  pages.forEach((page, n) => {
    const block = out.subarray(n * UF2_BLOCK_BYTES, (n + 1) * UF2_BLOCK_BYTES);
    block.writeUInt32LE(MAGIC_START0, 0);
    block.writeUInt32LE(MAGIC_START1, 4);
    block.writeUInt32LE(FLAG_FAMILY_ID_PRESENT, 8);
    block.writeUInt32LE(page.address, 12);
    block.writeUInt32LE(UF2_PAYLOAD_BYTES, 16);
    block.writeUInt32LE(n, 20);
    block.writeUInt32LE(pages.length, 24);
    block.writeUInt32LE(familyId, 28);
    block.set(page.data, 32); // a short last page: zeros after
    block.writeUInt32LE(MAGIC_END, UF2_BLOCK_BYTES - 4);
  });
  return out;
}

export interface Uf2Block {
  address: number;
  data: Buffer;
  familyId: number | null;
}

/** The blocks of a UF2 file, each checked (magics, size, numbering): an Error names the block and what is wrong. */
export function readUf2(file: Uint8Array): Uf2Block[] {
  const b = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (b.length === 0 || b.length % UF2_BLOCK_BYTES) throw new Error(`${b.length} bytes: not whole 512-byte UF2 blocks`);
  const count = b.length / UF2_BLOCK_BYTES;
  const blocks: Uf2Block[] = [];
  for (let n = 0; n < count; n++) {
    const block = b.subarray(n * UF2_BLOCK_BYTES, (n + 1) * UF2_BLOCK_BYTES);
    const at = `UF2 block ${n}`;
    if (block.readUInt32LE(0) !== MAGIC_START0 || block.readUInt32LE(4) !== MAGIC_START1 || block.readUInt32LE(UF2_BLOCK_BYTES - 4) !== MAGIC_END) {
      throw new Error(`${at}: bad magic`);
    }
    const flags = block.readUInt32LE(8), size = block.readUInt32LE(16);
    if (size > DATA_FIELD_BYTES) throw new Error(`${at}: payload of ${size} bytes (at most ${DATA_FIELD_BYTES})`);
    if (block.readUInt32LE(20) !== n || block.readUInt32LE(24) !== count) {
      throw new Error(`${at}: numbered ${block.readUInt32LE(20)} of ${block.readUInt32LE(24)} in a file of ${count} blocks`);
    }
    blocks.push({ address: block.readUInt32LE(12), data: Buffer.from(block.subarray(32, 32 + size)), familyId: flags & FLAG_FAMILY_ID_PRESENT ? block.readUInt32LE(28) : null });
  }
  return blocks;
}
