import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { ExperimentStore } from "../../src/tracking";
import type { MetricPoint } from "../../src/tracking";
import { chartsOf, errorsOf } from "../helpers/jupyter";
import type { Notebook } from "../helpers/jupyter";
import { executeTwice, notebookFolder } from "../helpers/notebook-twice";
import type { StoredRun } from "../helpers/notebook-twice";

const root = join(__dirname, "..", "..");
const source = join(root, "notebooks", "06-deploy-and-monitor.ipynb");
const EXPERIMENT = "penguins-deploy";
/** The notebook's steps, in the order it runs them. */
const STEPS = ["load", "clean", "split", "prepare", "train", "evaluate"];
/** The notebook sends 200 usual rows, then 200 shifted ones, in windows of 100: two usual windows, two shifted. */
const SENT_ROWS = 400;
const WINDOWS = 4;

// The notebook writes its package (packages/penguins) beside itself, in the test's folder.
describe("notebooks/06-deploy-and-monitor.ipynb under the real pipelab kernel", () => {
  const dir = notebookFolder(source);
  let seconds: number[];
  let first: Notebook;
  let second: Notebook;
  /** Oldest first, in each experiment. */
  let training: StoredRun[] = [];
  let serving: (StoredRun & { logged: number; modelRun: string | undefined })[] = [];
  let monitoring: (StoredRun & { detected: MetricPoint[]; modelRun: string | undefined })[] = [];

  before(() => {
    const twice = executeTwice(source, dir, { timeoutSeconds: 600 });
    ({ seconds, first, second } = twice);
    training = twice.runsOf(EXPERIMENT);
    const s = ExperimentStore.open(twice.store);
    try {
      const counts = s.predictionCounts();
      serving = twice.runsOf(`${EXPERIMENT}/serving`).map((r) => ({ ...r, logged: counts.get(r.record.id) ?? 0, modelRun: s.runDetails(r.record.id)?.tags["pipelab.serving.model_run"] }));
      monitoring = twice.runsOf(`${EXPERIMENT}/monitoring`).map((r) => ({
        ...r,
        detected: s.metricHistory(r.record.id, "drift.detected"),
        modelRun: s.runDetails(r.record.id)?.tags["pipelab.monitor.model_run"],
      }));
    } finally {
      s.close();
    }
  });

  it("runs twice without errors: each time a training run, a serving run and a monitoring run", (t) => {
    t.diagnostic(`first execution ${seconds[0]?.toFixed(1)} s, second ${seconds[1]?.toFixed(1)} s`);
    assert.deepEqual(errorsOf(first), []);
    assert.deepEqual(errorsOf(second), []);
    for (const runs of [training, serving, monitoring]) {
      assert.deepEqual(
        runs.map((r) => r.record.status),
        ["finished", "finished"],
      );
    }
    assert.ok(existsSync(join(dir, "packages", "penguins", "pipeline.json")), "the package is in the notebook's folder");
  });

  it("trains a classifier that reaches a test accuracy of at least 0.95, the same from the cache", () => {
    const [computed, served] = training;
    assert.ok((computed?.metrics.test_accuracy ?? 0) >= 0.95, `test_accuracy ${computed?.metrics.test_accuracy}`);
    assert.equal(served?.metrics.test_accuracy, computed?.metrics.test_accuracy);
  });

  it("computes every training step on the first execution and serves all of them from the disk cache on the second", () => {
    const [computed, served] = training;
    assert.deepEqual(
      computed?.steps.map((e) => `${e.step}:${e.outcome}`),
      STEPS.map((s) => `${s}:miss`),
    );
    assert.deepEqual(
      served?.steps.map((e) => `${e.step}:${e.outcome}:${e.tier}`),
      STEPS.map((s) => `${s}:hit:disk`),
    );
  });

  it("packages a pipeline that predicts what the notebook predicts", () => {
    for (const run of training) {
      assert.equal(run.metrics.package_label_mismatches, 0);
      const diff = run.metrics.package_max_prob_diff;
      assert.ok(typeof diff === "number" && diff >= 0 && diff < 1e-5, `package_max_prob_diff ${diff}`);
    }
  });

  it("serves every row sent and logs each prediction to a serving run tagged with the model's run", () => {
    training.forEach((run, i) => {
      assert.equal(run.metrics.requests_rows_sent, SENT_ROWS);
      assert.equal(run.metrics.served_rows, SENT_ROWS);
      assert.equal(run.metrics.rejected_requests, 1, "the one bad request");
      const session = serving[i];
      assert.equal(session?.modelRun, String(run.record.id));
      assert.ok((session?.logged ?? 0) >= SENT_ROWS, `serving run ${session?.record.id} logged ${session?.logged} predictions`);
    });
  });

  it("records a monitoring run whose usual windows did not drift and whose shifted traffic did", () => {
    training.forEach((run, i) => {
      const monitor = monitoring[i];
      assert.equal(monitor?.modelRun, String(run.record.id));
      // One point per window (steps 0 to 3), then the whole period (step 4): its final value.
      assert.deepEqual(
        monitor?.detected.map((p) => `${p.step}:${p.value}`),
        ["0:0", "1:0", "2:1", "3:1", `${WINDOWS}:1`],
      );
      assert.equal(monitor?.metrics["drift.detected"], 1);
      assert.equal(monitor?.metrics["drift.Body Mass (g).drifted"], 1);
      assert.equal(monitor?.metrics["drift.Island.drifted"], 1);
      assert.equal(monitor?.metrics["drift.Beak Length (mm).drifted"], 0, "a column left alone did not drift");
    });
  });

  it("draws the drift and the monitoring runs", () => {
    const charts = chartsOf(first);
    assert.ok(charts.some((c) => c.includes("Drift: 3 of 5 columns drifted")), "the distributions of the whole period");
    assert.ok(charts.some((c) => c.includes("Drifted share of columns, window by window")));
  });
});
