import assert from "node:assert/strict";
import Database from "better-sqlite3";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { TrackingError } from "../../src/errors";
import { APPLICATION_ID, ExperimentStore, SCHEMA_VERSION } from "../../src/tracking";
import type { RunId } from "../../src/tracking";
import { sha256 } from "../../src/util";
import { tempDir } from "../helpers/tmp";

describe("ExperimentStore", () => {
  const dir = tempDir();

  it("creates a new store marked as pipelab's, in WAL mode, at the current schema version", () => {
    const file = join(dir, "new", "experiments.db");
    const store = ExperimentStore.open(file);
    store.close();
    const db = new Database(file, { readonly: true });
    assert.equal(db.pragma("application_id", { simple: true }), APPLICATION_ID);
    assert.equal(db.pragma("user_version", { simple: true }), SCHEMA_VERSION);
    assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
    const tables = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    assert.deepEqual(tables, ["artifacts", "code_sources", "experiments", "metric_blocks", "metric_finals", "metrics", "params", "predictions", "runs", "step_executions", "tags"]);
    db.close();
  });

  it("records a run's lifecycle, typed params, metric history and final values", () => {
    const store = ExperimentStore.open(join(dir, "lifecycle.db"));
    const run = store.createRun({ experiment: "penguins", sourceKind: "script", name: "first" });
    assert.equal(store.getRun(run)?.status, "running");
    store.logParams(run, { lr: 0.01, model: "mlp", stratify: true, hidden: [16, 8], nan: Number.NaN });
    store.logMetric(run, "loss", 0.9, 1);
    store.logMetric(run, "loss", 0.5, 2);
    store.logMetrics(run, [{ key: "loss", value: 0.7, step: 0 }]);
    store.logMetric(run, "accuracy", 0.97);
    store.endRun(run, "finished");
    store.endRun(run, "failed", { error: "late" }); // an ended run keeps its first ending
    const details = store.runDetails(run)!;
    assert.equal(details.status, "finished");
    assert.equal(details.error, null);
    assert.ok(details.endedAt);
    assert.deepEqual(details.params, { hidden: [16, 8], lr: 0.01, model: "mlp", nan: Number.NaN, stratify: true });
    assert.deepEqual(details.metrics, { accuracy: 0.97, loss: 0.5 }, "the final value is the one at the highest step");
    assert.deepEqual(
      store.metricHistory(run, "loss").map((p) => [p.step, p.value]),
      [
        [0, 0.7],
        [1, 0.9],
        [2, 0.5],
      ],
    );
    store.close();
  });

  it("refuses non-finite and non-numeric metrics with the metric's name, keeping what was stored", () => {
    const store = ExperimentStore.open(join(dir, "metrics.db"));
    const run = store.createRun({ experiment: "e", sourceKind: "script" });
    store.logMetric(run, "loss", 1, 0);
    assert.throws(() => store.logMetric(run, "loss", Number.NaN, 1), /metric "loss" is NaN/);
    assert.throws(() => store.logMetric(run, "val_loss", Number.POSITIVE_INFINITY), /metric "val_loss" is Infinity/);
    assert.throws(() => store.logMetric(run, "acc", "0.9" as unknown as number), /metric "acc" must be a number, got string/);
    assert.throws(() => store.logMetrics(run, [{ key: "loss", value: 2, step: 2 }, { key: "loss", value: Number.NaN, step: 3 }]), TrackingError);
    assert.deepEqual(store.metricHistory(run, "loss").map((p) => p.value), [1], "a rejected batch writes nothing");
    store.close();
  });

  it("lists runs newest first and by experiment", () => {
    const store = ExperimentStore.open(join(dir, "list.db"));
    const a = store.createRun({ experiment: "a", sourceKind: "script" });
    const b = store.createRun({ experiment: "b", sourceKind: "notebook" });
    const c = store.createRun({ experiment: "a", sourceKind: "interactive" });
    assert.deepEqual(store.listRuns().map((r) => r.id), [c, b, a]);
    assert.deepEqual(store.listRuns({ experiment: "a" }).map((r) => r.id), [c, a]);
    assert.deepEqual(store.listRuns({ limit: 1 }).map((r) => r.id), [c]);
    assert.equal(store.getRun(999 as RunId), undefined);
    store.close();
  });

  it("records step executions in order", () => {
    const store = ExperimentStore.open(join(dir, "steps.db"));
    const run = store.createRun({ experiment: "e", sourceKind: "script" });
    store.recordStep(run, { step: "load", outcome: "miss", durationMs: 12.5 });
    store.recordStep(run, { step: "train", outcome: "failed", durationMs: 3, error: "boom" });
    assert.deepEqual(store.stepExecutions(run), [
      { step: "load", outcome: "miss", durationMs: 12.5 },
      { step: "train", outcome: "failed", durationMs: 3, error: "boom" },
    ]);
    store.close();
  });

  it("marks runs of processes that no longer exist as crashed when opened", async () => {
    const file = join(dir, "crash.db");
    const store = ExperimentStore.open(file);
    const run = store.createRun({ experiment: "e", sourceKind: "script" });
    store.close();
    // Pretend the run belongs to a process that has exited.
    const { spawnSync } = await import("node:child_process");
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    const db = new Database(file);
    db.prepare("UPDATE runs SET pid = ? WHERE id = ?").run(Number(dead.stdout), run);
    db.close();
    const reopened = ExperimentStore.open(file);
    const record = reopened.getRun(run)!;
    assert.equal(record.status, "crashed");
    assert.match(record.error ?? "", /ended without closing the run/);
    reopened.close();
  });

  it("refuses a file that is not SQLite, without touching it", () => {
    const file = join(dir, "notes.txt");
    writeFileSync(file, "these are my notes, not a database\n".repeat(200));
    const before = sha256(readFileSync(file));
    assert.throws(() => ExperimentStore.open(file), (e: unknown) => e instanceof TrackingError && /not a SQLite database/.test(e.message));
    assert.equal(sha256(readFileSync(file)), before);
  });

  it("refuses another application's SQLite database, without touching it", () => {
    const file = join(dir, "other.db");
    const db = new Database(file);
    db.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)");
    db.close();
    const before = sha256(readFileSync(file));
    assert.throws(() => ExperimentStore.open(file), /is a SQLite database but not a pipelab store/);
    assert.equal(sha256(readFileSync(file)), before);
  });

  it("refuses a store written by a newer pipelab, without touching it", () => {
    const file = join(dir, "newer.db");
    ExperimentStore.open(file).close();
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.pragma("wal_checkpoint(TRUNCATE)");
    db.close();
    const before = sha256(readFileSync(file));
    assert.throws(() => ExperimentStore.open(file), new RegExp(`written by a newer pipelab \\(store schema ${SCHEMA_VERSION + 1}`));
    assert.equal(sha256(readFileSync(file)), before);
  });

  it("says what to do when the store's folder is not writable", () => {
    const locked = join(dir, "locked");
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    try {
      if (process.getuid?.() === 0) {
        // root writes anywhere; a path under a regular file is unwritable for everyone.
        writeFileSync(join(dir, "plain-file"), "");
        assert.throws(() => ExperimentStore.open(join(dir, "plain-file", "experiments.db")), /PIPELAB_STORE/);
      } else {
        assert.throws(() => ExperimentStore.open(join(locked, "experiments.db")), /not writable.*PIPELAB_STORE/);
      }
    } finally {
      chmodSync(locked, 0o700);
    }
  });

  it("refuses a folder given as the store path", () => {
    assert.throws(() => ExperimentStore.open(dir), /is a folder; give a file path/);
  });
});

