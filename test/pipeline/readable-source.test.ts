import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readableSource } from "../../src/pipeline";

describe("readableSource: a function's source as a person reads it", () => {
  it("prints a minified function (what tsx makes of a script's) one statement per line", () => {
    assert.equal(
      readableSource("function f({raw}){const y=raw.map(x=>x*2);if(y.length>2){return y}return []}"),
      ["function f({ raw }) {", "    const y = raw.map(x => x * 2);", "    if (y.length > 2) {", "        return y;", "    }", "    return [];", "}"].join("\n"),
    );
  });

  it("prints the same code written two ways the same way, so that a diff shows only what changed", () => {
    const notebook = "async ({ raw }) => {\n  const y = raw.map((x) => x * 2);\n  return y;\n}";
    const script = "async({raw})=>{const y=raw.map((x)=>x*2);return y}";
    assert.equal(readableSource(notebook), readableSource(script));
  });

  it("leaves an expression arrow, and a class, readable", () => {
    assert.equal(readableSource("({raw})=>raw.map(x=>x*2)"), "({ raw }) => raw.map(x => x * 2)");
    assert.match(readableSource("class A{m(){return 1}}"), /^class A \{\n {4}m\(\) \{\n {8}return 1;\n {4}\}\n\}$/);
  });

  it("gives back a source that is not one function expression as it is (a method's shorthand, or not code)", () => {
    assert.equal(readableSource("m(x){return x}"), "m(x){return x}");
    assert.equal(readableSource("not ) code"), "not ) code");
    assert.equal(readableSource("x => x; y => y"), "x => x; y => y");
  });
});
