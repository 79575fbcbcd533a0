import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CycleError, StepError } from "../../src/errors";
import { untracked } from "../../src/pipeline";
import { ExperimentStore } from "../../src/tracking";
import { Workbench } from "../../src/workbench";
import { tempDir } from "../helpers/tmp";

/** A workbench of its own (store and cache in a temp folder) whose lines are collected. */
async function bench(dir: string): Promise<{ wb: Workbench; lines: string[] }> {
  const lines: string[] = [];
  const wb = await Workbench.open({ experiment: "cache", store: join(dir, "experiments.db"), cacheDir: join(dir, "cache"), print: (l) => lines.push(l) });
  return { wb, lines };
}

const last = (lines: string[], step: string): string => [...lines].reverse().find((l) => l.startsWith(`▸ ${step}:`)) ?? "";

describe("steps with cached state", () => {
  it("computes once, then returns the very same output from memory", async () => {
    const { wb, lines } = await bench(tempDir());
    // A counter of calls is not data the step depends on: untracked keeps it out of the key.
    const calls = untracked({ n: 0 });
    const make = () => {
      calls.n++;
      return { rows: [1, 2, 3] };
    };
    const a = await wb.step("load", make);
    const b = await wb.step("load", make);
    assert.equal(calls.n, 1);
    assert.equal(a, b);
    assert.match(last(lines, "load"), new RegExp(`^▸ load: cached \\(memory, from run ${wb.runId}\\) in [\\d.]+ ms$`));
    const s = ExperimentStore.open(wb.store.path);
    assert.deepEqual(s.stepExecutions(wb.runId).map((e) => [e.outcome, e.tier ?? null, e.sourceRunId ?? null]), [
      ["miss", null, null],
      ["hit", "memory", wb.runId],
    ]);
    s.close();
    wb.finish();
  });

  it("recomputes exactly the steps downstream of a change, and says why", async () => {
    const { wb, lines } = await bench(tempDir());
    const counts = untracked({ load: 0, clean: 0, train: 0, report: 0 });
    const p1 = wb.params({ lr: 0.01, minX: 1 });
    const pipeline = async (p: Readonly<{ lr: number; minX: number }>, cleanCode: "v1" | "v2" = "v1") => {
      const raw = await wb.step("load", () => (counts.load++, [0, 1, 2, 3, 4]));
      const clean =
        cleanCode === "v1"
          ? await wb.step("clean", { raw, minX: p.minX }, ({ raw, minX }) => (counts.clean++, raw.filter((x) => x >= minX)))
          : await wb.step("clean", { raw, minX: p.minX }, ({ raw, minX }) => (counts.clean++, raw.filter((x) => x >= minX).map((x) => x * 10)));
      const model = await wb.step("train", { clean, lr: p.lr }, ({ clean, lr }) => (counts.train++, { w: clean.reduce((a, b) => a + b, 0) * lr }));
      const report = await wb.step("report", { model }, ({ model }) => (counts.report++, `w=${model.w.toFixed(3)}`));
      return report;
    };
    assert.equal(await pipeline(p1), "w=0.100");
    assert.deepEqual(counts, { load: 1, clean: 1, train: 1, report: 1 });

    // A parameter only train reads: load and clean stay cached.
    const p2 = wb.params({ lr: 0.02, minX: 1 });
    const plan = await wb.plan();
    assert.deepEqual(
      plan.map((e) => [e.step, e.state]),
      [
        ["load", "fresh"],
        ["clean", "fresh"],
        ["train", "fresh"],
        ["report", "fresh"],
      ],
      "a primitive input is read at the call: the plan sees the change only when the cell runs",
    );
    assert.equal(await pipeline(p2), "w=0.200");
    assert.deepEqual(counts, { load: 1, clean: 1, train: 2, report: 2 });
    assert.match(last(lines, "train"), /computed in .* \(input lr changed \(0\.01 -> 0\.02\)\)/);
    assert.match(last(lines, "clean"), /cached \(memory/);

    // Code of clean changes its output: clean, train, report recompute; load does not.
    assert.equal(await pipeline(p2, "v2"), "w=2.000");
    assert.deepEqual(counts, { load: 1, clean: 2, train: 3, report: 3 });
    assert.match(last(lines, "clean"), /computed in .* \(code changed\)/);
    assert.match(last(lines, "train"), /computed in .* \(input clean changed \(step clean produced a different output\)\)/);

    // Back to the first code: everything comes from the cache again.
    assert.equal(await pipeline(p2, "v1"), "w=0.200");
    assert.deepEqual(counts, { load: 1, clean: 2, train: 3, report: 3 });
    wb.finish();
  });

  it("does not recompute downstream when an upstream recompute yields the same output", async () => {
    const { wb, lines } = await bench(tempDir());
    const trains = untracked({ n: 0 });
    const raw = await wb.step("load", () => [3, 1, 2]);
    const sorted1 = await wb.step("sort", { raw }, ({ raw }) => [...raw].sort());
    await wb.step("train", { sorted: sorted1 }, ({ sorted }) => (trains.n++, sorted.length));
    // Other code, same output.
    const sorted2 = await wb.step("sort", { raw }, ({ raw }) => [...raw].sort((a, b) => a - b));
    assert.match(last(lines, "sort"), /computed .*code changed/);
    await wb.step("train", { sorted: sorted2 }, ({ sorted }) => (trains.n++, sorted.length));
    assert.equal(trains.n, 1, "train's input has the same fingerprint, so it stays cached");
    wb.finish();
  });

  it("plans what a parameter-set input changes, and runs only what is stale", async () => {
    const { wb } = await bench(tempDir());
    const counts = untracked({ load: 0, fit: 0 });
    const p = wb.params({ epochs: 3 });
    const data = await wb.step("load", () => (counts.load++, [1, 2, 3]));
    await wb.step("fit", { data, p }, ({ data, p }) => (counts.fit++, data.length * p.epochs));
    wb.params({ epochs: 5 });
    const plan = await wb.plan();
    assert.deepEqual(plan.find((e) => e.step === "fit"), { step: "fit", state: "stale", reasons: ["param epochs changed (3 -> 5)"], upstream: ["load"] });
    assert.equal(plan.find((e) => e.step === "load")?.state, "fresh");
    assert.equal(await wb.run("fit"), 15);
    assert.deepEqual(counts, { load: 1, fit: 2 });
    // The run records why fit recomputed, for `pipelab runs show`.
    const fit = wb.store.stepExecutions(wb.runId).find((e) => e.step === "fit");
    assert.equal(fit?.outcome, "miss");
    assert.equal(fit?.reason, "param epochs changed (3 -> 5)");
    assert.deepEqual((await wb.plan()).map((e) => e.state), ["fresh", "fresh"]);
    wb.finish();
  });

  it("invalidates a step on request", async () => {
    const { wb, lines } = await bench(tempDir());
    const n = untracked({ calls: 0 });
    await wb.step("load", () => (n.calls++, [1]));
    wb.invalidate("load");
    assert.deepEqual((await wb.plan()).map((e) => [e.step, e.state, e.reasons]), [["load", "stale", ["invalidated"]]]);
    await wb.step("load", () => (n.calls++, [1]));
    assert.equal(n.calls, 2);
    assert.match(last(lines, "load"), /computed in .* \(invalidated\)/);
    await wb.step("load", () => (n.calls++, [1]));
    assert.equal(n.calls, 2, "after recomputing it is cached again");
    wb.finish();
  });

  it("reports unknown steps and cycles clearly", async () => {
    const { wb } = await bench(tempDir());
    await wb.step("load", () => [1]);
    await assert.rejects(wb.plan("trian"), (e: unknown) => e instanceof StepError && /unknown step "trian"; known steps: load/.test(e.message));
    // a takes b's output, then b is redefined to take a's: a cycle.
    const b0 = await wb.step("b", () => ({ v: 1 }));
    const a = await wb.step("a", { b0 }, ({ b0 }) => ({ v: b0.v + 1 }));
    await wb.step("b", { a }, ({ a }) => ({ v: a.v + 1 }));
    await assert.rejects(wb.plan(), (e: unknown) => e instanceof CycleError && /steps form a cycle: (a -> b -> a|b -> a -> b)/.test(e.message));
    wb.finish();
  });

  it("says how to cache an output no serializer handles, and caches it in memory when asked", async () => {
    const { wb } = await bench(tempDir());
    class Handle {
      constructor(readonly fd: number) {}
    }
    await assert.rejects(
      wb.step("open", () => new Handle(3)),
      (e: unknown) =>
        e instanceof StepError &&
        e.step === "open" &&
        /the output of step "open" cannot be cached on disk: a Handle has no serializer\. Register a serializer .*registerSerializer.*\{ cache: "memory" \}/.test(e.message),
    );
    const n = untracked({ calls: 0 });
    const h1 = await wb.step("open", () => (n.calls++, new Handle(3)), { cache: "memory" });
    const h2 = await wb.step("open", () => (n.calls++, new Handle(3)), { cache: "memory" });
    assert.equal(h1, h2);
    assert.equal(n.calls, 1);
    await wb.step("always", () => n.calls++, { cache: "off" });
    await wb.step("always", () => n.calls++, { cache: "off" });
    assert.equal(n.calls, 3);
    await assert.rejects(wb.step("x", () => 1, { cache: "sometimes" as never }), /invalid cache option 'sometimes'/);
    wb.finish();
  });

  it("keys a step by the value of a module variable it reads without taking it as an input", async () => {
    const { wb, lines } = await bench(tempDir());
    const filtered = await wb.step("filter", () => [1, 2, 3].filter((x) => x > moduleThreshold));
    assert.deepEqual(filtered, [2, 3]);
    assert.equal(lines.filter((l) => l.startsWith("⚠")).length, 0, "a value that can be fingerprinted needs no warning");
    await wb.step("filter", () => [1, 2, 3].filter((x) => x > moduleThreshold));
    assert.match(last(lines, "filter"), /cached \(memory/);
    moduleThreshold = 2;
    assert.deepEqual(
      (await wb.plan()).map((e) => [e.step, e.state, e.reasons]),
      [["filter", "stale", ["variable moduleThreshold changed (1 -> 2)"]]],
    );
    assert.deepEqual(await wb.step("filter", () => [1, 2, 3].filter((x) => x > moduleThreshold)), [3]);
    assert.match(last(lines, "filter"), /computed in .* \(variable moduleThreshold changed \(1 -> 2\)\)/);
    moduleThreshold = 1;
    wb.finish();
  });

  it("keys a step by a local variable of the enclosing code, with JavaScript's scoping", async () => {
    const { wb, lines } = await bench(tempDir());
    const results: number[] = [];
    for (const k of [1, 2, 1]) results.push(await wb.step("times", () => k * 10));
    assert.deepEqual(results, [10, 20, 10]);
    assert.match(last(lines, "times"), /cached \(memory/, "k = 1 again: the first output");
    wb.finish();
  });

  it("warns, naming the variable, when a step reads a value that cannot be fingerprinted, and never serves it stale", async () => {
    const { wb, lines } = await bench(tempDir());
    class Handle {
      constructor(readonly fd: number) {}
    }
    let handle = new Handle(3);
    assert.equal(await wb.step("fd", () => handle.fd), 3);
    const warning = lines.find((l) => l.startsWith("⚠"));
    assert.match(warning ?? "", /step "fd" reads `handle` \(a Handle\), which is not among its inputs and which pipelab cannot fingerprint, so the step is never served from the cache\. Make it the output of a step/);
    handle = new Handle(4);
    assert.equal(await wb.step("fd", () => handle.fd), 4, "recomputed, not served stale");
    lines.length = 0;
    await wb.step("fd2", { n: 5 }, ({ n }) => n);
    assert.equal(lines.filter((l) => l.startsWith("⚠")).length, 0, "no warning once it is an input");
    wb.finish();
  });

  it("counts a helper function of the script as code of the step", async () => {
    const { wb } = await bench(tempDir());
    const n = untracked({ calls: 0 });
    await wb.step("scaled", () => (n.calls++, scale(2)));
    await wb.step("scaled", () => (n.calls++, scale(2)));
    assert.equal(n.calls, 1);
    const plan = await wb.plan();
    assert.equal(plan[0]?.state, "fresh");
    wb.finish();
  });
});

describe("metrics logged by a cached step", () => {
  it("are replayed into the run that reuses the output, from memory and from disk", async () => {
    const dir = tempDir();
    const { wb: first } = await bench(dir);
    const train = (wb: Workbench) =>
      wb.step("train", () => {
        for (let epoch = 1; epoch <= 3; epoch++) wb.log({ loss: 1 / epoch, accuracy: 0.8 + epoch / 100 }, epoch);
        return { weights: [1, 2, 3] };
      });
    await train(first);
    first.finish();
    const { wb: second, lines } = await bench(dir);
    await train(second);
    assert.match(last(lines, "train"), /cached \(memory, from run 1\)/);
    second.finish();
    const s = ExperimentStore.open(first.store.path);
    for (const run of [first.runId, second.runId]) {
      assert.deepEqual(s.metricHistory(run, "loss").map((p) => [p.step, p.value]), [
        [1, 1],
        [2, 0.5],
        [3, 1 / 3],
      ]);
      assert.equal(s.runDetails(run)?.metrics.accuracy, 0.8 + 3 / 100);
    }
    s.close();
  });
});

let moduleThreshold = 1;
function scale(x: number): number {
  return x * 10;
}
