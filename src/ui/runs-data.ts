/**
 * One page of the runs table, read from the store: the page's runs in the
 * view's order with the columns it shows. Never more than one page of runs is
 * read: compareRuns pages and sorts in SQL, and the per-run extras (tags,
 * source, a metric's lowest or highest value) are read for that page only.
 */
import type { ComparedRun, BrowsableStore, RunDetails, RunId, RunOrder } from "../tracking";
import { isDefaultSort } from "./runs-view";
import type { RunColumn, RunSort, RunsView } from "./runs-view";

/** Without chosen columns, the table shows at most this many params and as many metrics (those of the page's runs). */
export const DEFAULT_KEY_COLUMNS = 12;

/** A run of the page and what its cells need beyond the comparison. */
export interface RunsRow {
  run: ComparedRun;
  /** Read only when a column needs them (tags, source). */
  details: RunDetails | undefined;
  /** `min:KEY` / `max:KEY` -> the lowest / highest value of the metric's history. */
  extremes: Map<string, number>;
}

export interface RunsPage {
  /** All runs the selection matches. */
  total: number;
  columns: RunColumn[];
  rows: RunsRow[];
}

/** The run's own fields the table shows by default; the experiment only when the page shows all of them. */
function defaultRunColumns(allExperiments: boolean): RunColumn[] {
  const fields = allExperiments ? (["name", "experiment", "status", "started", "duration", "source", "tags"] as const) : (["name", "status", "started", "duration", "source", "tags"] as const);
  return fields.map((field) => ({ kind: "run", field }));
}

/** At most this many points read to find a metric's extremes: metricHistory's thinning keeps each bucket's lowest and highest point, so the extremes survive. */
const EXTREME_POINTS = 64;

/**
 * The page of runs `view` shows.
 *
 * @throws FilterError for a filter the store cannot compile.
 */
export function readRunsPage(store: BrowsableStore, view: RunsView): RunsPage {
  const selection = { ...(view.experiment === undefined ? {} : { experiment: view.experiment }), ...(view.filter === "" ? {} : { filter: view.filter }) };
  const chosen = view.columns;
  const sortMetric = view.sort.key.kind === "metric" && view.sort.key.aggregate === "last" ? view.sort.key.key : undefined;
  const metricKeys = chosen === undefined ? undefined : unique([...chosen.flatMap((c) => (c.kind === "metric" ? [c.key] : [])), ...(sortMetric === undefined ? [] : [sortMetric])]);
  const paramKeys = chosen === undefined ? undefined : unique(chosen.flatMap((c) => (c.kind === "param" ? [c.key] : [])));
  const comparison = store.compareRuns({
    ...selection,
    ...(paramKeys === undefined ? {} : { params: paramKeys }),
    ...(metricKeys === undefined ? {} : { metrics: metricKeys }),
    ...(isDefaultSort(view.sort) ? {} : { orderBy: runOrder(view.sort) }),
    limit: view.pageSize,
    offset: (view.page - 1) * view.pageSize,
  });
  const runs = comparison.runs;
  const columns =
    chosen ??
    [
      ...defaultRunColumns(view.experiment === undefined),
      ...comparison.params.slice(0, DEFAULT_KEY_COLUMNS).map((key): RunColumn => ({ kind: "param", key })),
      ...comparison.metrics.slice(0, DEFAULT_KEY_COLUMNS).map((key): RunColumn => ({ kind: "metric", key, aggregate: "last" })),
    ];
  const needsDetails = columns.some((c) => c.kind === "run" && (c.field === "tags" || c.field === "source"));
  const extremeColumns = columns.flatMap((c) => (c.kind === "metric" && c.aggregate !== "last" ? [c] : []));
  const rows = runs.map((run): RunsRow => {
    const extremes = new Map<string, number>();
    for (const c of extremeColumns) {
      const value = metricExtreme(store, run.id, c.key, c.aggregate === "min" ? "min" : "max");
      if (value !== undefined) extremes.set(`${c.aggregate}:${c.key}`, value);
    }
    return { run, details: needsDetails ? store.runDetails(run.id) : undefined, extremes };
  });
  return { total: comparison.total, columns, rows };
}

/** The store's order for a sort of the page. */
function runOrder(sort: RunSort): RunOrder {
  const key = sort.key;
  const by = key.kind === "run" ? { field: key.field } : key.kind === "param" ? { param: key.key } : { metric: key.key, aggregate: key.aggregate };
  return { ...by, direction: sort.direction };
}

/** The lowest or highest value a run logged for a metric, undefined when it logged none. */
export function metricExtreme(store: BrowsableStore, run: RunId, key: string, which: "min" | "max"): number | undefined {
  const points = store.metricHistory(run, key, { maxPoints: EXTREME_POINTS });
  if (points.length === 0) return undefined;
  let best = (points[0] as { value: number }).value;
  for (const p of points) if (which === "min" ? p.value < best : p.value > best) best = p.value;
  return best;
}

function unique(keys: readonly string[]): string[] {
  return [...new Set(keys)];
}
