import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { setImmediate as nextTurn, setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import { TrackingError } from "../../src/errors";
import { ExperimentStore, MODEL_RUN_TAG, PredictionLog, SCHEMA_VERSION, servingExperiment, startServingRun } from "../../src/tracking";
import type { PredictionInput, PredictionLogOptions, RunId, Shape } from "../../src/tracking";
import { tempDir } from "../helpers/tmp";

const root = join(__dirname, "..", "..");
const tsx = join(root, "node_modules", "tsx", "dist", "loader.mjs");
const tracking = JSON.stringify(join(root, "src", "tracking"));
const fixture = join(__dirname, "..", "fixtures", "stores", "v7.db");

/** A new store with a serving run of a model of experiment "penguins". */
function servingStore(): { store: ExperimentStore; file: string; run: RunId } {
  const file = join(tempDir(), "experiments.db");
  const store = ExperimentStore.open(file);
  const run = startServingRun(store, { model: { id: 12, experiment: "penguins" } });
  return { store, file, run };
}

/** The sizes of the batches the store was asked to write, one transaction each. */
function watchWrites(store: ExperimentStore): number[] {
  const batches: number[] = [];
  const write = store.logPredictions.bind(store);
  store.logPredictions = (run, batch, options) => {
    batches.push(batch.length);
    return write(run, batch, options);
  };
  return batches;
}

function logTo(store: ExperimentStore, run: RunId, options: Partial<PredictionLogOptions> = {}): PredictionLog {
  return new PredictionLog(store, { servingRun: run, modelRunId: 12, onError: (e) => assert.fail(`unexpected write failure: ${e.message}`), ...options });
}

/** Turns of the event loop until the log has written all it holds. */
async function drained(log: PredictionLog): Promise<void> {
  for (let turns = 0; log.stats().queued > 0; turns++) {
    assert.ok(turns < 10_000, "the log drains");
    await nextTurn();
  }
}

/** An input record of the tests: a numbered row. */
const aNumberedRow: Shape<{ i: number }> = {
  name: "a row with a number i",
  is: (v): v is { i: number } => typeof v === "object" && v !== null && typeof (v as { i?: unknown }).i === "number",
};

/** The `i` of each logged input, oldest first. */
const loggedRows = (store: ExperimentStore, run: RunId): number[] =>
  store
    .listPredictions({ run }, { inputs: aNumberedRow })
    .map((p) => p.inputs.i)
    .reverse();

const zeroStats = { logged: 0, sampledOut: 0, dropped: 0, failedBatches: 0, invalid: 0, queued: 0 };

describe("a serving run", () => {
  it("is a run of '<model experiment>/serving' tagged with the model's run, or of 'serving' when the model's run is unknown", () => {
    const { store, run } = servingStore();
    const details = store.runDetails(run)!;
    assert.equal(details.experiment, "penguins/serving");
    assert.equal(details.experiment, servingExperiment("penguins"));
    assert.equal(details.status, "running");
    assert.equal(details.sourceKind, "script");
    assert.deepEqual(details.tags, { [MODEL_RUN_TAG]: "12" });
    const anonymous = startServingRun(store, { model: null, name: "ad hoc" });
    assert.equal(store.getRun(anonymous)?.experiment, "serving");
    assert.equal(store.getRun(anonymous)?.name, "ad hoc");
    assert.deepEqual(store.runDetails(anonymous)?.tags, {});
    store.close();
  });
});

describe("PredictionLog", () => {
  it("writes nothing while recording, then N predictions in ceil(N / batchSize) transactions, every one with its run, model run, time, latency, inputs and outputs", async () => {
    const { store, run } = servingStore();
    const batches = watchWrites(store);
    const log = logTo(store, run, { batchSize: 100, flushMs: 60_000 });
    const before = Date.now();
    for (let i = 0; i < 1050; i++) log.record({ i, x: i / 2, species: "Adelie" }, { label: i % 3, p: [0.5, 0.25, 0.25] }, i / 10);
    assert.deepEqual(batches, [], "record() does no I/O: reaching batchSize schedules a write for the next turn");
    assert.deepEqual(log.stats(), { ...zeroStats, queued: 1050 });
    await drained(log);
    assert.deepEqual(batches, [...Array(10).fill(100), 50], "ceil(1050 / 100) = 11 transactions, one batch per turn of the event loop");
    assert.deepEqual(log.stats(), { ...zeroStats, logged: 1050 });

    const logged = store.listPredictions({ run }).reverse();
    assert.equal(logged.length, 1050);
    assert.deepEqual(logged.map((p) => p.inputs), Array.from({ length: 1050 }, (_, i) => ({ i, x: i / 2, species: "Adelie" })));
    assert.deepEqual(logged.map((p) => p.outputs), Array.from({ length: 1050 }, (_, i) => ({ label: i % 3, p: [0.5, 0.25, 0.25] })));
    assert.deepEqual(logged.map((p) => p.latencyMs), Array.from({ length: 1050 }, (_, i) => i / 10));
    assert.ok(logged.every((p) => p.runId === run && p.modelRunId === 12 && p.tsMs >= before && p.tsMs <= Date.now()));
    assert.deepEqual(store.predictionCounts(), new Map([[run, 1050]]));
    store.close();
  });

  it("writes what waits for less than a batch flushMs after the first of it", async () => {
    const { store, run } = servingStore();
    const batches = watchWrites(store);
    const log = logTo(store, run, { batchSize: 100, flushMs: 50 });
    for (let i = 0; i < 5; i++) log.record({ i }, i, 1);
    await sleep(10);
    assert.deepEqual(batches, [], "not before flushMs");
    await sleep(150);
    assert.deepEqual(batches, [5]);
    assert.deepEqual(loggedRows(store, run), [0, 1, 2, 3, 4]);
    log.record({ i: 5 }, 5, 1);
    await sleep(200);
    assert.deepEqual(batches, [5, 1], "a new timer for the next prediction");
    store.close();
  });

  it("writes everything on close(), in batches, and counts predictions recorded after it as dropped", async () => {
    const { store, run } = servingStore();
    const batches = watchWrites(store);
    const log = logTo(store, run, { batchSize: 256, flushMs: 60_000 });
    for (let i = 0; i < 1000; i++) log.record({ i }, i, 1);
    await log.close();
    assert.deepEqual(batches, [256, 256, 256, 232]);
    assert.deepEqual(log.stats(), { ...zeroStats, logged: 1000 });
    log.record({ i: 1000 }, 0, 1);
    await sleep(20);
    assert.deepEqual(batches, [256, 256, 256, 232], "nothing is written after close, and no write was left scheduled");
    assert.deepEqual(log.stats(), { ...zeroStats, logged: 1000, dropped: 1 });
    assert.equal(loggedRows(store, run).length, 1000);
    store.close();
  });

  it("holds at most maxQueued predictions: beyond, new ones are dropped and counted", async () => {
    const { store, run } = servingStore();
    const log = logTo(store, run, { batchSize: 1000, maxQueued: 100, flushMs: 60_000 });
    for (let i = 0; i < 250; i++) log.record({ i }, i, 1);
    assert.deepEqual(log.stats(), { ...zeroStats, queued: 100, dropped: 150 });
    await log.close();
    assert.deepEqual(log.stats(), { ...zeroStats, logged: 100, dropped: 150 });
    assert.deepEqual(loggedRows(store, run), Array.from({ length: 100 }, (_, i) => i), "the first ones are kept");
    store.close();
  });

  describe("sampling", () => {
    /** The numbers of the predictions a log keeps of 10,000, and its stats. */
    function sample(rate: number, seed: number): { kept: number[]; stats: ReturnType<PredictionLog["stats"]> } {
      const { store, run } = servingStore();
      const log = logTo(store, run, { sampleRate: rate, seed, batchSize: 10_000 });
      for (let i = 0; i < 10_000; i++) log.record({ i }, null, 0);
      log.flush();
      const kept = loggedRows(store, run);
      store.close();
      return { kept, stats: log.stats() };
    }

    it("keeps each prediction with probability sampleRate, the same ones for the same seed", () => {
      const { kept, stats } = sample(0.1, 42);
      assert.equal(kept.length, 998, "seed 42 keeps exactly these many of 10,000 at 0.1");
      assert.deepEqual(stats, { ...zeroStats, logged: 998, sampledOut: 10_000 - 998 });
      assert.deepEqual(sample(0.1, 42).kept, kept, "the same seed keeps the same predictions");
      const other = sample(0.1, 43).kept;
      assert.notDeepEqual(other, kept, "another seed keeps others");
      // Binomial(10,000, 0.1): a standard deviation of 30.
      for (const n of [kept.length, other.length]) assert.ok(Math.abs(n - 1000) < 120, `${n} kept of 10,000 at 0.1`);
      // Spread over the whole stream, not clustered: each tenth of it has about a tenth of the sample.
      for (let part = 0; part < 10; part++) {
        const inPart = kept.filter((i) => Math.floor(i / 1000) === part).length;
        assert.ok(inPart > 50 && inPart < 150, `${inPart} kept of predictions ${part * 1000}..${part * 1000 + 999}`);
      }
    });

    it("keeps everything at rate 1 (the default) and nothing at rate 0", () => {
      assert.deepEqual(sample(1, 1).stats, { ...zeroStats, logged: 10_000 });
      assert.deepEqual(sample(0, 1).stats, { ...zeroStats, sampledOut: 10_000 });
    });

    it("draws a seed when none is given, and says which", () => {
      const { store, run } = servingStore();
      const seeds = new Set(Array.from({ length: 5 }, () => logTo(store, run).seed));
      assert.ok(seeds.size > 1, "random seeds");
      assert.equal(logTo(store, run, { seed: 7 }).seed, 7);
      store.close();
    });
  });

  it("refuses bad options at construction, quoting the value, and a serving run that is not there", () => {
    const { store, run } = servingStore();
    assert.throws(() => logTo(store, run, { sampleRate: 1.5 }), { name: "TrackingError", message: /^invalid sampleRate: 1.5 \(a share from 0 to 1\)/ });
    assert.throws(() => logTo(store, run, { batchSize: 0 }), { message: /^invalid batchSize: 0/ });
    assert.throws(() => logTo(store, run, { maxQueued: 2.5 }), { message: /^invalid maxQueued: 2.5/ });
    assert.throws(() => logTo(store, run, { flushMs: -1 }), { message: /^invalid flushMs: -1/ });
    assert.throws(() => logTo(store, run, { modelRunId: Number.NaN }), { message: /^invalid modelRunId: NaN/ });
    assert.throws(() => logTo(store, 424242 as RunId), { message: /^no serving run 424242 in .*startServingRun/ });
    store.close();
  });

  it("counts predictions it cannot store as invalid and writes the rest of their batch", async () => {
    const { store, run } = servingStore();
    const log = logTo(store, run, { flushMs: 1 });
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    log.record({ i: 0 }, "Adelie", 1);
    log.record(cycle, "Adelie", 1);
    log.record({ i: 2n }, "Adelie", 1);
    log.record({ i: 3 }, undefined, 1);
    log.record({ i: 4 }, "Adelie", Number.NaN);
    log.record({ i: 5 }, "Adelie", -1);
    log.record({ i: 6, text: "x".repeat(70_000) }, "Adelie", 1);
    log.record({ i: 7 }, "Gentoo", 2);
    await sleep(50);
    assert.deepEqual(log.stats(), { ...zeroStats, logged: 2, invalid: 6 });
    assert.deepEqual(loggedRows(store, run), [0, 7]);
    // Written directly, a batch is all or nothing.
    assert.throws(
      () => store.logPredictions(run, [{ inputs: { i: 8 }, outputs: 1, latencyMs: 1 }, { inputs: cycle, outputs: 1, latencyMs: 1 }]),
      { name: "TrackingError", message: /^cannot log prediction 2 of 2 to run \d+: its inputs are not JSON \(Converting circular structure.*\); nothing of this batch was written$/s },
    );
    assert.deepEqual(loggedRows(store, run), [0, 7]);
    store.close();
  });

  describe("a write that fails", () => {
    it("on a store another process keeps locked: the batch is dropped after busyTimeoutMs, counted, reported, and not retried", () => {
      const { store, file, run } = servingStore();
      const errors: TrackingError[] = [];
      const log = new PredictionLog(store, { servingRun: run, modelRunId: 12, busyTimeoutMs: 50, onError: (e) => errors.push(e) });
      const other = new Database(file);
      other.exec("BEGIN IMMEDIATE");
      try {
        for (let i = 0; i < 10; i++) assert.doesNotThrow(() => log.record({ i }, i, 1));
        const started = performance.now();
        assert.doesNotThrow(() => log.flush());
        assert.ok(performance.now() - started < 5_000, "it waited busyTimeoutMs, not the store's 15 s");
      } finally {
        other.exec("COMMIT");
        other.close();
      }
      assert.deepEqual(log.stats(), { ...zeroStats, dropped: 10, failedBatches: 1 });
      assert.equal(errors.length, 1);
      assert.ok(errors[0] instanceof TrackingError);
      assert.equal((errors[0].cause as { code?: string }).code, "SQLITE_BUSY");
      assert.match(errors[0].message, /^cannot log 10 predictions to run \d+ in .*experiments\.db: database is locked \(SQLITE_BUSY\): another process held the store's write lock/);
      for (let i = 10; i < 15; i++) log.record({ i }, i, 1);
      log.flush();
      assert.deepEqual(loggedRows(store, run), [10, 11, 12, 13, 14], "the dropped batch is gone; later ones are written");
      assert.deepEqual(log.stats(), { ...zeroStats, logged: 5, dropped: 10, failedBatches: 1 });
      // The store's own writes wait as long as before.
      const conn = (store as unknown as { conn: { db: Database.Database } }).conn;
      assert.equal(conn.db.pragma("busy_timeout", { simple: true }), 15_000);
      store.close();
    });

    it("on a closed store, from the timer: counted and reported, never thrown, never an uncaught exception", async () => {
      const { store, run } = servingStore();
      const errors: TrackingError[] = [];
      const log = new PredictionLog(store, { servingRun: run, modelRunId: 12, flushMs: 5, batchSize: 3, onError: (e) => errors.push(e) });
      const uncaught: unknown[] = [];
      const listener = (error: unknown): void => void uncaught.push(error);
      process.on("uncaughtException", listener);
      try {
        store.close();
        for (let i = 0; i < 4; i++) assert.doesNotThrow(() => log.record({ i }, i, 1));
        await sleep(50);
        assert.deepEqual(uncaught, []);
        assert.deepEqual(log.stats(), { ...zeroStats, dropped: 4, failedBatches: 2 });
        assert.match(errors[0]?.message ?? "", /^cannot log 3 predictions to run \d+ in .*: The database connection is not open/);
        await assert.doesNotReject(log.close());
      } finally {
        process.off("uncaughtException", listener);
      }
    });

    it("tells an onError that throws nothing more: the error goes no further", () => {
      const { store, run } = servingStore();
      const log = new PredictionLog(store, { servingRun: run, modelRunId: null, onError: () => { throw new Error("handler bug"); } });
      store.close();
      log.record({ i: 0 }, 0, 1);
      assert.doesNotThrow(() => log.flush());
      assert.equal(log.stats().failedBatches, 1);
    });

    const canUnshare = spawnSync("unshare", ["-rm", "true"]).status === 0;

    it("on a full disk: the batches that do not fit are dropped and counted, those before are kept", { skip: canUnshare ? false : "needs unshare -rm" }, () => {
      const dir = tempDir();
      const full = join(dir, "full");
      mkdirSync(full);
      const file = join(full, "experiments.db");
      const script = join(dir, "serve.ts");
      const resultFile = join(dir, "result.json");
      writeFileSync(
        script,
        `import { writeFileSync } from "node:fs";
import { setImmediate as nextTurn } from "node:timers/promises";
import { ExperimentStore, PredictionLog, startServingRun } from ${tracking};
async function main(): Promise<void> {
  const uncaught: string[] = [];
  process.on("uncaughtException", (e) => uncaught.push(String(e)));
  const store = ExperimentStore.open(${JSON.stringify(file)});
  const run = startServingRun(store, { model: { id: 3, experiment: "penguins" } });
  const errors: { message: string; code?: string }[] = [];
  const log = new PredictionLog(store, { servingRun: run, modelRunId: 3, batchSize: 50, onError: (e) => errors.push({ message: e.message, code: (e.cause as { code?: string } | undefined)?.code }) });
  const text = "x".repeat(2000);
  let threw = 0;
  for (let i = 0; i < 2000; i++) {
    try { log.record({ i, text }, { label: i % 3 }, 1); } catch { threw++; }
    if (i % 50 === 49) await nextTurn();
  }
  await log.close();
  const stats = log.stats();
  const rows = store.predictionCounts({ run }).get(run) ?? 0;
  try { store.close(); } catch {}
  const reopened = ExperimentStore.open(${JSON.stringify(file)}, { readOnly: true });
  const afterReopen = reopened.predictionCounts({ run }).get(run) ?? 0;
  reopened.close();
  writeFileSync(${JSON.stringify(resultFile)}, JSON.stringify({ stats, rows, afterReopen, threw, uncaught, errors: errors.slice(0, 2), failures: errors.length }));
}
void main();`,
      );
      // A real full file system: a small tmpfs, mounted in a private mount namespace for the script alone.
      const r = spawnSync(
        "unshare",
        ["-rm", "sh", "-c", `mount -t tmpfs -o size=512k tmpfs ${JSON.stringify(full)} && exec "$@"`, "sh", process.execPath, "--import", tsx, script],
        { encoding: "utf8", timeout: 120_000 },
      );
      assert.ok(existsSync(resultFile), `the script did not finish: ${r.stderr}`);
      const result = JSON.parse(readFileSync(resultFile, "utf8")) as {
        stats: ReturnType<PredictionLog["stats"]>;
        rows: number;
        afterReopen: number;
        threw: number;
        uncaught: string[];
        errors: { message: string; code?: string }[];
        failures: number;
      };
      const { stats } = result;
      assert.equal(result.threw, 0, "record() never threw");
      assert.deepEqual(result.uncaught, []);
      assert.ok(stats.failedBatches > 0, "the disk filled up");
      assert.ok(stats.logged > 0, "some batches fitted");
      assert.equal(stats.logged + stats.dropped + stats.sampledOut + stats.invalid + stats.queued, 2000, "every prediction is accounted for");
      assert.equal(stats.dropped, 50 * stats.failedBatches, "a failed batch drops its predictions");
      assert.equal(result.failures, stats.failedBatches, "each failure was reported");
      assert.equal(result.rows, stats.logged, "every batch logged before is there");
      assert.equal(result.afterReopen, stats.logged, "and still there when the store is opened again");
      assert.equal(result.errors[0]?.code, "SQLITE_FULL");
      assert.match(result.errors[0]?.message ?? "", /^cannot log 50 predictions to run \d+: the disk of the experiment store .* is full/);
    });
  });

  it("records 100,000 predictions through record() and flush() (throughput printed, not asserted)", (t) => {
    const { store, run } = servingStore();
    const log = logTo(store, run, { maxQueued: 100_000, flushMs: 60_000 });
    const started = performance.now();
    for (let i = 0; i < 100_000; i++) log.record({ i, bill_length_mm: 39.1 + (i % 10), species: "Adelie", island: "Torgersen" }, { label: i % 3, p: [0.8, 0.1, 0.1] }, 0.4);
    const recorded = performance.now();
    log.flush();
    const flushed = performance.now();
    assert.deepEqual(log.stats(), { ...zeroStats, logged: 100_000 });
    const perSecond = (ms: number): string => `${Math.round(100_000 / (ms / 1000)).toLocaleString("en")} records/s`;
    t.diagnostic(
      `record(): ${(recorded - started).toFixed(1)} ms (${perSecond(recorded - started)}); flush (${Math.ceil(100_000 / 256)} transactions): ${(flushed - recorded).toFixed(1)} ms; ` +
        `record()+flush: ${perSecond(flushed - started)}`,
    );
    store.close();
  });
});

describe("reading predictions back", () => {
  /** Two serving runs: one of model run 1 (3 predictions), one of model run 2 (2), at set times. */
  function twoServingRuns(): { store: ExperimentStore; file: string; a: RunId; b: RunId } {
    const { store, file } = servingStore();
    const a = startServingRun(store, { model: { id: 1, experiment: "penguins" } });
    const b = startServingRun(store, { model: { id: 2, experiment: "penguins" } });
    const at = (day: number): number => Date.parse(`2026-11-0${day}T12:00:00Z`);
    const p = (i: number, day: number, modelRunId: number): PredictionInput => ({ inputs: { i }, outputs: i % 2 === 0 ? "Adelie" : "Gentoo", latencyMs: i, tsMs: at(day), modelRunId });
    assert.equal(store.logPredictions(a, [p(0, 1, 1), p(1, 2, 1), p(2, 3, 1)]), 3);
    assert.equal(store.logPredictions(b, [p(3, 2, 2), p(4, 4, 2)]), 2);
    return { store, file, a, b };
  }

  const ids = (records: { inputs: unknown }[]): unknown[] => records.map((r) => (r.inputs as { i: number }).i);

  it("selects by serving run, model run and time, newest first, the newest `limit`; counts per serving run", () => {
    const { store, a, b } = twoServingRuns();
    assert.deepEqual(ids(store.listPredictions()), [4, 3, 2, 1, 0]);
    assert.deepEqual(ids(store.listPredictions({ run: a })), [2, 1, 0]);
    assert.deepEqual(ids(store.listPredictions({ modelRun: 2 })), [4, 3]);
    assert.deepEqual(ids(store.listPredictions({ since: "2026-11-02" })), [4, 3, 2, 1]);
    assert.deepEqual(ids(store.listPredictions({ since: new Date("2026-11-03T00:00:00Z"), run: a })), [2]);
    assert.deepEqual(ids(store.listPredictions({ limit: 2 })), [4, 3]);
    assert.deepEqual(store.listPredictions({ run: b, limit: 1 }), [
      { id: 5, runId: b, modelRunId: 2, tsMs: Date.parse("2026-11-04T12:00:00Z"), latencyMs: 4, inputs: { i: 4 }, outputs: "Adelie" },
    ]);
    assert.deepEqual(store.predictionCounts(), new Map([[a, 3], [b, 2]]));
    assert.deepEqual(store.predictionCounts({ since: "2026-11-03" }), new Map([[a, 1], [b, 1]]));
    assert.deepEqual(store.predictionCounts({ modelRun: 1 }), new Map([[a, 3]]));
    assert.throws(() => store.listPredictions({ since: "yesterday" }), { name: "TrackingError", message: /^invalid since: "yesterday" \(use a Date or a date such as/ });
    assert.throws(() => store.listPredictions({ limit: -1 }), { message: /^invalid limit: -1/ });
    store.close();
  });

  it("checks the inputs and outputs against the shapes asked for, and the JSON against what pipelab writes", () => {
    const { store, file, a } = twoServingRuns();
    const species: Shape<"Adelie" | "Gentoo"> = { name: "a species", is: (v): v is "Adelie" | "Gentoo" => v === "Adelie" || v === "Gentoo" };
    const typed = store.listPredictions({ run: a }, { inputs: aNumberedRow, outputs: species });
    assert.deepEqual(typed.map((p) => [p.inputs.i, p.outputs]), [[2, "Adelie"], [1, "Gentoo"], [0, "Adelie"]]);
    const aNumber: Shape<number> = { name: "a number", is: (v): v is number => typeof v === "number" };
    assert.throws(() => store.listPredictions({ run: a }, { outputs: aNumber }), {
      name: "TrackingError",
      message: /^prediction 3 of serving run \d+ has outputs "Adelie", where a number was expected: the server logged something else/,
    });
    const db = new Database(file);
    db.prepare("UPDATE predictions SET inputs = '{\"i\": 1,' WHERE id = 2").run();
    db.close();
    assert.throws(() => store.listPredictions({ run: a }), { message: /^the experiment store holds invalid JSON for the inputs of prediction 2 .*changed by another tool/ });
    store.close();
  });

  it("leaves out the predictions of a deleted serving run unless asked, and purging the run deletes them (ON DELETE CASCADE)", () => {
    const { store, file, a, b } = twoServingRuns();
    store.deleteRun(a);
    assert.deepEqual(ids(store.listPredictions()), [4, 3]);
    assert.deepEqual(ids(store.listPredictions({ includeDeleted: true })), [4, 3, 2, 1, 0]);
    assert.deepEqual(store.predictionCounts({ includeDeleted: true }), new Map([[a, 3], [b, 2]]));
    assert.equal(store.purgeDeleted(), 1);
    assert.deepEqual(ids(store.listPredictions({ includeDeleted: true })), [4, 3]);
    store.close();
    const db = new Database(file, { readonly: true });
    assert.deepEqual(db.prepare("SELECT run_id, count(*) AS n FROM predictions GROUP BY run_id").all(), [{ run_id: b, n: 2 }]);
    db.close();
  });
});

describe("migration 8: the predictions table", () => {
  /** Every row of every table but predictions, by table (in the order of its rowid or primary key: the upgrade does not touch them). */
  function contents(db: Database.Database): Record<string, unknown[]> {
    // The tables of schema 7: those that migrations 8 and later add are compared apart.
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT IN ('predictions', 'code_sources') ORDER BY name").all() as { name: string }[];
    return Object.fromEntries(tables.map(({ name }) => [name, db.prepare(`SELECT * FROM "${name}"`).all()]));
  }
  const predictionsSchema = (db: Database.Database): unknown =>
    db.prepare("SELECT type, name, sql FROM sqlite_schema WHERE tbl_name = 'predictions' ORDER BY name").all();

  it("reads a store of schema 7 opened read-only as one without predictions, leaving it at schema 7", () => {
    const file = join(tempDir(), "v7.db");
    copyFileSync(fixture, file);
    const store = ExperimentStore.open(file, { readOnly: true });
    assert.equal(store.schemaVersion, 7);
    assert.deepEqual(store.listPredictions(), []);
    assert.deepEqual(store.predictionCounts(), new Map());
    store.close();
    const db = new Database(file, { readonly: true });
    assert.equal(db.pragma("user_version", { simple: true }), 7);
    db.close();
  });

  it("upgrades a store of schema 7 in place, keeping every row, to a predictions table like a new store's, which then takes predictions", async () => {
    const dir = tempDir();
    const file = join(dir, "v7.db");
    copyFileSync(fixture, file);
    const old = new Database(file, { readonly: true });
    assert.equal(old.pragma("user_version", { simple: true }), 7);
    const before = contents(old);
    assert.deepEqual(predictionsSchema(old), [], "schema 7 has no predictions table");
    old.close();
    assert.equal((before.runs as unknown[]).length, 2, "the fixture holds a training run and a serving run");

    const store = ExperimentStore.open(file);
    assert.equal(store.schemaVersion, SCHEMA_VERSION);
    assert.ok(SCHEMA_VERSION >= 8);
    const db = new Database(file, { readonly: true });
    assert.deepEqual(contents(db), before, "every row of every table, with its id and every column");
    const upgraded = predictionsSchema(db);
    assert.deepEqual(db.pragma("foreign_key_check"), []);
    assert.equal(db.pragma("integrity_check", { simple: true }), "ok");
    db.close();
    ExperimentStore.open(join(dir, "fresh.db")).close();
    const fresh = new Database(join(dir, "fresh.db"), { readonly: true });
    assert.deepEqual(upgraded, predictionsSchema(fresh), "the table and its two indexes, as a new store has them");
    assert.deepEqual(
      (upgraded as { name: string }[]).map((o) => o.name),
      ["predictions", "predictions_by_model_run", "predictions_by_run"],
    );
    fresh.close();

    const [serving] = store.listRuns({ experiment: servingExperiment("penguins") });
    assert.ok(serving, "the fixture's serving run");
    const model = Number(store.runDetails(serving.id)?.tags[MODEL_RUN_TAG]);
    assert.equal(store.getRun(model as RunId)?.name, "mlp");
    const log = logTo(store, serving.id, { modelRunId: model });
    for (let i = 0; i < 3; i++) log.record({ i }, "Adelie", 2);
    await log.close();
    assert.deepEqual(loggedRows(store, serving.id), [0, 1, 2]);
    assert.deepEqual(store.predictionCounts({ modelRun: model }), new Map([[serving.id, 3]]));
    store.deleteRun(serving.id);
    assert.equal(store.purgeDeleted(), 1);
    assert.deepEqual(store.listPredictions({ includeDeleted: true }), [], "the foreign key cascades in an upgraded store too");
    store.close();
  });
});
