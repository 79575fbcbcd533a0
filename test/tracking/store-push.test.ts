import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Client } from "pg";
import { storePush } from "../../src/cli/store-push";
import { SyncPostgres } from "../../src/postgres";
import { ExperimentStore, PostgresStore, pushStore } from "../../src/tracking";
import type { PushReport, RunId } from "../../src/tracking";
import { Workbench } from "../../src/workbench";
import { postgresOrSkip } from "../helpers/postgres";
import { tempDir } from "../helpers/tmp";

const pg = postgresOrSkip();
const root = join(__dirname, "..", "..");
const database = (): string => pg.server.newDatabase("push");

/** The runs of a local store, as the fixture made them. */
interface LocalRuns {
  file: string;
  /** Workbench runs: the second's "load" step is served from the first's computation. */
  first: RunId;
  second: RunId;
  /** 1,500 points of loss, a duplicated step, params of every type, a note, tags, artifacts, a failure. */
  long: RunId;
  deleted: RunId;
  /** Still running: this process owns it and is alive. */
  running: RunId;
  /** Ended, with a cached step served by the running run. */
  servedByRunning: RunId;
}

const TABLES = ["experiments", "runs", "params", "metrics", "metric_finals", "metric_blocks", "step_executions", "artifacts", "tags", "code_sources", "pushed_runs"] as const;

/** A local store with several experiments and every kind of record, made by the workbench and the store itself. */
async function localStore(): Promise<LocalRuns> {
  const dir = tempDir("push-local-");
  const file = join(dir, "experiments.db");
  const ids: RunId[] = [];
  for (const lr of [0.1, 0.2]) {
    const wb = await Workbench.open({ experiment: "penguins", store: file, cacheDir: join(dir, "cache"), quiet: true, backend: "cpu" });
    const p = wb.params({ lr, hidden: 16 });
    const data = await wb.step("load", () => [1, 2, 3]);
    await wb.step("fit", { data, p }, ({ data, p }) => data.length * p.lr);
    for (let epoch = 0; epoch < 5; epoch++) wb.log({ loss: 1 / (epoch + 1 + lr) }, epoch);
    wb.log({ accuracy: 0.9 + lr / 10 });
    ids.push(wb.runId);
    wb.finish();
    wb.store.close();
  }
  const store = ExperimentStore.open(file);
  try {
    const long = store.createRun({ experiment: "long history", name: "mlp ✓ \u001b[31mred", sourceKind: "script", sourcePath: "train.ts", sourceHash: "abc", tfBackend: "cpu", git: { commit: "0123abc", dirty: true } });
    store.logParams(long, { lr: 0.001, name: "mlp", deep: true, layers: [16, 8], opts: { momentum: 0.9, nesterov: false }, none: null, big: 2 ** 53 - 1, tiny: 1e-300 });
    const points = Array.from({ length: 1500 }, (_, i) => ({ key: "loss", value: Math.exp(-i / 300) + (i % 7) * 1e-9, step: i, tsMs: 1_700_000_000_000 + i }));
    store.logMetrics(long, points.slice(0, 700));
    store.logMetrics(long, points.slice(700));
    store.logMetrics(long, [{ key: "loss", value: -0, step: 3, tsMs: 1_700_000_100_000 }, { key: "lr", value: 0.1 + 0.2, step: 0 }, { key: "lr", value: 1e-7, step: 1499 }]);
    store.recordArtifact(long, { name: "curves", kind: "chart", path: "/tmp/curves.svg" });
    store.recordArtifact(long, { name: "model", kind: "model", cacheKey: "k-model" });
    store.setTag(long, "stage", "candidate");
    store.setTag(long, "owner", "ana");
    store.setNote(long, "the long one\nwith two lines");
    store.recordStep(long, { step: "train", outcome: "miss", durationMs: 1234.5, cacheKey: "k-train", outputFingerprint: "fp", outputBytes: 4096, reason: "new", keyParts: "{\"code\":\"h-train\"}", codeSources: { "h-train": "(x) => x + 1" } });
    store.recordStep(long, { step: "evaluate", outcome: "failed", durationMs: 2, error: "boom" });
    store.endRun(long, "failed", { error: "boom", step: "evaluate" });

    const deleted = store.createRun({ experiment: "penguins", sourceKind: "interactive" });
    store.logMetrics(deleted, [{ key: "loss", value: 0.5, step: 0 }]);
    store.endRun(deleted, "finished");
    store.deleteRun(deleted);

    const running = store.createRun({ experiment: "sweeps", sourceKind: "script" });
    store.logMetrics(running, [{ key: "loss", value: 0.25, step: 0 }]);
    const servedByRunning = store.createRun({ experiment: "sweeps", sourceKind: "script" });
    store.recordStep(servedByRunning, { step: "load", outcome: "hit", tier: "disk", sourceRunId: running, durationMs: 0.4, cacheKey: "k-load" });
    store.endRun(servedByRunning, "finished");
    return { file, first: ids[0] as RunId, second: ids[1] as RunId, long, deleted, running, servedByRunning };
  } finally {
    store.close();
  }
}

