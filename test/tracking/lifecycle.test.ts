import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { ExperimentStore, SCHEMA_VERSION } from "../../src/tracking";
import type { RunId } from "../../src/tracking";
import { tempDir } from "../helpers/tmp";

const root = join(__dirname, "..", "..");
const tsx = join(root, "node_modules", "tsx", "dist", "loader.mjs");

/** A history's lowest and highest point, in step order: what thinning to 2 points keeps of a single block. */
function thinnedByHand(history: { step: number; value: number }[]): [number, number][] {
  const lo = history.reduce((a, b) => (b.value < a.value ? b : a));
  const hi = history.reduce((a, b) => (b.value > a.value ? b : a));
  return (lo.step <= hi.step ? [lo, hi] : [hi, lo]).map((p) => [p.step, p.value]);
}

describe("migrations", () => {
  it("upgrades a store written at schema 1, keeping every row", () => {
    const file = join(tempDir(), "v1.db");
    copyFileSync(join(__dirname, "..", "fixtures", "stores", "v1.db"), file);
    const before = new Database(file, { readonly: true });
    assert.equal(before.pragma("user_version", { simple: true }), 1);
    before.close();

    const store = ExperimentStore.open(file);
    assert.equal(store.schemaVersion, SCHEMA_VERSION);
    const runs = store.listRuns({ experiment: "penguins" }).reverse();
    assert.equal(runs.length, 2);
    const first = store.runDetails(runs[0]!.id)!;
    assert.equal(first.name, "baseline");
    assert.deepEqual(first.params, { hidden: 16, lr: 0.01, model: "mlp", stratify: true });
    assert.deepEqual(first.metrics, { accuracy: 0.97, loss: 1 / 3, val_accuracy: 0.8 + 3 / 100 });
    assert.deepEqual(store.metricHistory(first.id, "loss").map((p) => p.step), [1, 2, 3]);
    // The per-block extremes of the old histories were built by the migration: thinned reads see them.
    assert.deepEqual(
      store.metricHistory(first.id, "loss", { maxPoints: 2 }).map((p) => [p.step, p.value]),
      thinnedByHand(store.metricHistory(first.id, "loss")),
    );
    assert.equal(first.gitCommit, null, "columns added by the migration are empty for old runs");
    assert.equal(first.deletedAt, null);
    const second = store.runDetails(runs[1]!.id)!;
    assert.equal(second.status, "failed");
    assert.equal(second.failedStep, "train");
    // The upgraded store takes the new features.
    store.setTag(first.id, "stage", "baseline");
    assert.deepEqual(store.runDetails(first.id)?.tags, { stage: "baseline" });
    store.close();
  });
});

