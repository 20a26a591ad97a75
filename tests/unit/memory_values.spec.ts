import { Out } from "../../assembly/lib/out";
import { MemoryValuesParser, REGION_SIZE } from "../../assembly/region/memory_values";

const p = new MemoryValuesParser();
const out = new Out(256);

/** Feeds s as the value, byte by byte; returns finish(). */
function parse(s: string): bool {
  p.reset();
  for (let i = 0; i < s.length; i++) p.byte(<u8>s.charCodeAt(i));
  return p.finish();
}

function message(): string {
  out.beginBuffer();
  p.writeError(out);
  return out.stage.toString();
}

/** Parses s expecting a rejection; returns the message. */
function reject(s: string): string {
  expect(parse(s)).toBe(false, s);
  expect(p.ok).toBe(false);
  return message();
}

function nonZero(): i32 {
  let n = 0;
  for (let i = 0; i < REGION_SIZE; i++) if (p.staging.at(i) != 0) n++;
  return n;
}

describe("memory_values: valid values", () => {
  it("treats an empty or blank value as no bytes set", () => {
    expect(parse("")).toBe(true);
    expect(p.entries).toBe(0);
    expect(nonZero()).toBe(0);
    expect(parse(" \t  ")).toBe(true);
    expect(p.entries).toBe(0);
    expect(p.staging.len).toBe(REGION_SIZE);
  });

  it("accepts line ends as blanks, as a YAML block scalar writes the value", () => {
    expect(parse("0=0x42,\n1=0x43\n")).toBe(true);
    expect(p.entries).toBe(2);
    expect(p.staging.at(1)).toBe(0x43);
    expect(parse("5 =\r\n 6\r\n")).toBe(true);
    expect(p.staging.at(5)).toBe(6);
    expect(parse("1=2\n3")).toBe(false);
  });

  it("sets the listed bytes and leaves every other byte zero", () => {
    expect(parse("0=0x42,1=0x43")).toBe(true);
    expect(p.ok).toBe(true);
    expect(p.entries).toBe(2);
    expect(p.staging.at(0)).toBe(0x42);
    expect(p.staging.at(1)).toBe(0x43);
    expect(nonZero()).toBe(2);
    expect(p.errorEntry).toBe(0);
    expect(message()).toBe("");
  });

  it("allows spaces and tabs around entries and '=', and mixes hex and decimal in either case", () => {
    expect(parse(" \t5 \t= \t0x1F\t , 0X3FF=0XfF ,7=9,0x10 = 200 ")).toBe(true);
    expect(p.entries).toBe(4);
    expect(p.staging.at(5)).toBe(0x1f);
    expect(p.staging.at(1023)).toBe(0xff);
    expect(p.staging.at(7)).toBe(9);
    expect(p.staging.at(16)).toBe(200);
    expect(nonZero()).toBe(4);
  });

  it("reads digits without 0x as decimal, leading zeros included", () => {
    expect(parse("10=10,007=010")).toBe(true);
    expect(p.staging.at(10)).toBe(10);
    expect(p.staging.at(7)).toBe(10);
    expect(p.staging.at(8)).toBe(0);
  });

  it("accepts the maximum offset and value in both bases", () => {
    expect(parse("1023=255")).toBe(true);
    expect(p.staging.at(1023)).toBe(255);
    expect(parse("0x3FF=0xff")).toBe(true);
    expect(p.staging.at(1023)).toBe(255);
    expect(parse("0=0x0,0x0001=0")).toBe(true);
    expect(nonZero()).toBe(0);
  });

  it("accepts numbers of exactly 8 digits", () => {
    expect(parse("00001023=00000255,0x000003fe=0x000000AB")).toBe(true);
    expect(p.staging.at(1023)).toBe(255);
    expect(p.staging.at(1022)).toBe(0xab);
  });

  it("takes a 1024-entry value covering the whole region", () => {
    p.reset();
    for (let i = 0; i < REGION_SIZE; i++) {
      const s = (i > 0 ? "," : "") + (i & 1 ? "0x" + i.toString(16) : i.toString()) + "=" + ((i * 7 + 1) & 255).toString();
      for (let k = 0; k < s.length; k++) p.byte(<u8>s.charCodeAt(k));
    }
    expect(p.finish()).toBe(true);
    expect(p.entries).toBe(1024);
    let bad = 0;
    for (let i = 0; i < REGION_SIZE; i++) if (p.staging.at(i) != <u8>((i * 7 + 1) & 255)) bad++;
    expect(bad).toBe(0);
  });

  it("starts from zeros again after reset", () => {
    expect(parse("3=3")).toBe(true);
    expect(parse("4=4")).toBe(true);
    expect(p.staging.at(3)).toBe(0);
    expect(p.staging.at(4)).toBe(4);
    // An offset set by the previous value is not a duplicate in this one.
    expect(parse("4=5")).toBe(true);
  });
});

