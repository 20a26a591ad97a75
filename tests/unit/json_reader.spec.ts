import { T, Text, textLen } from "../../assembly/lib/text";
import { ByteBuf } from "../../assembly/lib/bytes";
import {
  JsonHandler,
  JsonReader,
  JSON_STRING,
  JSON_NUMBER,
  JSON_TRUE,
  JSON_FALSE,
  JSON_NULL,
  JSON_KEY_CAP,
  JSON_KEY_LEVELS,
} from "../../assembly/json/reader";
import {
  CM,
  CM_REORDERED,
  CM_ESCAPED,
  CM_LIST,
  CM_LIST_EMPTY,
  WATCH,
  WATCH_OBJECT_FIRST,
  STATUS_404,
  STATUS_409,
  LEASE,
  NODE,
} from "./fixtures_json";

// ---- helpers (tests may allocate) ----

/** Resets r, feeds s (split into two feeds at `split` unless -1), then finish(). */
function parse(r: JsonReader, s: string, split: i32 = -1): bool {
  const buf = String.UTF8.encode(s);
  const p = changetype<usize>(buf);
  const n = buf.byteLength;
  r.reset();
  if (split < 0) {
    r.feed(p, n);
  } else {
    r.feed(p, split);
    r.feed(p + <usize>split, n - split);
  }
  return r.finish();
}

function parseBytewise(r: JsonReader, s: string): bool {
  const buf = String.UTF8.encode(s);
  const p = changetype<usize>(buf);
  r.reset();
  for (let i = 0, n = buf.byteLength; i < n; i++) r.feed(p + <usize>i, 1);
  return r.finish();
}

function byteLen(s: string): i32 {
  return String.UTF8.byteLength(s);
}

// Texts are compile-time literals (lib/text.ts), so the keys these tests need are listed here.
/** Keys l1..l7 of the Levels document: one more than JSON_KEY_LEVELS (6). */
const LEVEL_KEYS: StaticArray<Text> = [T("l1"), T("l2"), T("l3"), T("l4"), T("l5"), T("l6"), T("l7")];
/** "a" repeated JSON_KEY_CAP (32) times. */
const KEY_OF_CAP_BYTES: Text = T("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");

/** The reader's current path, e.g. ".items[0].metadata.name" ("?" for a key not stored). */
function pathOf(r: JsonReader): string {
  let s = "";
  for (let l = 1; l <= r.depth; l++) {
    if (r.isArrayAt(l)) {
      s += "[" + r.indexAt(l).toString() + "]";
    } else {
      const n = r.keyLenAt(l);
      s += "." + (n >= 0 ? String.UTF8.decodeUnsafe(r.keyPtrAt(l), <usize>n) : "?");
    }
  }
  return s;
}

function hexOf(b: ByteBuf): string {
  let s = "";
  for (let i = 0; i < b.len; i++) {
    const v = <u32>b.at(i);
    if (i > 0) s += " ";
    s += (v < 16 ? "0" : "") + v.toString(16);
  }
  return s;
}

const KIND_NAMES = ["?", "S", "N", "T", "F", "Z"];

/** Writes every event as a line: the transcript the reader produced. */
class Recorder extends JsonHandler {
  log: string = "";
  hex: string[] = [];
  scalar(r: JsonReader, kind: i32): void {
    this.log += pathOf(r) + "=" + KIND_NAMES[kind] + r.value.toString() + (r.value.overflow ? "+" : "") + "\n";
    this.hex.push(hexOf(r.value));
  }
  enter(r: JsonReader, isArray: bool): void {
    this.log += pathOf(r) + (isArray ? " [" : " {") + "\n";
  }
  leave(r: JsonReader, isArray: bool): void {
    this.log += pathOf(r) + (isArray ? " ]" : " }") + "\n";
  }
  documentEnd(r: JsonReader): void {
    this.log += "#" + r.documents.toString() + "\n";
  }
  clear(): void {
    this.log = "";
    this.hex = [];
  }
}

/** Hashes every event with its full path and value, allocation-free, to compare feeds cheaply. */
class Hasher extends JsonHandler {
  h: u32 = 2166136261;
  events: i32 = 0;
  streamed: i32 = 0;

  private mix(v: u32): void {
    this.h = (this.h ^ (v & 0xff)) * 16777619;
  }
  private mix32(v: u32): void {
    this.mix(v);
    this.mix(v >> 8);
    this.mix(v >> 16);
    this.mix(v >> 24);
  }
  private mixPath(r: JsonReader): void {
    this.events++;
    this.mix32(r.depth);
    for (let l = 1; l <= r.depth; l++) {
      if (r.isArrayAt(l)) {
        this.mix(0x5b);
        this.mix32(r.indexAt(l));
      } else {
        const n = r.keyLenAt(l);
        this.mix32(n);
        for (let i = 0; i < n; i++) this.mix(load<u8>(r.keyPtrAt(l) + <usize>i));
      }
    }
  }
  stringRun(r: JsonReader, ptr: usize, len: i32): void {
    // Per byte: where runs split depends on the feeds, the bytes must not.
    for (let i = 0; i < len; i++) {
      this.streamed++;
      this.mix(0x53);
      this.mix(load<u8>(ptr + <usize>i));
    }
  }
  scalar(r: JsonReader, kind: i32): void {
    this.mix(1);
    this.mixPath(r);
    this.mix(kind);
    this.mix32(r.value.len);
    this.mix(r.value.overflow ? 1 : 0);
    for (let i = 0; i < r.value.len; i++) this.mix(r.value.at(i));
  }
  enter(r: JsonReader, isArray: bool): void {
    this.mix(2);
    this.mix(isArray ? 1 : 0);
    this.mixPath(r);
  }
  leave(r: JsonReader, isArray: bool): void {
    this.mix(3);
    this.mix(isArray ? 1 : 0);
    this.mixPath(r);
  }
  documentEnd(r: JsonReader): void {
    this.mix(4);
    this.mix32(r.documents);
  }
  clearHash(): void {
    this.h = 2166136261;
    this.events = 0;
    this.streamed = 0;
  }
}

