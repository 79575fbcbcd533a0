import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { DataFrame } from "danfojs-node";
import { loadDataset } from "../../src/data";
import { StandardScaler, evaluate, trainModel, trainTestSplit } from "../../src/ml";
import type { ClassificationReport, TrainedModel } from "../../src/ml";
import { Workbench } from "../../src/workbench";
import { tempDir } from "../helpers/tmp";

const FEATURES = ["Beak Length (mm)", "Beak Depth (mm)", "Flipper Length (mm)", "Body Mass (g)"];

/** The penguins pipeline: species from the four measurements, with an MLP, as steps of a workbench. */
async function pipeline(wb: Workbench): Promise<{ report: ClassificationReport; model: TrainedModel }> {
  const p = wb.params({ testSize: 0.25, seed: 7, hidden: 16, epochs: 60, lr: 0.01 });
  const raw = await wb.step("load", () => loadDataset("penguins"));
  const clean = await wb.step("clean", { raw }, ({ raw }) => raw.loc({ columns: ["Species", ...FEATURES] }).dropNa({ axis: 1 }));
  const split = await wb.step("split", { clean, p }, ({ clean, p }) => trainTestSplit(clean, { testSize: p.testSize, seed: p.seed, stratify: "Species" }));
  const scaled = await wb.step("scale", { split }, ({ split }) => {
    const scaler = new StandardScaler({ columns: FEATURES });
    const xTrain = scaler.fitTransform(split.train.loc({ columns: FEATURES }));
    const xTest = scaler.transform(split.test.loc({ columns: FEATURES }));
    return { xTrain, xTest, yTrain: split.train.column("Species"), yTest: split.test.column("Species"), scaler };
  });
  const model = await wb.step("train", { scaled, p }, ({ scaled, p }) =>
    trainModel(
      { x: scaled.xTrain as DataFrame, y: scaled.yTrain, validation: { x: scaled.xTest as DataFrame, y: scaled.yTest } },
      { task: "classification", hidden: [p.hidden], epochs: p.epochs, learningRate: p.lr, seed: p.seed, progress: false },
    ),
  );
  const report = (await wb.step("evaluate", { model, scaled }, ({ model, scaled }) => evaluate(model, scaled.xTest as DataFrame, scaled.yTest))) as ClassificationReport;
  return { report, model };
}

describe("penguins: species from the four measurements with an MLP", () => {
  it("reaches at least 0.95 test accuracy, identically twice from scratch (no cache)", async () => {
    const results: { accuracy: number; weights: number[][]; history: unknown }[] = [];
    for (let i = 0; i < 2; i++) {
      const dir = tempDir();
      const wb = await Workbench.open({ experiment: "penguins", store: join(dir, "experiments.db"), cacheDir: join(dir, "cache"), quiet: true });
      const { report, model } = await pipeline(wb);
      wb.finish();
      results.push({ accuracy: report.metrics.accuracy as number, weights: model.model.getWeights().map((w) => Array.from(w.dataSync())), history: model.history });
    }
    const [a, b] = results as [(typeof results)[0], (typeof results)[0]];
    assert.ok(a.accuracy >= 0.95, `test accuracy ${a.accuracy}`);
    assert.equal(a.accuracy, b.accuracy);
    assert.deepEqual(a.history, b.history);
    assert.deepEqual(a.weights, b.weights);
  });
});
