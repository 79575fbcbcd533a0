/**
 * Benchmark of the experiment store (src/tracking) and of metric logging
 * through the Workbench (src/workbench), all in one process run.
 *
 * 1. Metric logging rate: N = 200,000 points (4 metric names in turn, one
 *    step per 4 points, as a training loop logging loss, accuracy, lr and
 *    gradient norm every batch), written
 *    - raw: with better-sqlite3 alone into a fresh file whose table is shaped
 *      like pipelab's `metrics` (same columns, same index (run_id, key, step),
 *      no foreign key), WAL, synchronous NORMAL, one prepared INSERT, one
 *      transaction;
 *    - workbench: `wb.log(key, value, step)` N times in a plain loop, then
 *      `wb.finish()` (which flushes); timed from the first log to the end of
 *      finish. The buffer writes every 1,000 points, so this is 200
 *      transactions, each also validating the points, checking the run's
 *      foreign key and upserting `metric_finals`;
 *    - store: `store.logMetrics(run, points)` with all N points in one call
 *      (the points array is built outside the timing).
 *    Each is done on a fresh file in each sample; `ratio` is pipelab's points
 *    per second over raw's (the target is >= 0.5).
 * 2. Comparing 10,000 runs x 20 final metrics x 5 params, built with the
 *    public ExperimentStore API (one transaction per call: the API has no way
 *    to group calls, so setup is slower than it could be, and is reported on
 *    its own). Then compareRuns (all runs, all columns; first page; two
 *    columns ordered by a metric; a filter), bestRun and listRuns. The target
 *    is: all 10,000 runs compared in under 200 ms. Where each compareRuns
 *    call's time goes (`breakdowns`) is measured by timing each SQL statement
 *    it prepares and runs (the store's private connection is wrapped for
 *    that, outside the headline timings): the runs page, the final-metrics
 *    rows, the params rows, countRuns; the rest is the JavaScript pivot
 *    (building the run objects, decoding params, the differing columns and
 *    ranges). Each statement is also replayed inside `SELECT count(*)` to
 *    time SQLite's share without handing rows to JavaScript (`sqliteOnly`, a
 *    lower bound), with its query plan, and `rowFloors` times plain whole-table SELECTs of metric_finals and
 *    params: what reading that many rows into JavaScript costs at least.
 * 3. Opening a store holding 1,000,000 metric points (100 runs x 10 metrics x
 *    1,000 steps, logged with logMetrics one run at a time): ExperimentStore.open
 *    + close on a fresh object, and metricHistory of one 1,000-point history.
 * 4. Learning curves of 100 runs x 100,000 steps of one metric (10 million
 *    points): the whole chart (learningCurves, 1,000 points a line), the
 *    store's share (each history thinned to 2,000 points, from metric_blocks),
 *    and, on the same file, the way schema 4 thinned (two indexed queries per
 *    bucket: a history's lowest and highest point in each); `speedup` is the
 *    baseline's time over the store's. 3 samples after 1 warm-up.
 *
 * Every timing is the median of RUNS samples taken after WARMUPS warm-ups,
 * with a full garbage collection before each sample (outside the timing); the
 * samples are listed. Files live in a temporary folder under os.tmpdir(),
 * removed at the end; reads hit the OS page cache.
 *
 * 5. With `--postgres` (or `--only postgres` for it alone): the PostgreSQL
 *    store beside the SQLite file (bench/lib-postgres.ts says what is measured).
 *
 * Run from the repository root:
 *   node --import tsx bench/tracking.ts
 *   npm run --silent bench -- tracking
 * One JSON object goes to stdout; progress lines go to stderr. "MB" is 2^20
 * bytes.
 */
import Database from "better-sqlite3";
import { measurePostgres } from "./lib-postgres";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { seededRandom } from "../src/ml";
import { ExperimentStore } from "../src/tracking";
import type { CompareQuery, ParamValue, RunId, RunStore } from "../src/tracking";
import { learningCurves } from "../src/charts";
import { Workbench } from "../src/workbench";
import { RUNS, WARMUPS, collectGarbage, machineInfo, median, progressFor, round, sample } from "./lib";