/**
 * Pulls fields the way the node's handlers do (at1/at2/keyIs/indexAt), and
 * summarises each document as one line. Works for a bare object and for a
 * watch event (the object under "object").
 */
class K8s extends Hasher {
  streamMemory: bool = false;
  streamBuf: ByteBuf = ByteBuf.create(2048);
  streamedScalarEmpty: bool = true;
  docs: string[] = [];

  type: string = "";
  kind: string = "";
  name: string = "";
  uid: string = "";
  rv: string = "";
  memory: string = "";
  memoryHex: string = "";
  reason: string = "";
  code: i64 = 0;
  detailsName: string = "";
  initialEventsEnd: string = "";
  items: i32 = 0;
  item0Name: string = "";
  item0Rv: string = "";
  item0Memory: string = "";
  holder: string = "";
  durationSeconds: i64 = 0;
  renewTime: string = "";
  ownerUid: string = "";
  taint0: string = "";
  kubeletPort: i64 = 0;

  private base(r: JsonReader): i32 {
    return r.keyIs(1, T("object")) ? 1 : 0;
  }
  private obj1(r: JsonReader, k1: Text): bool {
    const b = this.base(r);
    return r.depth == b + 1 && r.keyIs(b + 1, k1);
  }
  private obj2(r: JsonReader, k1: Text, k2: Text): bool {
    const b = this.base(r);
    return r.depth == b + 2 && r.keyIs(b + 1, k1) && r.keyIs(b + 2, k2);
  }
  private obj3(r: JsonReader, k1: Text, k2: Text, k3: Text): bool {
    const b = this.base(r);
    return r.depth == b + 3 && r.keyIs(b + 1, k1) && r.keyIs(b + 2, k2) && r.keyIs(b + 3, k3);
  }
  private item0(r: JsonReader, k1: Text, k2: Text): bool {
    return r.depth == 4 && r.keyIs(1, T("items")) && r.indexAt(2) == 0 && r.keyIs(3, k1) && r.keyIs(4, k2);
  }

  wantsStream(r: JsonReader): bool {
    if (this.streamMemory && this.obj2(r, T("data"), T("memory_values"))) {
      this.streamBuf.clear();
      return true;
    }
    return false;
  }
  stringRun(r: JsonReader, ptr: usize, len: i32): void {
    super.stringRun(r, ptr, len);
    this.streamBuf.append(ptr, len);
  }
  scalar(r: JsonReader, kind: i32): void {
    super.scalar(r, kind);
    const v = r.value.toString();
    if (r.at1(T("type"))) this.type = v;
    else if (this.obj1(r, T("kind"))) this.kind = v;
    else if (this.obj1(r, T("reason"))) this.reason = v;
    else if (this.obj1(r, T("code")) && kind == JSON_NUMBER) this.code = r.intValue();
    else if (this.obj2(r, T("metadata"), T("name"))) this.name = v;
    else if (this.obj2(r, T("metadata"), T("uid"))) this.uid = v;
    else if (this.obj2(r, T("metadata"), T("resourceVersion"))) this.rv = v;
    else if (this.obj2(r, T("details"), T("name"))) this.detailsName = v;
    else if (this.obj2(r, T("data"), T("memory_values"))) {
      if (this.streamMemory) {
        this.streamedScalarEmpty = this.streamedScalarEmpty && r.value.len == 0;
        this.memory = this.streamBuf.toString();
        this.memoryHex = hexOf(this.streamBuf);
      } else {
        this.memory = v;
        this.memoryHex = hexOf(r.value);
      }
    } else if (this.obj3(r, T("metadata"), T("annotations"), T("k8s.io/initial-events-end"))) this.initialEventsEnd = v;
    else if (this.obj2(r, T("spec"), T("holderIdentity"))) this.holder = v;
    else if (this.obj2(r, T("spec"), T("leaseDurationSeconds"))) this.durationSeconds = r.intValue();
    else if (this.obj2(r, T("spec"), T("renewTime"))) this.renewTime = v;
    else if (r.depth == 4 && r.keyIs(1, T("metadata")) && r.keyIs(2, T("ownerReferences")) && r.indexAt(3) == 0 && r.keyIs(4, T("uid")))
      this.ownerUid = v;
    else if (r.depth == 4 && r.keyIs(1, T("spec")) && r.keyIs(2, T("taints")) && r.indexAt(3) == 0 && r.keyIs(4, T("key")))
      this.taint0 = v;
    else if (r.depth == 4 && r.keyIs(1, T("status")) && r.keyIs(2, T("daemonEndpoints")) && r.keyIs(3, T("kubeletEndpoint")) && r.keyIs(4, T("Port")))
      this.kubeletPort = r.intValue();
    else if (this.item0(r, T("metadata"), T("name"))) this.item0Name = v;
    else if (this.item0(r, T("metadata"), T("resourceVersion"))) this.item0Rv = v;
    else if (this.item0(r, T("data"), T("memory_values"))) this.item0Memory = v;
  }
  enter(r: JsonReader, isArray: bool): void {
    super.enter(r, isArray);
    if (!isArray && r.depth == 2 && r.keyIs(1, T("items")) && r.indexAt(2) >= 0) this.items++;
  }
  documentEnd(r: JsonReader): void {
    super.documentEnd(r);
    let s = "";
    if (this.type != "") s += "type=" + this.type + " ";
    s += "kind=" + this.kind + " rv=" + this.rv;
    if (this.name != "") s += " name=" + this.name;
    if (this.uid != "") s += " uid=" + this.uid;
    if (this.memoryHex != "") s += " mem=" + this.memoryHex;
    if (this.code != 0) s += " code=" + this.code.toString() + " reason=" + this.reason;
    if (this.initialEventsEnd != "") s += " initial-events-end=" + this.initialEventsEnd;
    if (this.items != 0) s += " items=" + this.items.toString() + " item0=" + this.item0Name + "@" + this.item0Rv;
    this.docs.push(s);
  }
  clearAll(): void {
    this.clearHash();
    this.docs = [];
    this.streamedScalarEmpty = true;
    this.type = "";
    this.kind = "";
    this.name = "";
    this.uid = "";
    this.rv = "";
    this.memory = "";
    this.memoryHex = "";
    this.reason = "";
    this.code = 0;
    this.detailsName = "";
    this.initialEventsEnd = "";
    this.items = 0;
    this.item0Name = "";
    this.item0Rv = "";
    this.item0Memory = "";
    this.holder = "";
    this.durationSeconds = 0;
    this.renewTime = "";
    this.ownerUid = "";
    this.taint0 = "";
    this.kubeletPort = 0;
  }
  summary(): string {
    return this.docs.join("\n");
  }
}