describe("run lifecycle", () => {
  it("tags, notes, deletes and restores runs; an unknown run id is a clear error", () => {
    const store = ExperimentStore.open(join(tempDir(), "experiments.db"));
    const run = store.createRun({ experiment: "e", sourceKind: "script", git: { commit: "a".repeat(40), dirty: true } });
    store.setTag(run, "owner", "ada");
    store.setNote(run, "first try");
    const details = store.runDetails(run)!;
    assert.deepEqual(details.tags, { owner: "ada" });
    assert.equal(details.note, "first try");
    assert.equal(details.gitCommit, "a".repeat(40));
    assert.equal(details.gitDirty, true);
    store.deleteRun(run);
    assert.deepEqual(store.listRuns().map((r) => r.id), [], "a deleted run leaves listings");
    assert.deepEqual(store.listRuns({ includeDeleted: true }).map((r) => r.id), [run]);
    store.restoreRun(run);
    assert.deepEqual(store.listRuns().map((r) => r.id), [run]);
    store.deleteRun(run);
    assert.equal(store.purgeDeleted(), 1);
    assert.equal(store.getRun(run), undefined);
    assert.throws(() => store.setTag(424242 as RunId, "k", "v"), /no run 424242 in .*pipelab runs ls/);
    store.close();
  });

  it("marks a run crashed when its process was killed with SIGKILL mid-run", async () => {
    const dir = tempDir();
    const file = join(dir, "experiments.db");
    // A script that opens a workbench, logs a metric, says so, then works forever.
    const script = join(dir, "forever.ts");
    require("node:fs").writeFileSync(
      script,
      `import { Workbench } from ${JSON.stringify(join(root, "src", "index"))};
(async () => {
  const wb = await Workbench.open({ experiment: "kill", store: ${JSON.stringify(file)}, cacheDir: ${JSON.stringify(join(dir, "cache"))}, quiet: true });
  wb.log("loss", 0.5, 1);
  await wb.step("warmup", () => 1);
  console.log("RUN " + wb.runId);
  setInterval(() => {}, 1000);
})();`,
    );
    const child = spawn(process.execPath, ["--import", tsx, script], { stdio: ["ignore", "pipe", "inherit"] });
    const runId = await new Promise<number>((done, fail) => {
      let out = "";
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /RUN (\d+)/.exec(out);
        if (m) done(Number(m[1]));
      });
      child.on("exit", (code) => fail(new Error(`the child exited early (${code})`)));
    });
    const live = ExperimentStore.open(file);
    assert.equal(live.getRun(runId as RunId)?.status, "running", "a live run is not marked");
    live.close();
    child.kill("SIGKILL");
    await new Promise((done) => child.once("exit", done));
    const store = ExperimentStore.open(file);
    const run = store.runDetails(runId as RunId)!;
    assert.equal(run.status, "crashed");
    assert.ok(run.endedAt);
    assert.deepEqual(run.metrics, { loss: 0.5 }, "what was flushed before the kill is kept");
    store.close();
  });

  it("marks a run of another host crashed when its heartbeat is stale, and leaves a fresh one", () => {
    const file = join(tempDir(), "experiments.db");
    const store = ExperimentStore.open(file);
    const stale = store.createRun({ experiment: "e", sourceKind: "script" });
    const fresh = store.createRun({ experiment: "e", sourceKind: "script" });
    store.close();
    const db = new Database(file);
    db.prepare("UPDATE runs SET host = 'elsewhere', heartbeat_at = ? WHERE id = ?").run(new Date(Date.now() - 3600_000).toISOString(), stale);
    db.prepare("UPDATE runs SET host = 'elsewhere', heartbeat_at = ? WHERE id = ?").run(new Date().toISOString(), fresh);
    db.close();
    const reopened = ExperimentStore.open(file);
    assert.equal(reopened.getRun(stale)?.status, "crashed");
    assert.equal(reopened.getRun(fresh)?.status, "running");
    reopened.close();
  });

  it("ends a script's run as finished at exit, and as failed when the script throws", () => {
    const dir = tempDir();
    const file = join(dir, "experiments.db");
    const run = (body: string): number | null => {
      const script = join(dir, `s${Math.random().toString(36).slice(2)}.ts`);
      require("node:fs").writeFileSync(
        script,
        `import { Workbench } from ${JSON.stringify(join(root, "src", "index"))};
(async () => {
  const wb = await Workbench.open({ experiment: "exit", store: ${JSON.stringify(file)}, cacheDir: ${JSON.stringify(join(dir, "cache"))}, quiet: true });
  for (let i = 0; i < 5; i++) wb.log("loss", 1 / (i + 1), i);
  ${body}
})();`,
      );
      return spawnSync(process.execPath, ["--import", tsx, script], { encoding: "utf8" }).status;
    };
    assert.equal(run(""), 0);
    assert.notEqual(run('await wb.step("train", () => { throw new Error("diverged"); });'), 0);
    const store = ExperimentStore.open(file);
    const [failed, finished] = store.listRuns({ experiment: "exit" });
    assert.equal(finished?.status, "finished");
    assert.equal(store.metricHistory(finished!.id, "loss").length, 5, "batched points are flushed at exit");
    assert.equal(failed?.status, "failed");
    assert.equal(failed?.failedStep, "train");
    assert.match(failed?.error ?? "", /diverged/);
    store.close();
    assert.ok(readFileSync(file).byteLength > 0);
  });
});
