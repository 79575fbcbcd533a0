/**
 * Benchmark of pipelab's data layer (src/data: DuckDB, ColumnarTable) side by
 * side with pandas, in one run.
 *
 * 1. A 1,000,000-row CSV: id (int), group (one of 5 strings), x (Gaussian,
 *    6 decimals), y (uniform in [0, 100), 4 decimals), count (int 0-50),
 *    about 32 MB, written from seededRandom into a temporary folder; the
 *    writer's own group means check every reader's. pipelab: readCsvTable,
 *    then the mean of x by group through sql() and through the in-memory
 *    verb groupBy("group").agg({ x: "mean" }). pandas:
 *    pd.read_csv and df.groupby('group')['x'].mean(). For reference, the
 *    danfo path (readCsv of src/ml) once, unless BENCH_DATA_QUICK=1.
 * 2. vega-datasets' flights-3m.parquet (3M rows: date, delay, distance,
 *    origin, destination). pipelab: sql() of a group-by on origin (mean and
 *    count of delay) that reads the file; the same group-by on a table
 *    already in memory (sql over the table, and the groupBy verb); and two
 *    columns to a tensor: readParquet(file, { columns: [delay, distance] }),
 *    the table's toMatrix, then tf.tensor2d on the backend initBackend()
 *    picks. pandas: pd.read_parquet, the group-by and
 *    to_numpy(np.float32); without a Parquet engine (Debian's pandas has no
 *    pyarrow) its error is reported and pandas reads a CSV copy of the same
 *    rows (written by DuckDB here), so that its in-memory figures still exist.
 * 3. A cached step's disk hit: the first 100,000 rows of flights (all 5
 *    columns) stored by StepCache.put (mode "disk"), then read back by a new
 *    StepCache per sample (read the file, verify its checksums, decode), as a
 *    restarted kernel does; the same for the frame's toDanfo(). MB/s is the
 *    payload's bytes over the median time; the hit's parts (file read,
 *    checksum, decode) are also timed alone. The file was just written, so
 *    every read is a warm read from the OS page cache, not from the disk.
 *    joblib: dump and load of the same 100,000 rows as a pandas frame
 *    (origin and destination as category, as pipelab holds them); MB/s is
 *    the file's bytes over the median load time (also a warm read).
 * 4. Peak RSS of the 3M-row flow (read all 5 columns of flights-3m, a SQL
 *    group-by over that table, two columns to a tensor), each side in a
 *    fresh child process: VmHWM from /proc/self/status on both sides
 *    (pipelab's also after each stage). pandas' ru_maxrss is reported too,
 *    but it is not the child's own: Linux carries the forking process's peak
 *    across fork and exec, so it starts at this (large) node process's.
 *
 * Every timing is the median of RUNS samples after WARMUPS warm-ups, with a
 * full garbage collection before each sample (outside the timing), except
 * cache hits: CACHE_RUNS samples after CACHE_WARMUPS warm-ups, back to back,
 * as hits come in a notebook (bench/cache.ts does the same). The first
 * readCsvTable warm-up also opens DuckDB (reported as firstReadMs). Ratios
 * are pipelab's time over pandas' (below 1: pipelab is faster), both
 * measured in this run. pandas runs in a child process (/usr/bin/python3
 * bench/data_pandas.py) after pipelab's measurements, so the two never share
 * the CPU; without /usr/bin/python3 or pandas its side is skipped with why.
 *
 * Run from the repository root:
 *   npm run --silent bench -- data
 *   node --import tsx bench/data.ts
 * BENCH_DATA_QUICK=1 leaves out the danfo readCsv (about 9 s). One JSON
 * object goes to stdout; progress lines and a summary table go to stderr.
 * "MB" is 2^20 bytes and "GB" 2^30. Files live in a temporary folder under
 * os.tmpdir(), removed at the end.
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import os from "node:os";
import { join, resolve } from "node:path";
import * as tf from "@tensorflow/tfjs";
import type { DataFrame } from "danfojs-node";
import { StepCache, decode, encode } from "../src/cache";
import { DiskStore } from "../src/cache/disk-store";
import { ColumnarTable, DUCKDB_VERSION, executeSql, queryColumns, readCsvTable, readParquet, sql, sqlString } from "../src/data";
import { initBackend, readCsv, seededRandom } from "../src/ml";
import { sha256, xxh32 } from "../src/util";
import { collectGarbage, machineInfo, median, progressFor, round, runJson, sample } from "./lib";

const CSV_ROWS = 1_000_000;
const GROUPS = ["alpha", "bravo", "charlie", "delta", "echo"] as const;
const SEED = 17;
const RUNS = 3;
const WARMUPS = 1;
const CACHE_ROWS = 100_000;
const CACHE_RUNS = 15;
const CACHE_WARMUPS = 2;

/** The figures the data layer aims at (issue #17). */
const GOALS = { flightsGroupbyMs: 300, toTensorMs: 1000, cacheMBps: 1024, rssMB: 1024 } as const;