/** How many rows each table of the shared store has. */
function counts(url: string): Record<(typeof TABLES)[number], number> {
  const db = SyncPostgres.connect(url);
  try {
    return Object.fromEntries(TABLES.map((t) => [t, Number(db.query<{ n: string }>(`SELECT count(*) AS n FROM ${t}`).rows[0]?.n)])) as Record<(typeof TABLES)[number], number>;
  } finally {
    db.close();
  }
}

/** Local id -> shared id, as pushed_runs has them. */
function mapping(url: string): Map<number, number> {
  const db = SyncPostgres.connect(url);
  try {
    return new Map(db.query<{ source_run_id: number; run_id: number }>("SELECT source_run_id, run_id FROM pushed_runs").rows.map((r) => [r.source_run_id, r.run_id]));
  } finally {
    db.close();
  }
}

const mapOf = (r: PushReport): Map<number, number | null> => new Map(r.copied.map((c) => [c.local, c.shared]));

/** Asserts that the shared copy of each local run equals it, record by record, its ids mapped. */
function assertCopied(file: string, url: string, runs: readonly RunId[], ids: Map<number, number>): void {
  const local = ExperimentStore.open(file, { readOnly: true });
  const shared = PostgresStore.open(url, { readOnly: true });
  try {
    for (const run of runs) {
      const there = ids.get(run) as RunId | undefined;
      assert.ok(there !== undefined, `run ${run} is mapped`);
      const a = local.runDetails(run);
      const b = shared.runDetails(there);
      assert.ok(a && b);
      assert.deepEqual({ ...b, id: run }, a, `run ${run}: details`);
      for (const key of Object.keys(a.metrics)) {
        assert.deepEqual(shared.metricHistory(there, key), local.metricHistory(run, key), `run ${run}: history of ${key}`);
        assert.deepEqual(shared.metricHistory(there, key, { maxPoints: 50 }), local.metricHistory(run, key, { maxPoints: 50 }), `run ${run}: thinned ${key}`);
      }
      // A source run that is not in the shared store is named by none there.
      const mapSource = <S extends { sourceRunId?: RunId }>(s: S): S => {
        if (s.sourceRunId === undefined) return s;
        const { sourceRunId, ...rest } = s;
        const to = ids.get(sourceRunId);
        return (to === undefined ? rest : { ...rest, sourceRunId: to }) as S;
      };
      assert.deepEqual(shared.stepExecutions(there), local.stepExecutions(run).map(mapSource), `run ${run}: steps`);
      assert.deepEqual(shared.keyedSteps(there), local.keyedSteps(run).map(mapSource), `run ${run}: keyed steps`);
      assert.deepEqual(shared.listArtifacts(there), local.listArtifacts(run), `run ${run}: artifacts`);
    }
  } finally {
    local.close();
    shared.close();
  }
}

