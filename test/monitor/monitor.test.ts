import assert from "node:assert/strict";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import type { DataFrame } from "danfojs-node";
import { ColumnarTable, loadDataset } from "../../src/data";
import { loadPipeline, packagePipeline } from "../../src/deploy";
import type { LoadedPipeline } from "../../src/deploy";
import { driftDistributions, driftOverTime } from "../../src/charts";
import { ColumnTransformer, OneHotEncoder, StandardScaler, trainModel, trainTestSplit } from "../../src/ml";
import { monitorCommand } from "../../src/cli/monitor-command";
import { monitorPipeline } from "../../src/monitor";
import { ExperimentStore, startServingRun } from "../../src/tracking";
import { tempDir } from "../helpers/tmp";

const FEATURES = ["Beak Length (mm)", "Beak Depth (mm)", "Flipper Length (mm)", "Body Mass (g)"];
const INPUTS = [...FEATURES, "Island"];

describe("monitoring a served pipeline", () => {
  const dir = tempDir();
  let pipeline: LoadedPipeline;
  let store: ExperimentStore;
  let rows: Record<string, unknown>[];

  before(async () => {
    const df = loadDataset("penguins").dropNa({ axis: 1 });
    const { train } = trainTestSplit(df, { testSize: 0.25, seed: 5, stratify: "Species" });
    const prep = new ColumnTransformer([
      ["num", new StandardScaler({ columns: FEATURES })],
      ["island", new OneHotEncoder({ columns: ["Island"] })],
    ]);
    const model = await trainModel({ x: prep.fitTransform((train as DataFrame).loc({ columns: INPUTS })), y: train.column("Species") }, { task: "classification", epochs: 5, seed: 5 });
    await packagePipeline(join(dir, "pkg"), { model, transformers: [prep], reference: train, run: { id: 7, experiment: "penguins", params: {}, metrics: {} } });
    pipeline = await loadPipeline(join(dir, "pkg"));
    const all = ColumnarTable.fromDanfo(df.loc({ columns: INPUTS }));
    rows = Array.from({ length: all.rows }, (_, i) => Object.fromEntries(all.columns.map((c) => [c, all.value(c, i)])));
    store = ExperimentStore.open(join(dir, "experiments.db"));
  });

  it("finds no drift in inputs like training's, and the drift of shifted inputs window by window, recorded as a monitoring run", async () => {
    const serving = startServingRun(store, { model: { id: 7, experiment: "penguins" } });
    const t0 = Date.UTC(2026, 10, 1);
    // First 300 rows as in training, then 300 heavier penguins on Dream only.
    const normal = rows.slice(0, 300).map((r, i) => ({ inputs: r, outputs: {}, latencyMs: 1, tsMs: t0 + i * 1000, modelRunId: 7 }));
    const shifted = rows.slice(0, 300).map((r, i) => ({ inputs: { ...r, "Body Mass (g)": (r["Body Mass (g)"] as number) + 1500, "Flipper Length (mm)": (r["Flipper Length (mm)"] as number) + 25, "Beak Depth (mm)": (r["Beak Depth (mm)"] as number) + 4, Island: "Dream" }, outputs: {}, latencyMs: 1, tsMs: t0 + (300 + i) * 1000, modelRunId: 7 }));
    store.logPredictions(serving, normal);
    const calm = await monitorPipeline(pipeline, store, { windows: 2 });
    assert.equal(calm.drift.drifted, false, JSON.stringify(calm.drift.columns.map((c) => [c.column, c.drifted])));
    store.logPredictions(serving, shifted);
    const report = await monitorPipeline(pipeline, store, { windows: 2, since: new Date(t0).toISOString() });
    assert.equal(report.current.rows, 600);
    assert.equal(report.drift.drifted, true);
    assert.deepEqual(report.windows.map((w) => w.drift.drifted), [false, true], "the second window drifted, the first did not");
    const byColumn = Object.fromEntries(report.windows[1]?.drift.columns.map((c) => [c.column, c.drifted]) ?? []);
    assert.equal(byColumn["Body Mass (g)"], true);
    assert.equal(byColumn.Island, true);
    assert.equal(byColumn["Beak Length (mm)"], false, "an unshifted column did not drift");

    assert.ok(report.runId !== null);
    const run = store.runDetails(report.runId);
    assert.equal(run?.experiment, "penguins/monitoring");
    assert.equal(run?.metrics["drift.detected"], 1);
    assert.equal(run?.metrics["drift.Body Mass (g).drifted"], 1);
    assert.deepEqual(store.metricHistory(report.runId, "drift.detected").map((p) => p.value), [0, 1, 1], "window 1, window 2, then the whole period");
  });

  it("draws each column's distributions and the drifted share over windows", async () => {
    const report = await monitorPipeline(pipeline, store, { windows: 2, record: false });
    const chart = driftDistributions(report.reference, report.current, report.drift);
    assert.match(chart.html, /Body Mass \(g\) · (ks|wasserstein)/);
    assert.match(chart.html, /DRIFT/);
    for (const c of INPUTS) assert.ok(chart.html.includes(`${c.replace(/&/g, "&amp;")} · `), `a panel for ${c}`);
    assert.match(driftOverTime(report.windows).html, /<svg/);
  });

  it("is a CLI command that prints the drift by column and records a run", async () => {
    const lines: string[] = [];
    const log = console.log;
    console.log = (line: string) => void lines.push(line);
    try {
      assert.equal(await monitorCommand.run([join(dir, "pkg"), "--store", join(dir, "experiments.db"), "--windows", "2"]), 0);
    } finally {
      console.log = log;
    }
    assert.match(lines.join("\n"), /^DRIFT: \d of 5 columns drifted/m);
    assert.match(lines.join("\n"), /Body Mass \(g\) +numeric .*drifted/);
    assert.match(lines.join("\n"), /by window: \d+% -> \d+%/);
    assert.match(lines.join("\n"), /recorded as run \d+/);
    await assert.rejects(monitorCommand.run([join(dir, "pkg"), "--since", "yesterday-ish"]), /invalid --since/);
  });

  it("says what to do when nothing is logged or the package does not name its run", async () => {
    const empty = ExperimentStore.open(join(dir, "empty.db"));
    try {
      await assert.rejects(monitorPipeline(pipeline, empty), /no predictions of run 7's model are logged.*pipelab serve/);
    } finally {
      empty.close();
    }
  });
});
