/**
 * diffRuns and `pipelab runs diff` on any store: two runs of a small pipeline
 * whose second run changes a step's code, a param and a file it reads, and
 * fails a step; the same cases for the SQLite file and the PostgreSQL store.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { runs as runsCommand } from "../../src/cli/runs-commands";
import { readTrackedFile } from "../../src/data";
import { diffRuns, openStore } from "../../src/tracking";
import type { RunDiff, RunId } from "../../src/tracking";
import { Workbench } from "../../src/workbench";

// The step "features" of the first run and of the second: the code changed between them.
function doubled({ raw }: { raw: number[] }): number[] {
  return raw.map((x) => x * 2);
}
function tripled({ raw }: { raw: number[] }): number[] {
  return raw.map((x) => x * 3);
}
// The step "evaluate": fine in the first run, failing in the second.
function evaluateOk({ model }: { model: number }): number {
  return model / 10;
}
function evaluateBroken(): number {
  throw new Error("shapes do not match");
}

/**
 * One run of a small pipeline: load (the same both times: cached in the second run), read a
 * file (whose content the second run finds changed), features (its code changed), train (its
 * param changed), evaluate (failing in the second run), report (in the first run only).
 */
export async function runPipeline(dir: string, version: 1 | 2, store = join(dir, "experiments.db")): Promise<RunId> {
  const notes = join(dir, "notes.txt");
  writeFileSync(notes, version === 1 ? "one" : "two");
  const wb = await Workbench.open({ experiment: "diff", store, cacheDir: join(dir, "cache"), quiet: true });
  const p = wb.params(version === 1 ? { lr: 0.01, epochs: 5 } : { lr: 0.1, seed: 7 });
  const raw = await wb.step("load", () => [1, 2, 3]);
  await wb.step("read", { notes }, ({ notes }) => readTrackedFile(notes).toString("utf8"));
  const features = await wb.step("features", { raw }, version === 1 ? doubled : tripled);
  const model = await wb.step("train", { features, p }, ({ features, p }) => features.reduce((a, b) => a + b, 0) * Number(p.lr));
  if (version === 1) {
    await wb.step("evaluate", { model }, evaluateOk);
    await wb.step("report", { model }, ({ model }) => `model ${model}`);
    wb.log({ accuracy: 0.9, loss: 0.3 });
  } else {
    await assert.rejects(wb.step("evaluate", { model }, evaluateBroken), /shapes do not match/);
    wb.log({ accuracy: 0.95 });
  }
  const id = wb.runId;
  wb.finish();
  return id;
}

