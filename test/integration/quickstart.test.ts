import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { ExperimentStore } from "../../src/tracking";
import { chartsOf, errorsOf, executeNotebook, testKernel, text, textOf } from "../helpers/jupyter";
import type { Notebook } from "../helpers/jupyter";
import { tempDir } from "../helpers/tmp";

const root = join(__dirname, "..", "..");

describe("notebooks/00-quickstart.ipynb under the real pipelab kernel", () => {
  const dir = tempDir();
  const store = join(dir, "experiments.db");
  const env = { ...testKernel(join(dir, "jupyter")), PIPELAB_STORE: store, PIPELAB_CACHE_DIR: join(dir, "cache") };
  let notebook: Notebook;
  before(() => {
    notebook = executeNotebook(join(root, "notebooks", "00-quickstart.ipynb"), { outDir: dir, env, cwd: join(root, "notebooks") }).notebook;
  });

  it("executes every cell without an error", () => {
    // executeNotebook has already thrown if nbconvert reported a failed cell; no cell printed an error either.
    assert.deepEqual(errorsOf(notebook), []);
    assert.ok(notebook.cells.filter((c) => c.cell_type === "code").length >= 6);
  });

  it("shows an Observable Plot chart inline as SVG, and the pipeline graph", () => {
    const charts = chartsOf(notebook);
    assert.equal(charts.length, 2);
    assert.match(charts[1] as string, /Pipeline: 3 steps, all fresh/);
    const chart = charts[0] as string;
    assert.match(chart, /<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.ok((chart.match(/<circle/g) ?? []).length > 300, "the scatter plot should have a dot per penguin");
    assert.match(chart, /Flipper length against body mass/);
  });

  it("shows results as Out[n], and a frame as an HTML table with its shape", () => {
    const results = notebook.cells.flatMap((c) => (c.outputs ?? []).filter((o) => o.output_type === "execute_result"));
    assert.ok(results.length >= 4, `cells ending in an expression show an Out[n] (${results.length})`);
    const clean = notebook.cells[6]?.outputs?.find((o) => o.output_type === "execute_result");
    const html = text(clean?.data?.["text/html"]);
    assert.match(html, /<table class="pipelab-table"/);
    assert.match(html, /Beak Length \(mm\)/);
    assert.match(html, /\d+ rows × 7 columns/);
    assert.match(text(clean?.data?.["text/plain"]), /\d+ rows × 7 columns/);
    const plan = notebook.cells[12]?.outputs?.find((o) => o.output_type === "execute_result");
    assert.match(text(plan?.data?.["text/html"]), /<table/);
  });

  it("says what each step did", () => {
    const all = notebook.cells.map((_, i) => textOf(notebook, i)).join("");
    assert.match(all, /▸ load: computed in [\d.]+ (ms|s)/);
    assert.match(all, /▸ clean: computed in/);
    assert.match(all, /✓ nearest-centroid\s+fresh\s+cached in memory/);
    assert.match(all, /backend wasm \(tfjs 4\.22\.0/);
    assert.doesNotMatch(all, /⚠/, "no step reads anything it does not declare");
  });

  it("shows the notebook's run in `pipelab runs ls` with its params, metric and status", () => {
    const r = spawnSync(process.execPath, [join(root, "dist", "cli", "main.js"), "runs", "ls", "--store", store], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /id\s+experiment\s+status\s+started\s+params\s+accuracy/);
    assert.match(r.stdout, /\n1\s+quickstart\s+finished\s+\S+ \S+\s+seed=7 testFraction=0\.25\s+0\.9643/);
  });

  it("records the run, its parameters and its metric in the store", () => {
    const s = ExperimentStore.open(store);
    try {
      const runs = s.listRuns({ experiment: "quickstart" });
      assert.equal(runs.length, 1);
      const run = s.runDetails(runs[0]!.id)!;
      assert.equal(run.status, "finished", "the kernel's shutdown should finish the run");
      assert.equal(run.sourceKind, "notebook");
      assert.deepEqual(run.params, { testFraction: 0.25, seed: 7 });
      assert.ok(run.metrics.accuracy! > 0.9, `accuracy ${run.metrics.accuracy} should be above 0.9`);
      assert.match(run.tfBackend ?? "", /^wasm/);
      assert.deepEqual(
        s.stepExecutions(run.id).map((e) => [e.step, e.outcome]),
        [
          ["load", "miss"],
          ["clean", "miss"],
          ["nearest-centroid", "miss"],
        ],
      );
    } finally {
      s.close();
    }
  });
});
