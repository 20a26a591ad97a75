import { Out } from "../../assembly/lib/out";
import { JsonWriter } from "../../assembly/json/writer";

const out = new Out(512);
const w = new JsonWriter(out);

function render(fn: (w: JsonWriter) => void): string {
  out.beginBuffer();
  w.reset();
  fn(w);
  return out.stage.toString();
}

describe("JsonWriter", () => {
  it("places commas between members and elements at every depth", () => {
    const s = render((w: JsonWriter): void => {
      w.beginObject().kStr("a", "x").key("b").beginArray().num(1).num(-2).beginObject().endObject().endArray().kBool("c", true).key("d").nul().endObject();
    });
    expect(s).toBe('{"a":"x","b":[1,-2,{}],"c":true,"d":null}');
  });

  it("escapes quotes, backslashes and control characters", () => {
    const s = render((w: JsonWriter): void => {
      w.str('say "hi"\\ \n\t\r' + String.fromCharCode(1) + String.fromCharCode(0x7f));
    });
    expect(s).toBe('"say \\"hi\\"\\\\ \\n\\t\\r\\u0001\\u007f"');
  });

  it("writes fixed-point decimals", () => {
    const s = render((w: JsonWriter): void => {
      w.beginArray().decimal(12345, 3).decimal(-5, 2).decimal(7, 0).endArray();
    });
    expect(s).toBe("[12.345,-0.05,7]");
  });

  it("counts exactly the bytes it writes, so Content-Length matches", () => {
    out.beginCount();
    w.reset();
    w.beginObject().kStr("k", 'v"\n').kNum("n", 1234567890123).endObject();
    const counted = out.count;
    const s = render((w: JsonWriter): void => {
      w.beginObject().kStr("k", 'v"\n').kNum("n", 1234567890123).endObject();
    });
    expect(counted).toBe(s.length);
  });
});

describe("Out", () => {
  it("fails instead of truncating silently when the stage overflows without a sink", () => {
    const small = new Out(4);
    small.beginBuffer();
    small.ascii("12345");
    expect(small.failed).toBe(true);
    expect(small.count).toBe(5);
  });

  it("writes zero-padded and signed decimals", () => {
    out.beginBuffer();
    out.decPadded(42, 6);
    out.byte(0x20);
    out.decSigned(-9);
    out.byte(0x20);
    out.hex32(0xdeadbeef);
    expect(out.stage.toString()).toBe("000042 -9 deadbeef");
  });
});
