/**
 * Benchmark of distributed sweeps: 40 short jobs (a grid of 8 x 5) queued by
 * `pipelab sweep --queue` into a temporary PostgreSQL, run by 1, 2 and 4
 * `pipelab worker` processes (concurrency 1 each) sharing one cache folder.
 *
 * Each job is a real pipeline script in a child process (node + tsx, the
 * workbench, the shared store): a cached step filled by job 0, a swept step
 * of about 50 ms, one metric. So the figure is mostly the per-job cost of a
 * process start and the store, and how it spreads over workers; the
 * machine's cores bound it (see machine.cpus).
 *
 * Wall time runs from the enqueue command's start to the 40th finished
 * attempt (job 0 runs alone first, by design). Each scenario has its own
 * database and cache folder.
 *
 * Run from the repository root:
 *   node --import tsx bench/sweep.ts
 *   npm run --silent bench -- sweep
 * One JSON object goes to stdout; progress lines go to stderr.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { startPostgresServer } from "../test/helpers/postgres";
import { machineInfo, progressFor, round } from "./lib";

const REPO = join(__dirname, "..");
const MAIN = join(REPO, "src", "cli", "main.ts");
const TSX = pathToFileURL(require.resolve("tsx")).href;
/** `--workers 4` (or 1,4) runs only those scenarios. */
const WORKER_COUNTS = ((): number[] => {
  const at = process.argv.indexOf("--workers");
  return at < 0 ? [1, 2, 4] : String(process.argv[at + 1]).split(",").map(Number);
})();
const GRID = ["lr=0.01,0.02,0.03,0.04,0.05,0.06,0.07,0.08", "units=1,2,3,4,5"];
const JOBS = 40;

const progress = progressFor("sweep");

/** The CLI in a child process; what it prints is kept, and written to `logFile` as it comes when one is given. */
function cli(args: string[], cwd: string, env: NodeJS.ProcessEnv, logFile?: string): { child: ChildProcess; exited: Promise<number | null>; output: () => string } {
  const child = spawn(process.execPath, ["--import", TSX, MAIN, ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  const keep = (d: Buffer): void => {
    text += d.toString();
    if (logFile) appendFileSync(logFile, d);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return { child, exited: new Promise((done) => child.on("close", done)), output: () => text };
}

function project(dir: string): string {
  mkdirSync(join(dir, "pipelines"), { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "sweep-bench", private: true }));
  const script = join(dir, "pipelines", "short.ts");
  writeFileSync(
    script,
    `import { Workbench, runMain } from ${JSON.stringify(join(REPO, "src", "index"))};
runMain(async () => {
  const wb = await Workbench.open({ experiment: "sweep-bench", quiet: true, backend: "cpu" });
  const p = wb.params({ lr: 0.01, units: 1 });
  const data = await wb.step("load", () => Array.from({ length: 10000 }, (_, i) => i % 13));
  const score = await wb.step("fit", { data, p }, async ({ data, p }) => {
    await new Promise((r) => setTimeout(r, 50));
    return data.reduce((a, b) => a + b, 0) * p.lr + p.units;
  });
  wb.log({ score });
});
`,
  );
  return script;
}

async function scenario(server: ReturnType<typeof startPostgresServer>, workers: number, root: string): Promise<{ workers: number; wallSeconds: number; jobsPerMinute: number; retried: number }> {
  const database = `sweep_bench_${workers}`;
  server.query(`CREATE DATABASE ${database}`);
  const url = server.urlFor({ database });
  const dir = join(root, `w${workers}`);
  const script = project(dir);
  const env: NodeJS.ProcessEnv = { ...process.env, PIPELAB_CACHE_DIR: join(dir, "cache") };
  delete env.PIPELAB_STORE;
  const procs = Array.from({ length: workers }, (_, i) => cli(["worker", "--queue", url, "--name", `bench-${i + 1}`], dir, env, join(dir, `worker-${i + 1}.log`)));
  try {
    // The workers are up (their heartbeat is in) before the clock starts.
    await until(() => {
      try {
        return Number(server.query("SELECT count(*) FROM pipelab_sweeps.workers", database)[0]?.[0]) === workers;
      } catch {
        return false;
      }
    }, 120_000);
    const started = performance.now();
    const queued = cli(["sweep", script, "--grid", ...GRID, "--queue", url, "--job-timeout", "5m"], dir, env);
    if ((await queued.exited) !== 0) throw new Error(`pipelab sweep failed: ${queued.output()}`);
    await until(() => Number(server.query("SELECT count(*) FROM pipelab_sweeps.attempts WHERE outcome = 'finished'", database)[0]?.[0]) >= JOBS, 600_000, () =>
      procs.map((p, i) => `worker ${i + 1}:\n${p.output().split("\n").slice(-15).join("\n")}`).join("\n"),
    );
    const wallSeconds = (performance.now() - started) / 1000;
    const retried = Number(server.query("SELECT count(*) FROM pipelab_sweeps.attempts WHERE outcome <> 'finished'", database)[0]?.[0]);
    return { workers, wallSeconds: round(wallSeconds), jobsPerMinute: round((JOBS / wallSeconds) * 60), retried };
  } finally {
    for (const p of procs) p.child.kill("SIGTERM");
    await Promise.all(procs.map((p) => p.exited));
  }
}

async function until(check: () => boolean, guardMs: number, explain: () => string = () => ""): Promise<void> {
  const deadline = Date.now() + guardMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`the sweep did not finish in time\n${explain()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function main(): Promise<void> {
  const server = startPostgresServer();
  const root = mkdtempSync(join(os.tmpdir(), "pipelab-sweep-bench-"));
  progress(`worker logs in ${root}/w*/worker-*.log (removed at the end)`);
  try {
    progress(`PostgreSQL up in ${Math.round(server.startupMs)} ms`);
    const scenarios = [];
    for (const workers of WORKER_COUNTS) {
      progress(`${JOBS} jobs over ${workers} worker${workers === 1 ? "" : "s"}...`);
      const result = await scenario(server, workers, root);
      progress(`  ${result.wallSeconds} s, ${result.jobsPerMinute} jobs/minute`);
      scenarios.push(result);
    }
    const result = {
      benchmark: "sweep",
      date: new Date().toISOString(),
      machine: machineInfo(),
      settings: { jobs: JOBS, grid: GRID, concurrencyPerWorker: 1, jobWork: "a cached step, a 50 ms step, one metric; each job a node + tsx child process", clock: "from the enqueue to the last finished attempt" },
      scenarios,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    server.dispose();
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench sweep failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
