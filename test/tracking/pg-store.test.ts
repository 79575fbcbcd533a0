import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runs as runsCommand } from "../../src/cli/runs-commands";
import { SyncPostgres } from "../../src/postgres";
import { PostgresStore, diffRuns, openStore } from "../../src/tracking";
import type { RunId } from "../../src/tracking";
import { PG_MIGRATIONS, PG_SCHEMA_VERSION } from "../../src/tracking/pg-schema";
import { startUi } from "../../src/ui";
import { Workbench } from "../../src/workbench";
import { postgresOrSkip } from "../helpers/postgres";
import { tempDir } from "../helpers/tmp";

const pg = postgresOrSkip();
const root = join(__dirname, "..", "..");
const database = (): string => pg.server.newDatabase("pgstore");

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a TypeScript fixture in a child process (a hang guard kills it after 5 minutes: a safety net, not an expectation). */
function fixture(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<Finished> {
  const child = spawn(process.execPath, ["--import", "tsx", join(__dirname, "fixtures", file), ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], timeout: 300_000 });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** What `pipelab runs ...` prints, run in this process. */
async function cli(args: string[]): Promise<string> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (line: string) => void lines.push(line);
  try {
    assert.equal(await runsCommand.run(args), 0);
  } finally {
    console.log = log;
  }
  return lines.join("\n");
}