const MB = 1024 * 1024;
const REPO = resolve(__dirname, "..");
const FLIGHTS = join(REPO, "node_modules", "vega-datasets", "data", "flights-3m.parquet");
const PYTHON = "/usr/bin/python3";
const PANDAS_HELPER = join(__dirname, "data_pandas.py");
const QUICK = process.env.BENCH_DATA_QUICK === "1";

const progress = progressFor("data");

// ---------------------------------------------------------------------------
// Helpers

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function mbps(bytes: number, ms: number): number {
  return Math.round((bytes / MB / (ms / 1000)) * 10) / 10;
}

/** Peak RSS of this process so far (VmHWM), in MB. */
function vmHwmMB(): number {
  const kb = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
  if (kb === undefined) throw new Error("no VmHWM line in /proc/self/status");
  return Math.round((Number(kb) / 1024) * 10) / 10;
}


function runPandas(spec: Record<string, unknown>): Promise<Record<string, unknown>> {
  return runJson(`bench/data_pandas.py (${String(spec.mode)})`, PYTHON, [PANDAS_HELPER, JSON.stringify(spec)]) as Promise<Record<string, unknown>>;
}

/** Times `op` alone, in ms, keeping its result in `keep`. */
async function timed<T>(op: () => Promise<T> | T, keep?: (value: T) => void): Promise<number> {
  const started = performance.now();
  const value = await op();
  const ms = performance.now() - started;
  keep?.(value);
  return ms;
}

// ---------------------------------------------------------------------------
// Checks

/** A group-by result's means by key, when it is a ColumnarTable with the key and a column of means. */
function meansOf(result: unknown, key: string, column: string): Record<string, number> | undefined {
  if (!(result instanceof ColumnarTable) || !result.columns.includes(key)) return undefined;
  const name = result.columns.find((c) => c === column) ?? result.columns.find((c) => c !== key && c.startsWith(column));
  if (name === undefined) return undefined;
  const keys = result.strings(key);
  const values = result.column(name) as ArrayLike<number>;
  return Object.fromEntries(keys.map((k, i) => [String(k), values[i] as number]));
}

/** The largest difference between two sets of group means (Infinity when their groups differ). */
function maxDifference(a: Record<string, number> | undefined, b: Record<string, number> | undefined): number | null {
  if (a === undefined || b === undefined) return null;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length || keys.some((k) => !(k in b))) return Infinity;
  return Math.max(...keys.map((k) => Math.abs((a[k] as number) - (b[k] as number))));
}

// ---------------------------------------------------------------------------
// 1. The CSV

interface WrittenCsv {
  path: string;
  rows: number;
  bytes: number;
  /** The mean of x by group, from the values as written. */
  means: Record<string, number>;
}