const LOG_POINTS = 200_000;
const METRIC_NAMES = ["loss", "accuracy", "lr", "grad_norm"] as const;
const COMPARE_RUNS = 10_000;
const COMPARE_METRICS = 20;
const BIG_RUNS = 100;
const BIG_KEYS = 10;
const BIG_STEPS = 1_000;
const CURVE_RUNS = 100;
const CURVE_STEPS = 100_000;
const MB = 1024 * 1024;

const progress = progressFor("tracking");

function perSecond(count: number, ms: number): number {
  return Math.round(count / (ms / 1000));
}

function fileMB(file: string): number {
  const wal = `${file}-wal`;
  const bytes = statSync(file).size + (existsSync(wal) ? statSync(wal).size : 0);
  return Math.round((bytes / MB) * 10) / 10;
}

// ---------------------------------------------------------------------------
// 1. Metric logging rate

/** The points every logging variant writes: the same keys, values and steps. */
interface LogFixture {
  keys: string[];
  values: Float64Array;
  steps: Int32Array;
}

function buildLogFixture(n: number): LogFixture {
  const random = seededRandom(1);
  const keys: string[] = [];
  const values = new Float64Array(n);
  const steps = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    keys.push(METRIC_NAMES[i % METRIC_NAMES.length] as string);
    values[i] = random();
    steps[i] = Math.floor(i / METRIC_NAMES.length);
  }
  return { keys, values, steps };
}

/** better-sqlite3 alone: a table shaped like pipelab's `metrics`, one prepared INSERT, one transaction. */
function rawInsert(file: string, fx: LogFixture): number {
  const db = new Database(file);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.exec(`CREATE TABLE metrics (
      run_id INTEGER NOT NULL, key TEXT NOT NULL, value REAL NOT NULL, step INTEGER NOT NULL, ts_ms INTEGER NOT NULL
    );
    CREATE INDEX metrics_by_run_key ON metrics (run_id, key, step);`);
    const started = performance.now();
    const insert = db.prepare("INSERT INTO metrics (run_id, key, value, step, ts_ms) VALUES (?, ?, ?, ?, ?)");
    const n = fx.values.length;
    db.transaction(() => {
      for (let i = 0; i < n; i++) insert.run(1, fx.keys[i], fx.values[i], fx.steps[i], Date.now());
    })();
    const ms = performance.now() - started;
    const count = (db.prepare("SELECT count(*) AS n FROM metrics").get() as { n: number }).n;
    if (count !== n) throw new Error(`raw: ${count} rows written, expected ${n}`);
    return ms;
  } finally {
    db.close();
  }
}

/** `wb.log` N times, then `wb.finish()`; timed from the first log to the end of finish. */
async function workbenchLog(dir: string, fx: LogFixture): Promise<{ ms: number; backend: string }> {
  const wb = await Workbench.open({
    experiment: "bench-log",
    store: join(dir, "experiments.db"),
    cacheDir: join(dir, "cache"),
    quiet: true,
    backend: "cpu",
    print: (line) => progress(`workbench: ${line}`),
  });
  try {
    const n = fx.values.length;
    const started = performance.now();
    for (let i = 0; i < n; i++) wb.log(fx.keys[i] as string, fx.values[i] as number, fx.steps[i]);
    wb.finish();
    const ms = performance.now() - started;
    checkLogged(wb.store, wb.runId, n, fx);
    return { ms, backend: wb.backend };
  } finally {
    wb.finish();
    wb.store.close();
  }
}

