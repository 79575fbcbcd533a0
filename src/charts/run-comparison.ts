import type * as PlotModule from "@observablehq/plot";
import { TrackingError } from "../errors";
import { metricMode } from "../util";
import type { ComparedRun, RunStore, RunFilter, RunId, RunQuery } from "../tracking";
import { HIGHLIGHT } from "./palette";
import { plotLib } from "./plot";
import { renderPlot } from "./render";
import type { RenderedChart } from "./render";

/** Which runs a chart of runs looks at. */
export interface RunSelection {
  /** These runs, by id. */
  runs?: readonly RunId[];
  /** The runs of this experiment. */
  experiment?: string;
  /** Runs matching a filter: an expression (`params.model = "mlp"`) or a filter object. */
  filter?: RunFilter;
}

/** Options of {@link runComparison}. */
export interface RunComparisonOptions extends RunSelection {
  /** At most this many runs, the best ones. Default 20. */
  limit?: number;
  /** The chart's title. Default "METRIC: final value by run". */
  title?: string;
  /** Whether higher (`"max"`) or lower (`"min"`) is better. Default: min for names with loss, error, mae, mse or rmse, else max. */
  mode?: "max" | "min";
}

/** Longest run label on an axis or in a legend, in characters. */
export const MAX_LABEL_CHARS = 30;

/**
 * A final metric per run as horizontal bars, best first: the best bar is
 * highlighted and labelled, each bar ends with its value, and runs read
 * `#id name` (or `#id` and the parameters that differ) on the y axis. Runs without the metric are left out.
 *
 * @example
 * ```ts
 * const chart = runComparison(wb.store, "val_loss", { experiment: "penguins" });
 * writeFileSync("val-loss.html", chart.html);
 * ```
 */
export function runComparison(store: RunStore, metric: string, options: RunComparisonOptions = {}): RenderedChart {
  const Plot = plotLib();
  const mode = options.mode ?? metricMode(metric);
  const limit = options.limit ?? 20;
  if (!Number.isInteger(limit) || limit < 1) throw new TrackingError(`invalid limit: ${limit}; pass a whole number of runs, at least 1`);
  const query = selectionQuery(options);
  // Sorted in SQL: runs without the metric come last, so the page holds the best runs that have it.
  const comparison = store.compareRuns({ ...query, metrics: [metric], orderBy: { metric, direction: mode === "min" ? "asc" : "desc" }, limit });
  const ranked = comparison.runs.filter((r) => r.metrics[metric] !== undefined);
  if (ranked.length === 0) throw missingMetricError(store, metric, options);

  const format = valueFormat(ranked.map((r) => r.metrics[metric] as number));
  const names = runLabels(ranked);
  const rows = ranked.map((r, i) => {
    const value = r.metrics[metric] as number;
    const name = names[i] as string;
    return { label: truncate(name, MAX_LABEL_CHARS), name, value, best: i === 0, text: i === 0 ? `${format(value)}  ◀ best` : format(value) };
  });
  const labels = rows.map((r) => r.label);
  const longest = Math.max(...labels.map((l) => l.length));
  const valueChars = Math.max(...rows.map((r) => r.text.length));
  const negative = rows.some((r) => r.value < 0);
  const lacking = comparison.runs.length - ranked.length;
  const shown =
    comparison.total > comparison.runs.length
      ? `the best ${ranked.length} of ${comparison.total} runs`
      : `${ranked.length} run${ranked.length === 1 ? "" : "s"}${lacking > 0 ? ` (${lacking} without ${metric} left out)` : ""}`;
  const best = rows[0] as (typeof rows)[number];
  return renderPlot({
    title: options.title ?? `${metric}: final value by run`,
    subtitle: `${shown} of ${describeSelection(options)}, ${mode === "min" ? "lower" : "higher"} is better · best: ${best.label} (${format(best.value)})`,
    width: 720,
    height: 24 * rows.length + 60,
    marginLeft: Math.min(230, 16 + 6.2 * longest),
    // Room for the value after the longest bar, and before the shortest when values are negative.
    marginRight: 14 + 6.5 * valueChars,
    style: { fontSize: "11px" },
    x: { label: `${metric} →`, labelAnchor: "center", grid: true, nice: true, zero: true, insetLeft: negative ? 6.5 * valueChars : 0 },
    y: { domain: labels, label: null, padding: 0.25 },
    marks: [
      Plot.barX(rows, {
        x: "value",
        y: "label",
        fill: (d: Row) => (d.best ? HIGHLIGHT.best : HIGHLIGHT.other),
        className: "run-bar",
        title: (d: Row) => `${d.name}: ${metric} = ${d.value}`,
      }),
      Plot.ruleX([0], { stroke: "#333" }),
      ...valueLabels(rows),
    ],
  });
}