function run(s: string, stream: bool = false, valueCap: i32 = 256): K8s {
  const h = new K8s();
  h.streamMemory = stream;
  const r = new JsonReader(h, valueCap);
  expect(parse(r, s)).toBe(true);
  expect(r.failed).toBe(false);
  return h;
}

/**
 * Parses s whole, then split in two at every byte offset, then byte by byte:
 * every run must yield the same event hash and the same extracted fields.
 * Returns the first split that differed (-1: none; len+1: byte-by-byte).
 */
function firstDifferingSplit(s: string, stream: bool): i32 {
  const h = new K8s();
  h.streamMemory = stream;
  const r = new JsonReader(h);
  if (!parse(r, s)) return -2;
  const hash = h.h;
  const events = h.events;
  const sum = h.summary();
  const docs = r.documents;
  const n = byteLen(s);
  for (let k = 0; k <= n; k++) {
    h.clearAll();
    const ok = parse(r, s, k);
    if (!ok || h.h != hash || h.events != events || r.documents != docs || h.summary() != sum) return k;
  }
  h.clearAll();
  const ok = parseBytewise(r, s);
  if (!ok || h.h != hash || h.events != events || r.documents != docs || h.summary() != sum) return n + 1;
  return -1;
}

/** Asserts s fails with reason at offset, whole, at every split and byte by byte. */
function expectError(s: string, reason: string, offset: i64): void {
  const r = new JsonReader(new JsonHandler());
  expect(parse(r, s)).toBe(false);
  expect(r.failed).toBe(true);
  expect(r.errorReasonString()).toBe(reason);
  expect(r.errorOffset).toBe(offset);
  const n = byteLen(s);
  let bad = -1;
  for (let k = 0; k <= n && bad < 0; k++) {
    if (parse(r, s, k) || r.errorReasonString() != reason || r.errorOffset != offset) bad = k;
  }
  if (bad < 0 && (parseBytewise(r, s) || r.errorReasonString() != reason || r.errorOffset != offset)) bad = n + 1;
  expect(bad).toBe(-1);
}

const CM_UID = "0c5bd6f1-2a7e-4f3b-9d61-8e4a7c2b1f90";
const NODE_UID = "3f9c2d7e-51a8-4b6e-8c0d-7a1e2f4b6c93";
const MEMORY = "0=0x42, 1=67, 0x3ff=0xFF";

// ---- handlers for single tests ----

class Probe extends JsonHandler {
  tenOk: bool = false;
  xOk: bool = false;
  enterAOk: bool = false;
  at3Ok: bool = false;
  scalar(r: JsonReader, kind: i32): void {
    if (kind == JSON_NUMBER) {
      this.tenOk =
        r.depth == 3 && r.keyIs(1, T("a")) && r.keyIs(2, T("b")) && r.indexAt(3) == 0 && r.indexAt(1) == -1 &&
        !r.keyIs(3, T("b")) && !r.keyIs(4, T("c")) && r.intValue() == 10 && r.value.equalsAscii(T("10"));
    } else if (kind == JSON_STRING) {
      this.xOk =
        r.depth == 4 && r.indexAt(3) == 1 && r.keyIs(4, T("c")) && !r.keyIs(4, T("d")) && r.value.equalsAscii(T("x")) &&
        !r.at3(T("a"), T("b"), T("c"));
    }
  }
  enter(r: JsonReader, isArray: bool): void {
    if (r.depth == 1) this.enterAOk = !isArray && r.keyIs(1, T("a")) && r.at1(T("a"));
    if (r.depth == 2) this.at3Ok = isArray && r.at2(T("a"), T("b")) && !r.at1(T("a"));
  }
}

class Kinds extends JsonHandler {
  kinds: i32[] = [];
  scalar(r: JsonReader, kind: i32): void {
    this.kinds.push(kind);
    if (kind != JSON_STRING && kind != JSON_NUMBER) this.kinds.push(r.value.len);
  }
}

