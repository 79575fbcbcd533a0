import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import * as Plot from "@observablehq/plot";
import { PipelabError, StepError } from "../../src/errors";
import { ExperimentStore } from "../../src/tracking";
import { Workbench } from "../../src/workbench";
import { tempDir } from "../helpers/tmp";

describe("Workbench in a script", () => {
  const dir = tempDir();
  const store = join(dir, "experiments.db");

  it("runs steps with named inputs and records params, metrics and steps", async () => {
    const wb = await Workbench.open({ experiment: "unit", store, quiet: true });
    const p = wb.params({ factor: 3 });
    const xs = await wb.step("load", () => [1, 2, 3]);
    const scaled = await wb.step("scale", { xs, p }, async ({ xs, p }) => xs.map((x) => x * p.factor));
    assert.deepEqual(scaled, [3, 6, 9]);
    wb.log("sum", scaled.reduce((a, b) => a + b, 0));
    wb.log({ loss: 0.5, val_loss: 0.6 }, 1);
    wb.finish();
    const s = ExperimentStore.open(store);
    const run = s.runDetails(wb.runId)!;
    assert.equal(run.status, "finished");
    assert.equal(run.sourceKind, "script");
    assert.deepEqual(run.params, { factor: 3 });
    assert.deepEqual(run.metrics, { loss: 0.5, sum: 18, val_loss: 0.6 });
    assert.deepEqual(s.stepExecutions(wb.runId).map((e) => e.step), ["load", "scale"]);
    s.close();
  });

  it("names the failing step, and a run whose failure was not fixed ends failed", async () => {
    const wb = await Workbench.open({ experiment: "unit", store, quiet: true });
    await assert.rejects(
      wb.step("train", () => {
        throw new Error("loss is NaN");
      }),
      (e: unknown) => e instanceof StepError && e.step === "train" && /step "train" failed after .*: loss is NaN/.test(e.message),
    );
    wb.finish();
    const s = ExperimentStore.open(store);
    const run = s.getRun(wb.runId)!;
    assert.equal(run.status, "failed");
    assert.equal(run.failedStep, "train");
    assert.equal(run.error, "loss is NaN");
    s.close();
  });

  it("forgets a failure once the step succeeds (a notebook cell fixed and re-run)", async () => {
    const wb = await Workbench.open({ experiment: "unit", store, quiet: true });
    await assert.rejects(wb.step("train", () => Promise.reject(new Error("typo"))));
    await wb.step("train", () => 1);
    wb.finish();
    const s = ExperimentStore.open(store);
    assert.equal(s.getRun(wb.runId)?.status, "finished");
    s.close();
  });

  it("says how to call a step that has no function", async () => {
    const wb = await Workbench.open({ experiment: "unit", store, quiet: true });
    await assert.rejects(
      // @ts-expect-error the function is missing on purpose
      wb.step("clean", { a: 1 }),
      /step "clean" has no function: call wb\.step\("clean", inputs, \(inputs\) => \.\.\.\)/,
    );
    await assert.rejects(wb.step("", () => 1), /invalid step name: ""/);
    wb.finish();
    await assert.rejects(wb.step("late", () => 1), (e: unknown) => e instanceof PipelabError && /run \d+ has ended \(finished\)/.test(e.message));
  });

  it("writes a chart outside a notebook to an HTML file, recorded as an artifact", async () => {
    const wb = await Workbench.open({ experiment: "unit", store, quiet: true });
    const file = wb.displayChart("<svg></svg>", true, "Loss <by> epoch");
    assert.ok(file && existsSync(file));
    assert.match(readFileSync(file, "utf8"), /<title>Loss &#60;by&#62; epoch<\/title>/);
    wb.show.plot({ marks: [Plot.dot([{ x: 1, y: 1 }], { x: "x", y: "y" })] });
    wb.finish();
  });

  it("starts a new run when a parameter value changes, carrying the other parameters", async () => {
    const lines: string[] = [];
    const wb = await Workbench.open({ experiment: "unit", store, print: (l) => lines.push(l) });
    wb.params({ lr: 0.01, hidden: 16 });
    const first = wb.runId;
    wb.params({ lr: 0.01 });
    assert.equal(wb.runId, first, "the same value again: the same run");
    wb.params({ hidden: 32 });
    assert.notEqual(wb.runId, first);
    assert.ok(lines.some((l) => l === `pipelab: parameters changed (hidden 16 -> 32): run ${first} ended, run ${wb.runId} started`));
    wb.finish();
    const s = ExperimentStore.open(store);
    assert.equal(s.getRun(first)?.status, "finished");
    assert.deepEqual(s.runDetails(first)?.params, { hidden: 16, lr: 0.01 });
    assert.deepEqual(s.runDetails(wb.runId)?.params, { hidden: 32, lr: 0.01 });
    s.close();
  });

  it("opening a new workbench finishes the previous one's run (a re-run cell)", async () => {
    const first = await Workbench.open({ experiment: "unit", store, quiet: true });
    const second = await Workbench.open({ experiment: "unit", store, quiet: true });
    assert.equal(first.running, false);
    assert.equal(second.running, true);
    second.finish();
  });
});