/** Writes the seeded 1M-row CSV; x ~ N(0, 1) by Box-Muller. */
function writeCsv(path: string): WrittenCsv {
  const random = seededRandom(SEED);
  const sums = new Float64Array(GROUPS.length);
  const counts = new Float64Array(GROUPS.length);
  const fd = openSync(path, "w");
  try {
    writeSync(fd, "id,group,x,y,count\n");
    const CHUNK = 20_000;
    for (let start = 0; start < CSV_ROWS; start += CHUNK) {
      const lines: string[] = [];
      for (let i = start; i < Math.min(start + CHUNK, CSV_ROWS); i++) {
        const g = Math.floor(random() * GROUPS.length);
        const u = 1 - random();
        const x = (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random())).toFixed(6);
        const y = (random() * 100).toFixed(4);
        const count = Math.floor(random() * 51);
        sums[g] = (sums[g] as number) + Number(x);
        counts[g] = (counts[g] as number) + 1;
        lines.push(`${i},${GROUPS[g]},${x},${y},${count}\n`);
      }
      writeSync(fd, lines.join(""));
    }
  } finally {
    closeSync(fd);
  }
  const means = Object.fromEntries(GROUPS.map((g, i) => [g, (sums[i] as number) / (counts[i] as number)]));
  return { path, rows: CSV_ROWS, bytes: statSync(path).size, means };
}

const CSV_GROUPBY = 'SELECT "group", avg(x) AS x FROM t GROUP BY 1';

async function measureCsv(csv: WrittenCsv): Promise<Record<string, unknown>> {
  progress(`readCsvTable (${WARMUPS} warm-up, which opens DuckDB, + ${RUNS} samples)`);
  let table: ColumnarTable | undefined;
  const readAll: number[] = [];
  await sample(
    async () => {
      table = undefined;
      collectGarbage();
      const ms = await timed(() => readCsvTable(csv.path), (t) => (table = t));
      readAll.push(round(ms));
      return ms;
    },
    RUNS,
    WARMUPS,
    false,
  );
  const t = table as ColumnarTable;
  if (t.rows !== csv.rows) throw new Error(`readCsvTable read ${t.rows} rows, expected ${csv.rows}`);

  progress(`sql: ${CSV_GROUPBY}`);
  let bySql: ColumnarTable | undefined;
  const sqlSamples = await sample(() => timed(() => sql(CSV_GROUPBY, { t }), (r) => (bySql = r)), RUNS, WARMUPS);
  const sqlMeans = meansOf(bySql, "group", "x");

  progress('t.groupBy("group").agg({ x: "mean" })');
  let byVerb: ColumnarTable | undefined;
  const verbSamples = await sample(() => timed(() => t.groupBy("group").agg({ x: "mean" }), (r) => (byVerb = r)), RUNS, WARMUPS);
  return {
    dtypes: t.dtypes,
    firstReadMs: readAll[0],
    readMs: median(readAll.slice(WARMUPS)),
    groupbySqlMs: median(sqlSamples),
    groupbyVerbMs: median(verbSamples),
    maxDifferenceFromWriter: { sql: maxDifference(sqlMeans, csv.means), verb: maxDifference(meansOf(byVerb, "group", "x"), csv.means) },
    samples: { readMs: readAll.slice(WARMUPS), groupbySqlMs: sqlSamples, groupbyVerbMs: verbSamples },
  };
}

function measureDanfoCsv(csv: WrittenCsv): Record<string, unknown> {
  if (QUICK) return { skipped: "BENCH_DATA_QUICK=1" };
  progress("danfo path: readCsv (src/ml), once");
  collectGarbage();
  const started = performance.now();
  const df = readCsv(csv.path);
  const ms = performance.now() - started;
  if (df.shape[0] !== csv.rows) throw new Error(`readCsv read ${df.shape[0]} rows, expected ${csv.rows}`);
  return { readMs: round(ms), samples: 1 };
}

// ---------------------------------------------------------------------------
// 2. Parquet

const TENSOR_COLUMNS = ["delay", "distance"] as const;

