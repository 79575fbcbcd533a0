import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ColumnarTable, loadDataset } from "../../src/data";
import { loadPipeline, packageRun } from "../../src/deploy";
import { ColumnTransformer, OneHotEncoder, StandardScaler, evaluate, predict, trainModel, trainTestSplit } from "../../src/ml";
import { servePipeline } from "../../src/serve";
import { ExperimentStore } from "../../src/tracking";
import { Workbench } from "../../src/workbench";
import { tempDir } from "../helpers/tmp";

const FEATURES = ["Beak Length (mm)", "Beak Depth (mm)", "Flipper Length (mm)", "Body Mass (g)"];

/** A notebook's pipeline, as cells would run it: load, split, prepare, train, evaluate. */
async function runPipeline(dir: string): Promise<{ runId: number; expected: (string | number | boolean)[]; rows: Record<string, unknown>[] }> {
  const wb = await Workbench.open({ experiment: "penguins", store: join(dir, "experiments.db"), cacheDir: join(dir, "cache"), quiet: true });
  const raw = await wb.step("load", () => loadDataset("penguins").dropNa({ axis: 1 }));
  const split = await wb.step("split", { raw }, ({ raw }) => trainTestSplit(raw, { testSize: 0.25, seed: 3, stratify: "Species" }));
  const prep = await wb.step("prepare", { split }, ({ split }) => {
    const columns = new ColumnTransformer([
      ["num", new StandardScaler({ columns: FEATURES })],
      ["island", new OneHotEncoder({ columns: ["Island"] })],
    ]);
    const xTrain = columns.fitTransform(split.train.loc({ columns: [...FEATURES, "Island"] }));
    return { columns, xTrain, xTest: columns.transform(split.test.loc({ columns: [...FEATURES, "Island"] })) };
  });
  const model = await wb.step("train", { prep, split }, ({ prep, split }) => trainModel({ x: prep.xTrain, y: split.train.column("Species") }, { task: "classification", hidden: [8], epochs: 15, seed: 3 }));
  await wb.step("evaluate", { model, prep, split }, ({ model, prep, split }) => evaluate(model, prep.xTest, split.test.column("Species")));
  const test = ColumnarTable.fromDanfo(split.test.loc({ columns: [...FEATURES, "Island"] }));
  const rows = Array.from({ length: test.rows }, (_, i) => Object.fromEntries(test.columns.map((c) => [c, test.value(c, i)])));
  const runId = wb.runId;
  const expected = predict(model, prep.xTest);
  wb.finish();
  return { runId, expected, rows };
}

describe("pipelab package RUN_ID", () => {
  it("finds the model, the fitted transformers and the training frame among a run's cached outputs, and the package predicts as the run did, also served over HTTP", async () => {
    const dir = tempDir();
    const { runId, expected, rows } = await runPipeline(dir);
    const store = ExperimentStore.open(join(dir, "experiments.db"));
    try {
      const manifest = await packageRun(store, runId as never, join(dir, "pkg"), { cacheDir: join(dir, "cache") });
      assert.deepEqual(manifest.signature.inputs.map((c) => c.name), [...FEATURES, "Island"]);
      assert.equal(manifest.run?.id, runId);
      assert.ok((manifest.run?.metrics.test_accuracy ?? 0) > 0.8, "the run's metrics travel with the package");
      assert.deepEqual(Object.keys(manifest.run?.stepKeys ?? {}), ["load", "split", "prepare", "train", "evaluate"], "each step's key (code, inputs, data) travels too");
      assert.deepEqual(
        manifest.notPackaged.map((s) => s.step),
        ["load", "split", "evaluate"],
      );
      assert.match(manifest.notPackaged.find((s) => s.step === "evaluate")?.why ?? "", /after the model/);
      const pipeline = await loadPipeline(join(dir, "pkg"));
      assert.deepEqual(pipeline.predict(rows).map((p) => p.label), expected);
      // Served on a free loopback port, over real HTTP: the same predictions.
      const server = await servePipeline(pipeline, { port: 0 });
      try {
        const response = await fetch(`${server.url}/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ records: rows }) });
        assert.equal(response.status, 200);
        const body = (await response.json()) as { predictions: { label: string }[] };
        assert.deepEqual(body.predictions.map((p) => p.label), expected);
      } finally {
        await server.close();
      }
    } finally {
      store.close();
    }
  });

  it("says what is missing: an unknown run, a run without a model", async () => {
    const dir = tempDir();
    const wb = await Workbench.open({ experiment: "nomodel", store: join(dir, "experiments.db"), cacheDir: join(dir, "cache"), quiet: true });
    await wb.step("load", () => loadDataset("penguins"));
    const runId = wb.runId;
    wb.finish();
    const store = ExperimentStore.open(join(dir, "experiments.db"));
    try {
      await assert.rejects(packageRun(store, 999 as never, join(dir, "x"), { cacheDir: join(dir, "cache") }), /no run 999/);
      await assert.rejects(packageRun(store, runId, join(dir, "x"), { cacheDir: join(dir, "cache") }), /has no trained model/);
    } finally {
      store.close();
    }
  });
});
