import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { ExperimentStore } from "../../src/tracking";
import { chartsOf, errorsOf, executeNotebook, testKernel, textOf } from "../helpers/jupyter";
import type { Notebook } from "../helpers/jupyter";
import { tempDir } from "../helpers/tmp";

const root = join(__dirname, "..", "..");
const notebookFile = join(root, "notebooks", "03-compare-runs.ipynb");

describe("notebooks/03-compare-runs.ipynb under the real pipelab kernel", () => {
  const dir = tempDir();
  const store = join(dir, "experiments.db");
  const env = { ...testKernel(join(dir, "jupyter")), PIPELAB_STORE: store, PIPELAB_CACHE_DIR: join(dir, "cache") };
  let first: Notebook;
  let second: Notebook;
  before(() => {
    first = executeNotebook(notebookFile, { outDir: join(dir, "first"), env, cwd: join(root, "notebooks"), timeoutSeconds: 900 }).notebook;
    second = executeNotebook(notebookFile, { outDir: join(dir, "second"), env, cwd: join(root, "notebooks"), timeoutSeconds: 900 }).notebook;
  });
  const out = (nb: typeof first): string => nb.cells.map((_, i) => textOf(nb, i)).join("");

  it("sweeps 4 combinations as 4 runs, recomputing only train and evaluate", () => {
    assert.deepEqual(errorsOf(first), []);
    const s = ExperimentStore.open(store);
    const runs = s.listRuns({ experiment: "compare-runs" }).reverse().slice(0, 4).map((r) => s.runDetails(r.id)!);
    s.close();
    assert.deepEqual(runs.map((r) => [r.params.lr, r.params.hidden]), [[0.003, 4], [0.003, 16], [0.03, 4], [0.03, 16]]);
    for (const r of runs) assert.ok((r.metrics.test_accuracy ?? 0) > 0.5, `run ${r.id}: test_accuracy ${r.metrics.test_accuracy}`);
    const sweep = out(first).slice(out(first).indexOf("run 1 ended"));
    assert.deepEqual([...new Set([...sweep.matchAll(/▸ (\w+): computed/g)].map((m) => m[1]))], ["train", "evaluate"]);
  });

  it("draws learning curves of all runs, accuracy by parameter, and the comparison", () => {
    const charts = chartsOf(first);
    const curves = charts.find((c) => c.includes("Learning curves"));
    assert.ok(curves);
    for (let id = 1; id <= 4; id++) assert.match(curves, new RegExp(`#${id}\\b`), `run ${id} in the legend`);
    assert.ok(charts.some((c) => c.includes("test_accuracy by parameter")));
    assert.ok(charts.some((c) => c.includes("test_log_loss")));
  });

  it("picks the best run and exports the pipeline to rerun it", () => {
    const text = out(first);
    assert.match(text, /run: \d+,\n\s+params: \{ epochs: 40, hidden: \d+, lr: [\d.]+, seed: 7, testSize: 0\.25 \}/);
    assert.match(text, /npx pipelab run \.\.\/pipelines\/compare-runs\.ts --param lr=[\d.]+ --param hidden=\d+/);
    assert.ok(existsSync(join(root, "pipelines", "compare-runs.ts")));
  });

  it("serves the second execution from the cache", () => {
    const lines = [...out(second).matchAll(/▸ (\w+): (computed|cached)/g)].map((m) => `${m[1]}:${m[2]}`);
    assert.ok(lines.length >= 6, lines.join(" "));
    assert.deepEqual(lines.filter((l) => l.endsWith(":computed")), []);
  });
});
