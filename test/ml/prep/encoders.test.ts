import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DataFrame } from "danfojs-node";
import { LabelEncoder, OneHotEncoder } from "../../../src/ml/prep";
import { assertClose, assertDataError, col, completePenguins, fixture, rowsOf } from "./fixtures";

interface Penguins {
  oneHotEncoder: { columns: string[]; categories: string[][]; names: string[]; transformed: number[][] };
  oneHotEncoderDropFirst: { names: string[]; transformed: number[][] };
  labelEncoder: { classes: string[]; codes: number[] };
}
const fx = fixture<Penguins>("penguins");

describe("OneHotEncoder", () => {
  const penguins = completePenguins();

  it("matches scikit-learn on the penguins: sorted categories, one float32 column each, named column=category", () => {
    const enc = new OneHotEncoder({ columns: fx.oneHotEncoder.columns });
    const out = enc.fitTransform(penguins);
    assert.deepEqual(fx.oneHotEncoder.columns.map((c) => enc.categories[c]), fx.oneHotEncoder.categories);
    assert.deepEqual(enc.outputNames, fx.oneHotEncoder.names);
    assertClose(rowsOf(out, fx.oneHotEncoder.names), fx.oneHotEncoder.transformed);
    for (const name of fx.oneHotEncoder.names) assert.equal(out.dtypes[out.columns.indexOf(name)], "float32");
  });

  it("replaces each column in place by its category columns", () => {
    const out = new OneHotEncoder({ columns: ["Island"] }).fitTransform(penguins);
    assert.deepEqual(out.columns, [
      "Species",
      "Island=Biscoe",
      "Island=Dream",
      "Island=Torgersen",
      "Beak Length (mm)",
      "Beak Depth (mm)",
      "Flipper Length (mm)",
      "Body Mass (g)",
      "Sex",
    ]);
    assert.deepEqual(out.index, penguins.index);
  });

  it("drops the first category of each column with drop: first", () => {
    const enc = new OneHotEncoder({ columns: fx.oneHotEncoder.columns, drop: "first" });
    const out = enc.fitTransform(penguins);
    assert.deepEqual(enc.outputNames, fx.oneHotEncoderDropFirst.names);
    assertClose(rowsOf(out, fx.oneHotEncoderDropFirst.names), fx.oneHotEncoderDropFirst.transformed);
  });

  it("encodes an unseen category as all zeros by default, or refuses it with handleUnknown: error", () => {
    const train = new DataFrame({ c: ["b", "a", "b"] });
    const test = new DataFrame({ c: ["a", "z", "b"] });
    const out = new OneHotEncoder({ columns: ["c"] }).fit(train).transform(test);
    assert.deepEqual(rowsOf(out, ["c=a", "c=b"]), [[1, 0], [0, 0], [0, 1]]);
    const strict = new OneHotEncoder({ columns: ["c"], handleUnknown: "error" }).fit(train);
    assertDataError(() => strict.transform(test), /OneHotEncoder: the column "c" holds the category "z" at row 1, unseen at fit \(known: "a", "b"\)/);
  });

  it("sorts numbers numerically and names their columns by their text", () => {
    const out = new OneHotEncoder({ columns: ["n"] }).fitTransform(new DataFrame({ n: [10, 2, 1.5, 2] }));
    assert.deepEqual(out.columns, ["n=1.5", "n=2", "n=10"]);
    assert.deepEqual(rowsOf(out, out.columns), [[0, 0, 1], [0, 1, 0], [1, 0, 0], [0, 1, 0]]);
  });

  it("refuses a missing value and points to SimpleImputer", () => {
    assertDataError(() => new OneHotEncoder({ columns: ["c"] }).fit(new DataFrame({ c: ["a", null, "b"] })), /"c" has a missing value \(null\) at row 1.*SimpleImputer/);
  });
});

describe("LabelEncoder", () => {
  const penguins = completePenguins();

  it("matches scikit-learn on the penguins' species: codes in sorted order of the classes", () => {
    const enc = new LabelEncoder({ column: "Species" });
    const out = enc.fitTransform(penguins);
    assert.deepEqual(enc.classes, fx.labelEncoder.classes);
    assert.deepEqual(col(out, "Species"), fx.labelEncoder.codes);
    assert.equal(out.dtypes[out.columns.indexOf("Species")], "float32");
    assert.deepEqual(out.columns, penguins.columns);
  });

  it("turns codes back into labels, from an array, a typed array or a Series", () => {
    const enc = new LabelEncoder({ column: "y" }).fit(new DataFrame({ y: ["dog", "cat", "bird", "cat"] }));
    assert.deepEqual(enc.classes, ["bird", "cat", "dog"]);
    assert.deepEqual(enc.inverseTransform([2, 0, 1]), ["dog", "bird", "cat"]);
    assert.deepEqual(enc.inverseTransform(Int32Array.from([1, 1])), ["cat", "cat"]);
    const coded = enc.transform(new DataFrame({ y: ["cat", "dog"] }));
    assert.deepEqual(enc.inverseTransform(coded.column("y")), ["cat", "dog"]);
    assertDataError(() => enc.inverseTransform([3]), /code 0 is 3; codes are whole numbers from 0 to 2/);
    assertDataError(() => enc.inverseTransform([0.5]), /code 0 is 0.5/);
  });

  it("names an unseen label", () => {
    const enc = new LabelEncoder({ column: "y" }).fit(new DataFrame({ y: ["a", "b"] }));
    assertDataError(() => enc.transform(new DataFrame({ y: ["a", "c"] })), /LabelEncoder: the label "c" of "y" at row 1 was not seen at fit \(classes: "a", "b"\)/);
  });
});