/** `store.logMetrics(run, points)` with all N points in one call; the array is built outside the timing. */
function storeLogMetrics(dir: string, fx: LogFixture): number {
  const store = ExperimentStore.open(join(dir, "experiments.db"));
  try {
    const run = store.createRun({ experiment: "bench-log", sourceKind: "script" });
    const now = Date.now();
    const points = fx.keys.map((key, i) => ({ key, value: fx.values[i] as number, step: fx.steps[i] as number, tsMs: now }));
    collectGarbage();
    const started = performance.now();
    store.logMetrics(run, points);
    const ms = performance.now() - started;
    store.endRun(run, "finished");
    checkLogged(store, run, points.length, fx);
    return ms;
  } finally {
    store.close();
  }
}

/** Every point arrived, and each metric's final value is its last point's. */
function checkLogged(store: RunStore, run: RunId, n: number, fx: LogFixture): void {
  const details = store.runDetails(run);
  if (!details) throw new Error(`run ${run} is missing`);
  for (let k = 0; k < METRIC_NAMES.length; k++) {
    const key = METRIC_NAMES[k] as string;
    const last = n - METRIC_NAMES.length + k;
    if (details.metrics[key] !== fx.values[last]) throw new Error(`final ${key} is ${details.metrics[key]}, expected ${fx.values[last]}`);
  }
  const stored = METRIC_NAMES.reduce((sum, key) => sum + store.metricHistory(run, key).length, 0);
  if (stored !== n) throw new Error(`${stored} points stored, expected ${n}`);
}

async function measureLogging(dir: string): Promise<Record<string, unknown>> {
  const fx = buildLogFixture(LOG_POINTS);
  let i = 0;
  /** A new folder name for each sample, so each writes a fresh file. */
  const fresh = (label: string): string => join(dir, `log-${label}-${i++}`);

  progress(`logging: raw better-sqlite3, ${LOG_POINTS} points in one transaction`);
  const raw = await sample(() => rawInsert(`${fresh("raw")}.db`, fx));

  progress(`logging: wb.log x${LOG_POINTS} then wb.finish()`);
  let backend = "";
  const workbench = await sample(async () => {
    const r = await workbenchLog(fresh("wb"), fx);
    backend = r.backend;
    return r.ms;
  });

  progress(`logging: store.logMetrics with ${LOG_POINTS} points in one call`);
  const direct = await sample(() => storeLogMetrics(fresh("store"), fx));

  const rawRate = perSecond(LOG_POINTS, median(raw));
  const wbRate = perSecond(LOG_POINTS, median(workbench));
  const storeRate = perSecond(LOG_POINTS, median(direct));
  const ratio = (rate: number): number => Math.round((rate / rawRate) * 1000) / 1000;
  return {
    points: LOG_POINTS,
    metricNames: [...METRIC_NAMES],
    workbenchBackend: backend,
    raw: { ms: median(raw), pointsPerSecond: rawRate },
    workbenchLog: { ms: median(workbench), pointsPerSecond: wbRate, ratio: ratio(wbRate), transactions: Math.ceil(LOG_POINTS / 1000) },
    storeLogMetrics: { ms: median(direct), pointsPerSecond: storeRate, ratio: ratio(storeRate) },
    target: { ratioAtLeast: 0.5, workbenchLogMet: ratio(wbRate) >= 0.5, storeLogMetricsMet: ratio(storeRate) >= 0.5 },
    samples: { rawMs: raw, workbenchLogMs: workbench, storeLogMetricsMs: direct },
  };
}

// ---------------------------------------------------------------------------
// 2. Comparing 10,000 runs

const MODELS = ["mlp", "cnn", "linear"] as const;
const OPTIMIZERS = ["adam", "sgd"] as const;
const BATCH_SIZES = [32, 64, 128, 256] as const;

