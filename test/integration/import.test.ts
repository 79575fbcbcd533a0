import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ExperimentStore } from "../../src/tracking";
import type { RunDetails } from "../../src/tracking";
import { isolatedJupyter } from "../helpers/jupyter";
import { tempDir } from "../helpers/tmp";

const root = join(__dirname, "..", "..");
const cli = join(root, "dist", "cli", "main.js");

describe("from script back to notebook: import, then run under the real pipelab kernel", () => {
  // Inside the repository, so that the notebook resolves "pipelab" as in a user's project.
  const dir = tempDir("import-", { inRepo: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "import-test", private: true }));
  const env = { ...process.env, ...isolatedJupyter(join(dir, "jupyter")), PIPELAB_STORE: join(dir, "experiments.db") };
  // Each notebook gets a cache of its own, so that the imported one computes its steps rather than reusing the original's.
  const pipelab = (cache: string, ...args: string[]) =>
    spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", env: { ...env, PIPELAB_CACHE_DIR: join(dir, cache) }, cwd: dir, timeout: 900_000 });

  it("00-quickstart: the notebook imported from its exported script runs and records the same accuracy", () => {
    const original = join(root, "notebooks", "00-quickstart.ipynb");
    const script = join(dir, "pipelines", "quickstart.ts");
    const notebook = join(dir, "notebooks", "quickstart.ipynb");
    const exported = pipelab("cache", "export", original, "-o", script);
    assert.equal(exported.status, 0, exported.stderr + exported.stdout);
    const imported = pipelab("cache", "import", script, "-o", notebook);
    assert.equal(imported.status, 0, imported.stderr + imported.stdout);
    assert.match(imported.stdout, /imported pipelines\/quickstart\.ts to notebooks\/quickstart\.ipynb/);

    const ranOriginal = pipelab("cache-original", "run", original, "-o", join(dir, "original.executed.ipynb"));
    assert.equal(ranOriginal.status, 0, ranOriginal.stderr + ranOriginal.stdout);
    const ranImported = pipelab("cache-imported", "run", notebook, "-o", join(dir, "imported.executed.ipynb"));
    assert.equal(ranImported.status, 0, ranImported.stderr + ranImported.stdout);

    const store = ExperimentStore.open(join(dir, "experiments.db"));
    try {
      const runs = store.listRuns({ experiment: "quickstart" }).map((r) => store.runDetails(r.id) as RunDetails);
      const bySource = (path: string): RunDetails | undefined => runs.find((r) => r.sourcePath?.endsWith(path));
      const before = bySource("notebooks/00-quickstart.ipynb");
      const after = bySource("notebooks/quickstart.ipynb");
      assert.ok(before && after, `a run of each notebook: ${JSON.stringify(runs.map((r) => r.sourcePath))}`);
      assert.equal(after.status, "finished");
      assert.equal(after.sourceKind, "notebook");
      assert.deepEqual(after.params, before.params);
      assert.equal(typeof after.metrics.accuracy, "number");
      assert.equal(after.metrics.accuracy, before.metrics.accuracy);
      const steps = store.stepExecutions(after.id);
      assert.ok(steps.length > 0 && steps.every((s) => s.outcome === "miss"), "the imported notebook computed its steps itself");
    } finally {
      store.close();
    }
  });
});
