import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { richBundle } from "../../src/display";
import type { PLAN_STATES, PlanRow } from "../../src/display/plan";
import type { ReportShape } from "../../src/display/report";
import { evaluate, seededRandom, trainModel } from "../../src/ml";
import type { EvaluationReport } from "../../src/ml";
import { untracked } from "../../src/pipeline";
import { ExperimentStore } from "../../src/tracking";
import type { RunId } from "../../src/tracking";
import { Workbench } from "../../src/workbench";
import type { PlanEntry, StepState } from "../../src/workbench";
import { bundleOf, column, readTable, readTables } from "../helpers/rich-display";
import { tempDir } from "../helpers/tmp";

// display keeps its own copy of the shapes of plans and reports (it sits below the workbench and ml):
// these fail to compile when the copies and the originals part.
const entryIsRow = (e: PlanEntry): PlanRow => e;
const reportIsShape = (r: EvaluationReport): ReportShape => r;
const everyState: [Exclude<StepState, (typeof PLAN_STATES)[number]>] extends [never] ? true : never = true;
void entryIsRow;
void reportIsShape;
void everyState;

describe("rich display of evaluation reports", () => {
  it("shows a classifier's metrics, classes and confusion matrix, also once read back from the cache", async () => {
    const r = seededRandom(1);
    const x = Array.from({ length: 90 }, (_, i) => [(i % 3) + r() * 0.5, r()]);
    const y = x.map((_, i) => ["<a>", "b", "c"][i % 3] as string);
    const model = await trainModel({ x, y }, { task: "classification", hidden: [8], epochs: 10, learningRate: 0.05, seed: 3, progress: false });
    const report = evaluate(model, x, y);
    model.model.dispose();
    for (const value of [report, JSON.parse(JSON.stringify(report)) as unknown]) {
      const [metrics, classes, confusion] = readTables(bundleOf(value)["text/html"] ?? "");
      assert.equal(metrics?.caption, "classification report: 90 samples");
      assert.deepEqual(metrics?.header, ["metric", "value"]);
      assert.deepEqual(column(metrics?.rows ?? [], 0), Object.keys(report.metrics));
      assert.equal(metrics?.rows[0]?.[1], String(Number((report.metrics.accuracy as number).toPrecision(6))));
      assert.deepEqual(classes?.header, ["class", "support", "ROC AUC", "average precision"]);
      assert.deepEqual(column(classes?.rows ?? [], 0), ["<a>", "b", "c"]);
      assert.deepEqual(column(classes?.rows ?? [], 1), ["30", "30", "30"]);
      assert.deepEqual(confusion?.header, ["actual \\ predicted", "<a>", "b", "c"]);
      const counts = (confusion?.rows ?? []).flatMap((row) => row.slice(1).map(Number));
      assert.equal(counts.reduce((s, n) => s + n, 0), 90);
    }
    assert.ok(!(bundleOf(report)["text/html"] ?? "").includes("<a>"), "class labels are escaped");
  });

  it("shows a regressor's metrics", async () => {
    const x = Array.from({ length: 40 }, (_, i) => [i / 40]);
    const model = await trainModel({ x, y: x.map(([v]) => 2 * (v as number)) }, { task: "regression", epochs: 5, seed: 1, progress: false });
    const report = evaluate(model, x, x.map(([v]) => 2 * (v as number)));
    model.model.dispose();
    const table = readTable(bundleOf(report)["text/html"]);
    assert.equal(table.caption, "regression report: 40 samples");
    assert.deepEqual(column(table.rows, 0), ["mae", "mse", "rmse", "r2"]);
  });
});