/** A real key of exactly JSON_KEY_CAP bytes (a Node label) and a real longer one (a ConfigMap annotation). */
const CAP_KEY: Text = T("node.kubernetes.io/instance-type");
const LONG_KEY: Text = T("kubectl.kubernetes.io/last-applied-configuration");
/** LONG_KEY's first 32 bytes: what a truncating reader would have kept. */
const LONG_KEY_PREFIX: Text = T("kubectl.kubernetes.io/last-appli");

class Keys extends JsonHandler {
  instanceType: string = "";
  lastApplied: string = "";
  lastAppliedPrefix: string = "";
  longKeySeen: i32 = 0;
  scalar(r: JsonReader, kind: i32): void {
    if (r.at3(T("metadata"), T("labels"), CAP_KEY)) this.instanceType = r.value.toString();
    // metadata.annotations.<48-byte key>: a level whose key is kept, but this key is too long.
    if (r.depth == 3 && r.keyIs(1, T("metadata")) && r.keyIs(2, T("annotations")) && r.keyLenAt(3) < 0) this.longKeySeen++;
    if (r.at3(T("metadata"), T("annotations"), LONG_KEY)) this.lastApplied = r.value.toString();
    if (r.at3(T("metadata"), T("annotations"), LONG_KEY_PREFIX)) this.lastAppliedPrefix = r.value.toString();
  }
}

class Events extends JsonHandler {
  lines: string[] = [];
  type: string = "";
  rv: string = "";
  code: i64 = 0;
  reason: string = "";
  scalar(r: JsonReader, kind: i32): void {
    if (r.at1(T("type"))) this.type = r.value.toString();
    else if (r.at3(T("object"), T("metadata"), T("resourceVersion"))) this.rv = r.value.toString();
    else if (r.at2(T("object"), T("code"))) this.code = r.intValue();
    else if (r.at2(T("object"), T("reason"))) this.reason = r.value.toString();
  }
  documentEnd(r: JsonReader): void {
    this.lines.push(this.type + " " + this.rv + " " + this.code.toString() + " " + this.reason);
    this.type = "";
    this.rv = "";
    this.code = 0;
    this.reason = "";
  }
}

class Long extends JsonHandler {
  seen: string[] = [];
  scalar(r: JsonReader, kind: i32): void {
    this.seen.push(r.keyLenAt(1).toString() + (r.keyIs(1, T("k")) ? "k" : "-"));
  }
}

class IsCap extends JsonHandler {
  key: Text = KEY_OF_CAP_BYTES;
  hit: bool = false;
  scalar(r: JsonReader, kind: i32): void {
    if (r.keyIs(1, this.key)) this.hit = true;
  }
}

class Ints extends JsonHandler {
  ints: i64[] = [];
  isInt: bool[] = [];
  scalar(r: JsonReader, kind: i32): void {
    this.ints.push(r.intValue());
    this.isInt.push(r.isInteger());
  }
}

class Deep extends JsonHandler {
  depth: i32 = 0;
  index: i32 = 0;
  isArr: bool = false;
  scalar(r: JsonReader, kind: i32): void {
    this.depth = r.depth;
    this.index = r.indexAt(64);
    this.isArr = r.isArrayAt(64);
  }
}

/** For JSON_KEY_LEVELS + 1 nested objects with keys l1, l2, ... and an array inside the last. */
class Levels extends JsonHandler {
  ok: bool = false;
  scalar(r: JsonReader, kind: i32): void {
    const L = JSON_KEY_LEVELS;
    let ok = r.depth == L + 2;
    // Every level up to JSON_KEY_LEVELS keeps its key...
    for (let l = 1; l <= L; l++) {
      const key = "l" + l.toString();
      ok = ok && r.keyIs(l, LEVEL_KEYS[l - 1]) && r.keyLenAt(l) == key.length;
    }
    // ...the next one is known by type only, and an array below it has no index.
    this.ok =
      ok && !r.keyIs(L + 1, LEVEL_KEYS[L]) && r.keyLenAt(L + 1) == -1 &&
      r.indexAt(L + 1) == -1 && !r.isArrayAt(L + 1) && r.isArrayAt(L + 2) && r.indexAt(L + 2) == -2 && r.value.equalsAscii(T("deep"));
  }
}

// ---- tests ----

