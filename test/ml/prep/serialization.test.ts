import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DataFrame } from "danfojs-node";
import { decode, encode } from "../../../src/cache";
import {
  ColumnTransformer,
  LabelEncoder,
  MinMaxScaler,
  OneHotEncoder,
  SimpleImputer,
  StandardScaler,
  type Transformer,
  isTransformer,
  transformerFromJSON,
} from "../../../src/ml/prep";
import { loadDataset } from "../../../src/data";
import { NUMERIC, assertDataError, completePenguins } from "./fixtures";

const penguins = completePenguins();
const raw = loadDataset("penguins");

/** Every kind, fitted on the penguins (the imputer on the raw ones, with their gaps). */
function fittedTransformers(): [string, Transformer, DataFrame][] {
  return [
    ["StandardScaler", new StandardScaler({ columns: NUMERIC, withMean: false }).fit(penguins), penguins],
    ["MinMaxScaler", new MinMaxScaler({ columns: NUMERIC, featureRange: [-1, 1], clip: true }).fit(penguins), penguins],
    ["OneHotEncoder", new OneHotEncoder({ columns: ["Island", "Sex"], drop: "first", handleUnknown: "error" }).fit(penguins), penguins],
    ["SimpleImputer", new SimpleImputer({ columns: ["Sex"], strategy: "constant", fillValue: "unknown" }).fit(raw), raw],
    ["LabelEncoder", new LabelEncoder({ column: "Species" }).fit(penguins), penguins],
    [
      "ColumnTransformer",
      new ColumnTransformer(
        [
          ["impute", new SimpleImputer({ columns: NUMERIC, strategy: "median" })],
          ["sex", new SimpleImputer({ columns: ["Sex"], strategy: "most_frequent" })],
          ["islands", new OneHotEncoder({ columns: ["Island"] })],
        ],
        { remainder: "passthrough" },
      ).fit(raw),
      raw,
    ],
  ];
}

const same = (a: DataFrame, b: DataFrame): void => {
  assert.deepEqual(b.columns, a.columns);
  assert.deepEqual(b.dtypes, a.dtypes);
  assert.deepEqual(b.index, a.index);
  assert.deepEqual(b.getColumnData, a.getColumnData);
};

describe("transformers in the cache and as JSON", () => {
  it("round-trip through the cache codec and transform identically", async () => {
    for (const [kind, t, data] of fittedTransformers()) {
      const back = (await decode(await encode(t))) as Transformer;
      assert.ok(isTransformer(back), kind);
      assert.notEqual(back, t);
      assert.equal(back.kind, kind);
      assert.equal(back.fitted, true, kind);
      assert.deepEqual(back.toJSON(), t.toJSON(), kind);
      same(t.transform(data), back.transform(data));
    }
  });

  it("round-trip through JSON text", () => {
    for (const [kind, t, data] of fittedTransformers()) {
      const back = transformerFromJSON(JSON.parse(JSON.stringify(t)));
      assert.equal(back.constructor.name, kind);
      same(t.transform(data), back.transform(data));
    }
  });

  it("keep an unfitted transformer unfitted", async () => {
    const back = (await decode(await encode(new OneHotEncoder({ columns: ["Island"] })))) as Transformer;
    assert.equal(back.fitted, false);
    assertDataError(() => back.transform(penguins), /OneHotEncoder is not fitted yet/);
  });

  it("are plain data: kind, params, and the state learned at fit", () => {
    const json = new StandardScaler({ columns: ["x"] }).fit(new DataFrame({ x: [1, 3] })).toJSON();
    assert.deepEqual(json, {
      kind: "StandardScaler",
      params: { columns: ["x"], withMean: true, withStd: true },
      state: { mean: [2], scale: [1], nSamples: 2, dtypes: ["int32"] },
    });
    assert.deepEqual(new LabelEncoder({ column: "y" }).toJSON(), { kind: "LabelEncoder", params: { columns: ["y"] }, state: null });
  });

  it("refuses malformed JSON, naming what is wrong", () => {
    assertDataError(() => transformerFromJSON({ kind: "PCA", params: {}, state: null }), /invalid transformer JSON: kind is "PCA"; expected one of StandardScaler/);
    assertDataError(() => transformerFromJSON(null), /the transformer must be an object/);
    assertDataError(
      () => transformerFromJSON({ kind: "StandardScaler", params: { columns: ["x"] }, state: { mean: [1, 2], scale: [1], nSamples: 1, dtypes: ["float32"] } }),
      /state.mean must have 1 elements \(one per column\), not 2/,
    );
    assertDataError(() => transformerFromJSON({ kind: "StandardScaler", params: { columns: ["x"] }, state: { mean: [1], scale: [1], nSamples: 1 } }), /state.dtypes must be an array/);
    assertDataError(() => transformerFromJSON({ kind: "OneHotEncoder", params: { columns: [] }, state: null }), /OneHotEncoder: columns is empty/);
  });
});
