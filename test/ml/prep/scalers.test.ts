import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DataFrame } from "danfojs-node";
import { MinMaxScaler, StandardScaler } from "../../../src/ml/prep";
import { NUMERIC, assertClose, assertDataError, col, completePenguins, fixture, rowsOf } from "./fixtures";

interface Penguins {
  rows: number;
  numericColumns: string[];
  standardScaler: { mean: number[]; scale: number[]; transformed: number[][] };
  minMaxScaler: { dataMin: number[]; dataMax: number[]; transformed: number[][] };
  minMaxScalerRange: { featureRange: [number, number]; transformed: number[][] };
}
interface Synthetic {
  scalerInput: { columns: string[]; rows: number[][] };
  standardScaler: { mean: number[]; scale: number[]; transformed: number[][] };
  unseen: number[][];
  standardScalerUnseen: number[][];
  minMaxScaler: { transformed: number[][]; unseen: number[][] };
  minMaxScalerClip: { unseen: number[][] };
}

const penguinsFx = fixture<Penguins>("penguins");
const synthetic = fixture<Synthetic>("synthetic");
const frameOf = (columns: string[], rows: number[][]): DataFrame => new DataFrame(rows, { columns });

describe("StandardScaler", () => {
  const penguins = completePenguins();

  it("matches scikit-learn on the penguins (population std, ddof 0)", () => {
    assert.equal(penguins.shape[0], penguinsFx.rows);
    assert.deepEqual(NUMERIC, penguinsFx.numericColumns);
    const scaler = new StandardScaler({ columns: NUMERIC });
    const out = scaler.fitTransform(penguins);
    assertClose(NUMERIC.map((c) => scaler.mean[c]), penguinsFx.standardScaler.mean);
    assertClose(NUMERIC.map((c) => scaler.scale[c]), penguinsFx.standardScaler.scale);
    assertClose(rowsOf(out, NUMERIC), penguinsFx.standardScaler.transformed);
  });

  it("gives a constant column scale 1, also when it is constant only up to rounding", () => {
    const { columns, rows } = synthetic.scalerInput;
    const scaler = new StandardScaler({ columns });
    const out = scaler.fitTransform(frameOf(columns, rows));
    assertClose(columns.map((c) => scaler.scale[c]), synthetic.standardScaler.scale);
    assertClose(columns.map((c) => scaler.mean[c]), synthetic.standardScaler.mean);
    assertClose(rowsOf(out, columns), synthetic.standardScaler.transformed);
    assertClose(rowsOf(scaler.transform(frameOf(columns, synthetic.unseen)), columns), synthetic.standardScalerUnseen);
  });

  it("by hand: [1, 2, 3] has mean 2 and std sqrt(2/3)", () => {
    const out = new StandardScaler({ columns: ["x"] }).fitTransform(new DataFrame({ x: [1, 2, 3] }));
    const s = Math.sqrt(2 / 3);
    assertClose(col(out, "x"), [-1 / s, 0, 1 / s]);
  });

  it("can skip centering or scaling", () => {
    const df = new DataFrame({ x: [1, 2, 3] });
    assertClose(col(new StandardScaler({ columns: ["x"], withMean: false }).fitTransform(df), "x"), [1, 2, 3].map((x) => x / Math.sqrt(2 / 3)));
    assertClose(col(new StandardScaler({ columns: ["x"], withStd: false }).fitTransform(df), "x"), [-1, 0, 1]);
  });

  it("replaces only its columns, as float32, keeps the others, their order and the index, and leaves the input alone", () => {
    const df = new DataFrame({ id: [10, 11, 12], x: [1, 2, 3], name: ["a", "b", "c"] }, { index: ["r1", "r2", "r3"] });
    const out = new StandardScaler({ columns: ["x"] }).fitTransform(df);
    assert.deepEqual(out.columns, ["id", "x", "name"]);
    assert.deepEqual(out.dtypes, ["int32", "float32", "string"]);
    assert.deepEqual(out.index, ["r1", "r2", "r3"]);
    assert.deepEqual(col(out, "id"), [10, 11, 12]);
    assert.deepEqual(col(df, "x"), [1, 2, 3]);
    assert.deepEqual(df.dtypes, ["int32", "int32", "string"]);
  });
});

describe("MinMaxScaler", () => {
  const penguins = completePenguins();

  it("matches scikit-learn on the penguins, for [0, 1] and [-1, 1]", () => {
    const scaler = new MinMaxScaler({ columns: NUMERIC });
    const out = scaler.fitTransform(penguins);
    assertClose(NUMERIC.map((c) => scaler.dataMin[c]), penguinsFx.minMaxScaler.dataMin);
    assertClose(NUMERIC.map((c) => scaler.dataMax[c]), penguinsFx.minMaxScaler.dataMax);
    assertClose(rowsOf(out, NUMERIC), penguinsFx.minMaxScaler.transformed);
    const wide = new MinMaxScaler({ columns: NUMERIC, featureRange: penguinsFx.minMaxScalerRange.featureRange });
    assertClose(rowsOf(wide.fitTransform(penguins), NUMERIC), penguinsFx.minMaxScalerRange.transformed);
  });

  it("maps a constant column to 0, values outside the fitted range outside [0, 1], or clips them", () => {
    const { columns, rows } = synthetic.scalerInput;
    const scaler = new MinMaxScaler({ columns }).fit(frameOf(columns, rows));
    assertClose(rowsOf(scaler.transform(frameOf(columns, rows)), columns), synthetic.minMaxScaler.transformed);
    assert.deepEqual(col(scaler.transform(frameOf(columns, rows)), "constant"), [0, 0, 0, 0]);
    assertClose(rowsOf(scaler.transform(frameOf(columns, synthetic.unseen)), columns), synthetic.minMaxScaler.unseen);
    const clipped = new MinMaxScaler({ columns, clip: true }).fit(frameOf(columns, rows));
    assertClose(rowsOf(clipped.transform(frameOf(columns, synthetic.unseen)), columns), synthetic.minMaxScalerClip.unseen);
  });

  it("refuses a feature range whose low end is not below its high end", () => {
    assertDataError(() => new MinMaxScaler({ columns: ["x"], featureRange: [1, 1] }), /invalid featureRange: \[1,1\]/);
  });
});
