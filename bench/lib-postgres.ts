/**
 * The PostgreSQL store side by side with the SQLite file, for bench/tracking
 * (`--postgres`, or `--only postgres` for this part alone), on a temporary
 * PostgreSQL 15 server started as the tests start theirs (fsync off: the
 * figures are the store's, not the disk's):
 *
 * 1. Logging: 200,000 points in batches of 1,000 through `store.logMetrics`
 *    (what the workbench's MetricBuffer sends), into a fresh SQLite file and
 *    a fresh database; and 8 processes x 10,000 points at once through the
 *    workbench into one database (every point checked to be there).
 * 2. Comparing 10,000 runs x 20 final metrics x 5 params, built through the
 *    public API in each store: compareRuns of all runs, of the first page,
 *    of two metrics ordered by one, of a filter. The target for the
 *    PostgreSQL store: all 10,000 runs compared in under 500 ms.
 *
 * Medians of RUNS samples after WARMUPS warm-ups.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { seededRandom } from "../src/ml";
import { ExperimentStore, PostgresStore } from "../src/tracking";
import type { CompareQuery, MetricPointInput, ParamValue, RunId, RunStore } from "../src/tracking";
import { startPostgresServer } from "../test/helpers/postgres";
import { median, progressFor, round, sample } from "./lib";

const progress = progressFor("tracking");
const LOG_POINTS = 200_000;
const BATCH = 1_000;
const COMPARE_RUNS = 10_000;
const COMPARE_METRICS = 20;
const PROCESSES = 8;
const PROCESS_POINTS = 10_000;
const root = join(__dirname, "..");

/** 200,000 points of 4 metrics, one step per 4 points, in batches of 1,000. */
function logBatches(): MetricPointInput[][] {
  const names = ["loss", "accuracy", "lr", "grad_norm"];
  const batches: MetricPointInput[][] = [];
  for (let i = 0; i < LOG_POINTS; i += BATCH) {
    batches.push(Array.from({ length: BATCH }, (_, j) => ({ key: names[(i + j) % 4] as string, value: Math.sin(i + j), step: Math.floor((i + j) / 4) })));
  }
  return batches;
}

async function logRate(open: () => RunStore): Promise<{ pointsPerSecond: number; samplesMs: number[] }> {
  const batches = logBatches();
  const samplesMs = await sample(() => {
    const store = open();
    try {
      const run = store.createRun({ experiment: "log", sourceKind: "script" });
      const started = performance.now();
      for (const b of batches) store.logMetrics(run, b);
      const ms = performance.now() - started;
      if (store.metricHistory(run, "loss").length !== LOG_POINTS / 4) throw new Error("points missing after logging");
      return ms;
    } finally {
      store.close();
    }
  });
  return { pointsPerSecond: Math.round(LOG_POINTS / (median(samplesMs) / 1000)), samplesMs: samplesMs.map(round) };
}

function buildCompare(store: RunStore): number {
  const random = seededRandom(2);
  const started = performance.now();
  for (let i = 0; i < COMPARE_RUNS; i++) {
    const run = store.createRun({ experiment: i % 2 === 0 ? "sweep-a" : "sweep-b", sourceKind: "script", name: `trial-${i}` });
    const params: Record<string, ParamValue> = { model: ["mlp", "cnn", "linear"][i % 3] as string, optimizer: i % 2 ? "sgd" : "adam", lr: 10 ** -(1 + (i % 4)), batch_size: [32, 64, 128, 256][Math.floor(i / 3) % 4] as number, seed: i };
    store.logParams(run, params);
    store.logMetrics(run, Array.from({ length: COMPARE_METRICS }, (_, m) => ({ key: `m${m}`, value: random(), step: 10 })));
    store.endRun(run, "finished");
    if ((i + 1) % 2500 === 0) progress(`postgres: compare store ${i + 1} runs recorded`);
  }
  return round(performance.now() - started);
}

const QUERIES: [string, CompareQuery][] = [
  ["compareAll", {}],
  ["compareFirstPage50", { limit: 50 }],
  ["compareTwoMetricsOrderedPage50", { metrics: ["m0", "m1"], orderBy: { metric: "m0" }, limit: 50 }],
  ["compareFiltered", { filter: 'metrics.m0 > 0.5 and params.model = "mlp"' }],
];

