import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DataFrame } from "danfojs-node";
import { loadDataset } from "../../../src/data";
import { shuffled } from "../../../src/ml/random";
import { trainTestSplit, trainValTestSplit } from "../../../src/ml/prep";
import { assertDataError, col, completePenguins, rowsOf } from "./fixtures";

/** A frame of `n` rows with an id column (0..n-1) and a class column from `classes` (counts per class). */
function labelled(classes: Record<string, number>): DataFrame {
  const labels = Object.entries(classes).flatMap(([c, k]) => Array.from({ length: k }, () => c));
  return new DataFrame({ id: labels.map((_, i) => i), label: labels, x: labels.map((_, i) => i * 0.5) });
}

function countBy(values: unknown[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[String(v)] = (out[String(v)] ?? 0) + 1;
  return out;
}

const ids = (df: DataFrame): number[] => col(df, "id") as number[];

describe("trainTestSplit", () => {
  const penguins = completePenguins();

  it("gives the same parts for the same seed, and other parts for another seed", () => {
    const a = trainTestSplit(penguins, { seed: 7 });
    const b = trainTestSplit(penguins, { seed: 7 });
    const c = trainTestSplit(penguins, { seed: 8 });
    assert.deepEqual(rowsOf(a.test, a.test.columns), rowsOf(b.test, b.test.columns));
    assert.deepEqual(rowsOf(a.train, a.train.columns), rowsOf(b.train, b.train.columns));
    assert.notDeepEqual(rowsOf(a.test, a.test.columns), rowsOf(c.test, c.test.columns));
  });

  it("picks the same rows on every machine: the seeded shuffle is pinned", () => {
    // The test part is the start of shuffled(0..n-1, seed) (mulberry32 + Fisher-Yates, src/ml/random.ts),
    // the train part the rest. Pinned: a change here would change every recorded split.
    const { train, test } = trainTestSplit(labelled({ a: 10 }), { testSize: 3, seed: 7 });
    const order = shuffled([...Array(10).keys()], 7);
    assert.deepEqual(ids(test), order.slice(0, 3));
    assert.deepEqual(ids(train), order.slice(3));
    assert.deepEqual(ids(test), [6, 5, 8]);
    assert.deepEqual(ids(train), [1, 2, 3, 4, 7, 9, 0]);
  });

  it("sizes the test part as scikit-learn does: a fraction rounded up, or a row count", () => {
    assert.equal(penguins.shape[0], 334);
    const quarter = trainTestSplit(penguins, { seed: 1 });
    assert.deepEqual([quarter.train.shape[0], quarter.test.shape[0]], [250, 84]); // ceil(0.25 * 334) = 84
    const fifth = trainTestSplit(penguins, { testSize: 0.2, seed: 1 });
    assert.deepEqual([fifth.train.shape[0], fifth.test.shape[0]], [267, 67]);
    const count = trainTestSplit(penguins, { testSize: 50, seed: 1 });
    assert.deepEqual([count.train.shape[0], count.test.shape[0]], [284, 50]);
    const one = trainTestSplit(penguins, { testSize: 1, seed: 1 });
    assert.equal(one.test.shape[0], 1);
  });

  it("loses and duplicates no row, keeps columns and dtypes, and resets the index", () => {
    const df = labelled({ a: 30, b: 20 });
    const { train, test } = trainTestSplit(df, { testSize: 0.3, seed: 3 });
    assert.deepEqual([...ids(train), ...ids(test)].sort((x, y) => x - y), ids(df));
    assert.deepEqual(train.columns, df.columns);
    assert.deepEqual(test.dtypes, df.dtypes);
    assert.deepEqual(test.index, [...Array(15).keys()]);
    assert.deepEqual(train.index, [...Array(35).keys()]);
    // Each row keeps its values together.
    for (const part of [train, test]) for (const [id, x] of rowsOf(part, ["id", "x"])) assert.equal(x, (id as number) * 0.5);
  });

  it("does not change its input", () => {
    const df = labelled({ a: 10 });
    const before = rowsOf(df, df.columns);
    trainTestSplit(df, { seed: 1 });
    assert.deepEqual(rowsOf(df, df.columns), before);
    assert.deepEqual(df.index, [...Array(10).keys()]);
  });

  it("takes the first rows for train and the last for test without shuffling", () => {
    const { train, test } = trainTestSplit(labelled({ a: 10 }), { testSize: 0.3, shuffle: false });
    assert.deepEqual(ids(train), [0, 1, 2, 3, 4, 5, 6]);
    assert.deepEqual(ids(test), [7, 8, 9]);
  });

  it("keeps the class proportions of the real penguins when stratified", () => {
    const species = countBy(col(penguins, "Species"));
    assert.deepEqual(species, { Adelie: 146, Chinstrap: 68, Gentoo: 120 });
    for (const seed of [1, 2, 3]) {
      const { train, test } = trainTestSplit(penguins, { testSize: 0.25, seed, stratify: "Species" });
      const inTest = countBy(col(test, "Species"));
      const inTrain = countBy(col(train, "Species"));
      assert.equal(test.shape[0], 84);
      for (const [name, n] of Object.entries(species)) {
        // Each class is split in proportion: within one row of its exact share.
        assert.ok(Math.abs((inTest[name] ?? 0) - (n * 84) / 334) < 1, `${name}: ${inTest[name]} of ${n} in test`);
        assert.equal((inTest[name] ?? 0) + (inTrain[name] ?? 0), n);
      }
      // The same rounding whatever the seed: 36.7 -> 37, 17.1 -> 17, 30.2 -> 30.
      assert.deepEqual(inTest, { Adelie: 37, Chinstrap: 17, Gentoo: 30 });
    }
  });

  it("keeps the proportions of an imbalanced set, rounding so that the totals are exact", () => {
    const df = labelled({ a: 150, b: 40, c: 10 });
    const exact = trainTestSplit(df, { testSize: 0.3, seed: 5, stratify: "label" });
    assert.deepEqual(countBy(col(exact.test, "label")), { a: 45, b: 12, c: 3 });
    assert.deepEqual(countBy(col(exact.train, "label")), { a: 105, b: 28, c: 7 });
    // Quotas 37.5, 10, 2.5 for 50 rows: the row left over goes to the larger of the tied classes.
    const rounded = trainTestSplit(df, { testSize: 0.25, seed: 5, stratify: "label" });
    assert.deepEqual(countBy(col(rounded.test, "label")), { a: 38, b: 10, c: 2 });
    assert.equal(rounded.train.shape[0], 150);
  });

  it("lists each part's rows in the shuffled order, stratified or not", () => {
    const df = labelled({ a: 50, b: 50 });
    const { test } = trainTestSplit(df, { testSize: 0.5, seed: 9, stratify: "label" });
    const order = ids(test);
    assert.notDeepEqual(order, [...order].sort((x, y) => x - y));
    // Classes interleave rather than coming in blocks.
    const labels = col(test, "label") as string[];
    assert.ok(labels.slice(0, 10).includes("a") && labels.slice(0, 10).includes("b"), labels.join(""));
  });

  it("refuses sizes that leave a part empty, and says which", () => {
    assertDataError(() => trainTestSplit(penguins, { testSize: 0, seed: 1 }), /invalid testSize: 0/);
    assertDataError(() => trainTestSplit(penguins, { testSize: -0.2, seed: 1 }), /invalid testSize: -0.2/);
    assertDataError(() => trainTestSplit(penguins, { testSize: 1.5, seed: 1 }), /invalid testSize: 1.5.*fraction between 0 and 1/);
    assertDataError(() => trainTestSplit(penguins, { testSize: 334, seed: 1 }), /testSize 334 asks for 334 of the 334 rows/);
    assertDataError(() => trainTestSplit(penguins, { testSize: 0.999, seed: 1 }), /asks for 334 of the 334 rows/);
    assertDataError(() => trainTestSplit(labelled({ a: 1 }), { seed: 1 }), /the frame has 1 row; splitting it into 2 parts needs at least 2/);
  });

  it("needs a seed to shuffle, and shuffle to stratify", () => {
    assertDataError(() => trainTestSplit(penguins), /needs a seed/);
    assertDataError(() => trainTestSplit(penguins, { seed: Number.NaN }), /invalid seed: NaN/);
    assertDataError(() => trainTestSplit(penguins, { shuffle: false, stratify: "Species" }), /stratify needs shuffle/);
  });

  it("names a missing stratify column, a missing label, and a class too small to stratify", () => {
    assertDataError(() => trainTestSplit(penguins, { seed: 1, stratify: "species" }), /lacks the stratify column "species"; it has "Species"/);
    // The real penguins: one bird has Sex "." and a few have none.
    assertDataError(() => trainTestSplit(penguins, { seed: 1, stratify: "Sex" }), /the class "\." of "Sex" has 1 row; .*at least 2 rows/);
    assertDataError(() => trainTestSplit(loadDataset("penguins"), { seed: 1, stratify: "Sex" }), /"Sex" has a missing value at row 3/);
    assertDataError(() => trainTestSplit(labelled({ a: 10, b: 10, c: 10 }), { testSize: 2, seed: 1, stratify: "label" }), /test part would have 2 rows for the 3 classes/);
  });
});

describe("trainValTestSplit", () => {
  const penguins = completePenguins();

  it("splits into three disjoint parts of the asked sizes, deterministically", () => {
    const df = labelled({ a: 100 });
    const a = trainValTestSplit(df, { valSize: 0.15, testSize: 0.2, seed: 4 });
    assert.deepEqual([a.train.shape[0], a.val.shape[0], a.test.shape[0]], [65, 15, 20]);
    assert.deepEqual([...ids(a.train), ...ids(a.val), ...ids(a.test)].sort((x, y) => x - y), ids(df));
    const b = trainValTestSplit(df, { valSize: 0.15, testSize: 0.2, seed: 4 });
    assert.deepEqual([ids(a.train), ids(a.val), ids(a.test)], [ids(b.train), ids(b.val), ids(b.test)]);
    assert.notDeepEqual(ids(trainValTestSplit(df, { valSize: 0.15, testSize: 0.2, seed: 5 }).val), ids(a.val));
    assert.deepEqual(a.val.index, [...Array(15).keys()]);
    const counts = trainValTestSplit(df, { valSize: 10, testSize: 30, seed: 4 });
    assert.deepEqual([counts.train.shape[0], counts.val.shape[0], counts.test.shape[0]], [60, 10, 30]);
  });

  it("keeps the order train, val, test without shuffling", () => {
    const { train, val, test } = trainValTestSplit(labelled({ a: 10 }), { valSize: 2, testSize: 3, shuffle: false });
    assert.deepEqual([ids(train), ids(val), ids(test)], [[0, 1, 2, 3, 4], [5, 6], [7, 8, 9]]);
  });

  it("keeps the class proportions in all three parts", () => {
    const { train, val, test } = trainValTestSplit(penguins, { valSize: 0.15, testSize: 0.15, seed: 7, stratify: "Species" });
    const total = { Adelie: 146, Chinstrap: 68, Gentoo: 120 };
    const parts = { train, val, test };
    for (const [part, df] of Object.entries(parts)) {
      const counts = countBy(col(df, "Species"));
      const n = df.shape[0] as number;
      for (const [name, k] of Object.entries(total)) {
        assert.ok(Math.abs((counts[name] ?? 0) - (k * n) / 334) < 1.5, `${part} ${name}: ${counts[name]} of ${n}`);
      }
    }
    assert.deepEqual([val.shape[0], test.shape[0]], [51, 51]);
  });

  it("refuses sizes that leave the train part empty, and too small classes", () => {
    assertDataError(() => trainValTestSplit(penguins, { valSize: 0.5, testSize: 0.5, seed: 1 }), /leave the train part empty/);
    assertDataError(() => trainValTestSplit(penguins, { valSize: 0, testSize: 0.5, seed: 1 }), /invalid valSize: 0/);
    assertDataError(() => trainValTestSplit(labelled({ a: 10, b: 2 }), { valSize: 0.2, testSize: 0.2, seed: 1, stratify: "label" }), /class "b" of "label" has 2 rows; stratifying into test, val, train needs at least 3/);
  });
});
