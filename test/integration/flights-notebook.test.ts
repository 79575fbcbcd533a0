import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { before, describe, it } from "node:test";
import { datasetPath, readParquet, sql } from "../../src/data";
import { deltaHistory, readDelta } from "../../src/data/delta";
import { chartsOf, errorsOf, textOf } from "../helpers/jupyter";
import type { Notebook } from "../helpers/jupyter";
import { executeTwice, notebookFolder } from "../helpers/notebook-twice";
import type { StoredRun } from "../helpers/notebook-twice";

const root = join(__dirname, "..", "..");
const source = join(root, "notebooks", "05-flights-at-scale.ipynb");
const FLIGHTS = join(dirname(datasetPath("flights-2k")), "flights-3m.parquet");
/** The notebook's steps, in the order it runs them. */
const STEPS = ["load", "features", "delay-histogram", "by-month", "sample", "split", "prepare", "train", "evaluate"];

// The notebook writes its lake (lake/flights, lake/flights-delta) beside itself, in the test's folder.
describe("notebooks/05-flights-at-scale.ipynb under the real pipelab kernel", () => {
  const dir = notebookFolder(source);
  let seconds: number[];
  let first: Notebook;
  let second: Notebook;
  let runs: StoredRun[] = [];

  before(() => {
    const twice = executeTwice(source, dir, { timeoutSeconds: 900 });
    ({ seconds, first, second } = twice);
    runs = twice.runsOf("flights-at-scale");
  });

  it("runs twice without errors, one run each time", (t) => {
    t.diagnostic(`first execution ${seconds[0]?.toFixed(1)} s, second ${seconds[1]?.toFixed(1)} s`);
    assert.deepEqual(errorsOf(first), []);
    assert.deepEqual(errorsOf(second), []);
    assert.deepEqual(
      runs.map((r) => r.record.status),
      ["finished", "finished"],
    );
  });

  it("computes every step on the first execution and serves all of them from the disk cache on the second", () => {
    const [computed, served] = runs;
    assert.deepEqual(
      computed?.steps.map((e) => `${e.step}:${e.outcome}`),
      STEPS.map((s) => `${s}:miss`),
    );
    assert.deepEqual(
      served?.steps.map((e) => `${e.step}:${e.outcome}:${e.tier}`),
      STEPS.map((s) => `${s}:hit:disk`),
    );
    const said = second.cells.map((_, i) => textOf(second, i)).join("");
    const lines = [...said.matchAll(/▸ ([\w-]+): (computed|cached)/g)].map((m) => `${m[1]}:${m[2]}`);
    assert.deepEqual(lines, STEPS.map((s) => `${s}:cached`));
  });

  it("loads all 3,000,000 flights and shows the table's size", () => {
    for (const run of runs) assert.equal(run.metrics.rows_loaded, 3_000_000);
    const html = first.cells.flatMap((c) => c.outputs ?? []).map((o) => o.data?.["text/html"] ?? "").join("");
    assert.match(html, /3000000 rows × 5 columns/);
  });

  it("reads back a month of the partitioned lake with as many rows as SQL counts for it", async () => {
    const { march: inSource } = await countsInSource<"march">("SELECT count_if(month(date) = 3) AS march FROM flights");
    for (const run of runs) {
      assert.equal(run.metrics.lake_march_rows, run.metrics.lake_march_rows_sql);
      assert.equal(run.metrics.lake_march_rows, inSource);
    }
    const lake = join(dir, "lake", "flights");
    assert.equal((await readParquet(lake, { where: "month = 3" })).rows, inSource);
    assert.equal((await readParquet(lake)).rows, 3_000_000, "the second write replaced the first: no rows twice");
  });

  it("writes a Delta table whose versions hold January, then January and February", async () => {
    const { january, february } = await countsInSource<"january" | "february">("SELECT count_if(month(date) = 1) AS january, count_if(month(date) = 2) AS february FROM flights");
    for (const run of runs) {
      assert.equal(run.metrics.delta_rows_created, january);
      assert.equal(run.metrics.delta_rows_appended, january + february);
    }
    // Each execution committed an overwrite then an append: versions 0 to 3, all still readable.
    const table = join(dir, "lake", "flights-delta");
    const history = await deltaHistory(table);
    assert.deepEqual(
      history.map((c) => `${c.version} ${c.operationParameters.mode} +${c.addedRows}`),
      [`3 Append +${february}`, `2 Overwrite +${january}`, `1 Append +${february}`, `0 Overwrite +${january}`],
    );
    assert.equal((await readDelta(table, { version: 0 })).rows, january);
    assert.equal((await readDelta(table, { version: 1 })).rows, january + february);
    assert.equal((await readDelta(table)).rows, january + february);
  });

  it("records the model's test accuracy with the run, the same on both executions, and draws its charts", () => {
    const [computed, served] = runs;
    const accuracy = computed?.metrics.test_accuracy;
    assert.ok(typeof accuracy === "number" && accuracy > 0 && accuracy < 1, `test_accuracy ${accuracy}`);
    assert.equal(served?.metrics.test_accuracy, accuracy, "the cached evaluate step gives its metrics to the second run");
    const charts = chartsOf(first);
    assert.ok(charts.some((c) => c.includes("Arrival delays of 3,000,000 flights")));
    assert.ok(charts.some((c) => c.includes("Feature distributions")));
    assert.ok(charts.some((c) => c.includes("Learning curves")));
    assert.ok(charts.some((c) => c.includes("Confusion matrix")));
  });
});

/** The one row of a query of counts over the source file, computed here apart from the notebook. */
async function countsInSource<K extends string>(query: string): Promise<Record<K, number>> {
  const result = await sql(query, { flights: FLIGHTS });
  return Object.fromEntries(result.columns.map((c) => [c, Number(result.value(c, 0))])) as Record<K, number>;
}
