import assert from "node:assert/strict";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { ExperimentStore } from "../../src/tracking";
import { chartsOf, errorsOf, executeNotebook, testKernel, textOf } from "../helpers/jupyter";
import type { Notebook } from "../helpers/jupyter";
import { tempDir } from "../helpers/tmp";

const root = join(__dirname, "..", "..");
const notebookFile = join(root, "notebooks", "02-cars-regression.ipynb");

describe("notebooks/02-cars-regression.ipynb under the real pipelab kernel", () => {
  const dir = tempDir();
  const store = join(dir, "experiments.db");
  const env = { ...testKernel(join(dir, "jupyter")), PIPELAB_STORE: store, PIPELAB_CACHE_DIR: join(dir, "cache") };
  let first: Notebook;
  let second: Notebook;
  before(() => {
    first = executeNotebook(notebookFile, { outDir: join(dir, "first"), env, cwd: join(root, "notebooks"), timeoutSeconds: 600 }).notebook;
    second = executeNotebook(notebookFile, { outDir: join(dir, "second"), env, cwd: join(root, "notebooks"), timeoutSeconds: 600 }).notebook;
  });

  it("runs without errors and draws residuals, predicted-vs-actual and learning curves", () => {
    assert.deepEqual(errorsOf(first), []);
    const charts = chartsOf(first);
    assert.equal(charts.filter((c) => c.includes("Residuals")).length, 2, "one residual plot per model");
    assert.ok(charts.some((c) => c.includes("Predicted")));
    assert.ok(charts.some((c) => c.includes("Learning curves")));
  });

  it("records both models' errors, above the floors, in one run", () => {
    const s = ExperimentStore.open(store);
    const [run] = s.listRuns({ experiment: "cars" }).reverse();
    const metrics = s.runDetails(run!.id)?.metrics ?? {};
    s.close();
    assert.ok((metrics.linear_r2 ?? 0) > 0.6, `linear r2 ${metrics.linear_r2}`);
    assert.ok((metrics.mlp_r2 ?? 0) > 0.6, `mlp r2 ${metrics.mlp_r2}`);
    assert.ok((metrics.mlp_rmse ?? 99) < 5, `mlp rmse ${metrics.mlp_rmse} mpg`);
    for (const key of ["linear_loss", "val_linear_loss", "mlp_loss", "val_mlp_loss"]) assert.ok(key in metrics, key);
  });

  it("serves every step from the cache on a second execution, with the same metrics", () => {
    const out = second.cells.map((_, i) => textOf(second, i)).join("");
    const lines = [...out.matchAll(/▸ ([\w-]+): (computed|cached)/g)].map((m) => `${m[1]}:${m[2]}`);
    assert.equal(lines.length, 8, lines.join(" "));
    assert.deepEqual(lines.filter((l) => l.endsWith(":computed")), []);
    const s = ExperimentStore.open(store);
    const [latest, earlier] = s.listRuns({ experiment: "cars" }).map((r) => s.runDetails(r.id)!);
    assert.equal(latest?.metrics.mlp_r2, earlier?.metrics.mlp_r2);
    s.close();
  });
});
