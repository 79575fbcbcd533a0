import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, describe, it } from "node:test";
import { postgresOrSkip } from "../helpers/postgres";
import { tempDir } from "../helpers/tmp";

const pg = postgresOrSkip();
const root = join(__dirname, "..", "..");
const main = join(root, "src", "cli", "main.ts");
// Resolved here: the workers run in the sweep's project folder, where tsx is not installed.
const tsx = pathToFileURL(require.resolve("tsx")).href;

/** A pipeline script with two params: a step shared by every combination (cached by job 0), a swept step that sleeps, a metric. */
function writeScript(dir: string): string {
  mkdirSync(join(dir, "pipelines"), { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "distributed-sweep-test", private: true }));
  const script = join(dir, "pipelines", "tiny.ts");
  writeFileSync(
    script,
    `import { Workbench, runMain } from ${JSON.stringify(join(root, "src", "index"))};
runMain(async () => {
  const wb = await Workbench.open({ experiment: "tiny-sweep", quiet: true, backend: "cpu" });
  const p = wb.params({ lr: 0.1, units: 1, pause: 1500 });
  const data = await wb.step("load", () => Array.from({ length: 1000 }, (_, i) => i % 7));
  const score = await wb.step("fit", { data, p }, async ({ data, p }) => {
    await new Promise((r) => setTimeout(r, p.pause));
    return data.reduce((a, b) => a + b, 0) * p.lr + p.units;
  });
  wb.log({ score });
});
`,
  );
  return script;
}

interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** The CLI in a child process, through tsx, as a user on another machine would start it (its own HOME and TMPDIR). */
function pipelab(args: string[], options: { cwd: string; home: string; env?: NodeJS.ProcessEnv; ownGroup?: boolean }): Proc {
  mkdirSync(join(options.home, "tmp"), { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: options.home, TMPDIR: join(options.home, "tmp"), ...options.env };
  delete env.PIPELAB_STORE;
  const child = spawn(process.execPath, ["--import", tsx, main, ...args], { cwd: options.cwd, env, stdio: ["ignore", "pipe", "pipe"], timeout: 600_000, detached: options.ownGroup ?? false });
  let text = "";
  child.stdout?.on("data", (d: Buffer) => (text += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (text += d.toString()));
  const exited = new Promise<number | null>((done) => child.on("close", (code) => done(code)));
  return { child, output: () => text, exited };
}

/** Waits until `check` answers something other than undefined or false; the guard only keeps a broken run from hanging. */
async function until<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, guardMs = 150_000): Promise<T> {
  const deadline = Date.now() + guardMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("distributed sweeps: pipelab sweep --queue and pipelab worker", { skip: pg.skip }, () => {
  it("runs 12 combinations over 3 worker processes, through a SIGKILLed worker and a PostgreSQL restart: exactly one finished run each", async () => {
    const database = `sweep_${process.pid}`;
    pg.server.query(`CREATE DATABASE ${database}`);
    const url = pg.server.urlFor({ database });
    const sql = (text: string): string[][] => pg.server.query(text, database);
    const dir = tempDir("sweep-queue-");
    const script = writeScript(dir);
    const cache = join(dir, "shared-cache");

    const queued = pipelab(["sweep", script, "--grid", "lr=0.1,0.2,0.3,0.4", "units=1,2,3", "--queue", url, "--job-timeout", "20s"], { cwd: dir, home: join(dir, "home-cli") });
    assert.equal(await queued.exited, 0, queued.output());
    const [[sweep] = []] = sql("SELECT id FROM pipelab_sweeps.sweeps");
    assert.ok(sweep, "the sweep is recorded in the queue's database");

    const workers = ["w1", "w2", "w3"].map((name) =>
      pipelab(["worker", "--queue", url, "--name", name, "--check-every", "2s"], { cwd: dir, home: join(dir, `home-${name}`), env: { PIPELAB_CACHE_DIR: cache } }),
    );
    after(() => {
      for (const w of workers) if (w.child.exitCode === null) w.child.kill("SIGKILL");
    });
    const finishedRuns = (): string[][] =>
      sql(`SELECT t.value, r.id FROM runs r JOIN tags t ON t.run_id = r.id AND t.key = 'sweep_job' JOIN tags s ON s.run_id = r.id AND s.key = 'sweep' AND s.value = '${sweep}' WHERE r.status = 'finished'`);

    // Job 0 runs alone and fills the cache; then a worker is killed in the middle of a job (its run is open in the store).
    await until("job 0 to finish", () => finishedRuns().length >= 1);
    const [victimName, victimRun] = await until("a job in the middle of its run", () => {
      const rows = sql(
        `SELECT a.worker, r.id FROM pipelab_sweeps.attempts a JOIN tags t ON t.key = 'sweep_attempt' AND t.value = a.id::text JOIN runs r ON r.id = t.run_id
         WHERE a.sweep_id = '${sweep}' AND a.ended_at IS NULL AND r.status = 'running' AND a.job_index > 0 ORDER BY a.id LIMIT 1`,
      );
      return rows[0];
    });
    const victim = workers[["w1", "w2", "w3"].indexOf(victimName as string)] as Proc;
    victim.child.kill("SIGKILL");
    await victim.exited;
    // Its child (the script, mid-run) ends itself: it watches its parent.
    const orphan = Number((sql(`SELECT pid FROM runs WHERE id = ${victimRun}`)[0] as string[])[0]);
    await until("the killed worker's child to end", () => {
      try {
        // Gone, or a zombie its new parent has not reaped yet.
        return readFileSync(`/proc/${orphan}/stat`, "utf8").split(") ")[1]?.startsWith("Z") === true;
      } catch {
        return true;
      }
    }, 30_000);

    // Then PostgreSQL restarts under the two others, which must carry on by themselves.
    const restartedAt = (sql("SELECT now()")[0] as string[])[0] as string;
    pg.server.restart();

    await until("one finished run for each of the 12 combinations", () => new Set(finishedRuns().map((r) => r[0])).size === 12, 170_000);
    await until("the killed attempt's run to be crashed", () => (sql(`SELECT status FROM runs WHERE id = ${victimRun}`)[0] as string[])[0] === "crashed");

    const finished = finishedRuns();
    assert.equal(finished.length, 12, `exactly one finished run per combination: ${JSON.stringify(finished)}`);
    const params = sql(
      `SELECT p.value, q.value FROM runs r JOIN params p ON p.run_id = r.id AND p.key = 'lr' JOIN params q ON q.run_id = r.id AND q.key = 'units'
       WHERE r.id IN (${finished.map((f) => f[1]).join(",")})`,
    );
    assert.equal(new Set(params.map((p) => p.join(" "))).size, 12, "the 12 finished runs are the 12 combinations");

    // The step shared by every combination came from job 0's cache in every other job.
    const loads = sql(
      `SELECT t.value, s.outcome FROM step_executions s JOIN tags t ON t.run_id = s.run_id AND t.key = 'sweep_job'
       WHERE s.step = 'load' AND s.run_id IN (${finished.map((f) => f[1]).join(",")})`,
    );
    assert.deepEqual(loads.filter(([job]) => job !== "0").map(([, outcome]) => outcome), Array(11).fill("hit"));

    // The queue agrees: 12 jobs done; the survivors took jobs after the restart, without being restarted themselves.
    const status = pipelab(["sweep", "--status", sweep as string, "--queue", url], { cwd: dir, home: join(dir, "home-cli") });
    assert.equal(await status.exited, 0, status.output());
    assert.match(status.output(), /12 jobs: 12 done/);
    // The killed worker's attempt is marked lost, with the run it left (crashed).
    assert.deepEqual(sql(`SELECT outcome, run_id FROM pipelab_sweeps.attempts WHERE sweep_id = '${sweep}' AND worker = '${victimName}' AND outcome <> 'finished'`), [["lost", victimRun]]);
    for (const w of workers.filter((w) => w !== victim)) assert.equal(w.child.exitCode, null, `a surviving worker is still running:\n${w.output()}`);
    const lateWorkers = sql(`SELECT DISTINCT worker FROM pipelab_sweeps.attempts WHERE sweep_id = '${sweep}' AND started_at > '${restartedAt}' AND outcome = 'finished'`).map((r) => r[0]);
    assert.deepEqual(lateWorkers.sort(), ["w1", "w2", "w3"].filter((n) => n !== victimName), `both survivors finished jobs after the restart`);

    // A graceful stop: SIGTERM, nothing running, exit 0.
    for (const w of workers.filter((w) => w !== victim)) w.child.kill("SIGTERM");
    for (const w of workers.filter((w) => w !== victim)) assert.equal(await w.exited, 0, w.output());
    if (process.env.PIPELAB_TEST_VERBOSE) for (const w of workers) console.log(`--- ${w === victim ? "killed " : ""}worker:\n${w.output()}`), console.log(status.output());
  });

  it("--wait follows the sweep to its end and prints the comparison; --status names an unknown sweep", async () => {
    const database = `sweep_wait_${process.pid}`;
    pg.server.query(`CREATE DATABASE ${database}`);
    const url = pg.server.urlFor({ database });
    const dir = tempDir("sweep-wait-");
    const script = writeScript(dir);
    const home = join(dir, "home");
    const worker = pipelab(["worker", "--queue", url, "--concurrency", "2"], { cwd: dir, home, env: { PIPELAB_CACHE_DIR: join(dir, "cache") } });
    after(() => void (worker.child.exitCode === null && worker.child.kill("SIGKILL")));
    const sweep = pipelab(["sweep", script, "--grid", "lr=0.1,0.2,0.3", "--queue", url, "--wait", "--metric", "score"], { cwd: dir, home });
    assert.equal(await sweep.exited, 0, sweep.output());
    const ids = pg.server.query("SELECT r.id FROM runs r JOIN metric_finals m ON m.run_id = r.id AND m.key = 'score' WHERE r.status = 'finished' ORDER BY m.value DESC", database).map((r) => r[0]);
    assert.equal(ids.length, 3);
    assert.match(sweep.output(), new RegExp(`best by score: run ${ids[0]} with`));
    const unknown = pipelab(["sweep", "--status", "no-such-sweep", "--queue", url], { cwd: dir, home });
    assert.equal(await unknown.exited, 1);
    assert.match(unknown.output(), /^pipelab: no sweep "no-such-sweep" in the queue at postgres:/m);
    worker.child.kill("SIGTERM");
    assert.equal(await worker.exited, 0, worker.output());
  });

  it("Ctrl-C (SIGINT to the worker's process group) lets the running job finish; a second one gives it back to the queue", async () => {
    const database = `sweep_stop_${process.pid}`;
    pg.server.query(`CREATE DATABASE ${database}`);
    const url = pg.server.urlFor({ database });
    const sql = (text: string): string[][] => pg.server.query(text, database);
    const dir = tempDir("sweep-stop-");
    const script = writeScript(dir);
    const home = join(dir, "home");
    const env = { PIPELAB_CACHE_DIR: join(dir, "cache") };
    const openRun = async (sweep: string): Promise<string> =>
      until("the job's run to start", () => sql(`SELECT r.id FROM runs r JOIN tags t ON t.run_id = r.id AND t.key = 'sweep' AND t.value = '${sweep}' WHERE r.status = 'running'`)[0]?.[0]);
    const queue = async (pause: number): Promise<string> => {
      const ids = (): string[] => (sql("SELECT to_regclass('pipelab_sweeps.sweeps') IS NOT NULL")[0]?.[0] === "t" ? sql("SELECT id FROM pipelab_sweeps.sweeps").map((r) => r[0] as string) : []);
      const before = new Set(ids());
      const queued = pipelab(["sweep", script, "--grid", `pause=${pause}`, "--queue", url], { cwd: dir, home });
      assert.equal(await queued.exited, 0, queued.output());
      return ids().find((id) => !before.has(id)) as string;
    };

    // One Ctrl-C: the job finishes, then the worker stops.
    const first = pipelab(["worker", "--queue", url, "--name", "tty"], { cwd: dir, home, env, ownGroup: true });
    after(() => void (first.child.exitCode === null && first.child.kill("SIGKILL")));
    const finishing = await queue(4000);
    const run = await openRun(finishing);
    process.kill(-(first.child.pid as number), "SIGINT");
    assert.equal(await first.exited, 0, first.output());
    assert.equal((sql(`SELECT status FROM runs WHERE id = ${run}`)[0] as string[])[0], "finished");
    assert.deepEqual(sql(`SELECT worker, outcome FROM pipelab_sweeps.attempts WHERE sweep_id = '${finishing}'`), [["tty", "finished"]]);

    // Two: the job goes back to the queue at once, for another worker.
    const second = pipelab(["worker", "--queue", url, "--name", "tty2"], { cwd: dir, home, env, ownGroup: true });
    after(() => void (second.child.exitCode === null && second.child.kill("SIGKILL")));
    const released = await queue(60_000);
    const abandoned = await openRun(released);
    process.kill(-(second.child.pid as number), "SIGINT");
    await until("the worker to say it lets the job finish", () => second.output().includes("SIGINT: no new jobs"), 30_000);
    process.kill(-(second.child.pid as number), "SIGINT");
    assert.equal(await second.exited, 0, second.output());
    assert.deepEqual(sql(`SELECT worker, outcome FROM pipelab_sweeps.attempts WHERE sweep_id = '${released}'`), [["tty2", "released"]]);
    assert.notEqual((sql(`SELECT status FROM runs WHERE id = ${abandoned}`)[0] as string[])[0], "finished");
    const status = pipelab(["sweep", "--status", released, "--queue", url], { cwd: dir, home });
    assert.equal(await status.exited, 0, status.output());
    assert.match(status.output(), /1 jobs: 1 queued/);
  });

  it("stops a job at its --job-timeout, before pg-boss takes it back (here for good: --retries 0)", async () => {
    const database = `sweep_timeout_${process.pid}`;
    pg.server.query(`CREATE DATABASE ${database}`);
    const url = pg.server.urlFor({ database });
    const sql = (text: string): string[][] => pg.server.query(text, database);
    const dir = tempDir("sweep-timeout-");
    const script = writeScript(dir);
    const home = join(dir, "home");
    const worker = pipelab(["worker", "--queue", url, "--name", "slow", "--check-every", "1s"], { cwd: dir, home, env: { PIPELAB_CACHE_DIR: join(dir, "cache") } });
    after(() => void (worker.child.exitCode === null && worker.child.kill("SIGKILL")));
    const queued = pipelab(["sweep", script, "--grid", "pause=60000", "--queue", url, "--job-timeout", "8s", "--retries", "0"], { cwd: dir, home });
    assert.equal(await queued.exited, 0, queued.output());
    const [[sweep] = []] = sql("SELECT id FROM pipelab_sweeps.sweeps");
    const status = async (): Promise<string> => {
      const s = pipelab(["sweep", "--status", sweep as string, "--queue", url], { cwd: dir, home });
      await s.exited;
      return s.output();
    };
    await until("the job to fail for good", async () => /1 jobs: 1 failed/.test(await status()) || undefined, 60_000);
    assert.deepEqual(sql(`SELECT worker, outcome FROM pipelab_sweeps.attempts WHERE sweep_id = '${sweep}'`), [["slow", "timed out"]]);
    assert.equal(sql(`SELECT count(*) FROM runs WHERE status = 'finished'`)[0]?.[0], "0");
    worker.child.kill("SIGTERM");
    assert.equal(await worker.exited, 0, worker.output());
  });
});
