/**
 * The filter language on a real store, the same cases for the SQLite file and
 * the PostgreSQL database: six runs of two experiments with params of every
 * type, metrics, tags and start times, and the runs each filter selects.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { FilterObject, RunFilter, RunId, RunStore } from "../../src/tracking";

const INJECTION = "x'; DROP TABLE runs; --";

/** A store to run the cases on, and raw SQL on what holds it (start times, which no store call sets). */
export interface FilterStoreHarness {
  open(): RunStore;
  /** One statement with `?` placeholders. */
  exec(sql: string, params?: unknown[]): void;
  /** The names of the database's tables, to see that nothing was dropped. */
  tables(): string[];
}

export function describeFiltersOnStore(name: string, harness: () => FilterStoreHarness, options: { skip?: string | false } = {}): void {
describe(`filters on a real store: ${name}`, { skip: options.skip ?? false }, () => {
  const run: RunId[] = [];
  let h: FilterStoreHarness;
  let store: RunStore;

  before(() => {
    h = harness();
    store = h.open();
    const start = (experiment: string, sourceKind: "script" | "notebook" | "interactive", name?: string, tfBackend?: string) =>
      store.createRun({ experiment, sourceKind, ...(name === undefined ? {} : { name }), ...(tfBackend === undefined ? {} : { tfBackend }) });

    const r1 = start("penguins", "script", "baseline", "wasm");
    store.logParams(r1, { model: "mlp", lr: 0.01, epochs: 10, stratify: true, "hidden size": 16 });
    store.logMetrics(r1, [
      { key: "accuracy", value: 0.5, step: 0 },
      { key: "accuracy", value: 0.8, step: 1 },
      { key: "accuracy", value: 0.91, step: 2 },
      { key: "loss", value: 0.3 },
    ]);
    store.endRun(r1, "finished");

    const r2 = start("penguins", "notebook", "bigger", "tensorflow");
    store.logParams(r2, { model: "mlp", lr: 0.1, epochs: 20, stratify: false });
    store.logMetrics(r2, [
      { key: "accuracy", value: 0.95 },
      { key: "loss", value: 0.2 },
    ]);
    store.endRun(r2, "finished");

    const r3 = start("penguins", "interactive");
    store.logParams(r3, { model: "tree", depth: 5 });
    store.logMetrics(r3, [{ key: "accuracy", value: 0.85 }]);
    store.endRun(r3, "failed", { error: "boom", step: "train" });

    const r4 = start("cars", "script", INJECTION, "wasm");
    store.logParams(r4, { model: INJECTION, 'we"ird key': "yes", lr: 1e-7 });
    store.logMetrics(r4, [{ key: "accuracy", value: 0.7 }]);
    store.endRun(r4, "crashed");

    const r5 = start("cars", "script", "linear");
    store.logParams(r5, { model: "linear", lr: "0.01", hidden: [16, 8] });
    store.logMetrics(r5, [{ key: "rmse", value: 3.2 }]);
    store.endRun(r5, "killed");

    const r6 = start("cars", "notebook", "live"); // still running
    run.push(r1, r2, r3, r4, r5, r6);

    store.setTag(r1, "team", "vision");
    store.setTag(r2, "team", "Vision-2");
    store.setTag(r2, "note", "50% off_peak");
    store.setTag(r3, "note", "5000 offpeak");
    const times = ["2026-10-30T10:00:00.000Z", "2026-10-31T23:59:59.000Z", "2026-11-01T08:00:00.000Z", "2026-11-02T00:00:00.000Z", "2026-11-15T12:00:00.000Z", "2026-11-20T00:00:00.000Z"];
    times.forEach((time, i) => h.exec("UPDATE runs SET started_at = ? WHERE id = ?", [time, run[i]]));
  });
  after(() => store?.close());

  /** The runs (numbered 1 to 6 as above) a filter selects, through the store. */
  function select(filter: RunFilter): number[] {
    return store
      .listRuns({ filter })
      .map((r) => run.indexOf(r.id) + 1)
      .sort((a, b) => a - b);
  }

  const ALL = [1, 2, 3, 4, 5, 6];
  /** [expression, the same as an object (when the object form can say it), the runs it selects]. */
  const cases: [string, FilterObject | undefined, number[]][] = [
    ['metrics.accuracy > 0.9 and params.model = "mlp" and status in ("finished", "crashed")', { metrics: { accuracy: { gt: 0.9 } }, params: { model: "mlp" }, status: { in: ["finished", "crashed"] } }, [1, 2]],
    ["", {}, ALL],
    // precedence
    ['status = "failed" or params.model = "mlp" and metrics.accuracy > 0.92', undefined, [2, 3]],
    ['(status = "failed" or params.model = "mlp") and metrics.accuracy > 0.92', undefined, [2]],
    ['not params.model = "mlp" and metrics.accuracy > 0.8', undefined, [3]],
    ['not (params.model = "mlp" and metrics.accuracy > 0.8)', undefined, [3, 4, 5, 6]],
    ['METRICS.accuracy > 0.9 AND Status IN ("finished")', { metrics: { accuracy: { gt: 0.9 } }, status: { in: ["finished"] } }, [1, 2]],
    ["Tags.team IS NULL Or PARAMS.stratify = TRUE", undefined, [1, 3, 4, 5, 6]],
    // params keep their type
    ["params.lr = 0.01", { params: { lr: 0.01 } }, [1]],
    ['params.lr = "0.01"', { params: { lr: "0.01" } }, [5]],
    ["params.lr < 0.05", { params: { lr: { lt: 0.05 } } }, [1, 4]],
    ["params.lr >= 0.01", { params: { lr: { gte: 0.01 } } }, [1, 2]],
    ["params.lr != 0.01", { params: { lr: { ne: 0.01 } } }, [2, 4, 5]],
    ["params.lr in (0.1, \"0.01\")", { params: { lr: { in: [0.1, "0.01"] } } }, [2, 5]],
    ['params.lr ~ "0.0"', { params: { lr: { contains: "0.0" } } }, [1, 5]],
    ["params.epochs > 15", { params: { epochs: { gt: 15 } } }, [2]],
    ["params.epochs <= 10", { params: { epochs: { lte: 10 } } }, [1]],
    ['params.model > "r"', { params: { model: { gt: "r" } } }, [3, 4]],
    ['params.model != "mlp"', { params: { model: { ne: "mlp" } } }, [3, 4, 5]],
    ['params.model in ("mlp", "linear")', { params: { model: { in: ["mlp", "linear"] } } }, [1, 2, 5]],
    ['params."hidden size" = 16', { params: { "hidden size": 16 } }, [1]],
    ['params.hidden ~ "16"', { params: { hidden: { contains: "16" } } }, [5]],
    ['params.hidden = "[16,8]"', undefined, []],
    // booleans, != and is null
    ["params.stratify = true", { params: { stratify: true } }, [1]],
    ["params.stratify = false", { params: { stratify: false } }, [2]],
    ["params.stratify != true", { params: { stratify: { ne: true } } }, [2]],
    ["not params.stratify = true", undefined, [2, 3, 4, 5, 6]],
    ["params.stratify is null", { params: { stratify: null } }, [3, 4, 5, 6]],
    ["params.stratify = null", { params: { stratify: { eq: null } } }, [3, 4, 5, 6]],
    ["params.stratify is not null", { params: { stratify: { ne: null } } }, [1, 2]],
    // metrics: final values
    ["metrics.accuracy = 0.91", { metrics: { accuracy: 0.91 } }, [1]],
    ["metrics.accuracy = 0.8", { metrics: { accuracy: 0.8 } }, []],
    ["metrics.loss < 0.25", { metrics: { loss: { lt: 0.25 } } }, [2]],
    ["metrics.accuracy in (0.91, 0.7)", { metrics: { accuracy: { in: [0.91, 0.7] } } }, [1, 4]],
    ["metrics.accuracy != 0.91", { metrics: { accuracy: { ne: 0.91 } } }, [2, 3, 4]],
    ["metrics.accuracy >= 0.85 and metrics.accuracy < 0.95", { metrics: { accuracy: { gte: 0.85, lt: 0.95 } } }, [1, 3]],
    ["metrics.accuracy is null", { metrics: { accuracy: null } }, [5, 6]],
    ["metrics.rmse is not null", { metrics: { rmse: { ne: null } } }, [5]],
    // tags
    ['tags.team = "vision"', { tags: { team: "vision" } }, [1]],
    ['tags.team ~ "VISION"', { tags: { team: { contains: "VISION" } } }, [1, 2]],
    ['tags.team != "vision"', { tags: { team: { ne: "vision" } } }, [2]],
    ["tags.team is null", { tags: { team: null } }, [3, 4, 5, 6]],
    // run columns
    ["id = 3", undefined, [3]],
    ["id in (1, 4, 99)", undefined, [1, 4]],
    ["id >= 5", undefined, [5, 6]],
    ['name = "baseline"', { name: "baseline" }, [1]],
    ["name is null", { name: null }, [3]],
    ['name != "baseline"', { name: { ne: "baseline" } }, [2, 4, 5, 6]],
    ['name ~ "NEAR"', { name: { contains: "NEAR" } }, [5]],
    ['name ~ "LIN"', { name: { contains: "LIN" } }, [1, 5]],
    ['experiment = "cars"', { experiment: "cars" }, [4, 5, 6]],
    ['experiment ~ "pen"', { experiment: { contains: "pen" } }, [1, 2, 3]],
    ['experiment = "cars" and source != "script"', { experiment: "cars", source: { ne: "script" } }, [6]],
    ['status = "running"', { status: "running" }, [6]],
    ['source = "notebook"', { source: "notebook" }, [2, 6]],
    ["ended is null", undefined, [6]],
    ['backend = "wasm"', undefined, [1, 4]],
    ["backend is null", undefined, [3, 5, 6]],
    ['started > "2026-11-01"', { startedAfter: "2026-11-01" }, [3, 4, 5, 6]],
    ['started < "2026-11-01"', { startedBefore: new Date("2026-11-01T00:00:00Z") }, [1, 2]],
    ['started > "2026-11-01T08:00:00.000Z"', { startedAfter: new Date("2026-11-01T08:00:00Z") }, [4, 5, 6]],
    ['started > "2026-11-01" and started < "2026-11-16"', { startedAfter: "2026-11-01", startedBefore: new Date("2026-11-16T00:00:00Z") }, [3, 4, 5]],
  ];

  for (const [text, object, expected] of cases) {
    it(`${JSON.stringify(text)} selects runs [${expected.join(", ")}]${object ? ", as does its object form" : ""}`, () => {
      assert.deepEqual(select(text), expected);
      if (object) assert.deepEqual(select(object), expected, JSON.stringify(object));
    });
  }

  it("takes injection attempts literally and leaves the database intact", () => {
    const tablesBefore = h.tables();
    assert.deepEqual(select(`params.model = "${INJECTION}"`), [4]);
    assert.deepEqual(select(`name = '${INJECTION.replace("'", "\\'")}'`), [4]);
    assert.deepEqual(select({ name: INJECTION }), [4]);
    assert.deepEqual(select('params."we\\"ird key" = "yes"'), [4]);
    assert.deepEqual(select({ params: { 'we"ird key': "yes" } }), [4]);
    assert.deepEqual(select(`params."x'); DROP TABLE runs; --" is null`), ALL);
    assert.deepEqual(select({ params: { "a' OR '1'='1": "x" } }), []);
    assert.deepEqual(select(`params.model ~ "'; DROP"`), [4]);
    assert.deepEqual(h.tables(), tablesBefore);
    assert.equal(store.countRuns(), 6);
  });

  it("takes % and _ in ~ literally", () => {
    // Unescaped, these patterns would also match "5000 offpeak" (run 3) and every named run.
    assert.deepEqual(select('tags.note ~ "50%"'), [2]);
    assert.deepEqual(select('tags.note ~ "f_p"'), [2]);
    assert.deepEqual(select({ tags: { note: { contains: "off_" } } }), [2]);
    assert.deepEqual(select('name ~ "%"'), []);
    assert.deepEqual(select('name ~ "_"'), []);
    assert.deepEqual(select('name ~ "\\\\"'), []);
  });
});
}
