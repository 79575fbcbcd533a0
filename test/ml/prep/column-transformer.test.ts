import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DataFrame } from "danfojs-node";
import { ColumnTransformer, LabelEncoder, OneHotEncoder, SimpleImputer, StandardScaler } from "../../../src/ml/prep";
import { assertClose, assertDataError, col, completePenguins, fixture, rowsOf } from "./fixtures";

interface Penguins {
  columnTransformer: { names: string[]; numeric: number[][]; remainder: (string | number)[][] };
}
const fx = fixture<Penguins>("penguins").columnTransformer;

const steps = () =>
  [
    ["num", new StandardScaler({ columns: ["Beak Length (mm)", "Body Mass (g)"] })],
    ["cat", new OneHotEncoder({ columns: ["Island"] })],
  ] as const;

describe("ColumnTransformer", () => {
  const penguins = completePenguins();

  it("matches scikit-learn: the steps' outputs in step order, then the remainder in its order", () => {
    const ct = new ColumnTransformer(steps());
    const out = ct.fitTransform(penguins);
    assert.deepEqual(out.columns, fx.names);
    const numeric = fx.names.slice(0, fx.numeric[0]?.length);
    const remainder = fx.names.slice(numeric.length);
    assertClose(rowsOf(out, numeric), fx.numeric);
    assert.deepEqual(rowsOf(out, remainder), fx.remainder);
    assert.deepEqual(ct.remainderColumns, remainder);
    assert.deepEqual(out.index, penguins.index);
  });

  it("drops the remainder with remainder: drop, and then ignores columns unseen at fit", () => {
    const ct = new ColumnTransformer(steps(), { remainder: "drop" });
    const out = ct.fitTransform(penguins);
    assert.deepEqual(out.columns, ["Beak Length (mm)", "Body Mass (g)", "Island=Biscoe", "Island=Dream", "Island=Torgersen"]);
    const extra = penguins.addColumn("extra", penguins.index.map(() => 1), { inplace: false });
    assert.deepEqual(ct.transform(extra).columns, out.columns);
  });

  it("keeps the steps' dtypes and the remainder's", () => {
    const df = new DataFrame({ a: [1, 2, 3], label: ["x", "y", "x"], note: ["p", "q", "r"] });
    const out = new ColumnTransformer([
      ["y", new LabelEncoder({ column: "label" })],
      ["a", new StandardScaler({ columns: ["a"] })],
    ]).fitTransform(df);
    assert.deepEqual(out.columns, ["label", "a", "note"]);
    assert.deepEqual(out.dtypes, ["float32", "float32", "string"]);
    assert.deepEqual(col(out, "label"), [0, 1, 0]);
  });

  it("fits the given transformers, which `named` returns", () => {
    const scaler = new StandardScaler({ columns: ["Body Mass (g)"] });
    const ct = new ColumnTransformer([["mass", scaler]]).fit(penguins);
    assert.equal(scaler.fitted, true);
    assert.equal(ct.named("mass"), scaler);
    assertDataError(() => ct.named("nope"), /no step named "nope"; its steps are "mass"/);
  });

  it("refuses a column in two steps, two steps of one name, a nested ColumnTransformer, and a non-transformer", () => {
    assertDataError(
      () => new ColumnTransformer([["a", new StandardScaler({ columns: ["x"] })], ["b", new SimpleImputer({ columns: ["x"] })]]),
      /the column "x" belongs to steps "a" and "b"/,
    );
    assertDataError(() => new ColumnTransformer([["a", new StandardScaler({ columns: ["x"] })], ["a", new StandardScaler({ columns: ["y"] })]]), /two steps are named "a"/);
    assertDataError(() => new ColumnTransformer([["outer", new ColumnTransformer(steps())]]), /step "outer" is itself a ColumnTransformer/);
    assertDataError(() => new ColumnTransformer([["x", {} as StandardScaler]]), /step "x" is \{\}, not a pipelab transformer/);
    assertDataError(() => new ColumnTransformer([]), /needs a list of \[name, transformer\] steps/);
  });

  it("names the step whose fit failed", () => {
    const df = new DataFrame({ x: [1, null, 3] });
    assertDataError(() => new ColumnTransformer([["scale", new StandardScaler({ columns: ["x"] })]]).fit(df), /ColumnTransformer step "scale": StandardScaler: the column "x" has a missing value/);
  });
});
