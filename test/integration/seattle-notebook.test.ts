import assert from "node:assert/strict";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { ExperimentStore } from "../../src/tracking";
import { chartsOf, errorsOf, executeNotebook, testKernel, textOf } from "../helpers/jupyter";
import type { Notebook } from "../helpers/jupyter";
import { tempDir } from "../helpers/tmp";

const root = join(__dirname, "..", "..");
const notebookFile = join(root, "notebooks", "04-seattle-weather.ipynb");

describe("notebooks/04-seattle-weather.ipynb under the real pipelab kernel", () => {
  const dir = tempDir();
  const store = join(dir, "experiments.db");
  const env = { ...testKernel(join(dir, "jupyter")), PIPELAB_STORE: store, PIPELAB_CACHE_DIR: join(dir, "cache") };
  let first: Notebook;
  let second: Notebook;
  before(() => {
    first = executeNotebook(notebookFile, { outDir: join(dir, "first"), env, cwd: join(root, "notebooks"), timeoutSeconds: 900 }).notebook;
    second = executeNotebook(notebookFile, { outDir: join(dir, "second"), env, cwd: join(root, "notebooks"), timeoutSeconds: 900 }).notebook;
  });

  it("runs without errors and draws distributions, two confusion matrices and PR curves", () => {
    assert.deepEqual(errorsOf(first), []);
    const charts = chartsOf(first);
    assert.equal(charts.filter((c) => c.includes("Confusion matrix")).length, 2);
    assert.ok(charts.some((c) => c.includes("Feature distributions")));
    assert.ok(charts.some((c) => c.includes("Precision")));
  });

  it("handles the imbalance: oversampling raises balanced accuracy, above the floors", () => {
    const s = ExperimentStore.open(store);
    const [run] = s.listRuns({ experiment: "seattle-weather" }).reverse();
    const m = s.runDetails(run!.id)?.metrics ?? {};
    s.close();
    assert.ok((m.plain_accuracy ?? 0) >= 0.8, `plain accuracy ${m.plain_accuracy}`);
    assert.ok((m.balanced_balanced_accuracy ?? 0) >= 0.58, `balanced accuracy with oversampling ${m.balanced_balanced_accuracy}`);
    assert.ok((m.balanced_balanced_accuracy ?? 0) > (m.plain_balanced_accuracy ?? 1), "oversampling finds more of the rare days");
  });

  it("serves every step from the cache on a second execution", () => {
    const out = second.cells.map((_, i) => textOf(second, i)).join("");
    const lines = [...out.matchAll(/▸ ([\w-]+): (computed|cached)/g)].map((m) => `${m[1]}:${m[2]}`);
    assert.equal(lines.length, 8, lines.join(" "));
    assert.deepEqual(lines.filter((l) => l.endsWith(":computed")), []);
  });
});