describe("memory_values: rejections", () => {
  it("rejects empty entries: doubled, leading and trailing commas, blank between commas", () => {
    expect(reject("5=1,,6=2")).toBe('entry 2 "": empty entry');
    expect(reject(",5=1")).toBe('entry 1 "": empty entry');
    expect(reject("5=1,")).toBe('entry 2 "": empty entry');
    expect(reject("5=1, \t ,6=2")).toBe('entry 2 "": empty entry');
    expect(reject(",")).toBe('entry 1 "": empty entry');
  });

  it("rejects a missing offset", () => {
    expect(reject("=5")).toBe('entry 1 "=5": missing offset before \'=\'');
  });

  it("rejects an offset that is not a number", () => {
    expect(reject("1=1, a=5")).toBe('entry 2 "a=5": offset is not a number');
    expect(reject("-1=5")).toBe('entry 1 "-1=5": offset is not a number');
  });

  it("rejects 0x without hex digits", () => {
    expect(reject("0x=5")).toBe('entry 1 "0x=5": offset has no hex digits after 0x');
    expect(reject("5=0x")).toBe('entry 1 "5=0x": value has no hex digits after 0x');
    expect(reject("5=0xg")).toBe('entry 1 "5=0xg": value has no hex digits after 0x');
  });

  it("rejects numbers with more than 8 digits", () => {
    expect(reject("000000001=1")).toBe('entry 1 "000000001=1": offset has more than 8 digits');
    expect(reject("1=0x000000001")).toBe('entry 1 "1=0x000000001": value has more than 8 digits');
  });

  it("rejects an offset out of range, echoing it as written", () => {
    expect(reject("0=1,1=2,2048=0x10")).toBe('entry 3 "2048=0x10": offset 2048 out of range 0..1023 (0x000..0x3ff)');
    expect(reject("0x0400=1")).toBe('entry 1 "0x0400=1": offset 0x400 out of range 0..1023 (0x000..0x3ff)');
    expect(reject("1024=1")).toBe('entry 1 "1024=1": offset 1024 out of range 0..1023 (0x000..0x3ff)');
    expect(reject("99999999")).toBe('entry 1 "99999999": offset 99999999 out of range 0..1023 (0x000..0x3ff)');
  });

  it("rejects a value out of range, echoing it as written", () => {
    expect(reject("5=0x100")).toBe('entry 1 "5=0x100": value 0x100 out of range 0..255 (0x00..0xff)');
    expect(reject("5=256")).toBe('entry 1 "5=256": value 256 out of range 0..255 (0x00..0xff)');
    expect(reject("5=0xFFFFFFFF")).toBe('entry 1 "5=0xFFFFFFFF": value 0xffffffff out of range 0..255 (0x00..0xff)');
  });

  it("rejects a duplicate offset, naming the value already set", () => {
    expect(reject("5=0x42,6=1,0x5=2")).toBe('entry 3 "0x5=2": duplicate offset 0x5 (already set to 0x42 by an earlier entry)');
    expect(reject("1023=7, 1023=7")).toBe('entry 2 "1023=7": duplicate offset 1023 (already set to 0x07 by an earlier entry)');
  });

  it("rejects an offset not followed by '='", () => {
    expect(reject("5 6=1")).toBe('entry 1 "5 6=1": expected \'=\' after offset');
    expect(reject("5:1")).toBe('entry 1 "5:1": expected \'=\' after offset');
    expect(reject("1=1,5")).toBe('entry 2 "5": expected \'=\' after offset');
    expect(reject("5 ,6=1")).toBe('entry 1 "5": expected \'=\' after offset');
    expect(reject("12a=1")).toBe('entry 1 "12a=1": expected \'=\' after offset');
  });

  it("rejects a missing value", () => {
    expect(reject("5=")).toBe('entry 1 "5=": missing value');
    expect(reject("5= \t,6=1")).toBe('entry 1 "5=": missing value');
  });

  it("rejects a value that is not a number", () => {
    expect(reject("5=x")).toBe('entry 1 "5=x": value is not a number');
    expect(reject("5=-1")).toBe('entry 1 "5=-1": value is not a number');
    expect(reject("5=ff")).toBe('entry 1 "5=ff": value is not a number');
  });

  it("rejects trailing characters after a value", () => {
    expect(reject("5=1 2")).toBe('entry 1 "5=1 2": trailing characters after value');
    expect(reject("5=1=2")).toBe('entry 1 "5=1=2": trailing characters after value');
    expect(reject("5=12a,6=1")).toBe('entry 1 "5=12a": trailing characters after value');
    expect(reject("5=0x1g")).toBe('entry 1 "5=0x1g": trailing characters after value');
  });

  it("quotes the entry trimmed, cut at 32 bytes with ...", () => {
    // 9 + 36 = 45 bytes after trimming: the first 32 are shown.
    expect(reject("1=2,   5  =   1 yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy   ,6=1")).toBe('entry 2 "5  =   1 yyyyyyyyyyyyyyyyyyyyyyy...": trailing characters after value');
    // Exactly 32 bytes: no ...
    expect(reject("5=1 zzzzzzzzzzzzzzzzzzzzzzzzzzzz")).toBe('entry 1 "5=1 zzzzzzzzzzzzzzzzzzzzzzzzzzzz": trailing characters after value');
  });

  it("shows quotes, backslashes and non-printable bytes safely", () => {
    const s = "5=1" + String.fromCharCode(1) + String.fromCharCode(0xe9) + '"\\';
    expect(reject(s)).toBe('entry 1 "5=1\\x01\\xe9\\"\\\\": trailing characters after value');
  });

  it("reports the first problem and ignores everything after the offending entry", () => {
    expect(reject("x=1,5=2,y")).toBe('entry 1 "x=1": offset is not a number');
    expect(p.staging.at(5)).toBe(0);
    expect(p.entries).toBe(0);
  });

  it("rejects the whole value after many valid entries", () => {
    p.reset();
    for (let i = 0; i < 1000; i++) {
      const s = i.toString() + "=1,";
      for (let k = 0; k < s.length; k++) p.byte(<u8>s.charCodeAt(k));
    }
    const bad = "1000=256";
    for (let k = 0; k < bad.length; k++) p.byte(<u8>bad.charCodeAt(k));
    expect(p.finish()).toBe(false);
    expect(p.ok).toBe(false);
    expect(p.entries).toBe(1000);
    expect(p.errorEntry).toBe(1001);
    expect(message()).toBe('entry 1001 "1000=256": value 256 out of range 0..255 (0x00..0xff)');
    // A second finish() does not turn it valid.
    expect(p.finish()).toBe(false);
  });
});
