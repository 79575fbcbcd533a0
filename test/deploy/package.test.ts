import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import type { DataFrame } from "danfojs-node";
import { ColumnarTable, loadDataset } from "../../src/data";
import { InputRejected, loadPipeline, packagePipeline } from "../../src/deploy";
import { ColumnTransformer, OneHotEncoder, SimpleImputer, StandardScaler, predict, predictProba, trainModel, trainTestSplit } from "../../src/ml";
import type { TrainedModel } from "../../src/ml";
import { tempDir } from "../helpers/tmp";

const FEATURES = ["Beak Length (mm)", "Beak Depth (mm)", "Flipper Length (mm)", "Body Mass (g)"];
const INPUTS = [...FEATURES, "Island"];

describe("a packaged pipeline", () => {
  let train: DataFrame;
  let test: DataFrame;
  let prep: ColumnTransformer;
  let model: TrainedModel;
  const dir = tempDir();

  before(async () => {
    const df = loadDataset("penguins").dropNa({ axis: 1 });
    ({ train, test } = trainTestSplit(df, { testSize: 0.25, seed: 7, stratify: "Species" }));
    prep = new ColumnTransformer([
      ["num", new StandardScaler({ columns: FEATURES })],
      ["island", new OneHotEncoder({ columns: ["Island"], handleUnknown: "error" })],
    ]);
    const x = prep.fitTransform(train.loc({ columns: INPUTS }));
    model = await trainModel({ x, y: train.column("Species") }, { task: "classification", hidden: [8], epochs: 20, seed: 7 });
  });

  const records = (frame: DataFrame): Record<string, unknown>[] => {
    const t = ColumnarTable.fromDanfo(frame.loc({ columns: INPUTS }));
    return Array.from({ length: t.rows }, (_, i) => Object.fromEntries(t.columns.map((c) => [c, t.value(c, i)])));
  };

  it("predicts what the notebook predicts, labels exactly and probabilities to float tolerance", async () => {
    await packagePipeline(join(dir, "penguins"), { model, transformers: [prep], reference: train, target: "Species" });
    const loaded = await loadPipeline(join(dir, "penguins"));
    const xTest = prep.transform(test.loc({ columns: INPUTS }));
    const want = predict(model, xTest);
    const proba = predictProba(model, xTest);
    const got = loaded.predict(records(test));
    assert.deepEqual(got.map((p) => p.label), want);
    got.forEach((p, i) => (model.classes ?? []).forEach((c, j) => assert.ok(Math.abs((p.probabilities?.[String(c)] ?? NaN) - (proba[i]?.[j] ?? NaN)) < 1e-5)));
    assert.deepEqual(loaded.signature.output, { task: "classification", classes: model.classes, target: "Species" });
  });

  it("has a signature typed from the training data, with the encoder's categories and policy", async () => {
    const loaded = await loadPipeline(join(dir, "penguins"));
    assert.deepEqual(loaded.signature.inputs.map((c) => [c.name, c.type, c.nullable]), INPUTS.map((c) => [c, c === "Island" ? "string" : "number", false]));
    const island = loaded.signature.inputs.find((c) => c.name === "Island");
    assert.deepEqual(island?.categories, ["Biscoe", "Dream", "Torgersen"]);
    assert.equal(island?.unknown, "error");
    const mass = loaded.signature.inputs.find((c) => c.name === "Body Mass (g)");
    const masses = train.column("Body Mass (g)").values as number[];
    assert.deepEqual([mass?.min, mass?.max], [Math.min(...masses), Math.max(...masses)]);
    const reference = await loaded.reference();
    assert.equal(reference.rows, train.shape[0]);
    assert.deepEqual([...reference.columns], INPUTS);
  });

  it("refuses rows that do not fit, naming the row and the column", async () => {
    const loaded = await loadPipeline(join(dir, "penguins"));
    const good = records(test)[0] as Record<string, unknown>;
    const bad = [good, { ...good, Island: "Atlantis" }, { ...good, "Body Mass (g)": "heavy" }, { ...good, "Beak Depth (mm)": null }, (({ Island: _, ...rest }) => rest)(good)];
    assert.throws(
      () => loaded.predict(bad),
      (error: unknown) =>
        error instanceof InputRejected &&
        error.problems.length === 4 &&
        /row 1, column "Island": unknown category "Atlantis"/.test(error.message) &&
        /row 2, column "Body Mass \(g\)": expected a number, got "heavy"/.test(error.message) &&
        /row 3, column "Beak Depth \(mm\)": null/.test(error.message) &&
        /row 4, column "Island": missing/.test(error.message),
    );
  });

  it("accepts a missing value where an imputer fills it", async () => {
    const imputed = new ColumnTransformer([["fill", new SimpleImputer({ columns: FEATURES, strategy: "mean" })]], { remainder: "drop" });
    const x = imputed.fitTransform(train.loc({ columns: FEATURES }));
    const m = await trainModel({ x, y: train.column("Species") }, { task: "classification", epochs: 2, seed: 1 });
    await packagePipeline(join(dir, "imputed"), { model: m, transformers: [imputed], reference: train });
    const loaded = await loadPipeline(join(dir, "imputed"));
    assert.ok(loaded.signature.inputs.every((c) => c.nullable));
    const row = Object.fromEntries(FEATURES.map((f) => [f, null]));
    assert.equal(loaded.predict([row]).length, 1);
  });

  it("replaces an existing package whole, leaving no temporary folder", async () => {
    await packagePipeline(join(dir, "twice"), { model, transformers: [prep], reference: train, name: "first" });
    await packagePipeline(join(dir, "twice"), { model, transformers: [prep], reference: train, name: "second" });
    assert.equal((await loadPipeline(join(dir, "twice"))).name, "second");
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith(".")), []);
  });

  it("refuses a package missing the model's transformers, and a package of a newer format", async () => {
    await assert.rejects(packagePipeline(join(dir, "no-prep"), { model, reference: train }), /the model takes .*Island=Biscoe/);
    assert.ok(!existsSync(join(dir, "no-prep")));
    const manifest = join(dir, "penguins", "pipeline.json");
    const json = JSON.parse(readFileSync(manifest, "utf8")) as Record<string, unknown>;
    writeFileSync(manifest, JSON.stringify({ ...json, version: 99 }));
    await assert.rejects(loadPipeline(join(dir, "penguins")), /format version 99, newer than this pipelab reads/);
    await assert.rejects(loadPipeline(join(dir, "nothing-here")), /no such file.*pipeline\.json.*pipelab package/);
  });
});