async function measureParquet(): Promise<Record<string, unknown>> {
  const fromFile = `SELECT origin, avg(delay) AS delay, count(*) AS n FROM ${sqlString(FLIGHTS)} GROUP BY origin`;
  progress(`sql: ${fromFile}`);
  let groups = 0;
  const fileSamples = await sample(() => timed(() => sql(fromFile), (r) => (groups = r.rows)), RUNS, WARMUPS);

  progress("the same group-by on a table in memory (origin, delay)");
  const inMemory = await readParquet(FLIGHTS, { columns: ["origin", "delay"] });
  const tableQuery = "SELECT origin, avg(delay) AS delay, count(*) AS n FROM flights GROUP BY origin";
  const tableSamples = await sample(() => timed(() => sql(tableQuery, { flights: inMemory })), RUNS, WARMUPS);
  progress('flights.groupBy("origin").agg({ delay: "mean", n: "count" })');
  const verbSamples = await sample(() => timed(() => inMemory.groupBy("origin").agg({ delay: "mean", n: "count" })), RUNS, WARMUPS);

  const backend = await initBackend();
  progress(`to a tensor: readParquet([delay, distance]) + toMatrix + tf.tensor2d on ${backend.name}`);
  const parts = { readParquetMs: [] as number[], toMatrixMs: [] as number[], tensor2dMs: [] as number[] };
  let shape: number[] = [];
  const totalSamples = await sample(
    async () => {
      const t0 = performance.now();
      const table = await readParquet(FLIGHTS, { columns: TENSOR_COLUMNS });
      const t1 = performance.now();
      const m = table.toMatrix(TENSOR_COLUMNS);
      const t2 = performance.now();
      const tensor = tf.tensor2d(m.data, [m.rows, m.cols]);
      const t3 = performance.now();
      shape = tensor.shape;
      tensor.dispose();
      parts.readParquetMs.push(round(t1 - t0));
      parts.toMatrixMs.push(round(t2 - t1));
      parts.tensor2dMs.push(round(t3 - t2));
      return t3 - t0;
    },
    RUNS,
    WARMUPS,
  );
  const timedParts = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, v.slice(WARMUPS)]));
  return {
    rows: inMemory.rows,
    groups,
    groupbyMs: median(fileSamples),
    groupbyInMemory: { sqlMs: median(tableSamples), verbMs: median(verbSamples) },
    toTensorMs: median(totalSamples),
    toTensorParts: Object.fromEntries(Object.entries(timedParts).map(([k, v]) => [k, median(v)])),
    toTensor: { backend: backend.description, shape },
    samples: { groupbyMs: fileSamples, groupbyInMemorySqlMs: tableSamples, groupbyInMemoryVerbMs: verbSamples, toTensorMs: totalSamples, ...timedParts },
  };
}

// ---------------------------------------------------------------------------
// 3. A cached step's disk hit

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the figures are JSON printed by this bench and its Python helper, read field by field for the summary; typing every nested shape would double the file for no safety gained
type Json = Record<string, any>;

/** Stores `value` under a key, then times disk hits through a new StepCache per sample. */
async function measureDiskHit(name: string, value: unknown, dir: string, use?: (v: unknown) => void): Promise<Record<string, unknown>> {
  const key = sha256(`bench:${name}`);
  const stored = await new StepCache({ dir }).put(key, value, { step: name, runId: null, mode: "disk" });
  const file = new DiskStore(dir).fileOf(key);
  const hit = async (thenUse: boolean): Promise<number> => {
    const restarted = new StepCache({ dir });
    const started = performance.now();
    const found = await restarted.get(key);
    if (thenUse) use?.(found?.value);
    const ms = performance.now() - started;
    if (found?.tier !== "disk") throw new Error(`${name}: expected a disk hit, got ${found?.tier ?? "a miss"}`);
    return ms;
  };
  progress(`${name}: disk hits (${CACHE_WARMUPS} warm-ups + ${CACHE_RUNS}, a new StepCache each)`);
  const hitSamples = await sample(() => hit(false), CACHE_RUNS, CACHE_WARMUPS, false);
  // Where a hit's time goes, each part on its own: the file read, the checksum a hit verifies (XXH32; a hit
  // hashes each piece as it reads it, so its own time is less than these two added), the decode.
  const readSamples = await sample(() => timed(() => readFileSync(file)), CACHE_RUNS, CACHE_WARMUPS, false);
  const payload = await encode(value);
  const checksumSamples = await sample(() => timed(() => xxh32(payload)), CACHE_RUNS, CACHE_WARMUPS, false);
  const decodeSamples = await sample(() => timed(() => decode(payload)), CACHE_RUNS, CACHE_WARMUPS, false);
  const useSamples = use ? await sample(() => hit(true), CACHE_RUNS, CACHE_WARMUPS, false) : undefined;
  const hitMs = median(hitSamples);
  return {
    payloadBytes: stored.bytes,
    fileBytes: statSync(file).size,
    diskHitMs: hitMs,
    MBps: mbps(stored.bytes, hitMs),
    diskHitBreakdownMs: { readFile: median(readSamples), checksum: median(checksumSamples), decode: median(decodeSamples) },
    ...(useSamples ? { diskHitThenUseMs: median(useSamples), thenUseMBps: mbps(stored.bytes, median(useSamples)) } : {}),
    samples: { diskHitMs: hitSamples, ...(useSamples ? { diskHitThenUseMs: useSamples } : {}), readFileMs: readSamples, checksumMs: checksumSamples, decodeMs: decodeSamples },
  };
}

