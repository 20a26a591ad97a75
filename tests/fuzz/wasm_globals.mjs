// Exports every mutable global of a wasm module under "__fuzz_global_N", so the
// harness can snapshot and restore a core exactly (linear memory + globals)
// instead of booting a fresh one per input. Only the export section changes:
// code, data and the custom sections are byte-for-byte the release build.

const SECTION_GLOBAL = 6;
const SECTION_EXPORT = 7;
const SECTION_IMPORT = 2;
const EXTERNAL_GLOBAL = 3;
export const GLOBAL_EXPORT_PREFIX = "__fuzz_global_";

function readU32(bytes, pos) {
  let result = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[pos++];
    result |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) return { value: result >>> 0, pos };
    shift += 7;
  }
}

function u32(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function sections(bytes) {
  const list = [];
  let pos = 8; // magic + version
  while (pos < bytes.length) {
    const id = bytes[pos];
    const size = readU32(bytes, pos + 1);
    list.push({ id, start: pos, bodyStart: size.pos, end: size.pos + size.value });
    pos = size.pos + size.value;
  }
  return list;
}

/** How many globals the module imports (they come first in the global index space). */
function importedGlobals(bytes, list) {
  const imp = list.find((s) => s.id === SECTION_IMPORT);
  if (!imp) return 0;
  let { value: count, pos } = readU32(bytes, imp.bodyStart);
  let globals = 0;
  for (let i = 0; i < count; i++) {
    for (let name = 0; name < 2; name++) {
      const len = readU32(bytes, pos);
      pos = len.pos + len.value;
    }
    const kind = bytes[pos++];
    if (kind === 0) pos = readU32(bytes, pos).pos; // function: type index
    else if (kind === 1) pos = skipLimits(bytes, pos + 1); // table: reftype, limits
    else if (kind === 2) pos = skipLimits(bytes, pos); // memory: limits
    else if (kind === EXTERNAL_GLOBAL) {
      pos += 2; // value type, mutability
      globals++;
    } else throw new Error(`unknown import kind ${kind}`);
  }
  return globals;
}

function skipLimits(bytes, pos) {
  const flags = bytes[pos++];
  pos = readU32(bytes, pos).pos;
  return flags & 1 ? readU32(bytes, pos).pos : pos;
}

/** Indices of the module's own mutable globals. */
function mutableGlobals(bytes, list) {
  const first = importedGlobals(bytes, list);
  const g = list.find((s) => s.id === SECTION_GLOBAL);
  if (!g) return [];
  let { value: count, pos } = readU32(bytes, g.bodyStart);
  const mutable = [];
  for (let i = 0; i < count; i++) {
    pos += 1; // value type
    if (bytes[pos++] === 1) mutable.push(first + i);
    // init expression: a constant, then `end` (0x0b)
    const op = bytes[pos++];
    if (op === 0x41 || op === 0x42) while (bytes[pos++] & 0x80);
    else if (op === 0x43) pos += 4;
    else if (op === 0x44) pos += 8;
    else if (op === 0x23) while (bytes[pos++] & 0x80);
    else throw new Error(`unexpected global initialiser opcode 0x${op.toString(16)}`);
    if (bytes[pos++] !== 0x0b) throw new Error("global initialiser is not one constant");
  }
  return mutable;
}

/** Returns { bytes, globals }: the module with its mutable globals exported, and their indices. */
export function exportMutableGlobals(original) {
  const bytes = new Uint8Array(original);
  const list = sections(bytes);
  const globals = mutableGlobals(bytes, list);
  const exp = list.find((s) => s.id === SECTION_EXPORT);
  if (!exp) throw new Error("module has no export section");
  const { value: count, pos: entriesStart } = readU32(bytes, exp.bodyStart);
  const added = [];
  for (const index of globals) {
    const name = Buffer.from(GLOBAL_EXPORT_PREFIX + index);
    added.push(...u32(name.length), ...name, EXTERNAL_GLOBAL, ...u32(index));
  }
  const body = [...u32(count + globals.length), ...bytes.subarray(entriesStart, exp.end), ...added];
  const section = [SECTION_EXPORT, ...u32(body.length), ...body];
  const out = new Uint8Array(exp.start + section.length + (bytes.length - exp.end));
  out.set(bytes.subarray(0, exp.start), 0);
  out.set(section, exp.start);
  out.set(bytes.subarray(exp.end), exp.start + section.length);
  return { bytes: out, globals };
}
