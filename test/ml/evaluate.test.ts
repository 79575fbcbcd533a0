import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ExperimentStore } from "../../src/tracking";
import { evaluate, seededRandom, trainModel } from "../../src/ml";
import type { ClassificationReport, RegressionReport } from "../../src/ml";
import { Workbench } from "../../src/workbench";
import { tempDir } from "../helpers/tmp";

function blobs(n: number, seed: number): { x: number[][]; y: string[] } {
  const r = seededRandom(seed);
  const centers: Record<string, number[]> = { a: [0, 0], b: [2, 2], c: [0, 2] };
  const x: number[][] = [];
  const y: string[] = [];
  for (let i = 0; i < n; i++) {
    const label = ["a", "b", "c"][i % 3] as string;
    x.push((centers[label] as number[]).map((c) => c + (r() - 0.5) * 2));
    y.push(label);
  }
  return { x, y };
}

describe("evaluate", () => {
  it("reports a classifier's metrics, confusion matrix and one-vs-rest curves", async () => {
    const train = blobs(300, 1);
    const test = blobs(120, 2);
    const model = await trainModel(train, { task: "classification", hidden: [8], epochs: 20, learningRate: 0.05, seed: 3, progress: false });
    const report = evaluate(model, test.x, test.y) as ClassificationReport;
    assert.equal(report.task, "classification");
    assert.equal(report.n, 120);
    for (const k of ["accuracy", "balanced_accuracy", "precision_macro", "recall_macro", "f1_macro", "f1_weighted", "log_loss", "roc_auc"]) {
      assert.equal(typeof report.metrics[k], "number", k);
    }
    assert.deepEqual(report.confusion.labels, ["a", "b", "c"]);
    const total = report.confusion.matrix.flat().reduce((s, v) => s + v, 0);
    assert.equal(total, 120);
    const diagonal = report.confusion.matrix.reduce((s, row, i) => s + (row[i] as number), 0);
    assert.equal(diagonal / total, report.metrics.accuracy, "the matrix and the accuracy agree");
    assert.deepEqual(Object.keys(report.curves), ["a", "b", "c"]);
    const roc = report.curves.a?.roc;
    assert.ok(roc && roc.fpr[0] === 0 && roc.tpr.at(-1) === 1 && roc.auc > 0.5);
    model.model.dispose();
  });

  it("reports a regressor's errors and r2", async () => {
    const r = seededRandom(9);
    const x = Array.from({ length: 150 }, () => [r() * 2 - 1]);
    const y = x.map(([v]) => 2 * (v as number) + 1);
    const model = await trainModel({ x, y }, { task: "regression", epochs: 100, learningRate: 0.1, seed: 1, progress: false });
    const report = evaluate(model, x, y) as RegressionReport;
    assert.deepEqual(Object.keys(report.metrics), ["mae", "mse", "rmse", "r2"]);
    assert.ok((report.metrics.r2 as number) > 0.99);
    assert.equal(report.actual.length, 150);
    model.model.dispose();
  });

  it("in a step, logs the metrics to the run as test_*: the run's final metrics", async () => {
    const dir = tempDir();
    const wb = await Workbench.open({ experiment: "eval", store: join(dir, "experiments.db"), cacheDir: join(dir, "cache"), quiet: true });
    const train = blobs(150, 1);
    const model = await wb.step("train", () => trainModel(train, { task: "classification", epochs: 5, seed: 1, progress: false }));
    const report = await wb.step("evaluate", { model }, ({ model }) => evaluate(model, train.x, train.y));
    wb.finish();
    const s = ExperimentStore.open(wb.store.path);
    const metrics = s.runDetails(wb.runId)?.metrics ?? {};
    assert.equal(metrics.test_accuracy, report.metrics.accuracy);
    assert.equal(metrics.test_f1_macro, report.metrics.f1_macro);
    assert.equal(s.metricHistory(wb.runId, "loss").length, 5, "the training history is logged per epoch");
    s.close();
  });
});