async function measureCache(dir: string): Promise<Record<string, unknown>> {
  progress(`cache: the first ${CACHE_ROWS} rows of flights-3m (all columns)`);
  const table = (await readParquet(FLIGHTS)).head(CACHE_ROWS);
  const columnar = await measureDiskHit("flights-100k-columnar", table, join(dir, "columnar"));
  const danfo = await measureDiskHit("flights-100k-danfo", table.toDanfo(), join(dir, "danfo"), (v) => void (v as DataFrame).head(5).values);
  return {
    rows: CACHE_ROWS,
    dtypes: table.dtypes,
    pageCache: "warm: each artifact was just written, so its reads come from the OS page cache (as after a kernel restart on the same machine), not from the disk",
    columnarMBps: columnar.MBps,
    danfoMBps: danfo.MBps,
    bytes: columnar.payloadBytes,
    columnar,
    danfo: {
      ...danfo,
      note: "toDanfo() turns the timestamp column into 100,000 Date objects, which the codec keeps one by one in the artifact's JSON skeleton: most of this hit is parsing and rebuilding them; diskHitThenUse adds danfo's first use (head(5).values builds its row-major copy)",
    },
  };
}

// ---------------------------------------------------------------------------
// 4. Peak RSS of the 3M-row flow (a worker process)

async function rssWorker(): Promise<Record<string, unknown>> {
  const backend = await initBackend();
  const afterImports = vmHwmMB();
  const started = performance.now();
  const flights = await readParquet(FLIGHTS);
  const afterRead = vmHwmMB();
  const byOrigin = await sql("SELECT origin, avg(delay) AS delay, count(*) AS n FROM flights GROUP BY origin", { flights });
  const afterSql = vmHwmMB();
  const m = flights.toMatrix(TENSOR_COLUMNS);
  const tensor = tf.tensor2d(m.data, [m.rows, m.cols]);
  const flowMs = performance.now() - started;
  const peak = vmHwmMB();
  return {
    rows: flights.rows,
    groups: byOrigin.rows,
    tensorShape: tensor.shape,
    backend: backend.name,
    flowMs: round(flowMs),
    peakRssAfterImportsMB: afterImports,
    peakRssMB: peak,
    peakRssAfterMB: { imports: afterImports, readParquet: afterRead, sql: afterSql, toTensor: peak },
    heapUsedMB: Math.round(process.memoryUsage().heapUsed / MB),
    measure: "VmHWM of /proc/self/status at the end of the flow (and after each stage)",
  };
}

// ---------------------------------------------------------------------------
// pandas

async function pandasProbe(): Promise<Record<string, unknown>> {
  if (!existsSync(PYTHON)) return { available: false, reason: `${PYTHON} does not exist (Debian: apt-get install python3-pandas)` };
  try {
    return await runPandas({ mode: "probe" });
  } catch (error) {
    return { available: false, reason: messageOf(error) };
  }
}

// ---------------------------------------------------------------------------

