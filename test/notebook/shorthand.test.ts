import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as ts from "typescript";
import { expandShorthandProperties, originalPosition } from "../../src/notebook/shorthand";

describe("expandShorthandProperties (the kernel's fix for tslab's shorthand bug)", () => {
  it("expands shorthand properties of object literals", () => {
    const { code } = expandShorthandProperties(ts, 'const clean = await wb.step("clean", { raw, p }, ({ raw }) => raw);');
    assert.equal(code, 'const clean = await wb.step("clean", { raw: raw, p: p }, ({ raw }) => raw);');
  });

  it("keeps destructuring in parameters and declarations as written", () => {
    const src = "const { a, b } = obj;\nfunction f({ x, y = 2 }: any) { return x + y; }";
    assert.equal(expandShorthandProperties(ts, src).code, src);
  });

  it("expands destructuring assignments equivalently", () => {
    assert.equal(expandShorthandProperties(ts, "({ a, b = 1 } = obj);").code, "({ a: a, b: b = 1 } = obj);");
  });

  it("leaves type literals and strings alone", () => {
    const src = 'type T = { a: number };\nconst s = "{ a }";';
    assert.equal(expandShorthandProperties(ts, src).code, src);
  });

  it("maps positions in the rewritten cell back to the cell as written", () => {
    const src = "f({ a });\nconst x: number = 'no';";
    const { code, insertions } = expandShorthandProperties(ts, src);
    const rewrittenOffset = code.indexOf("'no'");
    const original = originalPosition({ offset: rewrittenOffset, line: 1, character: 18 }, insertions);
    assert.equal(original.offset, src.indexOf("'no'"));
    assert.equal(original.character, 18, "other lines keep their columns");
    const sameLine = originalPosition({ offset: code.indexOf(")"), line: 0, character: code.indexOf(")") }, insertions);
    assert.equal(sameLine.character, src.indexOf(")"));
  });
});
