import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { ExperimentStore } from "../../src/tracking";
import type { RunStore } from "../../src/tracking";
import { tempDir } from "../helpers/tmp";

const src = join(__dirname, "..", "..", "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** The members RunStore declares, read from its source. */
function runStoreMembers(): string[] {
  const text = readFileSync(join(src, "tracking", "run-store.ts"), "utf8");
  const body = text.slice(text.indexOf("export interface RunStore {"));
  return [...body.matchAll(/^ {2}(?:readonly )?(\w+)[(?:]/gm)].map((m) => m[1] as string);
}

describe("RunStore: the store as the rest of pipelab uses it", () => {
  it("is implemented by ExperimentStore, which records and reads a run through it", () => {
    const store: RunStore = ExperimentStore.open(join(tempDir(), "experiments.db"));
    const run = store.createRun({ experiment: "e", sourceKind: "script" });
    store.logParams(run, { lr: 0.01 });
    store.logMetrics(run, [
      { key: "loss", value: 1, step: 0 },
      { key: "loss", value: 0.5, step: 1 },
    ]);
    store.endRun(run, "finished");
    assert.deepEqual(
      store.metricHistory(run, "loss").map((p) => p.value),
      [1, 0.5],
    );
    assert.equal(store.runDetails(run)?.metrics.loss, 0.5);
    assert.equal(store.compareRuns({ experiment: "e" }).runs[0]?.params.lr, 0.01);
    store.close();
  });

  it("declares only members that code outside src/tracking uses", () => {
    const outside = sourceFiles(src)
      .filter((f) => !relative(src, f).startsWith("tracking"))
      .map((f) => readFileSync(f, "utf8"))
      .join("\n");
    const members = runStoreMembers();
    assert.ok(members.length > 20, `read ${members.length} members from run-store.ts`);
    // logMetrics is reached through MetricBuffer, which the workbench builds over its store.
    const throughBuffer = new Set(["logMetrics"]);
    assert.match(outside, /new MetricBuffer\(/);
    const unused = members.filter((m) => !throughBuffer.has(m) && !new RegExp(`\\.${m}\\b`).test(outside));
    assert.deepEqual(unused, []);
  });
});
