// AssemblyScript transform: T("text") → a constant handle into the module's
// read-only texts. Every literal (ASCII, deduplicated) is appended to one byte
// string that afterCompile stores as the custom section "pico.rodata"; the call
// becomes the integer (offset << LEN_BITS) | length. Hosts copy the bytes out
// with rodata_read, so the texts take no linear memory (the device backs only
// 16 KiB of it). assembly/lib/text.ts decodes the handle; keep both in step.
import { Transform } from "assemblyscript/dist/transform.js";
import * as as from "assemblyscript";

const { Node, NodeKind, LiteralKind } = as;

export const SECTION = "pico.rodata";
const LEN_BITS = 12;
const TEXT_MAX = 128; // lib/text.ts TEXT_MAX: the size of its scratch buffer
const OFFSET_LIMIT = 2 ** (32 - LEN_BITS);

function isTextCall(node) {
  return (
    node.kind === NodeKind.Call &&
    node.expression.kind === NodeKind.Identifier &&
    node.expression.text === "T" &&
    node.args.length === 1 &&
    node.args[0].kind === NodeKind.Literal &&
    node.args[0].literalKind === LiteralKind.String
  );
}

/** The texts in first-use order, each stored once: lib/text.ts compares texts by handle and relies on it. */
class TextTable {
  constructor() {
    this.offsets = new Map();
    this.bytes = [];
  }
  handle(text) {
    let offset = this.offsets.get(text);
    if (offset === undefined) {
      offset = this.bytes.length;
      this.offsets.set(text, offset);
      for (let i = 0; i < text.length; i++) this.bytes.push(text.charCodeAt(i));
    }
    return offset * 2 ** LEN_BITS + text.length;
  }
}

export default class CompactText extends Transform {
  afterParse(parser) {
    this.table = new TextTable();
    const seen = new Set();
    const errors = [];
    const visit = (value) => {
      if (value === null || typeof value !== "object" || seen.has(value)) return;
      seen.add(value);
      const keys = Array.isArray(value) ? value.keys() : Object.keys(value);
      for (const key of keys) {
        if (key === "range" || key === "parent") continue;
        const child = value[key];
        if (child !== null && typeof child === "object" && typeof child.kind === "number" && isTextCall(child)) {
          const text = child.args[0].value;
          if (!/^[\x00-\x7f]*$/.test(text) || text.length > TEXT_MAX) {
            errors.push(`${child.range.source.normalizedPath}: T() takes ASCII text of at most ${TEXT_MAX} bytes: ${JSON.stringify(text.slice(0, 40))}`);
            continue;
          }
          const handle = this.table.handle(text);
          value[key] = Node.createIntegerLiteralExpression(globalThis.i64_new(handle >>> 0, 0), child.range);
        } else {
          visit(child);
        }
      }
    };
    for (const source of parser.sources) {
      if (source.normalizedPath.startsWith("~lib/")) continue;
      visit(source.statements);
    }
    if (this.table.bytes.length >= OFFSET_LIMIT) errors.push(`texts total ${this.table.bytes.length} bytes; handles address at most ${OFFSET_LIMIT}`);
    if (errors.length) throw new Error(errors.join("\n"));
  }

  afterCompile(module) {
    module.addCustomSection(SECTION, Uint8Array.from(this.table.bytes));
    if (process.env.COMPACT_TEXT_DEBUG) console.log(`compact-text: ${this.table.offsets.size} texts, ${this.table.bytes.length} bytes in ${SECTION}`);
  }
}