describe("ExperimentStore: oversized input", () => {
  it("refuses huge parameter, tag and note values and overlong names, naming them, keeping what was stored", () => {
    const store = ExperimentStore.open(join(tempDir(), "big.db"));
    const run = store.createRun({ experiment: "e", sourceKind: "script" });
    store.logParams(run, { ok: 1 });
    const huge = "x".repeat(70 * 1024);
    assert.throws(() => store.logParams(run, { ok: 2, notes: huge }), /parameter "notes" is 71680 bytes, over the 65536 .*step outputs or artifacts/);
    assert.deepEqual(store.runDetails(run)?.params, { ok: 1 }, "a refused batch writes nothing");
    assert.throws(() => store.setTag(run, "t", huge), /tag "t" is 71680 bytes/);
    assert.throws(() => store.setNote(run, huge), /the note is 71680 bytes/);
    assert.throws(() => store.logMetric(run, "m".repeat(300), 1), /metric name is 300 characters long/);
    assert.throws(() => store.createRun({ experiment: "e".repeat(300), sourceKind: "script" }), /experiment name is 300 characters long/);
    store.close();
  });
});

describe("ExperimentStore.metricHistory with maxPoints", () => {
  it("thins a long history in SQLite, keeping the lowest and highest points", () => {
    const store = ExperimentStore.open(join(tempDir(), "long.db"));
    const run = store.createRun({ experiment: "e", sourceKind: "script" });
    const points = Array.from({ length: 10_000 }, (_, i) => ({ key: "loss", value: 1 / (1 + i / 100) + (i === 7777 ? 3 : 0) - (i === 2222 ? 2 : 0), step: i }));
    store.logMetrics(run, points);
    const thin = store.metricHistory(run, "loss", { maxPoints: 200 });
    assert.ok(thin.length <= 200 && thin.length >= 100, `${thin.length} points`);
    assert.ok(thin.some((p) => p.step === 7777), "the spike survives");
    assert.ok(thin.some((p) => p.step === 2222), "the dip survives");
    assert.deepEqual(thin.map((p) => p.step), [...thin.map((p) => p.step)].sort((a, b) => a - b), "in step order");
    assert.equal(store.metricHistory(run, "loss").length, 10_000, "without maxPoints, the whole history");
    assert.equal(store.metricHistory(run, "loss", { maxPoints: 20_000 }).length, 10_000, "a short history comes back whole");
    const real = new Map(points.map((p) => [p.step, p.value]));
    for (const p of thin) assert.equal(p.value, real.get(p.step), `step ${p.step} is a logged point, not an average`);
    store.close();
  });

  it("keeps each block's extremes right when its points arrive in several batches, out of order", () => {
    const store = ExperimentStore.open(join(tempDir(), "batches.db"));
    const run = store.createRun({ experiment: "e", sourceKind: "script" });
    // 256 steps = 4 blocks of 64; values from a fixed permutation, logged odd steps first, then even ones backwards.
    const value = (step: number): number => (step * 37) % 101;
    const odd = Array.from({ length: 128 }, (_, i) => 2 * i + 1);
    const even = Array.from({ length: 128 }, (_, i) => 254 - 2 * i);
    for (const batch of [odd.slice(0, 50), odd.slice(50), even]) store.logMetrics(run, batch.map((step) => ({ key: "m", value: value(step), step })));
    const thin = store.metricHistory(run, "m", { maxPoints: 8 });
    const expected: [number, number][] = [];
    for (let block = 0; block < 4; block++) {
      const steps = Array.from({ length: 64 }, (_, i) => block * 64 + i);
      // 37 is invertible mod 101, so the 64 values of a block are distinct: one lowest step, one highest.
      const at = (v: number): number => steps.find((s) => value(s) === v) as number;
      const pair = [at(Math.min(...steps.map(value))), at(Math.max(...steps.map(value)))].sort((a, b) => a - b);
      for (const s of pair) expected.push([s, value(s)]);
    }
    assert.deepEqual(thin.map((p) => [p.step, p.value]), expected);
    assert.throws(() => store.logMetric(run, "m", 1, 1.5), /metric "m": step 1.5 is not a whole number/);
    store.close();
  });
});
