import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { StepCache } from "../../src/cache";
import { ExperimentStore } from "../../src/tracking";
import type { StepExecution } from "../../src/tracking";
import { sha256 } from "../../src/util";
import { tempDir } from "../helpers/tmp";

const cli = join(__dirname, "..", "..", "dist", "cli", "main.js");

function pipelab(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", env: { ...process.env, ...env } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("the pipelab CLI", () => {
  const dir = tempDir();

  it("prints its usage with every command", () => {
    const r = pipelab(["--help"]);
    assert.equal(r.status, 0);
    for (const c of ["setup", "doctor", "notebook", "kernel", "runs"]) assert.match(r.stdout, new RegExp(`\\n  ${c} `));
  });

  it("rejects an unknown command with exit code 2 and the usage", () => {
    const r = pipelab(["trian"]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown command "trian"/);
    assert.match(r.stderr, /Usage: pipelab COMMAND/);
  });

  it("rejects an unknown option by name", () => {
    const r = pipelab(["runs", "ls", "--experimnt", "x"]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--experimnt/);
  });

  it("lists and shows runs of a store", () => {
    const file = join(dir, "experiments.db");
    const store = ExperimentStore.open(file);
    const run = store.createRun({ experiment: "penguins", sourceKind: "script" });
    store.logParams(run, { hidden: 16 });
    store.logMetric(run, "accuracy", 0.975);
    store.recordStep(run, { step: "train", outcome: "miss", durationMs: 1200, reason: "param hidden changed (8 -> 16)" });
    store.recordStep(run, { step: "load", outcome: "hit", tier: "disk", durationMs: 4 });
    store.recordStep(run, { step: "fit", outcome: "interrupted", durationMs: 2500, error: 'step "fit" was interrupted at epoch 3' });
    store.endRun(run, "finished");
    store.close();
    const ls = pipelab(["runs", "ls"], { PIPELAB_STORE: file });
    assert.equal(ls.status, 0, ls.stderr);
    assert.match(ls.stdout, /id\s+experiment\s+status\s+started\s+params\s+accuracy/);
    assert.match(ls.stdout, new RegExp(`${run}\\s+penguins\\s+finished\\s+.*hidden=16\\s+0\\.975`));
    const json = JSON.parse(pipelab(["runs", "ls", "--json", "--store", file]).stdout) as { id: number; metrics: Record<string, number> }[];
    assert.deepEqual(json.map((r) => [r.id, r.metrics.accuracy]), [[run, 0.975]]);
    const show = pipelab(["runs", "show", String(run), "--store", file]);
    assert.match(show.stdout, /run \d+ of experiment "penguins": finished/);
    assert.match(show.stdout, /hidden = 16/);
    assert.match(show.stdout, /train: computed in 1\.2 s \(param hidden changed \(8 -> 16\)\)/, "why it recomputed");
    assert.match(show.stdout, /load: cached \(disk\) in 4(\.0)? ms\n/);
    assert.match(show.stdout, /fit: interrupted after 2\.5 s \(step "fit" was interrupted at epoch 3\)/, "how far the stopped step got");
    const shown = JSON.parse(pipelab(["runs", "show", String(run), "--json", "--store", file]).stdout) as { steps: StepExecution[] };
    assert.deepEqual(shown.steps.map((s) => [s.step, s.outcome]), [["train", "miss"], ["load", "hit"], ["fit", "interrupted"]]);
  });

  it("reports an unknown run id and a bad store clearly, without a stack trace", () => {
    const file = join(dir, "experiments.db");
    const missing = pipelab(["runs", "show", "999", "--store", file]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^pipelab: no run 999 in .*experiments\.db/);
    const notes = join(dir, "notes.txt");
    writeFileSync(notes, "not a database ".repeat(100));
    const bad = pipelab(["runs", "ls"], { PIPELAB_STORE: notes });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^pipelab: .*notes\.txt is not a SQLite database/);
    assert.ok(!/\n\s+at /.test(bad.stderr), "no stack trace");
  });
});

describe("pipelab cache", () => {
  const dir = tempDir();

  it("reports the cache by step and prunes what recent runs did not use", async () => {
    const cacheDir = join(dir, "cache");
    const storeFile = join(dir, "experiments.db");
    const cache = new StepCache({ dir: cacheDir });
    const store = ExperimentStore.open(storeFile);
    const old = store.createRun({ experiment: "e", sourceKind: "script" });
    const recent = store.createRun({ experiment: "e", sourceKind: "script" });
    const keys = { old: sha256("old"), recent: sha256("recent"), orphan: sha256("orphan") };
    await cache.put(keys.old, [1, 2, 3], { step: "load", runId: old, mode: "disk" });
    await cache.put(keys.recent, [4, 5], { step: "load", runId: recent, mode: "disk" });
    await cache.put(keys.orphan, { a: 1 }, { step: "train", runId: null, mode: "disk" });
    store.recordStep(old, { step: "load", cacheKey: keys.old, outcome: "miss", durationMs: 1 });
    store.recordStep(recent, { step: "load", cacheKey: keys.recent, outcome: "miss", durationMs: 1 });
    store.close();

    const ls = pipelab(["cache", "ls", "--dir", cacheDir]);
    assert.equal(ls.status, 0, ls.stderr);
    assert.match(ls.stdout, /3 artifacts/);
    assert.match(ls.stdout, /load\s+2 artifacts/);
    assert.match(ls.stdout, /train\s+1 artifact\b/);

    const dry = pipelab(["cache", "prune", "--keep-runs", "1", "--dry-run", "--dir", cacheDir, "--store", storeFile]);
    assert.match(dry.stdout, /would remove 2 artifacts/);
    assert.equal(new StepCache({ dir: cacheDir }).report().artifacts, 3, "a dry run deletes nothing");

    const prune = pipelab(["cache", "prune", "--keep-runs", "1", "--dir", cacheDir, "--store", storeFile]);
    assert.equal(prune.status, 0, prune.stderr);
    assert.match(prune.stdout, /removed 2 artifacts .*; kept 1/);
    const after = new StepCache({ dir: cacheDir });
    assert.equal(after.where(keys.recent), "disk");
    assert.equal(after.where(keys.old), undefined);
    assert.equal(after.where(keys.orphan), undefined);

    const refuse = pipelab(["cache", "prune", "--dir", cacheDir, "--store", storeFile]);
    assert.equal(refuse.status, 2);
    assert.match(refuse.stderr, /give --keep-runs N and\/or --newer-than DATE/);
  });
});