/** diffRuns and `pipelab runs diff` on the store at `location` (a file in `dir`, or a PostgreSQL URL). */
export function describeRunDiff(name: string, dir: string, location: () => string, options: { skip?: string | false } = {}): void {
describe(`diffRuns on ${name}: why two runs differ`, { skip: options.skip ?? false }, () => {
  let storePath: string;
  let a: RunId;
  let b: RunId;
  let diff: RunDiff;

  before(async () => {
    storePath = location();
    a = await runPipeline(dir, 1, storePath);
    b = await runPipeline(dir, 2, storePath);
    const store = openStore(storePath);
    try {
      diff = diffRuns(store, a, b);
    } finally {
      store.close();
    }
  });

  const step = (name: string) => {
    const s = diff.steps.find((x) => x.step === name);
    assert.ok(s, `step ${name} is in the diff`);
    return s;
  };

  it("names the params added, removed and changed", () => {
    assert.deepEqual(diff.params, { added: { seed: 7 }, removed: { epochs: 5 }, changed: [{ key: "lr", a: 0.01, b: 0.1 }] });
  });

  it("gives the final metrics that changed with their delta, and those of one run only", () => {
    assert.equal(diff.metrics.changed.length, 1);
    const [accuracy] = diff.metrics.changed;
    assert.equal(accuracy?.key, "accuracy");
    assert.ok(Math.abs((accuracy?.delta ?? 0) - 0.05) < 1e-9);
    assert.deepEqual(diff.metrics.onlyA, { loss: 0.3 });
    assert.deepEqual(diff.metrics.onlyB, {});
  });

  it("lists every step of either run, in run order", () => {
    assert.deepEqual(
      diff.steps.map((s) => s.step),
      ["load", "read", "features", "train", "evaluate", "report"],
    );
  });

  it("says a step was served from the cache, and from which run, with the same key", () => {
    const load = step("load");
    assert.equal(load.a?.outcome, "computed");
    assert.equal(load.b?.outcome, "cached");
    assert.equal(load.b?.fromRun, a);
    assert.equal(load.keyChanged, false);
    assert.deepEqual(load.reasons, []);
  });

  it("says a step's code changed, and shows both sources, printed readably, with a line diff", () => {
    const features = step("features");
    assert.equal(features.keyChanged, true);
    assert.deepEqual(features.reasons, ["code changed"]);
    assert.equal(features.code.length, 1);
    const [change] = features.code;
    assert.equal(change?.part, "step");
    assert.match(change?.a ?? "", /^function doubled\(\{ raw \}\) \{\n {4}return raw\.map\(\(?x\)? => x \* 2\);\n\}$/);
    assert.match(change?.b ?? "", /^function tripled/);
    const lines = (change?.hunks ?? []).flatMap((h) => h.lines.map((l) => `${l.op}${l.text}`));
    assert.deepEqual(lines, [
      "-function doubled({ raw }) {",
      "-    return raw.map(x => x * 2);",
      "+function tripled({ raw }) {",
      "+    return raw.map(x => x * 3);",
      " }",
    ].map((l) => l.replace("(x)", "x")), lines.join("\n"));
    assert.deepEqual(step("load").code, [], "no code change, no code shown");
  });

  it("says why a failed step's key differs: a failed execution records its key parts too", () => {
    const evaluate = step("evaluate");
    assert.deepEqual(evaluate.reasons, ["code changed", "input model changed (step train produced a different output)"]);
    assert.match(evaluate.code[0]?.b ?? "", /shapes do not match/);
  });

  it("says a param changed, and an input whose upstream step produced another output", () => {
    const train = step("train");
    assert.equal(train.keyChanged, true);
    assert.ok(train.reasons.includes("param lr changed (0.01 -> 0.1)"), train.reasons.join("; "));
    assert.ok(train.reasons.includes("input features changed (step features produced a different output)"), train.reasons.join("; "));
  });

  it("names a file the step read whose content changed, with both hashes, though the key is the same", () => {
    const read = step("read");
    assert.equal(read.keyChanged, false, "files read are not key parts: the cached output is checked against them");
    assert.equal(read.b?.outcome, "computed");
    assert.equal(read.files.length, 1);
    const [file] = read.files;
    assert.equal(file?.path, join(dir, "notes.txt"));
    assert.equal(file?.declared, false);
    assert.ok(file?.a && file.b && file.a !== file.b);
    assert.match(read.reasons[0] ?? "", /^file read .*notes\.txt changed \([0-9a-f]+ -> [0-9a-f]+\)$/);
  });

  it("says a step failed in one run, and names a step that only one run has", () => {
    const evaluate = step("evaluate");
    assert.equal(evaluate.a?.outcome, "computed");
    assert.equal(evaluate.b?.outcome, "failed");
    assert.match(evaluate.b?.error ?? "", /shapes do not match/);
    assert.equal(evaluate.keyChanged, true);
    const report = step("report");
    assert.equal(report.a?.outcome, "computed");
    assert.equal(report.b, undefined);
    assert.equal(report.keyChanged, undefined);
  });

  it("names only the environment fields that differ", () => {
    assert.deepEqual(diff.environment, [], "both runs ran in this process");
    const store = openStore(storePath);
    try {
      const x = store.createRun({ experiment: "env", sourceKind: "script", git: { commit: "abc123", dirty: false } });
      const y = store.createRun({ experiment: "env", sourceKind: "script", git: { commit: "def456", dirty: true }, tfBackend: "tfjs-node" });
      assert.deepEqual(diffRuns(store, x, y).environment, [
        { field: "gitCommit", a: "abc123", b: "def456" },
        { field: "gitDirty", a: false, b: true },
        { field: "tfBackend", a: null, b: "tfjs-node" },
      ]);
      assert.throws(() => diffRuns(store, x, 999 as RunId), /no run 999/);
    } finally {
      store.close();
    }
  });

  it("is `pipelab runs diff A B`, which prints each difference and its cause, or the diff as JSON", async () => {
    const lines: string[] = [];
    const log = console.log;
    console.log = (line: string) => void lines.push(line);
    try {
      assert.equal(await runsCommand.run(["diff", String(a), String(b), "--store", storePath]), 0);
      assert.equal(await runsCommand.run(["diff", String(a), String(b), "--store", storePath, "--json"]), 0);
    } finally {
      console.log = log;
    }
    const [text = "", json = ""] = lines;
    assert.match(text, /^  lr: 0\.01 -> 0\.1$/m);
    assert.match(text, /^  accuracy: 0\.9 -> 0\.95 \(\+0\.05\)$/m);
    assert.match(text, new RegExp(`^  load: run ${a} computed, run ${b} cached \\(\\w+, from run ${a}\\); same key$`, "m"));
    assert.match(text, /^  features: computed in both; key differs: code changed$/m);
    assert.match(text, new RegExp(`^    the step's code, run ${a} -> run ${b}:\n      @@ -1,3 \\+1,3 @@\n      -function doubled`, "m"));
    assert.match(text, /^      \+ {4}return raw\.map\(x => x \* 3\);$/m);
    assert.match(text, /^  read: computed in both; same key: file read .*notes\.txt changed/m);
    assert.match(text, new RegExp(`^  evaluate: run ${a} computed, run ${b} failed: .*shapes do not match`, "m"));
    assert.match(text, new RegExp(`^  report: only in run ${a} \\(computed\\)$`, "m"));
    assert.deepEqual((JSON.parse(json) as RunDiff).params, diff.params);
    await assert.rejects(runsCommand.run(["diff", String(a), "--store", storePath]), /give two run ids/);
  });
});
}