function buildCompareStore(file: string): Record<string, number> {
  const store = ExperimentStore.open(file);
  const random = seededRandom(2);
  const parts = { createRun: 0, logParams: 0, logMetrics: 0, endRun: 0 };
  const started = performance.now();
  try {
    for (let i = 0; i < COMPARE_RUNS; i++) {
      let t = performance.now();
      const run = store.createRun({ experiment: i % 2 === 0 ? "sweep-a" : "sweep-b", sourceKind: "script", name: `trial-${i}` });
      parts.createRun += performance.now() - t;
      const params: Record<string, ParamValue> = {
        model: MODELS[i % MODELS.length] as string,
        optimizer: OPTIMIZERS[i % OPTIMIZERS.length] as string,
        lr: 10 ** -(1 + (i % 4)),
        batch_size: BATCH_SIZES[Math.floor(i / 3) % BATCH_SIZES.length] as number,
        seed: i,
      };
      t = performance.now();
      store.logParams(run, params);
      parts.logParams += performance.now() - t;
      const points = Array.from({ length: COMPARE_METRICS }, (_, m) => ({ key: `m${m}`, value: random(), step: 10 }));
      t = performance.now();
      store.logMetrics(run, points);
      parts.logMetrics += performance.now() - t;
      t = performance.now();
      store.endRun(run, "finished");
      parts.endRun += performance.now() - t;
      if ((i + 1) % 2000 === 0) progress(`compare: ${i + 1} runs recorded`);
    }
  } finally {
    store.close();
  }
  return {
    totalMs: round(performance.now() - started),
    createRunMs: round(parts.createRun),
    logParamsMs: round(parts.logParams),
    logMetricsMs: round(parts.logMetrics),
    endRunMs: round(parts.endRun),
  };
}

/** What one SQL statement of a timed call cost: its prepare and its execution. */
interface StatementTime {
  sql: string;
  args: unknown[];
  prepareMs: number;
  runMs: number;
  rows: number;
}

/**
 * The store's SQLite connection: private, reached here only to time
 * compareRuns' statements. The store's prepared statements are forgotten, so
 * that the timed calls prepare theirs through the wrapper.
 */
function connectionOf(store: ExperimentStore): Database.Database {
  const conn = (store as unknown as { conn: { db: Database.Database; statements: Map<string, unknown> } }).conn;
  conn.statements.clear();
  return conn.db;
}

/**
 * Wraps the store's connection so that every statement prepared (and each
 * all/get on it) is timed, to split compareRuns into its SQL and its
 * JavaScript. `restore` removes the wrapper.
 */
function instrument(store: ExperimentStore): { times: StatementTime[]; restore: () => void } {
  const db = connectionOf(store);
  const times: StatementTime[] = [];
  const prepare = db.prepare.bind(db);
  const wrapped = (sql: string): Database.Statement => {
    const t = performance.now();
    const statement = prepare(sql);
    const entry: StatementTime = { sql, args: [], prepareMs: performance.now() - t, runMs: 0, rows: 0 };
    times.push(entry);
    const all = statement.all.bind(statement);
    const get = statement.get.bind(statement);
    Object.assign(statement, {
      all: (...args: unknown[]) => {
        entry.args = args;
        const s = performance.now();
        const rows = all(...args);
        entry.runMs += performance.now() - s;
        entry.rows += rows.length;
        return rows;
      },
      get: (...args: unknown[]) => {
        entry.args = args;
        const s = performance.now();
        const row = get(...args);
        entry.runMs += performance.now() - s;
        entry.rows += row === undefined ? 0 : 1;
        return row;
      },
    });
    return statement;
  };
  (db as unknown as { prepare: typeof wrapped }).prepare = wrapped;
  return { times, restore: () => delete (db as unknown as { prepare?: unknown }).prepare };
}

/** Which part of compareRuns a statement is. */
function partOf(sql: string): string {
  if (sql.includes("count(*)")) return "countRuns";
  if (sql.includes("FROM metric_finals m JOIN sel")) return "metricsQuery";
  if (sql.includes("FROM params p JOIN sel")) return "paramsQuery";
  if (sql.includes("FROM sel JOIN runs")) return "pageQuery";
  return "other";
}

