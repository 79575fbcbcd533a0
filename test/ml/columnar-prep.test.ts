import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ColumnarTable } from "../../src/data";
import { ColumnTransformer, OneHotEncoder, SimpleImputer, StandardScaler, evaluate, loadDatasetFrame, trainModel, trainTestSplit } from "./columnar-prep-fixture";

// The same data as a danfo frame and as a ColumnarTable gives the same splits, transforms and metrics.
describe("the modeling kit on a ColumnarTable", () => {
  const df = loadDatasetFrame();
  const table = ColumnarTable.fromDanfo(df);

  it("splits the same rows as for the danfo frame, and returns ColumnarTables", () => {
    const a = trainTestSplit(df, { testSize: 0.25, seed: 3, stratify: "Species" });
    const b = trainTestSplit(table, { testSize: 0.25, seed: 3, stratify: "Species" });
    assert.ok(b.train instanceof ColumnarTable);
    assert.deepEqual(b.test.strings("Species"), a.test.column("Species").values);
    assert.deepEqual([...(b.train.column("Body Mass (g)") as Float64Array)], a.train.column("Body Mass (g)").values);
  });

  it("transforms the same, keeps passed-through columns as they are, and trains and evaluates on tables", async () => {
    const numeric = ["Beak Length (mm)", "Beak Depth (mm)", "Flipper Length (mm)", "Body Mass (g)"];
    const make = () =>
      new ColumnTransformer([
        ["impute", new SimpleImputer({ columns: numeric, strategy: "mean" })],
        ["onehot", new OneHotEncoder({ columns: ["Island"] })],
      ], { remainder: "passthrough" });
    const fromFrame = make().fitTransform(df);
    const fromTable = make().fitTransform(table);
    assert.ok(fromTable instanceof ColumnarTable);
    assert.deepEqual([...fromTable.columns], fromFrame.columns);
    assert.deepEqual([...(fromTable.column("Island=Dream") as Float64Array)], fromFrame.column("Island=Dream").values);
    assert.equal(fromTable.column("Species"), fromTable.column("Species"), "a passed-through column is not copied");

    const scaled = new StandardScaler({ columns: numeric }).fitTransform(fromTable.select([...numeric, "Species"]));
    const { train, test } = trainTestSplit(scaled, { testSize: 0.25, seed: 3, stratify: "Species" });
    const model = await trainModel({ x: train.select(numeric), y: train.select(["Species"]) }, { task: "classification", hidden: [8], epochs: 30, seed: 1 });
    const report = evaluate(model, test.select(numeric), test.select(["Species"]));
    assert.equal(report.task, "classification");
    assert.ok(report.task === "classification" && (report.metrics.accuracy ?? 0) > 0.8, "a model trained on tables learns the penguins");
  });

  it("names the column a model cannot take", async () => {
    await assert.rejects(trainModel({ x: table.select(["Island"]), y: table.select(["Species"]) }, { task: "classification", epochs: 1, seed: 1 }), /column "Island" holds text/);
  });
});
