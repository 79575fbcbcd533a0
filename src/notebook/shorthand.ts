import type * as TS from "typescript";

/** One insertion made into a cell's source: where, and how many characters. */
export interface Insertion {
  offset: number;
  line: number;
  character: number;
  length: number;
}

/**
 * Rewrites every shorthand property of an object literal, `{ raw }`, into
 * its long form, `{ raw: raw }`, which means exactly the same thing.
 *
 * Why: tslab 1.0 compiles a variable of an earlier cell to `exports.raw`, but
 * forgets to do so inside a shorthand property, so `wb.step("clean", { raw },
 * ...)` fails with "raw is not defined". Named inputs written that way are
 * the heart of pipelab's step API, so the kernel expands them before tslab
 * sees the cell. Destructuring patterns (`({ a } = b)`, `{ a = 1 }`) are
 * expanded the same way, which is equally exact.
 */
export function expandShorthandProperties(ts: typeof TS, source: string): { code: string; insertions: Insertion[] } {
  if (!source.includes("{")) return { code: source, insertions: [] };
  const file = ts.createSourceFile("cell.ts", source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TSX);
  const found: { at: number; text: string }[] = [];
  const visit = (node: TS.Node): void => {
    if (ts.isShorthandPropertyAssignment(node)) found.push({ at: node.name.end, text: `: ${node.name.text}` });
    ts.forEachChild(node, visit);
  };
  visit(file);
  if (found.length === 0) return { code: source, insertions: [] };
  found.sort((a, b) => a.at - b.at);
  let code = "";
  let last = 0;
  const insertions: Insertion[] = [];
  for (const { at, text } of found) {
    code += source.slice(last, at) + text;
    last = at;
    const { line, character } = file.getLineAndCharacterOfPosition(at);
    insertions.push({ offset: at, line, character, length: text.length });
  }
  code += source.slice(last);
  return { code, insertions };
}

/** A position in the rewritten source, mapped back to the cell as the user wrote it. */
export function originalPosition<P extends { offset: number; line: number; character: number }>(pos: P, insertions: readonly Insertion[]): P {
  let shiftOffset = 0;
  let shiftChar = 0;
  let seen = 0;
  for (const ins of insertions) {
    // Offsets of `pos` are in the rewritten text; walk the insertions in order.
    const insertedAt = ins.offset + seen;
    if (pos.offset < insertedAt + ins.length) break;
    shiftOffset += ins.length;
    if (ins.line === pos.line) shiftChar += ins.length;
    seen += ins.length;
  }
  return { ...pos, offset: pos.offset - shiftOffset, character: pos.character - shiftChar };
}
