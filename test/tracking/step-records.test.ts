import assert from "node:assert/strict";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { ExperimentStore, SCHEMA_VERSION } from "../../src/tracking";
import type { RunId, StepExecution } from "../../src/tracking";
import { tempDir } from "../helpers/tmp";

const fixture = join(__dirname, "..", "fixtures", "stores", "v6.db");
const keyParts = (lr: number): string => JSON.stringify({ code: "c".repeat(64), params: { lr }, inputs: {} });

/** What a rebuild of a table must keep: its columns, its indexes (by name, with their columns) and its foreign keys. */
function shapeOf(db: Database.Database, table: string): unknown {
  const indexes = (db.pragma(`index_list(${table})`) as { name: string; unique: number; origin: string; partial: number }[])
    .map(({ name, unique, origin, partial }) => ({ name, unique, origin, partial, columns: db.pragma(`index_xinfo(${name})`) }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return { columns: db.pragma(`table_info(${table})`), indexes, foreignKeys: db.pragma(`foreign_key_list(${table})`) };
}

const stepRows = (db: Database.Database): unknown[] => db.prepare("SELECT * FROM step_executions ORDER BY id").all();

describe("step records", () => {
  it("upgrades a store of schema 6, keeping its step rows, indexes and foreign key, and then takes interrupted steps", () => {
    const dir = tempDir();
    const file = join(dir, "v6.db");
    copyFileSync(fixture, file);
    const old = new Database(file, { readonly: true });
    assert.equal(old.pragma("user_version", { simple: true }), 6);
    const rowsBefore = stepRows(old);
    const shapeBefore = shapeOf(old, "step_executions");
    old.close();
    assert.equal(rowsBefore.length, 5, "the fixture holds a step of each outcome schema 6 knows");

    ExperimentStore.open(file).close();
    const db = new Database(file, { readonly: true });
    assert.equal(db.pragma("user_version", { simple: true }), SCHEMA_VERSION);
    assert.deepEqual(stepRows(db), rowsBefore, "every row, with its id and every column");
    assert.deepEqual(shapeOf(db, "step_executions"), shapeBefore);
    assert.deepEqual(db.pragma("foreign_key_check"), []);
    assert.equal(db.pragma("integrity_check", { simple: true }), "ok");
    assert.deepEqual(db.prepare("SELECT name FROM sqlite_schema WHERE name LIKE '%_new'").all(), [], "no table left from the rebuild");
    const tableOf = (d: Database.Database): unknown => d.prepare("SELECT type, name, sql FROM sqlite_schema WHERE tbl_name = 'step_executions' ORDER BY name").all();
    const upgraded = tableOf(db);
    db.close();
    const fresh = ExperimentStore.open(join(dir, "fresh.db"));
    fresh.close();
    const freshDb = new Database(join(dir, "fresh.db"), { readonly: true });
    assert.deepEqual(upgraded, tableOf(freshDb), "an upgraded store's step_executions is a new store's");
    freshDb.close();

    const store = ExperimentStore.open(file);
    const [a, b, c] = [1 as RunId, 2 as RunId, 3 as RunId] as const;
    assert.deepEqual(store.stepExecutions(b), [
      { step: "load", outcome: "hit", durationMs: 3, cacheKey: "a".repeat(64), tier: "disk", sourceRunId: a },
      { step: "train", outcome: "failed", durationMs: 40, cacheKey: "d".repeat(64), error: "loss is NaN\nat epoch 2" },
    ]);
    const interrupted: StepExecution = { step: "train", outcome: "interrupted", durationMs: 2500, cacheKey: "e".repeat(64), error: 'step "train" was interrupted at epoch 3', keyParts: keyParts(0.1) };
    store.recordStep(b, interrupted);
    const { keyParts: _written, ...readBack } = interrupted;
    assert.deepEqual(store.stepExecutions(b).at(-1), readBack);
    assert.deepEqual(store.stepCounts([a, b]), new Map([
      [a, { computed: 2, cached: 0, failed: 0, interrupted: 0 }],
      [b, { computed: 0, cached: 1, failed: 1, interrupted: 1 }],
    ]));
    assert.equal(store.lastStepKey(b, "train")?.runId, a, "an interrupted step cached nothing: the recompute is explained by the last computed one");
    // The foreign key survived the rebuild: purging the deleted run takes its steps.
    assert.equal(store.stepExecutions(c).length, 1);
    assert.equal(store.purgeDeleted(), 1);
    assert.deepEqual(store.stepExecutions(c), []);
    store.close();
  });

  it("upgrades a store of schema 6 that holds steps of a run that is gone, leaving those steps behind", () => {
    const file = join(tempDir(), "v6.db");
    copyFileSync(fixture, file);
    const old = new Database(file);
    // Only a store edited with foreign keys off can hold such a row: pipelab's cascade takes a run's steps with it.
    old.pragma("foreign_keys = OFF");
    old.prepare("INSERT INTO step_executions (run_id, step, outcome, duration_ms, started_at) VALUES (424242, 'orphan', 'miss', 1, 'now')").run();
    old.close();
    ExperimentStore.open(file).close();
    const db = new Database(file, { readonly: true });
    assert.equal(db.pragma("user_version", { simple: true }), SCHEMA_VERSION);
    assert.deepEqual(db.prepare("SELECT run_id FROM step_executions WHERE step = 'orphan'").all(), []);
    assert.equal((db.prepare("SELECT count(*) AS n FROM step_executions").get() as { n: number }).n, 5, "the fixture's own rows are kept");
    assert.deepEqual(db.pragma("foreign_key_check"), []);
    db.close();
  });

  it("refuses an outcome the schema does not know", () => {
    const file = join(tempDir(), "experiments.db");
    const store = ExperimentStore.open(file);
    const run = store.createRun({ experiment: "e", sourceKind: "script" });
    assert.throws(() => store.recordStep(run, { step: "load", outcome: "skipped" as StepExecution["outcome"], durationMs: 1 }), { code: "SQLITE_CONSTRAINT_CHECK" });
    assert.deepEqual(store.stepExecutions(run), []);
    store.recordStep(run, { step: "load", outcome: "interrupted", durationMs: 1 });
    store.close();
    const db = new Database(file);
    db.pragma("foreign_keys = ON");
    assert.throws(() => db.prepare("UPDATE step_executions SET outcome = 'cancelled'").run(), { code: "SQLITE_CONSTRAINT_CHECK" });
    assert.throws(
      () => db.prepare("INSERT INTO step_executions (run_id, step, outcome, duration_ms, started_at) VALUES (424242, 'x', 'miss', 1, 'now')").run(),
      { code: "SQLITE_CONSTRAINT_FOREIGNKEY" },
      "a step of no run is refused",
    );
    db.close();
  });
});
