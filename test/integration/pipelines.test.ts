import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ExperimentStore } from "../../src/tracking";
import { isolatedJupyter } from "../helpers/jupyter";
import { tempDir } from "../helpers/tmp";

const root = join(__dirname, "..", "..");
const cli = join(root, "dist", "cli", "main.js");

describe("from notebook to scripted pipeline: export, run, verify, sweep", () => {
  // Inside the repository, so that the scripts resolve "pipelab" as in a user's project.
  const dir = tempDir("pipelines-", { inRepo: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "pipelines-test", private: true }));
  mkdirSync(join(dir, "pipelines"));
  const env = { ...process.env, ...isolatedJupyter(join(dir, "jupyter")), PIPELAB_STORE: join(dir, "experiments.db"), PIPELAB_CACHE_DIR: join(dir, "cache") };
  const pipelab = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", env, cwd: dir, timeout: 900_000 });

  for (const name of ["00-quickstart", "01-penguins-classification", "02-cars-regression", "03-compare-runs", "04-seattle-weather"]) {
    it(`${name}: exports to a script that type-checks, runs headless, and reproduces the notebook's metrics`, () => {
      const notebook = join(root, "notebooks", `${name}.ipynb`);
      const script = join(dir, "pipelines", `${name}.ts`);
      const exported = pipelab("export", notebook, "-o", script, "--check");
      assert.equal(exported.status, 0, exported.stderr + exported.stdout);
      assert.match(exported.stdout, /type-check: ok/);
      const ran = pipelab("run", notebook, "-o", join(dir, `${name}.executed.ipynb`));
      assert.equal(ran.status, 0, ran.stderr + ran.stdout);
      // Right after the notebook, the script with the same parameters is all cache hits, and says so.
      const again = pipelab("run", script);
      assert.equal(again.status, 0, again.stderr);
      assert.doesNotMatch(again.stdout, /: computed in/);
      assert.match(again.stdout, /pipelab: run \d+: \d+ steps, all from the cache/);
      const verified = pipelab("verify", notebook);
      assert.equal(verified.status, 0, verified.stderr + verified.stdout);
      assert.match(verified.stdout, /✓ script run \d+ reproduces notebook run \d+: \d+ metrics equal/);
    });
  }

  it("takes parameters from the command line, and refuses unknown ones clearly", () => {
    const script = join(dir, "pipelines", "01-penguins-classification.ts");
    const r = pipelab("run", script, "--param", "hidden=8", "--param", "epochs=10");
    assert.equal(r.status, 0, r.stderr);
    const store = ExperimentStore.open(join(dir, "experiments.db"));
    const [latest] = store.listRuns({ experiment: "penguins" }).map((x) => store.runDetails(x.id)!);
    store.close();
    assert.equal(latest?.sourceKind, "script");
    assert.equal(latest?.params.hidden, 8);
    assert.equal(latest?.params.epochs, 10);
    const unknown = pipelab("run", script, "--param", "hiden=8");
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /unknown parameter "hiden": .* declares testSize \(number, default 0\.25\), seed .*hidden \(number, default 16\)/);
    const malformed = join(dir, "broken.ipynb");
    writeFileSync(malformed, '{"nbformat": 4, "cells": "none"}');
    const bad = pipelab("export", malformed);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^pipelab: .*broken\.ipynb is not a notebook: "cells" is not a list/);
  });

  it("exits non-zero naming the failing step and its error", () => {
    const script = join(dir, "pipelines", "failing.ts");
    writeFileSync(
      script,
      `import { Workbench, runMain } from "pipelab";
runMain(async () => {
  const wb = await Workbench.open({ experiment: "failing" });
  await wb.step("load", () => [1, 2, 3]);
  await wb.step("train", () => { throw new Error("the loss is NaN"); });
});
`,
    );
    const r = pipelab("run", script);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /pipelab: step "train" failed: step "train" failed after .*: the loss is NaN/);
    const store = ExperimentStore.open(join(dir, "experiments.db"));
    const [run] = store.listRuns({ experiment: "failing" });
    assert.equal(run?.status, "failed");
    assert.equal(run?.failedStep, "train");
    store.close();
  });

  it("sweeps 4 combinations in parallel: 4 runs, the shared upstream steps from the cache", () => {
    const script = join(dir, "pipelines", "01-penguins-classification.ts");
    const r = pipelab("sweep", script, "--grid", "lr=0.01,0.05", "hidden=4,8", "--parallel", "2");
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /best by test_accuracy: run \d+/);
    const id = /tagged sweep=(\S+):/.exec(r.stdout)?.[1];
    assert.ok(id);
    const store = ExperimentStore.open(join(dir, "experiments.db"));
    const runs = store.listRuns({ filter: { tags: { sweep: id } } }).reverse();
    assert.equal(runs.length, 4);
    assert.deepEqual(runs.map((x) => store.runDetails(x.id)!.params).map((p) => [p.lr, p.hidden]).sort(), [[0.01, 4], [0.01, 8], [0.05, 4], [0.05, 8]]);
    for (const run of runs) {
      const steps = Object.fromEntries(store.stepExecutions(run.id).map((s) => [s.step, s.outcome]));
      assert.equal(steps.load, "hit", `run ${run.id}: load comes from the cache`);
      assert.equal(steps.split, "hit");
      assert.equal(steps.train, "miss", `run ${run.id}: train depends on the swept params`);
    }
    store.close();
  });
});