/**
 * compareRuns(q) timed whole, and split into its statements (prepare + run)
 * and the JavaScript around them ("javascriptPivot": total minus every
 * statement). Each row-returning statement is then replayed wrapped in
 * `SELECT count(*) FROM (...)` with the same arguments: SQLite's own work,
 * without handing rows to JavaScript ("sqliteOnly"). That is a lower bound:
 * with no column to return, SQLite may pick a covering index the real
 * statement cannot use (`queryPlans` shows the real statements' plans).
 */
async function compareBreakdown(store: ExperimentStore, q: CompareQuery): Promise<Record<string, unknown>> {
  const perPart = new Map<string, number[]>();
  const rows: Record<string, number> = {};
  const push = (k: string, v: number): void => {
    (perPart.get(k) ?? perPart.set(k, []).get(k))?.push(round(v));
  };
  const { times, restore } = instrument(store);
  const statements: StatementTime[] = [];
  try {
    for (let i = 0; i < WARMUPS + RUNS; i++) {
      collectGarbage();
      times.length = 0;
      const started = performance.now();
      store.compareRuns(q);
      const total = performance.now() - started;
      if (i < WARMUPS) continue;
      let sql = 0;
      const byPart = new Map<string, { prepare: number; run: number }>();
      for (const t of times) {
        const part = partOf(t.sql);
        const acc = byPart.get(part) ?? { prepare: 0, run: 0 };
        acc.prepare += t.prepareMs;
        acc.run += t.runMs;
        byPart.set(part, acc);
        rows[part] = t.rows;
        sql += t.prepareMs + t.runMs;
      }
      push("totalInstrumented", total);
      for (const [part, acc] of byPart) {
        push(`${part}.run`, acc.run);
        push(`${part}.prepare`, acc.prepare);
      }
      push("javascriptPivot", total - sql);
      statements.splice(0, statements.length, ...times);
    }
  } finally {
    restore();
  }
  const db = connectionOf(store);
  const plans: Record<string, string> = {};
  for (const st of statements) {
    const part = partOf(st.sql);
    plans[part] = (db.prepare(`EXPLAIN QUERY PLAN ${st.sql}`).all(...st.args) as { detail: string }[]).map((r) => r.detail).join(" | ");
    if (part === "countRuns") continue;
    const counted = db.prepare(`SELECT count(*) FROM (${st.sql})`).pluck();
    const sqlite = await sample(() => {
      const t = performance.now();
      counted.get(...st.args);
      return performance.now() - t;
    });
    perPart.set(`${part}.sqliteOnly`, sqlite);
  }
  const medians = Object.fromEntries([...perPart].map(([k, v]) => [k, median(v)]));
  return { medianMs: medians, rowsRead: rows, queryPlans: plans, samples: Object.fromEntries(perPart) };
}

/**
 * The least it costs to hand the comparison's rows to JavaScript through
 * better-sqlite3: whole-table SELECTs of metric_finals and params, raw arrays,
 * no join, no pivot (and a sum in SQL, for SQLite's scan alone).
 */
async function rowFloors(store: ExperimentStore): Promise<Record<string, unknown>> {
  const db = connectionOf(store);
  const floors: [string, () => unknown][] = [
    ["selectAllMetricFinalsRaw", () => db.prepare("SELECT run_id, key, value FROM metric_finals").raw().all()],
    ["selectAllMetricFinalsValuesPluck", () => db.prepare("SELECT value FROM metric_finals").pluck().all()],
    ["sumMetricFinalsInSql", () => db.prepare("SELECT total(value) FROM metric_finals").pluck().get()],
    ["selectAllParamsRaw", () => db.prepare("SELECT run_id, key, type, value FROM params").raw().all()],
  ];
  const samples: Record<string, number[]> = {};
  for (const [name, op] of floors) {
    samples[name] = await sample(() => {
      const t = performance.now();
      op();
      return performance.now() - t;
    });
  }
  return { medianMs: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])), samples };
}

