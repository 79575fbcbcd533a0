import assert from "node:assert/strict";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { runs as runsCommand } from "../../src/cli/runs-commands";
import { ExperimentStore, parseRunOrder } from "../../src/tracking";
import type { RunId, RunOrder } from "../../src/tracking";
import { tempDir } from "../helpers/tmp";

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What the test knows of each run, to sort it in JavaScript and compare. */
interface Known {
  id: RunId;
  name: string | null;
  experiment: string;
  status: string;
  source: string | null;
  durationMs: number | null;
  lr?: number | string;
  loss?: number;
  history: number[];
}

describe("compareRuns orderBy: runs sorted by any column, the runs without the value last, ties newest first", () => {
  const dir = tempDir("run-order-");
  let store: ExperimentStore;
  const known: Known[] = [];

  before(() => {
    store = ExperimentStore.open(join(dir, "experiments.db"));
    const rand = random(11);
    for (let i = 0; i < 300; i++) {
      const experiment = ["alpha", "Beta", "gamma"][i % 3] as string;
      const name = rand() < 0.1 ? null : ["mlp", "Tree", "forest", "mlp", "knn"][Math.floor(rand() * 5)] as string;
      const source = rand() < 0.2 ? null : `train-${Math.floor(rand() * 4)}.ts`;
      const id = store.createRun({ experiment, sourceKind: "script", ...(name === null ? {} : { name }), ...(source === null ? {} : { sourcePath: source }) });
      const k: Known = { id, name, experiment, status: "running", source, durationMs: null, history: [] };
      const r = rand();
      // A param: a number (some equal), a string, or missing.
      if (r < 0.6) k.lr = Math.floor(rand() * 5) / 100;
      else if (r < 0.8) k.lr = ["auto", "10", "Adaptive"][Math.floor(rand() * 3)] as string;
      if (k.lr !== undefined) store.logParams(id, { lr: k.lr });
      if (rand() < 0.85) {
        const n = 1 + Math.floor(rand() * 150);
        k.history = Array.from({ length: n }, () => Math.round(rand() * 1000) / 1000);
        store.logMetrics(id, k.history.map((value, step) => ({ key: "loss", step, value })));
        k.loss = k.history.at(-1) as number;
      }
      if (rand() < 0.9) {
        const status = rand() < 0.8 ? "finished" : "failed";
        store.endRun(id, status);
        k.status = status;
        const run = store.runDetails(id);
        k.durationMs = run?.endedAt ? Date.parse(run.endedAt) - Date.parse(run.startedAt) : null;
      }
      known.push(k);
    }
  });

  /** The ids in the order a query gives, paged through `size` at a time. */
  const paged = (orderBy: RunOrder, size: number): RunId[] => {
    const ids: RunId[] = [];
    for (let offset = 0; ; offset += size) {
      const page = store.compareRuns({ orderBy, limit: size, offset }).runs.map((r) => r.id);
      ids.push(...page);
      if (page.length < size) return ids;
    }
  };

  /** The oracle: missing last, numbers before text, then the value (text without case first), ties newest first. */
  const expected = (value: (k: Known) => number | string | null | undefined, direction: "asc" | "desc" = "desc"): RunId[] => {
    const sign = direction === "asc" ? 1 : -1;
    const rank = (v: number | string | null | undefined): number => (v === null || v === undefined ? 2 : typeof v === "number" ? 0 : 1);
    return [...known]
      .sort((x, y) => {
        const a = value(x);
        const b = value(y);
        if (rank(a) !== rank(b)) return rank(a) - rank(b);
        if (typeof a === "number" && typeof b === "number" && a !== b) return sign * (a - b);
        if (typeof a === "string" && typeof b === "string") {
          const [fa, fb] = [a.toLowerCase(), b.toLowerCase()];
          if (fa !== fb) return sign * (fa < fb ? -1 : 1);
          if (a !== b) return sign * (a < b ? -1 : 1);
        }
        return y.id - x.id;
      })
      .map((k) => k.id);
  };

  const cases: [string, RunOrder, (k: Known) => number | string | null | undefined][] = [
    ["the final value of a metric", { metric: "loss" }, (k) => k.loss],
    ["the lowest value of a metric's history", { metric: "loss", aggregate: "min" }, (k) => (k.history.length === 0 ? undefined : Math.min(...k.history))],
    ["the highest value of a metric's history", { metric: "loss", aggregate: "max" }, (k) => (k.history.length === 0 ? undefined : Math.max(...k.history))],
    ["a param, numbers as numbers before text", { param: "lr" }, (k) => k.lr],
    ["the name, without regard to case", { field: "name" }, (k) => k.name],
    ["the experiment", { field: "experiment" }, (k) => k.experiment],
    ["the status", { field: "status" }, (k) => k.status],
    ["the source", { field: "source" }, (k) => k.source],
    ["the start (the id order)", { field: "started" }, (k) => k.id],
  ];
  for (const [what, order, value] of cases) {
    it(`sorts by ${what}, both ways, the same paged 7 at a time as in one page`, () => {
      for (const direction of ["asc", "desc"] as const) {
        const want = expected(value, direction);
        assert.deepEqual(paged({ ...order, direction }, 1000), want, `${JSON.stringify(order)} ${direction}`);
        assert.deepEqual(paged({ ...order, direction }, 7), want, `${JSON.stringify(order)} ${direction}, paged`);
      }
    });
  }

  it("sorts by duration, the running runs (no duration yet) last", () => {
    const ids = paged({ field: "duration", direction: "desc" }, 1000);
    const running = known.filter((k) => k.durationMs === null).map((k) => k.id);
    assert.deepEqual(new Set(ids.slice(ids.length - running.length)), new Set(running));
    const durations = ids.slice(0, ids.length - running.length).map((id) => known.find((k) => k.id === id)?.durationMs as number);
    for (let i = 1; i < durations.length; i++) assert.ok((durations[i - 1] as number) >= (durations[i] as number) - 1, "longest first, to the millisecond the store keeps");
  });

  it("sorts within a filter and an experiment", () => {
    const ids = store.compareRuns({ experiment: "Beta", filter: "metrics.loss < 0.5", orderBy: { param: "lr", direction: "asc" } }).runs.map((r) => r.id);
    const want = expected((k) => k.lr, "asc").filter((id) => {
      const k = known.find((x) => x.id === id) as Known;
      return k.experiment === "Beta" && k.loss !== undefined && k.loss < 0.5;
    });
    assert.deepEqual(ids, want);
  });
});

