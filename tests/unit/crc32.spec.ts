import { crc32, crc32Update } from "../../assembly/lib/crc32";

function crcOf(s: string): u32 {
  const b = String.UTF8.encode(s);
  return crc32(changetype<usize>(b), b.byteLength);
}

describe("crc32", () => {
  it("is 0 for no bytes", () => {
    expect(crcOf("")).toBe(0);
  });

  it("matches the standard check value for \"123456789\"", () => {
    expect(crcOf("123456789")).toBe(0xcbf43926);
  });

  it("matches zlib.crc32 for text", () => {
    expect(crcOf("The quick brown fox jumps over the lazy dog")).toBe(0x414fa339);
  });

  it("matches zlib.crc32 for 1024 zero bytes", () => {
    const p = heap.alloc(1024);
    memory.fill(p, 0, 1024);
    expect(crc32(p, 1024)).toBe(0xefb5af2e);
    heap.free(p);
  });

  it("continues incrementally like zlib", () => {
    const a = String.UTF8.encode("hello");
    const b = String.UTF8.encode(" world");
    const c = crc32Update(crc32(changetype<usize>(a), a.byteLength), changetype<usize>(b), b.byteLength);
    expect(c).toBe(0x0d4a1185);
    expect(c).toBe(crcOf("hello world"));
  });
});
