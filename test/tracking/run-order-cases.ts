/**
 * compareRuns' orders checked against an oracle (a JavaScript sort of what the
 * test logged), on any store: 300 runs of three experiments with names,
 * sources, params of mixed types, histories and statuses.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { seededRandom } from "../../src/ml";
import type { RunId, RunOrder, RunStore } from "../../src/tracking";

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

/** The orders of compareRuns checked against an oracle, on a store that `open` gives (the SQLite file here; PostgreSQL in run-order-postgres.test.ts). */
export function describeRunOrders(name: string, open: () => RunStore, options: { skip?: string | false } = {}): void {
describe(`compareRuns orderBy on ${name}: runs sorted by any column, the runs without the value last, ties newest first`, { skip: options.skip ?? false }, () => {
  let store: RunStore;
  const known: Known[] = [];
  after(() => store?.close());

  before(() => {
    store = open();
    const rand = seededRandom(11);
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
}