/** A bar: `label` for the axis (shortened), `name` in full for the tooltip. */
type Row = { label: string; name: string; value: number; best: boolean; text: string };

/** The value at the end of each bar: after it, or before it for negative values; the best one bold. */
function valueLabels(rows: readonly Row[]): PlotModule.Markish[] {
  const Plot = plotLib();
  return [true, false].flatMap((best) =>
    [true, false].map((positive) =>
      Plot.text(
        rows.filter((r) => r.best === best && r.value >= 0 === positive),
        {
          x: "value",
          y: "label",
          text: "text",
          textAnchor: positive ? "start" : "end",
          dx: positive ? 5 : -5,
          fill: best ? "#00603f" : "#333",
          fontWeight: best ? "bold" : "normal",
          className: "run-value",
        },
      ),
    ),
  );
}

// ——— Shared by the charts of runs (learning curves, parameter plots). Not public API. ———

/** Whether lower or higher is better for a metric: util's one rule, which charts re-export. */
export { metricMode };

/** A run as people name it: `#12 baseline`, shortened with an ellipsis past `max` characters. @internal */
export function runLabel(run: Pick<ComparedRun, "id" | "name">, max = MAX_LABEL_CHARS): string {
  return truncate(run.name ? `#${run.id} ${run.name}` : `#${run.id}`, max);
}

/**
 * Labels that tell runs apart, in full: `#12 baseline` for a named run, else
 * `#12` followed by the parameters whose values differ among `runs`
 * (`#12 hidden=16 lr=0.01`). @internal
 */
export function runLabels(runs: readonly Pick<ComparedRun, "id" | "name" | "params">[]): string[] {
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort();
  const shown = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v) ?? "unset");
  const differing = keys.filter((k) => new Set(runs.map((r) => shown(r.params[k]))).size > 1);
  return runs.map((r) => {
    if (r.name) return runLabel(r, Infinity);
    return [`#${r.id}`, ...differing.filter((k) => k in r.params).map((k) => `${k}=${shown(r.params[k])}`)].join(" ");
  });
}

/** `text` cut to `max` characters, the last one an ellipsis. @internal */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(1, max - 1)).join("")}…`;
}

/** The store query of a chart's run selection. @internal */
export function selectionQuery(selection: RunSelection): RunQuery {
  const query: RunQuery = {};
  if (selection.runs !== undefined) query.ids = selection.runs;
  if (selection.experiment !== undefined) query.experiment = selection.experiment;
  if (selection.filter !== undefined) query.filter = selection.filter;
  return query;
}

/** The selection in words, for subtitles and errors: `experiment "sweep"`, `runs #1, #2`. @internal */
export function describeSelection(selection: RunSelection): string {
  const parts: string[] = [];
  if (selection.runs !== undefined) {
    const ids = selection.runs.slice(0, 6).map((id) => `#${id}`).join(", ");
    parts.push(`run${selection.runs.length === 1 ? "" : "s"} ${ids}${selection.runs.length > 6 ? ", …" : ""}`);
  }
  if (selection.experiment !== undefined) parts.push(`experiment ${JSON.stringify(selection.experiment)}`);
  if (selection.filter !== undefined) {
    parts.push(`filter ${typeof selection.filter === "string" ? selection.filter : JSON.stringify(selection.filter)}`);
  }
  return parts.length === 0 ? "all experiments" : parts.join(", ");
}

/**
 * The error for a metric that no selected run has: it names the metric and
 * lists the metrics the runs do have.
 * @internal
 */
export function missingMetricError(store: RunStore, metric: string, selection: RunSelection, also: readonly string[] = []): TrackingError {
  const selected = store.compareRuns({ ...selectionQuery(selection), params: [], limit: 1000 });
  const where = describeSelection(selection);
  if (selected.runs.length === 0) {
    return new TrackingError(`no runs in ${where}: check the experiment name, the run ids or the filter`);
  }
  const wanted = [metric, ...also].map((m) => JSON.stringify(m)).join(" or ");
  const have = selected.metrics.length === 0 ? "none (no metrics were logged)" : selected.metrics.join(", ");
  return new TrackingError(`no run in ${where} has metric ${wanted}; their metrics are: ${have}. Pass one of these names`);
}

/**
 * A number formatter with just enough significant digits (3 to 6) to tell
 * the given values apart.
 * @internal
 */
export function valueFormat(values: readonly number[]): (value: number) => string {
  const distinct = new Set(values).size;
  for (let digits = 3; digits <= 6; digits++) {
    const format = (v: number): string => String(Number(v.toPrecision(digits)));
    if (new Set(values.map(format)).size === distinct) return format;
  }
  return (v) => String(Number(v.toPrecision(6)));
}