describe("JsonReader paths", () => {
  it("reports depth, keys and array indices of every value and container", () => {
    const rec = new Recorder();
    const r = new JsonReader(rec);
    expect(parse(r, '{"a":{"b":[10,{"c":"x"}]}}')).toBe(true);
    expect(rec.log).toBe(
      " {\n" +
        ".a {\n" +
        ".a.b [\n" +
        ".a.b[0]=N10\n" +
        ".a.b[1] {\n" +
        ".a.b[1].c=Sx\n" +
        ".a.b[1] }\n" +
        ".a.b ]\n" +
        ".a }\n" +
        " }\n" +
        "#1\n",
    );
  });

  it("answers keyIs, indexAt and at1..at3 from inside the callbacks", () => {
    const p = new Probe();
    const r = new JsonReader(p);
    expect(parse(r, '{"a":{"b":[10,{"c":"x"}]}}')).toBe(true);
    expect(p.tenOk).toBe(true);
    expect(p.xOk).toBe(true);
    expect(p.enterAOk).toBe(true);
    expect(p.at3Ok).toBe(true);
  });

  it("reads several top-level values with or without whitespace between them", () => {
    const rec = new Recorder();
    const r = new JsonReader(rec);
    expect(parse(r, ' {"a":1}\r\n\t[true,false,null]{}"s" -1.5e+3 \n')).toBe(true);
    expect(r.documents).toBe(5);
    expect(rec.log).toBe(
      " {\n.a=N1\n }\n#1\n [\n[0]=T\n[1]=F\n[2]=Z\n ]\n#2\n {\n }\n#3\n=Ss\n#4\n=N-1.5e+3\n#5\n",
    );
  });

  it("completes a top-level number at finish(), and continues one across feeds", () => {
    const rec = new Recorder();
    const r = new JsonReader(rec);
    r.reset();
    const a = String.UTF8.encode("12");
    const b = String.UTF8.encode("34");
    expect(r.feed(changetype<usize>(a), 2)).toBe(true);
    expect(r.feed(changetype<usize>(b), 2)).toBe(true);
    expect(r.documents).toBe(0);
    expect(r.finish()).toBe(true);
    expect(r.documents).toBe(1);
    expect(rec.log).toBe("=N1234\n#1\n");
  });

  it("accepts empty and whitespace-only input", () => {
    const r = new JsonReader(new JsonHandler());
    expect(parse(r, "")).toBe(true);
    expect(parse(r, " \n\r\t ")).toBe(true);
    expect(r.documents).toBe(0);
  });

  it("reports the kinds of literals and empty containers", () => {
    const k = new Kinds();
    const r = new JsonReader(k);
    expect(parse(r, '[true,false,null,"",0,[],{}]')).toBe(true);
    expect(k.kinds).toStrictEqual([JSON_TRUE, 0, JSON_FALSE, 0, JSON_NULL, 0, JSON_STRING, JSON_NUMBER]);
  });

  it("can switch handlers between documents", () => {
    const a = new Recorder();
    const b = new Recorder();
    const r = new JsonReader(a);
    r.reset();
    const first = String.UTF8.encode('{"x":1}\n');
    const second = String.UTF8.encode('{"y":2}\n');
    r.feed(changetype<usize>(first), first.byteLength);
    r.handler = b;
    r.feed(changetype<usize>(second), second.byteLength);
    expect(r.finish()).toBe(true);
    expect(a.log).toBe(" {\n.x=N1\n }\n#1\n");
    expect(b.log).toBe(" {\n.y=N2\n }\n#2\n");
  });
});