async function measureCompare(dir: string): Promise<Record<string, unknown>> {
  const file = join(dir, "compare.db");
  progress(`compare: building ${COMPARE_RUNS} runs x ${COMPARE_METRICS} metrics x 5 params (one transaction per API call)`);
  const setup = buildCompareStore(file);
  progress(`compare: built in ${setup.totalMs} ms`);

  const store = ExperimentStore.open(file);
  try {
    const samples: Record<string, number[]> = {};
    const checks: Record<string, number | string> = {};
    const time = async (name: string, op: () => unknown, check: (r: unknown) => number | string): Promise<void> => {
      progress(`compare: ${name}`);
      let result: unknown;
      samples[name] = await sample(() => {
        const started = performance.now();
        result = op();
        return performance.now() - started;
      });
      checks[name] = check(result);
    };
    const pageSize = (r: unknown): string => {
      const c = r as ReturnType<ExperimentStore["compareRuns"]>;
      return `${c.runs.length} of ${c.total} runs, ${c.params.length} params, ${c.metrics.length} metrics`;
    };
    await time("compareAll", () => store.compareRuns({}), pageSize);
    await time("compareFirstPage50", () => store.compareRuns({ limit: 50 }), pageSize);
    await time("compareTwoMetricsOrderedPage50", () => store.compareRuns({ metrics: ["m0", "m1"], orderBy: { metric: "m0" }, limit: 50 }), pageSize);
    await time("compareFiltered", () => store.compareRuns({ filter: 'metrics.m0 > 0.5 and params.model = "mlp"' }), pageSize);
    await time("bestRun", () => store.bestRun("m0"), (r) => `run ${(r as { id: number } | undefined)?.id ?? "none"}`);
    await time("listRuns50", () => store.listRuns({ limit: 50 }), (r) => `${(r as unknown[]).length} runs`);

    const all = store.compareRuns({});
    if (all.runs.length !== COMPARE_RUNS || all.metrics.length !== COMPARE_METRICS) {
      throw new Error(`compareRuns({}) returned ${all.runs.length} runs and ${all.metrics.length} metrics`);
    }

    const breakdowns: Record<string, unknown> = {};
    for (const [name, q] of [
      ["compareAll", {}],
      ["compareFirstPage50", { limit: 50 }],
      ["compareTwoMetricsOrderedPage50", { metrics: ["m0", "m1"], orderBy: { metric: "m0" }, limit: 50 }],
      ["compareFiltered", { filter: 'metrics.m0 > 0.5 and params.model = "mlp"' }],
    ] as const) {
      progress(`compare: where ${name} spends its time`);
      breakdowns[name] = await compareBreakdown(store, q);
    }
    progress("compare: the cost of reading the rows alone");
    const floors = await rowFloors(store);

    const medians = Object.fromEntries(Object.entries(samples).map(([k, v]) => [`${k}Ms`, median(v)]));
    const compareAllMs = median(samples.compareAll ?? []);
    return {
      runs: COMPARE_RUNS,
      metricsPerRun: COMPARE_METRICS,
      paramsPerRun: 5,
      storeMB: fileMB(file),
      setupMs: setup,
      ...medians,
      results: checks,
      target: { compareAllUnderMs: 200, met: compareAllMs < 200 },
      breakdowns,
      rowFloors: floors,
      samples,
    };
  } finally {
    store.close();
  }
}

// ---------------------------------------------------------------------------
// 3. Opening a store with 1,000,000 metric points

