import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { ExperimentStore } from "../../src/tracking";
import { isolatedJupyter, notebookJson } from "../helpers/jupyter";
import { tempDir } from "../helpers/tmp";

const cli = join(__dirname, "..", "..", "dist", "cli", "main.js");


describe("honest run status from pipelab run and verify", () => {
  // Inside the repository, so that the notebook resolves "pipelab" as in a user's project.
  const dir = tempDir("run-status-", { inRepo: true });
  const env = { ...process.env, ...isolatedJupyter(join(dir, "jupyter")), PIPELAB_STORE: "", PIPELAB_CACHE_DIR: "" };
  const pipelab = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: dir, env, encoding: "utf8", timeout: 600_000 });
  let failed: ReturnType<typeof pipelab>;

  before(() => {
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "run-status", private: true }));
    writeFileSync(
      join(dir, "fails.ipynb"),
      notebookJson([
        { markdown: "A notebook that fails in its last cell." },
        'import { Workbench } from "pipelab";\nconst wb = await Workbench.open({ experiment: "fails" });',
        'const n = await wb.step("count", () => 3);\nwb.log("n", n);',
        'throw new RangeError("the data ran out");',
      ]),
    );
    failed = pipelab("run", "fails.ipynb");
  });

  it("records a notebook that fails under pipelab run as failed, with the cell and the error", () => {
    assert.equal(failed.status, 1);
    assert.match(failed.stderr, /fails\.ipynb failed at cell 4: RangeError: the data ran out/);
    const store = ExperimentStore.open(join(dir, "experiments.db"));
    try {
      const [run] = store.listRuns({ experiment: "fails" });
      assert.ok(run);
      const details = store.runDetails(run.id);
      assert.equal(details?.status, "failed");
      assert.equal(details?.failedStep, "cell 4");
      assert.equal(details?.error, "RangeError: the data ran out");
      assert.equal(store.listRuns({ experiment: "fails", filter: 'status = "finished"' }).length, 0);
    } finally {
      store.close();
    }
  });

  it("keeps the executed copy with the error, and prints where", () => {
    const saved = join(dir, "fails.failed.ipynb");
    assert.ok(existsSync(saved));
    assert.match(failed.stderr, /saved in fails\.failed\.ipynb/);
    const nb = JSON.parse(readFileSync(saved, "utf8")) as { cells: { outputs?: { output_type: string; ename?: string; evalue?: string }[] }[] };
    const error = nb.cells[3]?.outputs?.find((o) => o.output_type === "error");
    assert.deepEqual([error?.ename, error?.evalue], ["RangeError", "the data ran out"]);
  });

  it("verifies a notebook whose workbench prints nothing (quiet: true): runs are found by the tag verify gives them", () => {
    writeFileSync(
      join(dir, "quiet.ipynb"),
      notebookJson([{ markdown: "A quiet notebook." }, 'import { Workbench } from "pipelab";\nconst wb = await Workbench.open({ experiment: "quiet", quiet: true });', 'const n = await wb.step("count", () => 7);\nwb.log("n", n);']),
    );
    const ran = pipelab("run", "quiet.ipynb");
    assert.equal(ran.status, 0, ran.stderr);
    const verified = pipelab("verify", "quiet.ipynb");
    assert.equal(verified.status, 0, verified.stderr + verified.stdout);
    assert.match(verified.stdout, /✓ script run \d+ reproduces notebook run \d+: 1 metrics equal/);
  });
});
