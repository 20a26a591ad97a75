// CRC-32 as in IEEE 802.3 / zlib / PNG (reflected polynomial 0xedb88320).
// A 16-entry nibble table (64 bytes of static data) instead of the usual 1 KB one:
// two lookups per byte.

const TABLE: usize = memory.data<u32>([
  0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c,
  0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c, 0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
]);

/** Continues a CRC over more bytes, zlib-style: crc32Update(crc32(a), b) == crc32(a + b). */
export function crc32Update(crc: u32, ptr: usize, len: i32): u32 {
  let c = ~crc;
  for (let i = 0; i < len; i++) {
    c ^= <u32>load<u8>(ptr + <usize>i);
    c = (c >>> 4) ^ load<u32>(TABLE + ((<usize>c & 15) << 2));
    c = (c >>> 4) ^ load<u32>(TABLE + ((<usize>c & 15) << 2));
  }
  return ~c;
}

export function crc32(ptr: usize, len: i32): u32 {
  return crc32Update(0, ptr, len);
}