async function compareTimes(store: RunStore): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [name, q] of QUERIES) {
    const ms = await sample(() => {
      const started = performance.now();
      const c = store.compareRuns(q);
      if (name === "compareAll" && c.runs.length !== COMPARE_RUNS) throw new Error(`compareRuns gave ${c.runs.length} runs`);
      return performance.now() - started;
    });
    out[`${name}Ms`] = round(median(ms));
  }
  return out;
}

/** 8 processes x 10,000 points at once through the workbench (the tests' fixture), into one database. */
async function manyProcesses(url: string, cacheDir: string): Promise<Record<string, unknown>> {
  const started = performance.now();
  const runs = await Promise.all(
    Array.from({ length: PROCESSES }, (_, w) =>
      new Promise<RunId>((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", join(root, "test", "tracking", "fixtures", "pg-workbench.ts"), String(w), String(PROCESS_POINTS), cacheDir], {
          cwd: root,
          env: { ...process.env, PIPELAB_STORE: url },
          stdio: ["ignore", "pipe", "inherit"],
        });
        let out = "";
        child.stdout.on("data", (c: Buffer) => (out += c.toString()));
        child.on("error", reject);
        child.on("close", (code) => (code === 0 ? resolve((JSON.parse(out.trim().split("\n").at(-1) as string) as { run: RunId }).run) : reject(new Error(`worker ${w} exited ${code}`))));
      }),
    ),
  );
  const ms = performance.now() - started;
  const store = PostgresStore.open(url, { readOnly: true });
  try {
    const stored = runs.reduce((sum, run) => sum + store.metricHistory(run, "loss").length, 0);
    if (stored !== PROCESSES * PROCESS_POINTS) throw new Error(`${stored} of ${PROCESSES * PROCESS_POINTS} points stored`);
    return { processes: PROCESSES, pointsEach: PROCESS_POINTS, lost: 0, wallMs: round(ms), pointsPerSecondAll: Math.round((PROCESSES * PROCESS_POINTS) / (ms / 1000)), note: "wall time includes starting 8 Node processes (tsx) and opening the workbench" };
  } finally {
    store.close();
  }
}

/** The PostgreSQL store beside the SQLite file: logging and comparing. */
export async function measurePostgres(dir: string): Promise<Record<string, unknown>> {
  progress("postgres: starting a temporary server");
  const server = startPostgresServer();
  try {
    let n = 0;
    const database = (): string => {
      const name = `bench_${++n}`;
      server.query(`CREATE DATABASE ${name}`);
      return server.urlFor({ database: name });
    };
    progress("postgres: logging 200,000 points in batches of 1,000, SQLite then PostgreSQL");
    const sqliteLog = await logRate(() => ExperimentStore.open(join(dir, `pg-side-log-${++n}.db`)));
    const postgresLog = await logRate(() => PostgresStore.open(database()));
    progress("postgres: 8 processes x 10,000 points at once");
    const processes = await manyProcesses(database(), join(dir, "pg-cache"));

    progress(`postgres: building ${COMPARE_RUNS} runs in each store`);
    const sqliteFile = join(dir, "pg-side-compare.db");
    const sqliteStore = ExperimentStore.open(sqliteFile);
    const sqliteBuildMs = buildCompare(sqliteStore);
    const postgresUrl = database();
    const postgresStore = PostgresStore.open(postgresUrl);
    const postgresBuildMs = buildCompare(postgresStore);
    progress("postgres: comparing");
    const sqliteCompare = await compareTimes(sqliteStore);
    const postgresCompare = await compareTimes(postgresStore);
    sqliteStore.close();
    postgresStore.close();
    return {
      server: { version: server.query("SHOW server_version")[0]?.[0], fsync: "off", startupMs: round(server.startupMs) },
      logging: {
        points: LOG_POINTS,
        batch: BATCH,
        sqlite: sqliteLog,
        postgres: postgresLog,
        ratio: Number((postgresLog.pointsPerSecond / sqliteLog.pointsPerSecond).toFixed(2)),
        processes,
      },
      compare: {
        runs: COMPARE_RUNS,
        metricsPerRun: COMPARE_METRICS,
        buildMs: { sqlite: sqliteBuildMs, postgres: postgresBuildMs },
        sqlite: sqliteCompare,
        postgres: postgresCompare,
        target: { postgresCompareAllUnderMs: 500, met: (postgresCompare.compareAllMs ?? Infinity) < 500 },
      },
    };
  } finally {
    server.dispose();
  }
}
