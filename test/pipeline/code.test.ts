import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { transformSync } from "esbuild";
import { analyzeFunction, importsOfSource } from "../../src/pipeline";

/** A cell compiled the way tslab compiles it (TypeScript 5.0, CommonJS, earlier cells as `exports.x`). */
function viaTslab(prevCells: string, cell: string): string {
  const { createConverter } = require("tslab/dist/converter.js") as {
    createConverter(o: { isJS: boolean; isBrowser: boolean }): {
      convert(prev: string, src: string): { output?: string; declOutput?: string; diagnostics: { messageText: string }[] };
      close(): void;
    };
  };
  // tslab resolves imports from the working folder, where ./math is a real module.
  const cwd = process.cwd();
  process.chdir(join(__dirname, "..", "fixtures", "code"));
  const c = createConverter({ isJS: false, isBrowser: false });
  process.chdir(cwd);
  try {
    const first = c.convert("", prevCells);
    assert.deepEqual(first.diagnostics.map((d) => d.messageText), []);
    const second = c.convert(first.declOutput ?? "", cell);
    assert.deepEqual(second.diagnostics.map((d) => d.messageText), []);
    return second.output ?? "";
  } finally {
    c.close();
  }
}

/** The same code compiled the way tsx (esbuild) runs a script. */
function viaTsx(code: string): string {
  return transformSync(code, { loader: "ts", format: "cjs", keepNames: true, minifyWhitespace: true, target: "node20" }).code;
}

/** Evaluates compiled code and returns the step function it defines as `step`. */
function stepSource(compiled: string): string {
  const module = { exports: {} as Record<string, unknown> };
  const fakeRequire = () => new Proxy({}, { get: (_t, p) => (p === "__esModule" ? true : () => 0) });
  new Function("exports", "require", "module", compiled)(module.exports, fakeRequire, module);
  return String(module.exports.step);
}

const imports = { double: { specifier: "./math", imported: "double" }, dfd: { specifier: "danfojs-node", imported: "*" } };

describe("analyzeFunction: the canonical form of a step's code", () => {
  it("ignores formatting, comments, parentheses and semicolons", () => {
    const a = analyzeFunction("({ raw }) => raw.filter((r) => r.x > 1)", {});
    const b = analyzeFunction("( { raw } ) => {\n  // keep big ones\n  return raw.filter(r => (r.x > 1));\n}".replace("{\n  // keep big ones\n  return ", "").replace(";\n}", ""), {});
    assert.equal(a.hash, b.hash);
    const c = analyzeFunction("function f(a) { const b = a + 1; return b }", {});
    const d = analyzeFunction("function f(a) {\n  /* why */ const b = (a + 1);\n  return b;\n}", {});
    assert.equal(c.hash, d.hash);
  });

  it("changes with the code: operators, literals, names", () => {
    const base = analyzeFunction("({ x }) => x * 2", {}).hash;
    assert.notEqual(analyzeFunction("({ x }) => x * 3", {}).hash, base);
    assert.notEqual(analyzeFunction("({ x }) => x + 2", {}).hash, base);
    assert.notEqual(analyzeFunction('({ x }) => x * 2 + "a"', {}).hash, analyzeFunction('({ x }) => x * 2 + "b"', {}).hash);
    assert.notEqual(analyzeFunction("({ y }) => y * 2", {}).hash, base);
  });

  it("gives a notebook cell (tslab) and a script (tsx/esbuild) the same hash", () => {
    const helpers = 'import { double } from "./math";\nconst threshold = 3;\nfunction addOne(x: number) { return x + 1; }';
    const step = `const step = async ({ raw, p }: { raw: number[]; p: { k: number } }) => {
  function inner(v: number): number { return v + 1; }
  const g = (y: number) => y * 2;
  return { raw, n: raw.map((v) => double(v) + inner(v) + g(p.k) + addOne(threshold)), label: 'x' };
};`;
    const notebook = analyzeFunction(stepSource(viaTslab(helpers, step)), importsOfSource(helpers));
    const script = analyzeFunction(stepSource(viaTsx(`${helpers}\n${step}\nexport { step };`)), importsOfSource(helpers));
    assert.equal(notebook.hash, script.hash);
    assert.deepEqual(notebook.imports, script.imports);
    assert.deepEqual(notebook.freeNames, ["addOne", "threshold"]);
    assert.deepEqual(script.freeNames, ["addOne", "threshold"]);
  });

  it("finds the imports the code uses and the free names it reads", () => {
    const r = analyzeFunction(
      "async ({ raw }) => { const local = 1; const df = new dfd.DataFrame(raw); return exports.threshold + (0, math_1.double)(local) + Math.max(1, 2) + JSON.stringify(df) + exports.double(2); }",
      imports,
    );
    assert.deepEqual(Object.keys(r.imports).sort(), ["dfd", "double"]);
    assert.deepEqual(r.freeNames, ["threshold"]);
  });

  it("does not count declared names, parameters, catch bindings or property names as free", () => {
    const r = analyzeFunction(
      "function f({ a, b: [c, d] }, ...rest) { let e; try { e = a.x.y; } catch (err) { e = err; } for (const k of rest) e += k; class K { m() { return this; } } return { e, c, d, K, z: 1 }.z; }",
      {},
    );
    assert.deepEqual(r.freeNames, []);
  });
});

describe("importsOfSource", () => {
  it("maps local names to their modules, leaving type-only imports out", () => {
    const map = importsOfSource(
      'import fs from "node:fs";\nimport * as dfd from "danfojs-node";\nimport { a, b as c } from "./x";\nimport type { T } from "./t";\nimport { type U, v } from "./u";\nconst y = require("./y");',
    );
    assert.deepEqual(map, {
      fs: { specifier: "node:fs", imported: "default" },
      dfd: { specifier: "danfojs-node", imported: "*" },
      a: { specifier: "./x", imported: "a" },
      c: { specifier: "./x", imported: "b" },
      v: { specifier: "./u", imported: "v" },
      y: { specifier: "./y", imported: "*" },
    });
  });
});

describe("analyzeFunction: equivalent spellings", () => {
  it("treats { a } and { a: a } alike, in literals and in bindings", () => {
    assert.equal(analyzeFunction("({ a }) => ({ a })", {}).hash, analyzeFunction("({ a: a }) => ({ a: a })", {}).hash);
    // What a local is called changes nothing (compilers rename shadowing locals: esbuild writes `({ a: a2 }) => a2`).
    assert.equal(analyzeFunction("({ a }) => a", {}).hash, analyzeFunction("({ a: a2 }) => a2", {}).hash);
    assert.equal(analyzeFunction("function f(x) { const y = x + 1; return y; }", {}).hash, analyzeFunction("function f(x2) { const z = x2 + 1; return z; }", {}).hash);
    assert.notEqual(analyzeFunction("({ a }) => a", {}).hash, analyzeFunction("({ b }) => b", {}).hash, "the input a step reads does count");
  });
});
