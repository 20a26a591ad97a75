import { T } from "../../assembly/lib/text";
import { ByteBuf } from "../../assembly/lib/bytes";
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

/** A ByteBuf holding s's UTF-8 bytes, for strings built at run time (tests only: allocates). */
function bufOf(s: string): ByteBuf {
  const e = String.UTF8.encode(s);
  const b = ByteBuf.create(e.byteLength);
  b.append(changetype<usize>(e), e.byteLength);
  return b;
}

// Built at run time, so it goes through strBuf/strBytes; the same bytes as a literal go through str(Text).
const NEEDS_ESCAPES = bufOf('say "hi"\\ \n\t\r' + String.fromCharCode(1) + String.fromCharCode(0x7f));
const NEEDS_ESCAPES_JSON = '"say \\"hi\\"\\\\ \\n\\t\\r\\u0001\\u007f"';

function controlsAndUtf8(): string {
  let raw = "";
  for (let c = 0; c < 0x20; c++) raw += String.fromCharCode(c);
  return raw + "é€";
}
function controlsEscaped(): string {
  let want = '"';
  for (let c = 0; c < 0x20; c++) {
    if (c == 0x0a) want += "\\n";
    else if (c == 0x0d) want += "\\r";
    else if (c == 0x09) want += "\\t";
    else want += "\\u00" + (c < 16 ? "0" : "") + c.toString(16);
  }
  return want + 'é€"';
}
const CONTROLS = bufOf(controlsAndUtf8());
const CONTROLS_JSON = controlsEscaped();

describe("JsonWriter", () => {
  it("places commas between members and elements at every depth", () => {
    const s = render((w: JsonWriter): void => {
      w.beginObject().kStr(T("a"), T("x")).key(T("b")).beginArray().num(1).num(-2).beginObject().endObject().endArray().kBool(T("c"), true).key(T("d")).nul().endObject();
    });
    expect(s).toBe('{"a":"x","b":[1,-2,{}],"c":true,"d":null}');
  });

  it("escapes quotes, backslashes and control characters", () => {
    expect(NEEDS_ESCAPES.len).toBe(15);
    const s = render((w: JsonWriter): void => {
      w.strBuf(NEEDS_ESCAPES);
    });
    expect(s).toBe(NEEDS_ESCAPES_JSON);
    const b = render((w: JsonWriter): void => {
      w.strBytes(NEEDS_ESCAPES.ptr, NEEDS_ESCAPES.len);
    });
    expect(b).toBe(NEEDS_ESCAPES_JSON);
    const t = render((w: JsonWriter): void => {
      w.str(T('say "hi"\\ \n\t\r\x01\x7f'));
    });
    expect(t).toBe(NEEDS_ESCAPES_JSON);
  });

  it("escapes every control character U+0000..U+001F (RFC 8259 §7) and passes UTF-8 through", () => {
    expect(render((w: JsonWriter): void => {
      w.strBuf(CONTROLS);
    })).toBe(CONTROLS_JSON);
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
    w.beginObject().kStr(T("k"), T('v"\n')).kNum(T("n"), 1234567890123).kBuf(T("e"), NEEDS_ESCAPES).endObject();
    const counted = out.count;
    const s = render((w: JsonWriter): void => {
      w.beginObject().kStr(T("k"), T('v"\n')).kNum(T("n"), 1234567890123).kBuf(T("e"), NEEDS_ESCAPES).endObject();
    });
    expect(s).toBe('{"k":"v\\"\\n","n":1234567890123,"e":' + NEEDS_ESCAPES_JSON + "}");
    expect(counted).toBe(s.length);
  });
});

describe("Out", () => {
  it("fails instead of truncating silently when the stage overflows without a sink", () => {
    const small = new Out(4);
    small.beginBuffer();
    small.ascii(T("12345"));
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