describe("pushing a local store to a shared PostgreSQL store", { skip: pg.skip }, () => {
  it("copies every ended run with its details, histories, steps, artifacts and tags under new ids, skips the running one, and keeps the mapping", async () => {
    const runs = await localStore();
    const url = database();
    // Some runs there already, from others: the pushed ones take new ids.
    const other = PostgresStore.open(url);
    for (let i = 0; i < 3; i++) other.endRun(other.createRun({ experiment: "penguins", sourceKind: "script" }), "finished");
    other.close();

    const lines: string[] = [];
    const report = pushStore(runs.file, url, { onProgress: (line) => void lines.push(line) });
    const pushed = [runs.first, runs.second, runs.long, runs.deleted, runs.servedByRunning];
    assert.deepEqual(report.copied.map((c) => c.local), pushed);
    assert.deepEqual(report.alreadyThere, []);
    assert.deepEqual(report.skipped.map((s) => [s.local, s.reason]), [[runs.running, "running"]]);
    assert.match(report.skipped[0]?.detail ?? "", /still running: push again when it has ended/);
    assert.equal(report.points, 5 + 1 + 5 + 1 + 1500 + 3 + 1);
    assert.equal(report.copied.find((c) => c.local === runs.long)?.points, 1503);
    assert.ok(report.codeSources >= 1);
    assert.ok(report.storeId?.startsWith("sqlite:"));
    assert.equal(lines.length, 2 + pushed.length);

    const ids = mapping(url);
    assert.deepEqual(new Map([...ids].filter(([local]) => pushed.includes(local as RunId))), mapOf(report));
    assert.ok([...ids.values()].every((shared) => shared > 3), "new ids, after the runs that were there");
    assertCopied(runs.file, url, pushed, ids);

    const shared = PostgresStore.open(url, { readOnly: true });
    try {
      // The cached step names the copy of the run that computed it; a step served by the run not pushed names none.
      assert.deepEqual(shared.stepExecutions(ids.get(runs.second) as RunId).map((s) => [s.step, s.outcome, s.sourceRunId]), [["load", "hit", ids.get(runs.first)], ["fit", "miss", undefined]]);
      assert.equal(shared.stepExecutions(ids.get(runs.servedByRunning) as RunId)[0]?.sourceRunId, undefined);
      assert.equal(shared.codeSource("h-train"), "(x) => x + 1");
      const deleted = shared.runDetails(ids.get(runs.deleted) as RunId);
      assert.ok(deleted?.deletedAt, "a deleted run arrives deleted");
      assert.deepEqual(shared.listExperiments().map((e) => e.name), ["long history", "penguins", "sweeps"]);
      assert.equal(shared.listRuns({ experiment: "penguins" }).length, 3 + 2);
    } finally {
      shared.close();
    }
  });

  it("copies nothing twice: a second push finds every run already there, a third copies only the new run and the one that has ended", async () => {
    const runs = await localStore();
    const url = database();
    const first = pushStore(runs.file, url);
    const before = counts(url);
    const again = pushStore(runs.file, url);
    assert.deepEqual(counts(url), before);
    assert.deepEqual(again.copied, []);
    assert.equal(again.points, 0);
    assert.equal(again.codeSources, 0);
    assert.deepEqual(again.alreadyThere.map((r) => [r.local, r.shared]), first.copied.map((r) => [r.local, r.shared]));
    assert.deepEqual(again.skipped.map((s) => s.local), [runs.running]);

    const store = ExperimentStore.open(runs.file);
    const added = store.createRun({ experiment: "penguins", sourceKind: "script" });
    store.logMetrics(added, Array.from({ length: 1200 }, (_, i) => ({ key: "loss", value: 1 / (i + 1), step: i })));
    store.recordStep(added, { step: "load", outcome: "hit", tier: "disk", sourceRunId: runs.long, durationMs: 1 });
    store.endRun(added, "finished");
    store.logMetrics(runs.running, [{ key: "loss", value: 0.125, step: 1 }]);
    store.endRun(runs.running, "killed");
    store.close();

    const third = pushStore(runs.file, url);
    assert.deepEqual(third.copied.map((r) => r.local), [runs.running, added]);
    assert.equal(third.points, 2 + 1200);
    assert.deepEqual(third.skipped, []);
    const after = counts(url);
    assert.equal(after.runs, before.runs + 2);
    assert.equal(after.metrics, before.metrics + 1202);
    const ids = mapping(url);
    // servedByRunning is left out: its cached step was copied before its source run was, and names none (store-push.ts).
    assertCopied(runs.file, url, [runs.first, runs.second, runs.long, runs.deleted, runs.running, added], ids);
    const shared = PostgresStore.open(url, { readOnly: true });
    assert.deepEqual(shared.stepExecutions(ids.get(added) as RunId).map((s) => s.sourceRunId), [ids.get(runs.long)]);
    shared.close();
    assert.deepEqual(pushStore(runs.file, url).copied, []);
  });

  it("keeps the store's identity when the file moves: a push from the moved file copies nothing again", async () => {
    const runs = await localStore();
    const url = database();
    pushStore(runs.file, url);
    const moved = join(tempDir("push-moved-"), "renamed.db");
    copyFileSync(runs.file, moved);
    const report = pushStore(moved, url);
    assert.deepEqual(report.copied, []);
    assert.equal(report.alreadyThere.length, 5);
  });

  it("leaves out, as a conflict, a run whose id was pushed from another copy of the store that went on separately", async () => {
    const runs = await localStore();
    const copy = join(tempDir("push-copy-"), "experiments.db");
    copyFileSync(runs.file, copy);
    for (const [file, name] of [[runs.file, "here"], [copy, "there"]] as const) {
      const store = ExperimentStore.open(file);
      store.endRun(store.createRun({ experiment: "penguins", name, sourceKind: "script" }), "finished");
      store.close();
    }
    const url = database();
    const first = pushStore(runs.file, url);
    const second = pushStore(copy, url);
    const diverged = first.copied.at(-1)?.local as RunId;
    assert.equal(second.alreadyThere.length, first.copied.length - 1);
    assert.deepEqual(second.skipped.map((s) => [s.local, s.reason]).filter(([, reason]) => reason === "conflict"), [[diverged, "conflict"]]);
    assert.match(second.skipped.find((s) => s.reason === "conflict")?.detail ?? "", /another store with the same identity/);
    assert.equal(counts(url).runs, first.copied.length);
  });

  it("completes a push stopped after its first run, without duplicates", async () => {
    const runs = await localStore();
    const url = database();
    let copied = 0;
    assert.throws(
      () =>
        pushStore(runs.file, url, {
          onProgress: (line) => {
            if (line.includes("->") && ++copied === 1) throw new Error("stopped");
          },
        }),
      /stopped/,
    );
    assert.equal(counts(url).runs, 1);
    const rest = pushStore(runs.file, url);
    assert.equal(rest.alreadyThere.length, 1);
    assert.equal(rest.copied.length, 4);
    assert.equal(counts(url).runs, 5);
    assertCopied(runs.file, url, [runs.first, runs.second, runs.long, runs.deleted, runs.servedByRunning], mapping(url));
  });

  it("leaves no half-copied run when the pushing process is killed (SIGKILL) in the middle of a run's copy", async () => {
    const runs = await localStore();
    const url = database();
    PostgresStore.open(url).close();
    // Holding a lock on artifacts stops the push at the first run with artifacts (the third), after its row, params and metrics.
    const blocker = new Client({ connectionString: url });
    await blocker.connect();
    try {
      await blocker.query("BEGIN");
      await blocker.query("LOCK TABLE artifacts IN EXCLUSIVE MODE");
      const script = `require(${JSON.stringify(join(root, "src", "tracking"))}).pushStore(${JSON.stringify(runs.file)}, ${JSON.stringify(url)})`;
      const child = spawn(process.execPath, ["--import", "tsx", "-e", script], { cwd: root, stdio: ["ignore", "ignore", "pipe"], timeout: 300_000 });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on("exit", (code, signal) => resolve(signal ?? code)));
      for (;;) {
        // The activity view is a snapshot kept for the transaction: cleared to see the push's backend now.
        await blocker.query("SELECT pg_stat_clear_snapshot()");
        const waiting = await blocker.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'pipelab store push' AND wait_event_type = 'Lock'");
        if (waiting.rows[0].n === 1) break;
        assert.equal(child.exitCode, null, `the push ended before it reached the lock: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      child.kill("SIGKILL");
      assert.equal(await exited, "SIGKILL");
      await blocker.query("ROLLBACK");
    } finally {
      await blocker.end();
    }
    const all = [runs.first, runs.second, runs.long, runs.deleted, runs.servedByRunning];
    const killed = mapping(url);
    assert.ok(!killed.has(runs.long), "the run being copied when the push was killed is not there");
    assert.equal(counts(url).runs, killed.size, "no run without its mapping: none half-copied");
    const rest = pushStore(runs.file, url);
    assert.deepEqual(rest.alreadyThere.map((r) => r.local), all.filter((id) => killed.has(id)));
    assert.deepEqual(rest.copied.map((r) => r.local), all.filter((id) => !killed.has(id)));
    const after = counts(url);
    assert.equal(after.runs, 5);
    assert.equal(after.pushed_runs, 5);
    assertCopied(runs.file, url, all, mapping(url));
  });

  it("copies each run once when two processes push the same store at the same time", async () => {
    const runs = await localStore();
    const url = database();
    PostgresStore.open(url).close();
    const script = `console.log(JSON.stringify(require(${JSON.stringify(join(root, "src", "tracking"))}).pushStore(${JSON.stringify(runs.file)}, ${JSON.stringify(url)})))`;
    const push = (): Promise<PushReport> =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", "-e", script], { cwd: root, stdio: ["ignore", "pipe", "pipe"], timeout: 300_000 });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.on("error", reject);
        child.on("close", (code) => (code === 0 ? resolve(JSON.parse(stdout) as PushReport) : reject(new Error(`push exited ${code}: ${stderr}`))));
      });
    const [a, b] = await Promise.all([push(), push()]);
    const all = [runs.first, runs.second, runs.long, runs.deleted, runs.servedByRunning];
    assert.deepEqual([...a.copied, ...b.copied].map((r) => r.local).sort((x, y) => x - y), all);
    assert.equal(a.copied.length + a.alreadyThere.length, all.length);
    assert.equal(b.copied.length + b.alreadyThere.length, all.length);
    assert.equal(counts(url).runs, all.length);
    assertCopied(runs.file, url, all, mapping(url));
  });

  it("pushes stores of older schemas as they are (the frozen v6 and v7 fixtures: no step sources yet)", () => {
    for (const version of [6, 7]) {
      const file = join(tempDir(`push-v${version}-`), "experiments.db");
      copyFileSync(join(root, "test", "fixtures", "stores", `v${version}.db`), file);
      const url = database();
      const report = pushStore(file, url);
      const local = ExperimentStore.open(file, { readOnly: true });
      const ended = local.listRuns({ includeDeleted: true }).filter((r) => r.status !== "running").map((r) => r.id).sort((a, b) => a - b);
      local.close();
      assert.ok(ended.length > 0, `v${version} has runs`);
      assert.deepEqual(report.copied.map((r) => r.local), ended, `v${version}`);
      assert.equal(report.codeSources, 0);
      assertCopied(file, url, ended, mapping(url));
    }
  });

  it("pushes an empty store as nothing, creating the shared store's schema", () => {
    const file = join(tempDir("push-empty-"), "experiments.db");
    ExperimentStore.open(file).close();
    const url = database();
    const report = pushStore(file, url);
    assert.deepEqual([report.storeId, report.copied, report.alreadyThere, report.skipped, report.points], [null, [], [], [], 0]);
    assert.equal(counts(url).runs, 0);
  });

  it("refuses to push from a PostgreSQL store, or to anything but one, naming what it got", () => {
    const url = database();
    assert.throws(() => pushStore(url, url), /cannot push from postgres:\/\/.*: it is a PostgreSQL store/);
    assert.throws(() => pushStore("experiments.db", "shared.db"), /invalid store to push to: "shared.db" \(a PostgreSQL URL/);
  });

  it("says what it would copy with --dry-run and writes nothing, not even the schema", async () => {
    const runs = await localStore();
    const url = database();
    const report = pushStore(runs.file, url, { dryRun: true });
    assert.equal(report.dryRun, true);
    assert.deepEqual(report.copied.map((r) => [r.local, r.shared]), [runs.first, runs.second, runs.long, runs.deleted, runs.servedByRunning].map((id) => [id, null]));
    assert.equal(report.points, 5 + 1 + 5 + 1 + 1500 + 3 + 1);
    const db = SyncPostgres.connect(url);
    try {
      assert.equal(db.query("SELECT to_regclass('runs')::text AS t").rows[0]?.t, null);
    } finally {
      db.close();
    }
    pushStore(runs.file, url);
    assert.deepEqual(pushStore(runs.file, url, { dryRun: true }).copied, []);
  });

  it("runs as `pipelab store push`: --to, --store, --json", async () => {
    const runs = await localStore();
    const url = database();
    const out: string[] = [];
    const log = console.log;
    const write = process.stderr.write;
    console.log = (line: string) => void out.push(line);
    process.stderr.write = () => true;
    try {
      assert.equal(await storePush(["--to", url, "--store", runs.file, "--json"]), 0);
    } finally {
      console.log = log;
      process.stderr.write = write;
    }
    const report = JSON.parse(out.join("\n")) as PushReport;
    assert.equal(report.copied.length, 5);
    assert.deepEqual(mapping(url), new Map(report.copied.map((c) => [c.local, c.shared as number])));
    await assert.rejects(storePush(["--store", runs.file]), /give the shared store with --to/);
    await assert.rejects(storePush(["--to", runs.file, "--store", runs.file]), /invalid store to push to/);
  });
});
