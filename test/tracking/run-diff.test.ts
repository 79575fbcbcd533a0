import assert from "node:assert/strict";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, it } from "node:test";
import { runs as runsCommand } from "../../src/cli/runs-commands";
import { ExperimentStore, SCHEMA_VERSION, diffRuns } from "../../src/tracking";
import type { RunId } from "../../src/tracking";
import { tempDir } from "../helpers/tmp";
import { describeRunDiff, runPipeline } from "./run-diff-cases";

const diffDir = tempDir("run-diff-");
describeRunDiff("the SQLite store", diffDir, () => join(diffDir, "experiments.db"));


describe("diffRuns on a store that kept no step sources", () => {
  const dir = tempDir("run-diff-old-");
  const storePath = join(dir, "experiments.db");

  it("says the code changed, with no diff to show, for runs recorded before sources were kept (schema 8), also read-only", async () => {
    const a = await runPipeline(dir, 1);
    const b = await runPipeline(dir, 2);
    // What pipelab before schema 9 wrote: no code_sources table.
    const db = new Database(storePath);
    db.exec("DROP TABLE code_sources");
    db.pragma("user_version = 8");
    db.close();
    const store = ExperimentStore.open(storePath, { readOnly: true });
    try {
      assert.equal(store.schemaVersion, 8);
      const features = diffRuns(store, a, b).steps.find((s) => s.step === "features");
      assert.deepEqual(features?.reasons, ["code changed"]);
      assert.deepEqual(features?.code, [{ part: "step" }]);
    } finally {
      store.close();
    }
    const lines: string[] = [];
    const log = console.log;
    console.log = (line: string) => void lines.push(line);
    try {
      assert.equal(await runsCommand.run(["diff", String(a), String(b), "--store", storePath]), 0);
    } finally {
      console.log = log;
    }
    assert.match(lines[0] ?? "", new RegExp(`^    the step's code: no diff to show, the store kept no source of it for run ${a} and run ${b} `, "m"));
    // Opened for writing, the store is upgraded (schema 9) with every run kept, and new runs keep their sources.
    const upgraded = ExperimentStore.open(storePath);
    try {
      assert.equal(upgraded.schemaVersion, SCHEMA_VERSION);
      assert.ok(upgraded.runDetails(a) && upgraded.runDetails(b));
    } finally {
      upgraded.close();
    }
    const c = await runPipeline(dir, 1);
    const reopened = ExperimentStore.open(storePath, { readOnly: true });
    try {
      const features = diffRuns(reopened, b, c).steps.find((s) => s.step === "features");
      assert.equal(features?.code[0]?.b?.startsWith("function doubled"), true, "run c's source was kept");
      assert.equal(features?.code[0]?.a, undefined, "run b's was not");
      assert.equal(features?.code[0]?.hunks, undefined);
    } finally {
      reopened.close();
    }
  });
});