describe("parseRunOrder: an order as a URL or a command line writes it", () => {
  it("reads fields, params and metrics with their aggregate, then the direction (desc by default)", () => {
    assert.deepEqual(parseRunOrder("name:asc"), { field: "name", direction: "asc" });
    assert.deepEqual(parseRunOrder("id"), { field: "started", direction: "desc" });
    assert.deepEqual(parseRunOrder("params.lr"), { param: "lr", direction: "desc" });
    assert.deepEqual(parseRunOrder("params.a:b:asc"), { param: "a:b", direction: "asc" });
    assert.deepEqual(parseRunOrder("metrics.loss:min:asc"), { metric: "loss", aggregate: "min", direction: "asc" });
    assert.deepEqual(parseRunOrder("metrics.val loss"), { metric: "val loss", aggregate: "last", direction: "desc" });
  });

  it("reads a bare word as a metric only when asked (the CLI's --sort accuracy), and otherwise says what it sorts by", () => {
    assert.deepEqual(parseRunOrder("accuracy:asc", { bareMetric: true }), { metric: "accuracy", direction: "asc" });
    assert.throws(() => parseRunOrder("accuracy"), /invalid sort: "accuracy"; sort by started, duration, name, experiment, status, source, params\.KEY or metrics\.KEY/);
    assert.throws(() => parseRunOrder("params."), /invalid sort/);
  });

  it("is pipelab runs compare --sort", async () => {
    const dir = tempDir("run-order-cli-");
    const path = join(dir, "experiments.db");
    const store = ExperimentStore.open(path);
    for (const [name, lr] of [["b", 0.1], ["a", 0.3], ["c", 0.2]] as const) {
      const id = store.createRun({ experiment: "e", sourceKind: "script", name });
      store.logParams(id, { lr });
      store.endRun(id, "finished");
    }
    store.close();
    const order = async (sort: string): Promise<(string | null)[]> => {
      const lines: string[] = [];
      const log = console.log;
      console.log = (line: string) => void lines.push(line);
      try {
        assert.equal(await runsCommand.run(["compare", "--store", path, "--sort", sort, "--json"]), 0);
      } finally {
        console.log = log;
      }
      return (JSON.parse(lines.join("\n")) as { runs: { name: string | null }[] }).runs.map((r) => r.name);
    };
    assert.deepEqual(await order("name:asc"), ["a", "b", "c"]);
    assert.deepEqual(await order("params.lr"), ["a", "c", "b"]);
    await assert.rejects(order("params."), /invalid sort/);
  });
});
