/**
 * Benchmark of `pipelab serve`: a packaged penguins pipeline (a scaler and a
 * one-hot encoder before a small dense classifier) served by the CLI in a
 * child process, with every prediction logged (sample rate 1) to a store,
 * and autocannon driving it from another process, over loopback.
 *
 * Scenarios, each against a fresh server and store (so each has its own
 * serving run, whose metrics say what was served, logged and dropped):
 *   1. batch 1: POST /predict with one record, 10 connections, as fast as
 *      they go: requests/s and the latency percentiles (target >= 4,000
 *      requests/s with p99 < 15 ms on a 2-core machine);
 *   2. batch 64: 64 records a request, 10 connections, as fast as they go:
 *      rows/s (target >= 80,000);
 *   3. batch 64 at a fixed 1,250 requests/s (80,000 rows/s): the latency
 *      there, and whether the log keeps up (nothing dropped).
 * Each scenario warms up for WARMUP_S seconds (not measured), then runs for
 * DURATION_S seconds. The load generator shares the machine's cores with the
 * server (its main thread and its log's thread).
 *
 * Run from the repository root:
 *   node --import tsx bench/serve.ts
 *   npm run --silent bench -- serve
 * One JSON object goes to stdout; progress lines go to stderr. Latencies are
 * autocannon's, in whole milliseconds.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { ExperimentStore } from "../src/tracking";
import { makePenguinsPackage } from "../test/serve/penguins-package";
import { machineInfo, progressFor, round, runJson } from "./lib";

const WARMUP_S = 3;
const DURATION_S = 10;
const CONNECTIONS = 10;
const REPO = join(__dirname, "..");

const progress = progressFor("serve");

interface Scenario {
  name: string;
  batch: number;
  /** Requests a second to hold (autocannon's -R), or undefined for as fast as the connections go. */
  rate?: number;
  target: { requestsPerSecond?: number; rowsPerSecond?: number; p99Ms?: number };
}

const SCENARIOS: Scenario[] = [
  { name: "batch 1", batch: 1, target: { requestsPerSecond: 4000, p99Ms: 15 } },
  { name: "batch 64", batch: 64, target: { rowsPerSecond: 80_000 } },
  { name: "batch 64 at 80,000 rows/s", batch: 64, rate: 1250, target: { rowsPerSecond: 80_000 } },
];

/** What autocannon's --json prints (the parts read here). */
interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p90: number; p99: number; max: number; average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
}

/** The CLI serving `dir` with logging into `store`; resolves with its URL and a stop that resolves with its exit code. */
async function startServer(dir: string, store: string): Promise<{ url: string; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, ["--import", "tsx", join("src", "cli", "main.ts"), "serve", dir, "--port", "0", "--store", store, "--log-sample", "1"], {
    cwd: REPO,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  const url = await new Promise<string>((done, fail) => {
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
      const found = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (found) done(found[1] as string);
    });
    void exited.then((code) => fail(new Error(`the server exited (${code}) before listening: ${stderr.slice(-1000)}`)));
  });
  return {
    url,
    stop: () => {
      child.kill("SIGTERM");
      return exited;
    },
  };
}

function autocannon(url: string, bodyFile: string, seconds: number, rate: number | undefined): Promise<AutocannonResult> {
  const args = [join("node_modules", "autocannon", "autocannon.js"), "--json", "-c", String(CONNECTIONS), "-d", String(seconds), "-m", "POST", "-H", "content-type=application/json", "-i", bodyFile];
  if (rate !== undefined) args.push("-R", String(rate));
  return runJson("autocannon", process.execPath, [...args, `${url}/predict`]) as Promise<AutocannonResult>;
}

async function runScenario(s: Scenario, dir: string, tmp: string, rows: readonly Record<string, unknown>[], index: number): Promise<Record<string, unknown>> {
  const bodyFile = join(tmp, `batch-${s.batch}.json`);
  writeFileSync(bodyFile, JSON.stringify({ records: Array.from({ length: s.batch }, (_, i) => rows[i % rows.length]) }));
  const storePath = join(tmp, `serve-${index}.db`);
  const server = await startServer(dir, storePath);
  progress(`${s.name}: serving at ${server.url}; warming up ${WARMUP_S} s`);
  await autocannon(server.url, bodyFile, WARMUP_S, s.rate);
  progress(`${s.name}: measuring ${DURATION_S} s`);
  const r = await autocannon(server.url, bodyFile, DURATION_S, s.rate);
  const code = await server.stop();
  const store = ExperimentStore.open(storePath, { readOnly: true });
  let log: Record<string, number> = {};
  try {
    const [run] = store.listRuns({ experiment: "penguins/serving" });
    if (run === undefined) throw new Error(`the server left no serving run in ${storePath}`);
    const m = store.runDetails(run.id)?.metrics ?? {};
    log = { rowsServed: m.rows_served ?? NaN, logged: m.predictions_logged ?? NaN, dropped: m.predictions_dropped ?? NaN, stored: store.predictionCounts({ run: run.id }).get(run.id) ?? 0 };
  } finally {
    store.close();
  }
  const requestsPerSecond = round(r.requests.average);
  const rowsPerSecond = Math.round(r.requests.average * s.batch);
  const met =
    (s.target.requestsPerSecond === undefined || requestsPerSecond >= s.target.requestsPerSecond) &&
    (s.target.rowsPerSecond === undefined || rowsPerSecond >= s.target.rowsPerSecond) &&
    (s.target.p99Ms === undefined || r.latency.p99 < s.target.p99Ms);
  progress(`${s.name}: ${requestsPerSecond} requests/s, ${rowsPerSecond} rows/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms; logged ${log.logged}, dropped ${log.dropped}`);
  return {
    name: s.name,
    batch: s.batch,
    connections: CONNECTIONS,
    ...(s.rate === undefined ? {} : { requestedRate: s.rate }),
    seconds: r.duration,
    requestsPerSecond,
    rowsPerSecond,
    latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max, average: r.latency.average },
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    predictionLog: log,
    serverExitCode: code,
    target: s.target,
    met,
  };
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(os.tmpdir(), "pipelab-bench-serve-"));
  try {
    progress("training and packaging the penguins pipeline");
    const { path, rows } = await makePenguinsPackage(tmp, "penguins", { id: 1, experiment: "penguins" });
    const loadAtStart = os.loadavg()[0] ?? NaN;
    const scenarios = [];
    for (const [i, s] of SCENARIOS.entries()) scenarios.push(await runScenario(s, path, tmp, rows, i));
    console.log(
      JSON.stringify(
        {
          benchmark: "serve",
          machine: { ...machineInfo(), loadAverage1m: { atStart: round(loadAtStart), atEnd: round(os.loadavg()[0] ?? NaN) } },
          warmupSeconds: WARMUP_S,
          scenarios,
        },
        null,
        2,
      ),
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