async function measureOpen(dir: string): Promise<Record<string, unknown>> {
  const file = join(dir, "big.db");
  const total = BIG_RUNS * BIG_KEYS * BIG_STEPS;
  progress(`open: building ${BIG_RUNS} runs x ${BIG_KEYS} metrics x ${BIG_STEPS} steps = ${total} points`);
  const random = seededRandom(3);
  const started = performance.now();
  const runs: RunId[] = [];
  const builder = ExperimentStore.open(file);
  try {
    for (let r = 0; r < BIG_RUNS; r++) {
      const run = builder.createRun({ experiment: "big", sourceKind: "script" });
      runs.push(run);
      const points: { key: string; value: number; step: number }[] = [];
      for (let s = 0; s < BIG_STEPS; s++) for (let k = 0; k < BIG_KEYS; k++) points.push({ key: `k${k}`, value: random(), step: s });
      builder.logMetrics(run, points);
      builder.endRun(run, "finished");
    }
  } finally {
    builder.close();
  }
  const setupMs = round(performance.now() - started);
  const sizeMB = fileMB(file);
  progress(`open: built in ${setupMs} ms, ${sizeMB} MB`);

  const openSamples = await sample(() => {
    const t = performance.now();
    const store = ExperimentStore.open(file);
    store.close();
    return performance.now() - t;
  });

  const store = ExperimentStore.open(file);
  try {
    const run = runs[Math.floor(runs.length / 2)] as RunId;
    let first = 0;
    let length = 0;
    const historySamples = await sample(() => {
      const t = performance.now();
      const history = store.metricHistory(run, "k3");
      const ms = performance.now() - t;
      if (first === 0) first = ms;
      length = history.length;
      return ms;
    });
    if (length !== BIG_STEPS) throw new Error(`metricHistory returned ${length} points, expected ${BIG_STEPS}`);
    return {
      points: total,
      layout: `${BIG_RUNS} runs x ${BIG_KEYS} metrics x ${BIG_STEPS} steps`,
      storeMB: sizeMB,
      setupMs,
      openCloseMs: median(openSamples),
      metricHistoryMs: median(historySamples),
      metricHistoryFirstCallMs: round(first),
      metricHistoryPoints: length,
      samples: { openCloseMs: openSamples, metricHistoryMs: historySamples },
    };
  } finally {
    store.close();
  }
}

// ---------------------------------------------------------------------------
// 4. A learning-curves chart of long histories

/**
 * What the store did before metric_blocks (schema 4), replayed on the same
 * file: thin one history to `max` points with two indexed queries per bucket
 * (its lowest and its highest point).
 */
function bucketQueries(db: Database.Database, run: RunId, key: string, max: number): number {
  const span = db.prepare("SELECT count(*) AS n, min(step) AS lo, max(step) AS hi FROM metrics WHERE run_id = ? AND key = ?").get(run, key) as { n: number; lo: number; hi: number };
  const buckets = Math.max(1, Math.floor(max / 2));
  const width = (span.hi - span.lo + 1) / buckets;
  const lowest = db.prepare("SELECT step, min(value) AS value FROM metrics WHERE run_id = ? AND key = ? AND step >= ? AND step < ?");
  const highest = db.prepare("SELECT step, max(value) AS value FROM metrics WHERE run_id = ? AND key = ? AND step >= ? AND step < ?");
  let points = 0;
  for (let b = 0; b < buckets; b++) {
    const from = span.lo + Math.ceil(b * width);
    const to = b === buckets - 1 ? span.hi + 1 : span.lo + Math.ceil((b + 1) * width);
    if ((lowest.get(run, key, from, to) as { step: number | null }).step !== null) points += 1;
    if ((highest.get(run, key, from, to) as { step: number | null }).step !== null) points += 1;
  }
  return points;
}

