import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DataFrame } from "danfojs-node";
import { loadDataset } from "../../../src/data";
import {
  ColumnTransformer,
  LabelEncoder,
  MinMaxScaler,
  OneHotEncoder,
  SimpleImputer,
  StandardScaler,
  type Transformer,
  castColumns,
} from "../../../src/ml/prep";
import { assertDataError, col, completePenguins } from "./fixtures";

const df = new DataFrame({ x: [1, 2, 3], y: [4, 5, 7], c: ["a", "b", "a"] });

const every = (): [string, Transformer][] => [
  ["StandardScaler", new StandardScaler({ columns: ["x", "y"] })],
  ["MinMaxScaler", new MinMaxScaler({ columns: ["x", "y"] })],
  ["OneHotEncoder", new OneHotEncoder({ columns: ["c"] })],
  ["SimpleImputer", new SimpleImputer({ columns: ["x", "y"] })],
  ["LabelEncoder", new LabelEncoder({ column: "c" })],
  ["ColumnTransformer", new ColumnTransformer([["s", new StandardScaler({ columns: ["x"] })]])],
];

describe("strictness about columns", () => {
  it("refuses transform before fit, for every transformer", () => {
    for (const [kind, t] of every()) {
      assert.equal(t.fitted, false);
      assertDataError(() => t.transform(df), new RegExp(`^${kind} is not fitted yet: call fit\\(df\\) or fitTransform\\(df\\) before transform\\(df\\)`));
    }
  });

  it("names the missing fitted columns and the transformer", () => {
    for (const [kind, t] of every()) {
      t.fit(df);
      const lacking = t.columns.includes("x") ? df.drop({ columns: ["x"] }) : df.drop({ columns: ["c"] });
      const missing = t.columns.includes("x") ? "x" : "c";
      assertDataError(() => t.transform(lacking), new RegExp(`^${kind}.*lacks the (fitted )?column "${missing}"`));
    }
    const both = new StandardScaler({ columns: ["x", "y"] }).fit(df);
    assertDataError(() => both.transform(new DataFrame({ z: [1] })), /StandardScaler cannot transform: the frame lacks the fitted columns "x", "y"; it has "z"/);
  });

  it("names a fitted column whose dtype changed, and the transformer", () => {
    const scaler = new StandardScaler({ columns: ["x", "y"] }).fit(df);
    const asText = castColumns(df, { y: "string" });
    assertDataError(() => scaler.transform(asText), /StandardScaler cannot transform: "y" was int32 at fit and is string now; cast the column back with castColumns/);
    const enc = new OneHotEncoder({ columns: ["c"] }).fit(df);
    assertDataError(() => enc.transform(new DataFrame({ c: [1, 2] })), /OneHotEncoder cannot transform: "c" was string at fit and is int32 now/);
  });

  it("takes int32 and float32 as one numeric family: danfo infers either for the same column", () => {
    const scaler = new StandardScaler({ columns: ["x"] }).fit(new DataFrame({ x: [1.5, 2.5] }));
    // mean 2, std 0.5
    assert.deepEqual(col(scaler.transform(new DataFrame({ x: [1, 2] })), "x"), [-2, 0]);
  });

  it("refuses, in ColumnTransformer with passthrough, columns unseen at fit, and names them", () => {
    const ct = new ColumnTransformer([["s", new StandardScaler({ columns: ["x"] })]]).fit(df);
    const wider = new DataFrame({ x: [1], y: [2], c: ["a"], extra: [0], more: [1] });
    assertDataError(() => ct.transform(wider), /ColumnTransformer cannot transform: the columns "extra", "more" were not seen at fit and remainder is "passthrough"/);
    assertDataError(() => ct.transform(new DataFrame({ x: [1], c: ["a"] })), /ColumnTransformer cannot transform: the frame lacks the column "y" seen at fit/);
    const inStep = new ColumnTransformer([["s", new StandardScaler({ columns: ["x"] })]]).fit(df);
    assertDataError(() => inStep.transform(castColumns(df, { x: "string" })), /ColumnTransformer step "s" \(StandardScaler\) cannot transform: "x" was int32 at fit and is string now/);
  });

  it("refuses NaN or null in a column a scaler fits, naming it and suggesting SimpleImputer", () => {
    const raw = loadDataset("penguins");
    for (const Scaler of [StandardScaler, MinMaxScaler]) {
      assertDataError(
        () => new Scaler({ columns: ["Body Mass (g)"] }).fit(raw),
        /the column "Body Mass \(g\)" has a missing value \(null\) at row 3; fill missing values with SimpleImputer first/,
      );
      assertDataError(() => new Scaler({ columns: ["x"] }).fit(new DataFrame({ x: [1, Number.NaN] })), /"x" has a missing value \(NaN\) at row 1.*SimpleImputer/);
    }
    // At transform too: no silent NaN.
    const scaler = new StandardScaler({ columns: ["x"] }).fit(new DataFrame({ x: [1, 2] }));
    assertDataError(() => scaler.transform(new DataFrame({ x: [Number.NaN, 2] })), /"x" has a missing value \(NaN\) at row 0/);
  });

  it("refuses text in a scaled column and points to castColumns", () => {
    // danfo infers dtypes from the first rows: a late "n/a" hides in a float32 column.
    const values: (number | string)[] = Array.from({ length: 30 }, (_, i) => i);
    values[25] = "n/a";
    const sneaky = new DataFrame({ x: values });
    assert.equal(sneaky.dtypes[0], "int32");
    assertDataError(() => new StandardScaler({ columns: ["x"] }).fit(sneaky), /the column "x" holds "n\/a" at row 25, not a number; cast the column with castColumns/);
  });

  it("names the row by its index label when the index is not 0..n-1", () => {
    const labelled = new DataFrame({ x: [1, null] }, { index: ["first", "second"] });
    assertDataError(() => new StandardScaler({ columns: ["x"] }).fit(labelled), /at row 1 \(index label "second"\)/);
    // iloc keeps the original labels: the bird without measures (label 3) sits at position 1 here.
    const scaler = new StandardScaler({ columns: ["Body Mass (g)"] }).fit(completePenguins());
    const picked = loadDataset("penguins").iloc({ rows: [5, 3] });
    assertDataError(() => scaler.transform(picked), /"Body Mass \(g\)" has a missing value \(null\) at row 1 \(index label 3\)/);
  });

  it("refuses bad column lists", () => {
    assertDataError(() => new StandardScaler({ columns: [] }), /StandardScaler: columns is empty/);
    assertDataError(() => new StandardScaler({ columns: ["x", "x"] }), /the column "x" is listed twice/);
    assertDataError(() => new StandardScaler({ columns: "x" as unknown as string[] }), /columns must be an array of column names, got "x"/);
    assertDataError(() => new StandardScaler({ columns: ["nope"] }).fit(df), /StandardScaler.fit: the frame lacks the column "nope"; it has "x", "y", "c"/);
  });

  it("never changes the input frame", () => {
    const input = new DataFrame({ x: [1, null, 3], c: ["a", "b", null] });
    const before = JSON.stringify([input.getColumnData, input.dtypes, input.index]);
    new SimpleImputer({ columns: ["x"] }).fitTransform(input);
    new SimpleImputer({ columns: ["c"], strategy: "most_frequent" }).fitTransform(input);
    assert.equal(JSON.stringify([input.getColumnData, input.dtypes, input.index]), before);
  });
});

describe("refitting", () => {
  it("forgets the previous fit, also when the new fit fails", () => {
    const scaler = new StandardScaler({ columns: ["x"] }).fit(new DataFrame({ x: [1, 3] }));
    assert.equal(scaler.mean.x, 2);
    scaler.fit(new DataFrame({ x: [10, 30] }));
    assert.equal(scaler.mean.x, 20);
    assertDataError(() => scaler.fit(new DataFrame({ x: [1, null] })), /missing value/);
    assert.equal(scaler.fitted, false);
    assertDataError(() => scaler.transform(new DataFrame({ x: [1] })), /StandardScaler is not fitted yet/);
  });
});
