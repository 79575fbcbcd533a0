import assert from "node:assert/strict";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { ExperimentStore } from "../../src/tracking";
import type { RunDetails } from "../../src/tracking";
import { chartsOf, errorsOf, executeNotebook, testKernel, textOf } from "../helpers/jupyter";
import type { Notebook } from "../helpers/jupyter";
import { tempDir } from "../helpers/tmp";

const root = join(__dirname, "..", "..");
const notebookFile = join(root, "notebooks", "01-penguins-classification.ipynb");

function allStdout(nb: Notebook): string {
  return nb.cells.map((_, i) => textOf(nb, i)).join("");
}

describe("notebooks/01-penguins-classification.ipynb under the real pipelab kernel", () => {
  const dir = tempDir();
  const store = join(dir, "experiments.db");
  const env = { ...testKernel(join(dir, "jupyter")), PIPELAB_STORE: store, PIPELAB_CACHE_DIR: join(dir, "cache") };
  let first: Notebook;
  let second: Notebook;
  before(() => {
    first = executeNotebook(notebookFile, { outDir: join(dir, "first"), env, cwd: join(root, "notebooks"), timeoutSeconds: 600 }).notebook;
    second = executeNotebook(notebookFile, { outDir: join(dir, "second"), env, cwd: join(root, "notebooks"), timeoutSeconds: 600 }).notebook;
  });

  it("runs without errors and draws its charts inline as SVG", () => {
    assert.deepEqual(errorsOf(first), []);
    const charts = chartsOf(first);
    // distributions, learning curves, confusion matrix, ROC, the runs table's chart: 5 SVG charts (the table is HTML).
    assert.ok(charts.length >= 5, `${charts.length} charts`);
    for (const title of ["Feature distributions", "Learning curves", "Confusion matrix", "ROC", "Precision", "test_accuracy", "Parameters and metrics of"]) {
      assert.ok(charts.some((c) => c.includes(title)), `a chart titled ${title}`);
    }
  });

  it("reaches the accuracy floor: test accuracy of at least 0.95", () => {
    const s = ExperimentStore.open(store);
    const [run] = s.listRuns({ experiment: "penguins" }).reverse();
    assert.ok(run);
    const metrics = s.runDetails(run.id)?.metrics ?? {};
    assert.ok((metrics.test_accuracy ?? 0) >= 0.95, `test_accuracy ${metrics.test_accuracy}`);
    assert.equal(s.metricHistory(run.id, "val_accuracy").length, 60, "the run holds its own training's history");
    s.close();
  });

  it("recomputes only train and evaluate after a parameter change, in a new run", () => {
    const out = allStdout(first);
    assert.match(out, /pipelab: parameters changed \(hidden 16 -> 32\): run 1 ended, run 2 started/);
    for (const step of ["load", "clean", "split", "scale"]) assert.match(out, new RegExp(`✓ ${step}\\s+fresh`));
    assert.match(out, /✗ train\s+stale\s+param hidden changed \(16 -> 32\)/);
    assert.match(out, /✗ evaluate\s+stale\s+upstream step train is not fresh/);
    const afterRun = out.slice(out.indexOf("✗ evaluate"));
    assert.deepEqual([...afterRun.matchAll(/▸ (\w+): computed/g)].map((m) => m[1]), ["train", "evaluate"]);
  });

  it("serves every step from the cache on a second execution, in a new kernel", () => {
    const out = allStdout(second);
    const lines = [...out.matchAll(/▸ (\w+): (computed|cached \((memory|disk))/g)].map((m) => `${m[1]}:${m[3] ?? "computed"}`);
    assert.ok(lines.length >= 8, lines.join(" "));
    assert.deepEqual(lines.filter((l) => l.endsWith(":computed")), [], `everything cached: ${lines.join(" ")}`);
    const s = ExperimentStore.open(store);
    // Each execution makes two runs: one per parameter set (hidden 16, then 32).
    const runs = s.listRuns({ experiment: "penguins" }).map((r) => s.runDetails(r.id)!);
    assert.deepEqual(runs.map((r) => r.params.hidden), [32, 16, 32, 16]);
    const pairs: [RunDetails, RunDetails][] = [
      [runs[0]!, runs[2]!],
      [runs[1]!, runs[3]!],
    ];
    for (const [cached, computed] of pairs) {
      assert.equal(cached.metrics.test_accuracy, computed.metrics.test_accuracy, "a cached run has the same final metrics");
      assert.equal(s.metricHistory(cached.id, "val_accuracy").length, 60, "and the training history, replayed from the cache");
    }
    s.close();
  });
});
