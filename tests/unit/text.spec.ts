import { T, Text, textLen, textEquals, textToString } from "../../assembly/lib/text";
import { ByteBuf, asciiEquals, asciiEqualsNoCase } from "../../assembly/lib/bytes";
import { Out } from "../../assembly/lib/out";

// Texts are handles into the module's "pico.rodata" section, read through the
// host (here the as-pect config's rodata_read). These specs pin what every
// writer and comparer relies on.

const sink = ByteBuf.create(256);
let flushes = 0;

function collect(ctx: i32, ptr: usize, len: i32): bool {
  flushes++;
  return sink.append(ptr, len);
}

function bytesOf(s: string): ByteBuf {
  const e = String.UTF8.encode(s);
  const b = ByteBuf.create(e.byteLength);
  b.append(changetype<usize>(e), e.byteLength);
  return b;
}

const LONG: Text = T("application/strategic-merge-patch+json");

describe("texts", () => {
  it("keep their bytes and length outside linear memory", () => {
    expect(textLen(LONG)).toBe(38);
    expect(textToString(LONG)).toBe("application/strategic-merge-patch+json");
    expect(textLen(T(""))).toBe(0);
    expect(textToString(T(""))).toBe("");
  });

  it("are stored once: the same literal gives the same handle, different ones differ", () => {
    expect(T("Ready")).toBe(T("Ready"));
    expect(T("Ready")).not.toBe(T("ready"));
    expect(textEquals(T("Ready"), T("Ready"))).toBe(true);
    expect(textEquals(T("Ready"), T("Reads"))).toBe(false);
    expect(textEquals(T("Ready"), T("Read"))).toBe(false);
  });

  it("compare against received bytes exactly, or case-insensitively against a lower-case literal", () => {
    const b = bytesOf("Content-Length");
    expect(asciiEquals(b.ptr, b.len, T("Content-Length"))).toBe(true);
    expect(asciiEquals(b.ptr, b.len, T("content-length"))).toBe(false);
    expect(asciiEqualsNoCase(b.ptr, b.len, T("content-length"))).toBe(true);
    expect(asciiEqualsNoCase(b.ptr, b.len - 1, T("content-length"))).toBe(false);
  });

  it("append to a buffer up to its capacity and mark the overflow", () => {
    const b = ByteBuf.create(12);
    expect(b.appendAscii(T("application/"))).toBe(true);
    expect(b.overflow).toBe(false);
    const c = ByteBuf.create(10);
    expect(c.appendAscii(T("application/"))).toBe(false);
    expect(c.overflow).toBe(true);
    expect(c.toString()).toBe("applicatio");
  });

  it("stream through an Out whose stage is smaller than the text, in order and counted", () => {
    sink.clear();
    flushes = 0;
    const o = new Out(16);
    o.beginStream(collect, 0);
    o.ascii(T("ab"));
    o.ascii(LONG);
    o.ascii(T("!"));
    expect(o.flush()).toBe(true);
    expect(sink.toString()).toBe("ab" + "application/strategic-merge-patch+json" + "!");
    expect(o.count).toBe(41);
    expect(flushes).toBe(3);
  });

  it("count without reading when an Out only measures, and fail without a sink when the stage is full", () => {
    const o = new Out(8);
    o.beginCount();
    o.ascii(LONG);
    expect(o.count).toBe(38);
    o.beginBuffer();
    o.ascii(LONG);
    expect(o.failed).toBe(true);
    expect(o.stage.toString()).toBe("applicat");
  });
});