describe("JsonReader on kube-apiserver responses", () => {
  it("extracts a ConfigMap's data.memory_values, resourceVersion and uid", () => {
    const h = run(CM);
    expect(h.kind).toBe("ConfigMap");
    expect(h.name).toBe("pico-memory");
    expect(h.uid).toBe(CM_UID);
    expect(h.rv).toBe("48213");
    // The copy inside last-applied-configuration (an escaped string) is not mistaken for it.
    expect(h.memory).toBe(MEMORY);
    expect(h.docs.length).toBe(1);
  });

  it("keeps a JSON_KEY_CAP-byte key but never matches a longer one", () => {
    expect(textLen(CAP_KEY)).toBe(JSON_KEY_CAP);
    expect(textLen(LONG_KEY_PREFIX)).toBe(JSON_KEY_CAP);
    expect(textLen(LONG_KEY)).toBeGreaterThan(JSON_KEY_CAP);
    const k = new Keys();
    const r = new JsonReader(k, 512);
    // A Node label whose key is exactly JSON_KEY_CAP bytes is kept and matched.
    expect(parse(r, NODE)).toBe(true);
    expect(k.instanceType).toBe("pico-w");
    // The ConfigMap's last-applied-configuration annotation key is longer: neither it nor its prefix matches.
    expect(parse(r, CM)).toBe(true);
    expect(k.longKeySeen).toBe(1);
    expect(k.lastApplied).toBe("");
    expect(k.lastAppliedPrefix).toBe("");
  });

  it("extracts the same fields whatever the key order", () => {
    const a = run(CM);
    const b = run(CM_REORDERED);
    expect(b.summary()).toBe(a.summary());
    expect(b.memory).toBe(MEMORY);
    expect(b.rv).toBe("48213");
    expect(b.uid).toBe(CM_UID);
    expect(b.name).toBe("pico-memory");
    expect(b.kind).toBe("ConfigMap");
  });

  it("decodes \\t and \\u escapes inside memory_values", () => {
    const h = run(CM_ESCAPED);
    expect(h.memory).toBe("0=0x42,\t1=67, 0x3ff=0xFF\n");
    expect(h.rv).toBe("48377");
  });

  it("streams memory_values to the handler, past the value capacity, byte by byte", () => {
    const h = new K8s();
    h.streamMemory = true;
    const r = new JsonReader(h, 8);
    expect(parseBytewise(r, CM)).toBe(true);
    expect(h.memory).toBe(MEMORY);
    expect(h.streamed).toBe(MEMORY.length);
    expect(h.streamedScalarEmpty).toBe(true);
    // Strings not streamed are still captured (truncated to the capacity of 8).
    expect(h.rv).toBe("48213");
    expect(h.name).toBe("pico-mem");
    h.clearAll();
    expect(parseBytewise(r, CM_ESCAPED)).toBe(true);
    expect(h.memory).toBe("0=0x42,\t1=67, 0x3ff=0xFF\n");
    expect(h.streamedScalarEmpty).toBe(true);
  });

  it("extracts a ConfigMapList's resourceVersion and items[0]", () => {
    const h = run(CM_LIST);
    expect(h.kind).toBe("ConfigMapList");
    expect(h.rv).toBe("48290");
    expect(h.items).toBe(1);
    expect(h.item0Name).toBe("pico-memory");
    expect(h.item0Rv).toBe("48213");
    expect(h.item0Memory).toBe(MEMORY);
    // Item fields are not taken for the list's own.
    expect(h.name).toBe("");
    expect(h.uid).toBe("");
  });

  it("sees an empty ConfigMapList", () => {
    const h = run(CM_LIST_EMPTY);
    expect(h.kind).toBe("ConfigMapList");
    expect(h.rv).toBe("48290");
    expect(h.items).toBe(0);
    expect(h.item0Name).toBe("");
  });

  it("reads a watch stream: ADDED, MODIFIED, BOOKMARK and an in-stream 410 ERROR", () => {
    const h = new K8s();
    const r = new JsonReader(h);
    expect(parse(r, WATCH)).toBe(true);
    expect(r.documents).toBe(4);
    expect(h.docs.length).toBe(4);
    // Fields persist between documents in K8s; each line shows what was known at its end.
    expect(h.docs[0]).toBe("type=ADDED kind=ConfigMap rv=48213 name=pico-memory uid=" + CM_UID + " mem=" + hexOf(bufOf(MEMORY)));
    expect(h.docs[1]).toBe("type=MODIFIED kind=ConfigMap rv=48377 name=pico-memory uid=" + CM_UID + " mem=" + hexOf(bufOf("0=0x43, 1=68")));
    expect(h.docs[2]).toBe(
      "type=BOOKMARK kind=ConfigMap rv=48390 name=pico-memory uid=" + CM_UID + " mem=" + hexOf(bufOf("0=0x43, 1=68")) + " initial-events-end=true",
    );
    expect(h.docs[3]).toBe(
      "type=ERROR kind=Status rv=48390 name=pico-memory uid=" + CM_UID + " mem=" + hexOf(bufOf("0=0x43, 1=68")) + " code=410 reason=Expired initial-events-end=true",
    );
  });

  it("reads each watch event's fields afresh", () => {
    const e = new Events();
    const r = new JsonReader(e);
    expect(parse(r, WATCH)).toBe(true);
    expect(e.lines).toStrictEqual(["ADDED 48213 0 ", "MODIFIED 48377 0 ", "BOOKMARK 48390 0 ", "ERROR  410 Expired"]);
  });

  it("reads a watch event whose object comes before its type", () => {
    const h = run(WATCH_OBJECT_FIRST);
    expect(h.docs[0]).toBe("type=MODIFIED kind=ConfigMap rv=48377 name=pico-memory uid=" + CM_UID + " mem=" + hexOf(bufOf("0=0x43")));
  });

  it("extracts code and reason from 404 and 409 Status bodies", () => {
    const a = run(STATUS_404);
    expect(a.kind).toBe("Status");
    expect(a.code).toBe(404);
    expect(a.reason).toBe("NotFound");
    expect(a.detailsName).toBe("pico-memory");
    const b = run(STATUS_409);
    expect(b.kind).toBe("Status");
    expect(b.code).toBe(409);
    expect(b.reason).toBe("Conflict");
    expect(b.detailsName).toBe("pico-1");
  });

  it("extracts a Lease's spec, owner and resourceVersion", () => {
    const h = run(LEASE);
    expect(h.kind).toBe("Lease");
    expect(h.rv).toBe("48555");
    expect(h.holder).toBe("pico-1");
    expect(h.durationSeconds).toBe(40);
    expect(h.renewTime).toBe("2025-09-14T10:30:01.123456Z");
    expect(h.ownerUid).toBe(NODE_UID);
    expect(h.uid).toBe("a84e0b1c-6d2f-4e97-b3a5-1c8d9e7f2a46");
  });

  it("extracts the uid of a Node returned by POST", () => {
    const h = run(NODE);
    expect(h.kind).toBe("Node");
    expect(h.name).toBe("pico-1");
    expect(h.uid).toBe(NODE_UID);
    expect(h.rv).toBe("48100");
    expect(h.taint0).toBe("node.kubernetes.io/not-ready");
    expect(h.kubeletPort).toBe(10250);
  });
});

function bufOf(s: string): ByteBuf {
  const b = ByteBuf.create(byteLen(s));
  const e = String.UTF8.encode(s);
  b.append(changetype<usize>(e), e.byteLength);
  return b;
}

describe("JsonReader chunking", () => {
  it("gives identical results for every split of a ConfigMap and byte by byte", () => {
    expect(firstDifferingSplit(CM, false)).toBe(-1);
    expect(firstDifferingSplit(CM_REORDERED, false)).toBe(-1);
  });

  it("gives identical results for every split of escaped memory_values, captured and streamed", () => {
    expect(firstDifferingSplit(CM_ESCAPED, false)).toBe(-1);
    expect(firstDifferingSplit(CM_ESCAPED, true)).toBe(-1);
    expect(firstDifferingSplit(CM, true)).toBe(-1);
  });

  it("gives identical results for every split of a watch stream", () => {
    expect(firstDifferingSplit(WATCH, false)).toBe(-1);
    expect(firstDifferingSplit(WATCH, true)).toBe(-1);
    expect(firstDifferingSplit(WATCH_OBJECT_FIRST, false)).toBe(-1);
  });

  it("gives identical results for every split of a list, Status, Lease and Node", () => {
    expect(firstDifferingSplit(CM_LIST, false)).toBe(-1);
    expect(firstDifferingSplit(CM_LIST_EMPTY, false)).toBe(-1);
    expect(firstDifferingSplit(STATUS_404, false)).toBe(-1);
    expect(firstDifferingSplit(STATUS_409, false)).toBe(-1);
    expect(firstDifferingSplit(LEASE, false)).toBe(-1);
    expect(firstDifferingSplit(NODE, false)).toBe(-1);
  });

  it("gives identical results for every split through escapes, surrogates, numbers and literals", () => {
    expect(firstDifferingSplit('[{"k\\u0065y":"\\ud83d\\ude00\\u00e9\\n"},-12.5e-3,true,false,null,0]\n[1]', false)).toBe(-1);
  });

  it("detects a difference (the split check can fail)", () => {
    // Sanity check of the harness: a different document gives a different hash.
    const h = new K8s();
    const r = new JsonReader(h);
    parse(r, CM);
    const a = h.h;
    h.clearAll();
    parse(r, CM_ESCAPED);
    expect(h.h).not.toBe(a);
  });
});