describe("pipelab runs: filter, compare, best, rm, restore, export", () => {
  const dir = tempDir();
  const file = join(dir, "experiments.db");
  const store = ExperimentStore.open(file);
  const ids: number[] = [];
  for (const [model, lr, acc] of [
    ["mlp", 0.01, 0.95],
    ["mlp", 0.1, 0.91],
    ["linear", 0.01, 0.88],
  ] as const) {
    const run = store.createRun({ experiment: "penguins", sourceKind: "script" });
    store.logParams(run, { model, lr, seed: 7 });
    store.logMetrics(run, [
      { key: "accuracy", value: acc },
      { key: "loss", value: 1 - acc },
    ]);
    store.endRun(run, "finished");
    ids.push(run);
  }
  store.close();
  const [a, b, c] = ids as [number, number, number];

  it("lists the runs a filter selects", () => {
    const r = pipelab(["runs", "ls", "--store", file, "--filter", 'metrics.accuracy > 0.9 and params.model = "mlp"', "--json"]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as { id: number }[]).map((x) => x.id), [b, a]);
  });

  it("points at the mistake in a malformed filter", () => {
    const r = pipelab(["runs", "ls", "--store", file, "--filter", "metrics.accuracy > and status = 1"]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /invalid filter at column 20/);
    assert.match(r.stderr, /\n\s+metrics\.accuracy > and status = 1\n\s+\^/);
  });

  it("treats an injection attempt as a value, and the store survives", () => {
    const r = pipelab(["runs", "ls", "--store", file, "--filter", `params.model = "x'; DROP TABLE runs; --"`, "--json"]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), []);
    assert.equal(JSON.parse(pipelab(["runs", "ls", "--store", file, "--json"]).stdout).length, 3);
  });

  it("compares runs, marking differing columns and the best values", () => {
    const r = pipelab(["runs", "compare", String(a), String(b), String(c), "--store", file]);
    assert.equal(r.status, 0, r.stderr);
    const [header] = r.stdout.split("\n");
    assert.match(header ?? "", /id\s+status\s+\*lr\s+\*model\s+seed\s+\*accuracy\s+\*loss/, "seed is the same everywhere, the rest differ");
    assert.match(r.stdout, new RegExp(`${a}\\s+finished\\s+0\\.01\\s+mlp\\s+7\\s+0\\.95 ◀\\s+0\\.05 ◀`));
    const json = JSON.parse(pipelab(["runs", "compare", "--store", file, "--metrics", "accuracy", "--sort", "accuracy:asc", "--json"]).stdout) as {
      runs: { id: number }[];
      metrics: string[];
    };
    assert.deepEqual(json.metrics, ["accuracy"]);
    assert.deepEqual(json.runs.map((x) => x.id), [c, b, a]);
  });

  it("finds the best run by a metric, highest or lowest", () => {
    assert.equal((JSON.parse(pipelab(["runs", "best", "accuracy", "--store", file, "--json"]).stdout) as { id: number }).id, a);
    assert.equal((JSON.parse(pipelab(["runs", "best", "accuracy", "--min", "--store", file, "--json"]).stdout) as { id: number }).id, c);
    const none = pipelab(["runs", "best", "f1", "--store", file]);
    assert.equal(none.status, 1);
    assert.match(none.stderr, /no run has a metric "f1"/);
  });

  it("deletes and restores runs", () => {
    assert.equal(pipelab(["runs", "rm", String(b), "--store", file]).status, 0);
    assert.deepEqual((JSON.parse(pipelab(["runs", "ls", "--store", file, "--json"]).stdout) as { id: number }[]).map((x) => x.id), [c, a]);
    assert.equal(pipelab(["runs", "restore", String(b), "--store", file]).status, 0);
    assert.equal(JSON.parse(pipelab(["runs", "ls", "--store", file, "--json"]).stdout).length, 3);
    const unknown = pipelab(["runs", "rm", "999", "--store", file]);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /no run 999/);
  });

  it("exports runs as CSV and JSON", () => {
    const csv = pipelab(["runs", "export", "--format", "csv", "--store", file]);
    assert.equal(csv.status, 0, csv.stderr);
    const lines = csv.stdout.trim().split("\n");
    assert.equal(lines[0], "id,name,experiment,status,started_at,ended_at,duration_ms,params.lr,params.model,params.seed,metrics.accuracy,metrics.loss");
    assert.equal(lines.length, 4);
    assert.match(lines[1] ?? "", new RegExp(`^${c},,penguins,finished,.*,0\\.01,linear,7,0\\.88,`));
    const json = JSON.parse(pipelab(["runs", "export", "--format", "json", "--store", file]).stdout) as { params: { model: string } }[];
    assert.deepEqual(json.map((r) => r.params.model).sort(), ["linear", "mlp", "mlp"]);
  });
});