describe("rich display of runs from the store", () => {
  function store(): ExperimentStore {
    return ExperimentStore.open(join(tempDir(), "experiments.db"));
  }

  it("shows a run as its fields, then its params and metrics, every string escaped", () => {
    const s = store();
    const run = s.createRun({ experiment: "display", sourceKind: "script", name: "<img src=x>" });
    s.logParams(run, { lr: 0.01, model: "mlp" });
    s.logMetric(run, "accuracy", 0.9123456789);
    s.setTag(run, "who", "<i>me</i>");
    s.endRun(run, "finished");
    const details = s.runDetails(run);
    const bundle = bundleOf(details);
    const [fields, values] = readTables(bundle["text/html"] ?? "");
    assert.equal(fields?.caption, `run #${run} <img src=x>`);
    const field = (name: string): string | undefined => fields?.rows.find((r) => r[0] === name)?.[1];
    assert.equal(field("status"), "finished");
    assert.equal(field("experiment"), "display");
    assert.equal(field("tags.who"), "<i>me</i>");
    assert.deepEqual(new Map(values?.rows.map((r) => [r[0], r[1]])), new Map([["params.lr", "0.01"], ["params.model", "mlp"], ["metrics.accuracy", "0.912346"]]));
    assert.ok(!(bundle["text/html"] ?? "").includes("<img") && !(bundle["text/html"] ?? "").includes("<i>"), "no markup from the store");
    assert.match(bundle["text/plain"], /params\.lr\s+0\.01/);
    // A run's record alone (getRun) is its fields; read back as JSON it is still a run.
    assert.equal(readTables(bundleOf(s.getRun(run))["text/html"] ?? "").length, 1);
    assert.equal(readTables(bundleOf(JSON.parse(JSON.stringify(details)))["text/html"] ?? "").length, 2);
    s.close();
  });

  it("shows a list of runs and a comparison as one row per run, long ones by their first and last 10", () => {
    const s = store();
    const ids: RunId[] = [];
    for (let i = 0; i < 30; i++) {
      const run = s.createRun({ experiment: "many", sourceKind: "script", name: `run ${i}` });
      s.logParams(run, { lr: i / 100 });
      s.logMetric(run, "loss", 1 / (i + 1));
      s.endRun(run, "finished");
      ids.push(run);
    }
    const newestFirst = [...ids].reverse().map(String);
    const list = readTable(bundleOf(s.listRuns({ experiment: "many" }))["text/html"]);
    assert.deepEqual(list.header, ["id", "name", "experiment", "status", "started"]);
    assert.deepEqual(column(list.rows, 0), [...newestFirst.slice(0, 10), "…", ...newestFirst.slice(20)]);
    assert.equal(list.footer, "30 runs");

    const details = readTable(bundleOf(ids.slice(0, 3).map((id) => s.runDetails(id)))["text/html"]);
    assert.deepEqual(details.header, ["id", "name", "experiment", "status", "started", "params.lr", "metrics.loss"]);
    assert.deepEqual(details.rows.map((r) => [r[1], r[5], r[6]]), [["run 0", "0", "1"], ["run 1", "0.01", "0.5"], ["run 2", "0.02", "0.333333"]]);

    const page = readTable(bundleOf(s.compareRuns({ experiment: "many", limit: 5, offset: 5 }))["text/html"]);
    assert.deepEqual(page.header.slice(-2), ["params.lr", "metrics.loss"]);
    assert.deepEqual(column(page.rows, 0), newestFirst.slice(5, 10));
    assert.equal(page.footer, "runs 6–10 of 30");
    assert.equal(richBundle(s.listRuns({ experiment: "none" })), undefined, "an empty list has no rich form");
    s.close();
  });
});

describe("rich display of a plan", () => {
  it("shows each step, its state and why", async () => {
    const dir = tempDir();
    const wb = await Workbench.open({ experiment: "plan", store: join(dir, "experiments.db"), cacheDir: join(dir, "cache"), print: () => {} });
    const calls = untracked({ n: 0 });
    const p = wb.params({ epochs: 3 });
    const data = await wb.step("load", () => [1, 2, 3]);
    await wb.step("fit", { data, p }, ({ data, p }) => (calls.n++, data.length * p.epochs));
    wb.params({ epochs: 5 });
    const plan = await wb.plan();
    const table = readTable(bundleOf(plan)["text/html"]);
    assert.deepEqual(table.header, ["step", "state", "reasons"]);
    assert.deepEqual(table.rows, plan.map((e) => [e.step, e.state, e.reasons.join("; ")]));
    assert.deepEqual(table.rows.find((r) => r[0] === "fit"), ["fit", "stale", "param epochs changed (3 -> 5)"]);
    assert.equal(table.footer, "2 steps, 1 to compute");
    wb.finish();
  });
});