describe("JsonReader strings", () => {
  it("decodes every escape, with surrogate pairs as 4-byte UTF-8", () => {
    const rec = new Recorder();
    const r = new JsonReader(rec);
    expect(parse(r, '["\\"\\\\\\/\\b\\f\\n\\r\\t","\\u00e9\\u20AC\\ud83d\\ude00\\u0000"]')).toBe(true);
    expect(rec.hex[0]).toBe("22 5c 2f 08 0c 0a 0d 09");
    expect(rec.hex[1]).toBe("c3 a9 e2 82 ac f0 9f 98 80 00");
  });

  it("turns lone surrogates into U+FFFD as Go does", () => {
    const rec = new Recorder();
    const r = new JsonReader(rec);
    expect(
      parse(r, '["\\ud83d","\\ud83dx","\\ude00","\\ud83d\\n","\\ud83d\\ud83d\\ude00","\\ud83d\\u0041","\\udbff\\udfff"]'),
    ).toBe(true);
    expect(rec.hex).toStrictEqual([
      "ef bf bd",
      "ef bf bd 78",
      "ef bf bd",
      "ef bf bd 0a",
      "ef bf bd f0 9f 98 80",
      "ef bf bd 41",
      "f4 8f bf bf",
    ]);
  });

  it("passes UTF-8 bytes through", () => {
    const rec = new Recorder();
    const r = new JsonReader(rec);
    expect(parse(r, '["é€😀\x7f"]')).toBe(true);
    expect(rec.hex[0]).toBe("c3 a9 e2 82 ac f0 9f 98 80 7f");
  });

  it("decodes escapes in keys", () => {
    const rec = new Recorder();
    const r = new JsonReader(rec);
    expect(parse(r, '{"a\\u0062c":1,"\\u006Bind":"x","q\\"\\/":2}')).toBe(true);
    expect(rec.log).toBe(' {\n.abc=N1\n.kind=Sx\n.q"/=N2\n }\n#1\n');
  });

  it("keeps the prefix of a value longer than its capacity and sets overflow", () => {
    const rec = new Recorder();
    const r = new JsonReader(rec, 8);
    expect(parse(r, '["abcdefghijkl","xy","12345678",123456789012,"abcdefg\\u00e9"]')).toBe(true);
    expect(rec.log.startsWith(" [\n[0]=Sabcdefgh+\n[1]=Sxy\n[2]=S12345678\n[3]=N12345678+\n[4]=")).toBe(true);
    expect(rec.log.endsWith("+\n ]\n#1\n")).toBe(true);
    // Decoded bytes count against the capacity: the prefix ends inside the UTF-8 of U+00E9.
    expect(rec.hex[4]).toBe("61 62 63 64 65 66 67 c3");
  });

  it("never matches a key longer than JSON_KEY_CAP bytes, even split across feeds", () => {
    const keyOver = "a".repeat(JSON_KEY_CAP + 1);
    const keyCap = "a".repeat(JSON_KEY_CAP);
    const l = new Long();
    const r = new JsonReader(l);
    const doc = '{"' + keyOver + '":1,"' + keyCap + '":2,"k":3,"' + keyCap + '\\u0062":4}';
    for (let k = 0; k <= doc.length; k++) {
      l.seen = [];
      expect(parse(r, doc, k)).toBe(true);
      expect(l.seen).toStrictEqual(["-1-", JSON_KEY_CAP.toString() + "-", "1k", "-1-"]);
    }
    expect(textLen(KEY_OF_CAP_BYTES)).toBe(JSON_KEY_CAP);
    const iCap = new IsCap();
    r.handler = iCap;
    expect(parse(r, '{"' + keyCap + '":0}')).toBe(true);
    expect(iCap.hit).toBe(true);
  });
});

describe("JsonReader numbers", () => {
  it("gives integers as i64 and tells integers from other numbers", () => {
    const h = new Ints();
    const r = new JsonReader(h);
    expect(
      parse(
        r,
        '[40,-12,0,-0,1.5,1e3,9223372036854775807,-9223372036854775808,9223372036854775808,-9223372036854775809,"48213",0.25E-2]',
      ),
    ).toBe(true);
    expect(h.ints).toStrictEqual([
      40,
      -12,
      0,
      0,
      1,
      1,
      i64.MAX_VALUE,
      i64.MIN_VALUE,
      i64.MAX_VALUE,
      i64.MIN_VALUE,
      48213,
      0,
    ]);
    expect(h.isInt).toStrictEqual([true, true, true, true, false, false, true, true, false, false, true, false]);
  });
});

