import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DataFrame } from "danfojs-node";
import { loadDataset } from "../../../src/data";
import { SimpleImputer } from "../../../src/ml/prep";
import { NUMERIC, assertClose, assertDataError, col, fixture, rowsOf } from "./fixtures";

interface Strategy {
  statistics: (number | string)[];
  transformed: (number | string)[] | number[][];
}
interface Penguins {
  simpleImputer: Record<"mean" | "median" | "most_frequent" | "constant" | "sex_most_frequent" | "sex_constant", Strategy> & { numericRows: number[]; sexRows: number[] };
}
interface Synthetic {
  mostFrequentTies: { values: (number | null)[]; statistic: number };
  mostFrequentStringTies: { values: (string | null)[]; statistic: string };
  medianEven: { values: (number | null)[]; statistic: number };
}
const fx = fixture<Penguins>("penguins").simpleImputer;
const synthetic = fixture<Synthetic>("synthetic");

describe("SimpleImputer", () => {
  const raw = loadDataset("penguins"); // 344 birds, some measures and sexes missing

  for (const strategy of ["mean", "median", "most_frequent", "constant"] as const) {
    it(`matches scikit-learn's ${strategy} on the penguins' measures`, () => {
      const imputer = new SimpleImputer({ columns: NUMERIC, strategy });
      const out = imputer.fitTransform(raw);
      assertClose(NUMERIC.map((c) => imputer.statistics[c]), fx[strategy].statistics);
      const rows = rowsOf(out, NUMERIC);
      assertClose(fx.numericRows.map((i) => rows[i]), fx[strategy].transformed);
      // Rows without a gap pass through unchanged.
      assert.deepEqual(rows[0], rowsOf(raw, NUMERIC)[0]);
      for (const c of NUMERIC) assert.equal(out.dtypes[out.columns.indexOf(c)], "float32");
    });
  }

  for (const strategy of ["most_frequent", "constant"] as const) {
    it(`matches scikit-learn's ${strategy} on the penguins' Sex, a string column`, () => {
      const imputer = new SimpleImputer({ columns: ["Sex"], strategy });
      const out = imputer.fitTransform(raw);
      const expected = fx[`sex_${strategy}`];
      assert.deepEqual([imputer.statistics.Sex], expected.statistics);
      const sex = col(out, "Sex");
      assert.deepEqual(fx.sexRows.map((i) => sex[i]), expected.transformed);
      assert.equal(out.dtypes[out.columns.indexOf("Sex")], "string");
    });
  }

  it("breaks most_frequent ties with the smallest value, as scikit-learn", () => {
    const n = new SimpleImputer({ columns: ["x"], strategy: "most_frequent" }).fit(new DataFrame({ x: synthetic.mostFrequentTies.values }));
    assert.equal(n.statistics.x, synthetic.mostFrequentTies.statistic);
    const s = new SimpleImputer({ columns: ["x"], strategy: "most_frequent" }).fit(new DataFrame({ x: synthetic.mostFrequentStringTies.values }));
    assert.equal(s.statistics.x, synthetic.mostFrequentStringTies.statistic);
  });

  it("takes the mean of the two middle values for an even count's median", () => {
    const imputer = new SimpleImputer({ columns: ["x"], strategy: "median" }).fit(new DataFrame({ x: synthetic.medianEven.values }));
    assert.equal(imputer.statistics.x, synthetic.medianEven.statistic);
  });

  it("treats null, undefined and NaN as missing", () => {
    const df = new DataFrame({ x: [1, null, 3, Number.NaN, undefined, 5] });
    const out = new SimpleImputer({ columns: ["x"], strategy: "mean" }).fitTransform(df);
    assert.deepEqual(col(out, "x"), [1, 3, 3, 3, 3, 5]);
  });

  it("fills with a given constant of the column's type", () => {
    const df = new DataFrame({ x: [1, null, 3], s: ["a", null, "b"] });
    const out = new SimpleImputer({ columns: ["x"], strategy: "constant", fillValue: -1 }).fitTransform(df);
    assert.deepEqual(col(out, "x"), [1, -1, 3]);
    assertDataError(() => new SimpleImputer({ columns: ["s"], strategy: "constant", fillValue: 0 }).fit(df), /fillValue 0 does not suit the string column "s"; use a string/);
  });

  it("refuses mean on a string column, a column with no values, and a fillValue without constant", () => {
    assertDataError(() => new SimpleImputer({ columns: ["Sex"], strategy: "mean" }).fit(raw), /strategy "mean" needs a numeric column, and "Sex" is string; use "most_frequent" or "constant"/);
    assertDataError(() => new SimpleImputer({ columns: ["x"], strategy: "median" }).fit(new DataFrame({ x: [null, null], y: [1, 2] })), /"x" has no values to compute the median from/);
    assertDataError(() => new SimpleImputer({ columns: ["x"], strategy: "mean", fillValue: 0 }), /fillValue is for strategy "constant"/);
    assertDataError(() => new SimpleImputer({ columns: ["x"], strategy: "mode" as "mean" }), /invalid strategy: "mode"/);
  });
});
