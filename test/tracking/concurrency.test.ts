import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ExperimentStore } from "../../src/tracking";
import { tempDir } from "../helpers/tmp";

const dist = join(__dirname, "..", "..", "dist", "index.js");

describe("several processes writing one store at once", () => {
  it("8 processes x 10,000 metric points: every point is there, no 'database is locked'", async () => {
    const dir = tempDir();
    const file = join(dir, "experiments.db");
    const script = join(dir, "writer.js");
    // Half the points go through the workbench (batched), half one transaction each, to contend for the lock.
    writeFileSync(
      script,
      `const { Workbench } = require(${JSON.stringify(dist)});
(async () => {
  const wb = await Workbench.open({ experiment: "concurrent", store: process.argv[2], cacheDir: process.argv[3], quiet: true, backend: "cpu" });
  for (let i = 0; i < 5000; i++) {
    wb.log("batched", i, i);
    wb.store.logMetric(wb.runId, "direct", i, i);
    if (i % 500 === 0) await new Promise((r) => setImmediate(r));
  }
  wb.finish();
  console.log("done " + wb.runId);
})().catch((e) => { console.error("FAILED " + e.message); process.exit(1); });`,
    );
    const children = Array.from({ length: 8 }, () =>
      new Promise<{ code: number | null; stderr: string }>((done) => {
        let stderr = "";
        const child = spawn(process.execPath, [script, file, join(dir, "cache")], { stdio: ["ignore", "ignore", "pipe"] });
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("exit", (code) => done({ code, stderr }));
      }),
    );
    const results = await Promise.all(children);
    for (const r of results) {
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /database is locked|SQLITE_BUSY/);
    }
    const store = ExperimentStore.open(file);
    const runs = store.listRuns({ experiment: "concurrent" });
    assert.equal(runs.length, 8);
    for (const run of runs) {
      assert.equal(run.status, "finished");
      for (const key of ["batched", "direct"]) {
        const history = store.metricHistory(run.id, key);
        assert.equal(history.length, 5000, `run ${run.id} ${key}`);
        assert.deepEqual(history.map((p) => p.value), Array.from({ length: 5000 }, (_, i) => i));
      }
      assert.deepEqual(store.runDetails(run.id)?.metrics, { batched: 4999, direct: 4999 });
    }
    store.close();
  });
});