describe("JsonReader nesting", () => {
  it("allows 64 levels and fails beyond", () => {
    const d = new Deep();
    const r = new JsonReader(d);
    expect(parse(r, "[".repeat(64) + "7" + "]".repeat(64))).toBe(true);
    expect(d.depth).toBe(64);
    expect(d.index).toBe(-2);
    expect(d.isArr).toBe(true);
    expectError("[".repeat(65) + "]".repeat(65), "nesting too deep", 64);
    expectError('{"a":'.repeat(65) + "1" + "}".repeat(65), "nesting too deep", 64 * 5);
  });

  it("tracks keys for JSON_KEY_LEVELS levels and deeper levels by type only", () => {
    expect(LEVEL_KEYS.length).toBe(JSON_KEY_LEVELS + 1);
    const h = new Levels();
    const r = new JsonReader(h);
    let doc = "";
    for (let l = 1; l <= JSON_KEY_LEVELS + 1; l++) doc += '{"l' + l.toString() + '":';
    doc += '["deep"]' + "}".repeat(JSON_KEY_LEVELS + 1);
    expect(parse(r, doc)).toBe(true);
    expect(h.ok).toBe(true);
  });
});

describe("JsonReader errors", () => {
  it("fails a document truncated at finish()", () => {
    expectError('{"kind":"ConfigMap","metadata":{"name":"pico-mem', "truncated", 48);
    expectError('{"a":', "truncated", 5);
    expectError("[tru", "truncated", 4);
    expectError('["\\u00', "truncated", 6);
    expectError("-", "truncated", 1);
    expectError("1e", "truncated", 2);
    // Cut inside the second event of a watch stream.
    expectError(WATCH.substring(0, 700), "truncated", 700);
  });

  it("fails a bad escape", () => {
    expectError('["\\x"]', "bad escape", 3);
    expectError('{"a\\ b":1}', "bad escape", 4);
    expectError('["\\u12g4"]', "bad \\u escape", 6);
  });

  it("fails a raw control character in a string", () => {
    expectError('{"a":"x\ny"}', "control character in string", 7);
    expectError('["\t"]', "control character in string", 2);
    expectError('{"\x01":1}', "control character in string", 2);
  });

  it("fails bad numbers", () => {
    expectError("[01]", "bad number", 2);
    expectError("01", "bad number", 1);
    expectError("[-01]", "bad number", 3);
    expectError("[1.]", "bad number", 3);
    expectError("[-]", "bad number", 2);
    expectError('{"a":1e}', "bad number", 7);
    expectError("[1e+]", "bad number", 4);
    expectError("[1.e3]", "bad number", 3);
    expectError("[--1]", "bad number", 2);
    expectError("[1.5.2]", "bad number", 4);
    expectError("[+1]", "expected value", 1);
    expectError("[.5]", "expected value", 1);
  });

  it("fails trailing commas", () => {
    expectError('{"a":1,}', "trailing comma", 7);
    expectError("[1,2,]", "trailing comma", 5);
    expectError('{"items":[{},]}', "trailing comma", 13);
  });

  it("fails a missing colon, comma or value", () => {
    expectError('{"a" 1}', "expected colon", 5);
    expectError('{"a",1}', "expected colon", 4);
    expectError('{"a":1 "b":2}', "expected , or }", 7);
    expectError("[1 2]", "expected , or ]", 3);
    expectError('{"a":}', "expected value", 5);
    expectError("[,1]", "expected value", 1);
  });

  it("fails unquoted keys and mismatched brackets", () => {
    expectError("{a:1}", "expected key", 1);
    expectError("{'a':1}", "expected key", 1);
    expectError("{]", "expected key", 1);
    expectError("[1}", "expected , or ]", 2);
    expectError('{"a":1]', "expected , or }", 6);
    expectError("[}", "expected value", 1);
  });

  it("fails bad literals", () => {
    expectError("[tru]", "bad literal", 4);
    expectError("[nul]", "bad literal", 4);
    expectError("[fals e]", "bad literal", 5);
    expectError("[True]", "expected value", 1);
    expectError("[trueX]", "expected , or ]", 5);
  });

  it("fails junk between documents", () => {
    expectError('{"type":"ADDED"}\nx', "junk between documents", 17);
    expectError('{"a":1},{"b":2}', "junk between documents", 7);
    expectError("{}]", "junk between documents", 2);
    expectError("x{}", "expected value", 0);
  });

  it("stays failed until reset, then reads a new stream", () => {
    const rec = new Recorder();
    const r = new JsonReader(rec);
    r.reset();
    const bad = String.UTF8.encode('{"a":tx');
    expect(r.feed(changetype<usize>(bad), bad.byteLength)).toBe(false);
    expect(r.errorReasonString()).toBe("bad literal");
    expect(r.errorOffset).toBe(6);
    const good = String.UTF8.encode('{"a":1}');
    expect(r.feed(changetype<usize>(good), good.byteLength)).toBe(false);
    expect(r.finish()).toBe(false);
    expect(r.errorReasonString()).toBe("bad literal");
    rec.clear();
    expect(parse(r, '{"a":1}')).toBe(true);
    expect(r.failed).toBe(false);
    expect(r.errorReasonString()).toBe("");
    expect(r.documents).toBe(1);
    expect(rec.log).toBe(" {\n.a=N1\n }\n#1\n");
  });

  it("reports the error offset in the stream, not in the chunk", () => {
    const r = new JsonReader(new JsonHandler());
    r.reset();
    const a = String.UTF8.encode('{"type":"ADDED"}\n');
    const b = String.UTF8.encode('{"type":"MODIFIED",}');
    expect(r.feed(changetype<usize>(a), a.byteLength)).toBe(true);
    expect(r.feed(changetype<usize>(b), b.byteLength)).toBe(false);
    expect(r.errorReasonString()).toBe("trailing comma");
    expect(r.errorOffset).toBe(17 + 19);
    expect(r.documents).toBe(1);
  });
});
