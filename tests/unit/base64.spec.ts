import { base64Encode, Base64Decoder } from "../../assembly/lib/base64";
import { ByteBuf } from "../../assembly/lib/bytes";
import { Out } from "../../assembly/lib/out";

const out = new Out(256);
const decoded = ByteBuf.create(16);
const decoder = new Base64Decoder(decoded);

function encode(s: string): string {
  const b = String.UTF8.encode(s);
  out.beginBuffer();
  base64Encode(out, changetype<usize>(b), b.byteLength);
  return out.stage.toString();
}

/** Decodes s fed in runs of `run` bytes; null when the decoder refuses it. */
function decode(s: string, run: i32 = 1000): string | null {
  const b = String.UTF8.encode(s);
  decoder.reset();
  for (let i = 0; i < b.byteLength; i += run) {
    decoder.feed(changetype<usize>(b) + <usize>i, min(run, b.byteLength - i));
  }
  return decoder.finish() ? decoded.toString() : null;
}

describe("base64", () => {
  it("encodes RFC 4648's test vectors, padded", () => {
    expect(encode("")).toBe("");
    expect(encode("f")).toBe("Zg==");
    expect(encode("fo")).toBe("Zm8=");
    expect(encode("foo")).toBe("Zm9v");
    expect(encode("foob")).toBe("Zm9vYg==");
    expect(encode("fooba")).toBe("Zm9vYmE=");
    expect(encode("foobar")).toBe("Zm9vYmFy");
  });

  it("decodes them back, whatever runs the text arrives in", () => {
    expect(decode("Zm9vYmFy")).toBe("foobar");
    expect(decode("Zm9vYmE=", 1)).toBe("fooba");
    expect(decode("Zm9vYg==", 3)).toBe("foob");
    expect(decode("Zg==")).toBe("f");
  });

  it("refuses bad characters, missing or extra padding, data after padding and stray bits", () => {
    expect(decode("Zm9v*mFy")).toBeNull();
    expect(decode("Zm9vYg")).toBeNull();
    expect(decode("Zg===")).toBeNull();
    expect(decode("Zg==Zg==")).toBeNull();
    expect(decode("Zh==")).toBeNull(); // 'h' leaves non-zero bits after the byte
    expect(decode("Z")).toBeNull();
  });

  it("fails instead of truncating when the output does not fit", () => {
    expect(decode("MDEyMzQ1Njc4OWFiY2RlZg==")).toBe("0123456789abcdef");
    expect(decode("MDEyMzQ1Njc4OWFiY2RlZmc=")).toBeNull(); // 17 bytes into 16
  });
});