function summary(result: Json): string {
  const p = result.csv.pipelab;
  const pd = result.csv.pandas;
  const fp = result.parquet.pipelab;
  const fpd = result.parquet.pandas;
  const ms = (v: unknown): string => (typeof v === "number" ? `${v} ms` : "—");
  const rows: [string, string, string][] = [
    ["1M-row CSV (~" + Math.round(result.csv.bytes / MB) + " MB): read", ms(p.readMs), ms(pd?.readMs)],
    ["1M-row CSV: mean of x by group (sql / verb)", `${ms(p.groupbySqlMs)} / ${ms(p.groupbyVerbMs)}`, ms(pd?.groupbyMs)],
    ["flights-3m: group-by from the Parquet file", ms(fp.groupbyMs), ms(fpd?.groupbyFromFileMs)],
    ["flights-3m: group-by in memory (sql / verb)", `${ms(fp.groupbyInMemory.sqlMs)} / ${ms(fp.groupbyInMemory.verbMs)}`, ms(fpd?.groupbyMs)],
    ["flights-3m: 2 columns to a tensor (from the file)", ms(fp.toTensorMs), ms(fpd?.toNumpyFromFileMs)],
    ["cached 100k-row frame, disk hit (warm page cache)", `${result.cache.pipelab.columnarMBps} MB/s`, result.cache.joblib?.MBps ? `${result.cache.joblib.MBps} MB/s (joblib)` : "—"],
    ["peak RSS, 3M-row flow", `${result.rss.pipelabMB} MB`, result.rss.pandasMB ? `${result.rss.pandasMB} MB` : "—"],
  ];
  return ["| what | pipelab | pandas |", "| --- | --- | --- |", ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(os.tmpdir(), "pipelab-bench-data-"));
  try {
    const machine: Record<string, unknown> = { ...machineInfo(), loadAverage1m: { atStart: round2(os.loadavg()[0] ?? NaN), atEnd: NaN } };
    progress(`writing ${CSV_ROWS} rows to ${dir}`);
    const csv = writeCsv(join(dir, "rows.csv"));
    progress(`wrote ${(csv.bytes / MB).toFixed(1)} MB`);
    const probe = await pandasProbe();
    progress(probe.available ? `pandas ${String(probe.pandas)}, Parquet engine: ${JSON.stringify(probe.parquetEngine)}` : `pandas skipped: ${String(probe.reason)}`);

    const pipelabCsv = await measureCsv(csv);
    const parquet = await measureParquet();
    const cache = await measureCache(join(dir, "cache"));

    let pandas: Json = { skipped: probe.reason };
    let flightsCsv: string | null = null;
    if (probe.available) {
      if (probe.parquetEngine === null) {
        flightsCsv = join(dir, "flights-3m.csv");
        progress(`pandas has no Parquet engine: writing flights-3m as ${flightsCsv} with DuckDB`);
        await executeSql(`COPY (SELECT * FROM read_parquet(${sqlString(FLIGHTS)})) TO ${sqlString(flightsCsv)} (HEADER, DELIMITER ',')`, "writing the CSV copy of flights-3m");
      }
      progress("pandas: starting /usr/bin/python3 bench/data_pandas.py");
      pandas = await runPandas({ mode: "bench", csv: csv.path, flightsParquet: FLIGHTS, flightsCsv, joblibDir: dir, runs: RUNS, warmups: WARMUPS, cacheRuns: CACHE_RUNS, cacheWarmups: CACHE_WARMUPS, cacheRows: CACHE_ROWS });
    }
    const danfo = measureDanfoCsv(csv);
    collectGarbage();

    progress("peak RSS: the 3M-row flow in a fresh node process");
    const pipelabRss = (await runJson("the RSS worker", process.execPath, ["--import", "tsx", __filename, "--worker", "rss"])) as Record<string, unknown>;
    let pandasRss: Record<string, unknown> = { skipped: probe.reason };
    if (probe.available) {
      progress("peak RSS: the 3M-row flow in a fresh python process");
      pandasRss = await runPandas({ mode: "rss", flightsParquet: FLIGHTS, flightsCsv });
    }

    const version = await queryColumns("SELECT version() AS v", { strings: "strings" });
    machine.duckdb = { package: `@duckdb/node-api ${DUCKDB_VERSION}`, engine: version.strings("v")[0] };
    machine.tfjs = (parquet.toTensor as { backend: string }).backend;
    machine.python = probe.available ? { python: probe.python, pandas: probe.pandas, numpy: probe.numpy, joblib: probe.joblib, parquetEngine: probe.parquetEngine } : { skipped: probe.reason };
    (machine.loadAverage1m as { atEnd: number }).atEnd = round2(os.loadavg()[0] ?? NaN);

    const pandasCsv = pandas.csv as Json | undefined;
    const pandasParquet = pandas.parquet as Json | undefined;
    const pandasJoblib = pandas.joblib as Json | undefined;
    const ratio = (a: number, b: unknown): number | null => (typeof b === "number" && b > 0 ? round2(a / b) : null);
    const rssMB = pipelabRss.peakRssMB as number;

    const result = {
      benchmark: "data",
      date: new Date().toISOString(),
      machine,
      settings: { statistic: "median", runs: RUNS, warmups: WARMUPS, cacheRuns: CACHE_RUNS, cacheWarmups: CACHE_WARMUPS, gcBeforeEachSample: "yes, except cache hits", mbBytes: MB, quick: QUICK },
      csv: {
        rows: csv.rows,
        bytes: csv.bytes,
        columns: "id int, group (5 strings), x N(0,1) 6 decimals, y [0,100) 4 decimals, count int 0-50",
        pipelab: pipelabCsv,
        pandas: pandasCsv ? { ...pandasCsv, maxDifferenceFromWriter: maxDifference(pandasCsv.means as Record<string, number>, csv.means), means: undefined } : { skipped: pandas.skipped ?? "pandas did not run" },
        danfoReadMs: danfo.readMs ?? null,
        danfo,
      },
      parquet: { file: "vega-datasets/data/flights-3m.parquet", pipelab: parquet, pandas: pandasParquet ?? { skipped: pandas.skipped ?? "pandas did not run" } },
      cache: {
        pipelab: cache,
        joblib: pandasJoblib ?? { skipped: pandas.skipped ?? "pandas did not run" },
      },
      rss: { pipelabMB: rssMB, pandasMB: (pandasRss.peakRssMB as number | undefined) ?? null, pipelab: pipelabRss, pandas: pandasRss },
      targets: {
        meaning: "ratios are pipelab's time over pandas' in this run (below 1: pipelab is faster)",
        csvReadVsPandas: ratio(pipelabCsv.readMs as number, pandasCsv?.readMs),
        groupbyVsPandas: ratio(pipelabCsv.groupbyVerbMs as number, pandasCsv?.groupbyMs),
        groupbySqlVsPandas: ratio(pipelabCsv.groupbySqlMs as number, pandasCsv?.groupbyMs),
        flightsGroupbyUnder300ms: (parquet.groupbyMs as number) < GOALS.flightsGroupbyMs,
        toTensorUnder1s: (parquet.toTensorMs as number) < GOALS.toTensorMs,
        cacheOver1GBps: (cache.columnarMBps as number) > GOALS.cacheMBps,
        rssUnder1GB: rssMB < GOALS.rssMB,
      },
    };
    // Indented, with each list of samples on one line.
    const text = JSON.stringify(result, null, 2).replace(/\[\s+([-\d.,\s]+?)\s+\]/g, (_, items: string) => `[${items.split(/,\s*/).join(", ")}]`);
    process.stdout.write(`${text}\n`);
    process.stderr.write(`${summary(result)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function worker(args: readonly string[]): Promise<void> {
  if (args[0] !== "rss" || args.length !== 1) throw new Error(`unknown worker arguments: ${args.join(" ")}`);
  process.stdout.write(`${JSON.stringify(await rssWorker())}\n`);
}

const workerAt = process.argv.indexOf("--worker");
(workerAt >= 0 ? worker(process.argv.slice(workerAt + 1)) : main()).catch((error: unknown) => {
  process.stderr.write(`bench data failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