async function measureLearningCurves(dir: string): Promise<Record<string, unknown>> {
  const file = join(dir, "curves.db");
  const total = CURVE_RUNS * CURVE_STEPS;
  progress(`curves: building ${CURVE_RUNS} runs x ${CURVE_STEPS} steps of "loss" = ${total} points`);
  const random = seededRandom(4);
  const started = performance.now();
  const runs: RunId[] = [];
  const builder = ExperimentStore.open(file);
  try {
    for (let r = 0; r < CURVE_RUNS; r++) {
      const run = builder.createRun({ experiment: "curves", sourceKind: "script" });
      builder.logParams(run, { lr: [0.001, 0.01, 0.1][r % 3] as number, seed: r });
      runs.push(run);
      const points: { key: string; value: number; step: number }[] = [];
      for (let s = 0; s < CURVE_STEPS; s++) points.push({ key: "loss", value: 1 / (1 + s / 5000) + random() * 0.05, step: s });
      builder.logMetrics(run, points);
      builder.endRun(run, "finished");
    }
  } finally {
    builder.close();
  }
  const setupMs = round(performance.now() - started);
  progress(`curves: built in ${setupMs} ms, ${fileMB(file)} MB`);

  const store = ExperimentStore.open(file);
  const raw = new Database(file, { readonly: true });
  try {
    let chartBytes = 0;
    const chartSamples = await sample(() => {
      const t = performance.now();
      chartBytes = learningCurves(store, "loss", { experiment: "curves", last: CURVE_RUNS, validation: false }).html.length;
      return performance.now() - t;
    }, 3, 1);
    // What the chart asks of the store: each run's history thinned to 2 x 1000 points.
    let thinnedPoints = 0;
    const historySamples = await sample(() => {
      const t = performance.now();
      thinnedPoints = runs.reduce((sum, run) => sum + store.metricHistory(run, "loss", { maxPoints: 2000 }).length, 0);
      return performance.now() - t;
    }, 3, 1);
    let baselinePoints = 0;
    const baselineSamples = await sample(() => {
      const t = performance.now();
      baselinePoints = runs.reduce((sum, run) => sum + bucketQueries(raw, run, "loss", 2000), 0);
      return performance.now() - t;
    }, 3, 1);
    return {
      layout: `${CURVE_RUNS} runs x ${CURVE_STEPS} steps of one metric`,
      points: total,
      setupMs,
      storeMB: fileMB(file),
      chartMs: median(chartSamples),
      chartKB: Math.round(chartBytes / 1024),
      thinnedHistoriesMs: median(historySamples),
      thinnedPoints,
      baselineBucketQueriesMs: median(baselineSamples),
      baselinePoints,
      speedup: round(median(baselineSamples) / median(historySamples)),
      samples: { chartMs: chartSamples, thinnedHistoriesMs: historySamples, baselineBucketQueriesMs: baselineSamples },
    };
  } finally {
    raw.close();
    store.close();
  }
}

// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  const dir = mkdtempSync(join(os.tmpdir(), "pipelab-bench-tracking-"));
  try {
    const machine = {
      ...machineInfo(),
      sqlite: (() => {
        const db = new Database(":memory:");
        try {
          return (db.prepare("SELECT sqlite_version() AS v").get() as { v: string }).v;
        } finally {
          db.close();
        }
      })(),
      tmpdir: os.tmpdir(),
    };

    // --only postgres: the PostgreSQL store beside the SQLite file alone; --postgres: that part too.
    const args = process.argv.slice(2);
    const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined;
    if (only !== undefined && only !== "postgres") throw new Error(`--only takes "postgres", got ${JSON.stringify(only)}`);
    const sqlite = only === undefined;
    const logging = sqlite ? await measureLogging(dir) : undefined;
    const compare = sqlite ? await measureCompare(dir) : undefined;
    const open = sqlite ? await measureOpen(dir) : undefined;
    const curves = sqlite ? await measureLearningCurves(dir) : undefined;
    const postgres = only === "postgres" || args.includes("--postgres") ? await measurePostgres(dir) : undefined;

    const result = {
      benchmark: "tracking",
      date: new Date().toISOString(),
      machine,
      settings: { runs: RUNS, warmups: WARMUPS, mbBytes: MB, statistic: "median", gcBeforeEachSample: true },
      logging,
      compare,
      open,
      curves,
      postgres,
    };
    // Indented, with each list of samples on one line.
    const text = JSON.stringify(result, null, 2).replace(/\[\s+([-\d.,\s]+?)\s+\]/g, (_, items: string) => `[${items.split(/,\s*/).join(", ")}]`);
    process.stdout.write(`${text}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench tracking failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
