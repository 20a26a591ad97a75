// AssemblyScript transform: T("text") → a static [u16 length][ASCII bytes]
// segment in the data section. AssemblyScript stores string literals as UTF-16
// objects with a 20-byte header; the device backs only 16 KiB of linear memory,
// so the core keeps its fixed texts (JSON keys, log lines, metric help) compact.
// Only ASCII is accepted, so a text's length in bytes is its length in chars.
import { Transform } from "assemblyscript/dist/transform.js";
import * as as from "assemblyscript";

const { Node, NodeKind, LiteralKind } = as;

function byteLiteral(value, range) {
  return Node.createIntegerLiteralExpression(globalThis.i64_new(value, 0), range);
}

function compactText(text, range) {
  const bytes = [text.length & 0xff, text.length >> 8];
  for (let i = 0; i < text.length; i++) bytes.push(text.charCodeAt(i));
  const memoryData = Node.createPropertyAccessExpression(
    Node.createIdentifierExpression("memory", range),
    Node.createIdentifierExpression("data", range),
    range,
  );
  const u8 = Node.createNamedType(Node.createSimpleTypeName("u8", range), null, false, range);
  return Node.createCallExpression(
    memoryData,
    [u8],
    [Node.createArrayLiteralExpression(bytes.map((b) => byteLiteral(b, range)), range), byteLiteral(1, range)],
    range,
  );
}

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

export default class CompactText extends Transform {
  afterParse(parser) {
    const seen = new Set();
    const errors = [];
    let replaced = 0;
    const visit = (value) => {
      if (value === null || typeof value !== "object" || seen.has(value)) return;
      seen.add(value);
      const keys = Array.isArray(value) ? value.keys() : Object.keys(value);
      for (const key of keys) {
        if (key === "range" || key === "parent") continue;
        const child = value[key];
        if (child !== null && typeof child === "object" && typeof child.kind === "number" && isTextCall(child)) {
          const text = child.args[0].value;
          if (!/^[\x00-\x7f]*$/.test(text) || text.length > 0xffff) {
            errors.push(`${child.range.source.normalizedPath}: T() takes ASCII text under 64 KiB: ${JSON.stringify(text.slice(0, 40))}`);
            continue;
          }
          value[key] = compactText(text, child.range);
          replaced++;
        } else {
          visit(child);
        }
      }
    };
    for (const source of parser.sources) {
      if (source.normalizedPath.startsWith("~lib/")) continue;
      visit(source.statements);
    }
    if (errors.length) throw new Error(errors.join("\n"));
    if (process.env.COMPACT_TEXT_DEBUG) console.log(`compact-text: ${replaced} texts`);
  }
}