describe("the PostgreSQL store in use", { skip: pg.skip }, () => {
  it("takes the workbench's runs (Workbench.open({ store: url })): steps, a cached step from the run before, metrics; and pipelab runs reads them", async () => {
    const url = database();
    const dir = tempDir("pg-workbench-");
    const ids: RunId[] = [];
    for (const lr of [0.1, 0.2]) {
      const wb = await Workbench.open({ experiment: "shared", store: url, cacheDir: join(dir, "cache"), quiet: true, backend: "cpu" });
      const p = wb.params({ lr });
      const data = await wb.step("load", () => [1, 2, 3]);
      await wb.step("fit", { data, p }, ({ data, p }) => data.length * p.lr);
      for (let epoch = 0; epoch < 5; epoch++) wb.log({ loss: 1 / (epoch + 1 + lr) }, epoch);
      wb.log({ accuracy: 0.9 + lr / 10 });
      ids.push(wb.runId);
      wb.finish();
      wb.store.close();
    }
    const [a, b] = ids as [RunId, RunId];
    const store = openStore(url, { readOnly: true });
    try {
      assert.ok(store instanceof PostgresStore);
      assert.deepEqual(store.stepExecutions(b).map((s) => [s.step, s.outcome, s.sourceRunId]), [["load", "hit", a], ["fit", "miss", undefined]]);
      assert.deepEqual(store.metricHistory(a, "loss").map((p) => p.step), [0, 1, 2, 3, 4]);
      assert.equal(store.runDetails(b)?.status, "finished");
      const diff = diffRuns(store, a, b);
      assert.deepEqual(diff.params.changed, [{ key: "lr", a: 0.1, b: 0.2 }]);
      assert.ok(diff.steps.find((s) => s.step === "fit")?.reasons.includes("param lr changed (0.1 -> 0.2)"));
    } finally {
      store.close();
    }
    // The runs page reads the shared store as it reads the file: runs, a run, the diff with its changed step.
    const ui = await startUi(openStore(url, { readOnly: true }));
    try {
      const runsPage = await (await fetch(`${ui.url}/experiments/shared?sort=params.lr:asc&columns=params.lr,metrics.accuracy`)).text();
      assert.ok(runsPage.indexOf(`/runs/${a}"`) < runsPage.indexOf(`/runs/${b}"`), "sorted by lr");
      const runPage = await fetch(`${ui.url}/runs/${b}`);
      assert.equal(runPage.status, 200);
      assert.match(await runPage.text(), /cached/);
      assert.match(await (await fetch(`${ui.url}/diff?a=${a}&b=${b}`)).text(), /param lr changed \(0\.1 -&#62; 0\.2\)/);
    } finally {
      await ui.close();
    }
    const listed = JSON.parse(await cli(["ls", "--store", url, "--json"])) as { id: number }[];
    assert.deepEqual(listed.map((r) => r.id), [b, a]);
    assert.match(await cli(["compare", "--store", url, "--sort", "accuracy"]), /lr/);
  });

  it("takes 8 processes x 10,000 metric points at once, from PIPELAB_STORE, losing none", async () => {
    const url = database();
    const dir = tempDir("pg-processes-");
    const POINTS = 10_000;
    const finished = await Promise.all(Array.from({ length: 8 }, (_, w) => fixture("pg-workbench.ts", [String(w), String(POINTS), join(dir, "cache")], { PIPELAB_STORE: url })));
    for (const f of finished) assert.equal(f.code, 0, f.stderr);
    const runs = finished.map((f) => (JSON.parse(f.stdout.trim().split("\n").at(-1) as string) as { run: RunId }).run);
    assert.equal(new Set(runs).size, 8);
    const store = PostgresStore.open(url, { readOnly: true });
    try {
      for (const run of runs) {
        const history = store.metricHistory(run, "loss");
        assert.equal(history.length, POINTS, `run ${run}`);
        assert.deepEqual(history.map((p) => p.step), Array.from({ length: POINTS }, (_, i) => i));
        assert.equal(store.runDetails(run)?.metrics.loss, 1 / POINTS);
        assert.equal(store.runDetails(run)?.status, "finished");
      }
      const outcomes = runs.flatMap((run) => store.stepExecutions(run).map((s) => s.outcome));
      assert.equal(outcomes.length, 8);
      assert.ok(outcomes.includes("miss"), "one process computed the step");
    } finally {
      store.close();
    }
  });

  it("creates its schema once when processes open a new database at the same time", async () => {
    const url = database();
    const finished = await Promise.all(Array.from({ length: 4 }, (_, w) => fixture("pg-workbench.ts", [String(w), "10", tempDir()], { PIPELAB_STORE: url })));
    for (const f of finished) assert.equal(f.code, 0, f.stderr);
    const db = SyncPostgres.connect(url);
    try {
      assert.deepEqual(db.query("SELECT version FROM pipelab_schema").rows, [{ version: PG_SCHEMA_VERSION }]);
      assert.equal(db.query("SELECT id FROM runs").rows.length, 4);
    } finally {
      db.close();
    }
  });

  it("refuses a database of a newer pipelab, and one with someone else's tables, leaving them untouched", () => {
    const newer = database();
    PostgresStore.open(newer).close();
    const db = SyncPostgres.connect(newer);
    db.query("UPDATE pipelab_schema SET version = 99");
    db.close();
    assert.throws(() => PostgresStore.open(newer), new RegExp(`written by a newer pipelab \\(store schema 99; this pipelab .* knows up to ${PG_SCHEMA_VERSION}\\).*untouched`));
    const foreign = database();
    const other = SyncPostgres.connect(foreign);
    other.query("CREATE TABLE runs (id int, what text)");
    other.close();
    assert.throws(() => PostgresStore.open(foreign), /already has tables named runs but no pipelab_schema: it is not a pipelab store/);
    const check = SyncPostgres.connect(foreign);
    try {
      assert.equal(check.query("SELECT to_regclass('pipelab_schema') AS t").rows[0]?.t, null, "nothing was created");
    } finally {
      check.close();
    }
    assert.throws(() => PostgresStore.open(database(), { readOnly: true }), /no pipelab store yet, and it was opened read-only/);
  });

  it("upgrades a database of schema 1 in place, keeping its runs, to the current schema (audit, access, pushed runs)", () => {
    const url = database();
    const db = SyncPostgres.connect(url);
    try {
      // What the first pipelab with a shared store wrote: migration 1 and its version.
      db.query(PG_MIGRATIONS[0] as string);
      db.query("CREATE TABLE pipelab_schema (version integer NOT NULL, pipelab_version text NOT NULL, migrated_at text NOT NULL)");
      db.query("INSERT INTO pipelab_schema VALUES (1, '0.1.0', 'then')");
      db.query("INSERT INTO experiments (name, created_at) VALUES ('old', 'then')");
      db.query(
        `INSERT INTO runs (experiment_id, name, status, source_kind, started_at, ended_at, heartbeat_at, host, pid, node_version, pipelab_version)
         VALUES (1, 'from schema 1', 'finished', 'script', '2026-11-01T00:00:00.000Z', '2026-11-01T00:01:00.000Z', 'then', 'h', 1, 'v20', '0.1.0')`,
      );
      db.query("INSERT INTO metrics (run_id, key, value, step, ts_ms) VALUES (1, 'loss', 0.5, 0, 0)");
    } finally {
      db.close();
    }
    const store = PostgresStore.open(url);
    try {
      assert.equal(store.schemaVersion, PG_SCHEMA_VERSION);
      assert.equal(store.runDetails(1 as RunId)?.name, "from schema 1");
      assert.deepEqual(store.metricHistory(1 as RunId, "loss").map((p) => p.value), [0.5]);
      store.setNote(1 as RunId, "upgraded");
      assert.deepEqual(store.audit({ run: 1 as RunId }).map((e) => e.changes.note), [[null, "upgraded"]], "audited from the upgrade on");
    } finally {
      store.close();
    }
  });

  it("says which store it cannot reach, without the password", () => {
    pg.server.createRole("alice_store", "s3cret-pass");
    const url = pg.server.urlFor({ user: "alice_store", password: "wrong-pass", database: "postgres" });
    assert.throws(
      () => PostgresStore.open(url),
      (error: Error) => {
        assert.match(error.message, /cannot open the experiment store postgres:\/\/alice_store:\*\*\*@127\.0\.0\.1/);
        assert.ok(!error.message.includes("wrong-pass"));
        return true;
      },
    );
  });

  it("goes on after the server restarts: the next calls reconnect by themselves", () => {
    const url = database();
    const store = PostgresStore.open(url);
    try {
      const run = store.createRun({ experiment: "restart", sourceKind: "script" });
      store.logMetrics(run, [{ key: "loss", step: 0, value: 1 }]);
      pg.server.restart();
      store.logMetrics(run, [{ key: "loss", step: 1, value: 0.5 }]);
      store.endRun(run, "finished");
      assert.deepEqual(store.metricHistory(run, "loss").map((p) => p.value), [1, 0.5]);
      assert.equal(store.runDetails(run)?.status, "finished");
    } finally {
      store.close();
    }
  });
});
