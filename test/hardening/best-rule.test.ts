import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { seededRandom, trainModel } from "../../src/ml";
import { ExperimentStore } from "../../src/tracking";
import type { RunId } from "../../src/tracking";
import { metricMode } from "../../src/util";
import { tempDir } from "../helpers/tmp";

// "Best" has one rule (util's metricMode: lower for losses and errors, higher otherwise),
// used by every caller; an explicit mode overrides it.

const cli = join(__dirname, "..", "..", "dist", "cli", "main.js");

function storeWithThreeRuns(): { file: string; low: RunId; mid: RunId; high: RunId } {
  const file = join(tempDir(), "experiments.db");
  const store = ExperimentStore.open(file);
  const run = (loss: number, accuracy: number): RunId => {
    const id = store.createRun({ experiment: "best", sourceKind: "script" });
    store.logMetric(id, "val_loss", loss);
    store.logMetric(id, "accuracy", accuracy);
    store.endRun(id, "finished");
    return id;
  };
  const low = run(0.1, 0.7);
  const mid = run(0.5, 0.8);
  const high = run(0.9, 0.9);
  store.close();
  return { file, low, mid, high };
}

describe("one rule for the best run", () => {
  it("names the direction by the metric", () => {
    assert.deepEqual(["val_loss", "test_rmse", "mae", "error_rate", "accuracy", "f1_macro", "roc_auc"].map(metricMode), ["min", "min", "min", "min", "max", "max", "max"]);
  });

  it("store.bestRun: the lowest val_loss and the highest accuracy unless told", () => {
    const { file, low, high } = storeWithThreeRuns();
    const store = ExperimentStore.open(file);
    try {
      assert.equal(store.bestRun("val_loss")?.id, low);
      assert.equal(store.bestRun("accuracy")?.id, high);
      assert.equal(store.bestRun("val_loss", { mode: "max" })?.id, high);
    } finally {
      store.close();
    }
  });

  it("pipelab runs best: the same rule, with --min and --max to say otherwise", () => {
    const { file, low, high } = storeWithThreeRuns();
    const best = (...args: string[]) => {
      const r = spawnSync(process.execPath, [cli, "runs", "best", ...args, "--store", file, "--json"], { encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      return (JSON.parse(r.stdout) as { id: number }).id;
    };
    assert.equal(best("val_loss"), low);
    assert.equal(best("accuracy"), high);
    assert.equal(best("val_loss", "--max"), high);
    assert.equal(best("accuracy", "--min"), low);
  });

  it("early stopping on an accuracy keeps the epoch of the highest one", async () => {
    const r = seededRandom(5);
    const x = Array.from({ length: 120 }, (_, i) => [(i % 3) + r() * 1.5, r()]);
    const y = x.map((_, i) => ["a", "b", "c"][i % 3] as string);
    const m = await trainModel({ x, y, validation: { x, y } }, { task: "classification", hidden: [4], epochs: 40, seed: 2, learningRate: 0.05, progress: false, earlyStopping: { monitor: "val_accuracy", patience: 4 } });
    const best = Math.max(...m.history.map((h) => h.val_accuracy as number));
    assert.equal(m.history[m.bestEpoch - 1]?.val_accuracy, best);
    assert.equal(m.history.findIndex((h) => h.val_accuracy === best) + 1, m.bestEpoch, "the first epoch that reached it");
    m.model.dispose();
  });
});
