import { TrackingError } from "../errors";
import type { RunStore, ParamValue } from "../tracking";
import { SEQUENTIAL_SCHEME } from "./palette";
import { paramAxis, formatNumber } from "./param-vs-metric";
import type { ParamAxis } from "./param-vs-metric";
import { plotLib } from "./plot";
import { renderPlot } from "./render";
import type { RenderedChart } from "./render";
import { metricMode } from "../util";
import { describeSelection, missingMetricError, runLabel, selectionQuery, truncate, valueFormat } from "./run-comparison";
import type { RunSelection } from "./run-comparison";

/** Options of {@link parallelCoordinates}. */
export interface ParallelCoordinatesOptions extends RunSelection {
  /** Parameter axes, left to right. Default: every parameter that differs across the runs. */
  params?: readonly string[];
  /**
   * Metric axes, after the parameters; lines are colored by the first. Default: every final
   * metric that differs across the runs, test_* first, then val_*, then the others.
   */
  metrics?: readonly string[];
  /** Whether higher or lower is better for the first metric (darker lines are better). Default: from its name. */
  mode?: "max" | "min";
  /** At most this many runs, the newest. Default 200. */
  limit?: number;
  /** The chart's title. Default "Parameters and metrics of N runs". */
  title?: string;
}

const WIDTH = 760;
const HEIGHT = 440;
/** Width of a character of the bold 11px axis names, roughly. */
const CHAR_PX = 7;

interface AxisRow {
  i: number;
  name: string;
  metric: boolean;
  axis: ParamAxis;
  top: string;
  bottom: string;
  dy: number;
}

/**
 * Runs as lines across one vertical axis per parameter and metric: each axis
 * spans its own range (lowest value at the bottom, highest at the top, both
 * labelled; categories spaced evenly and named; log scale for values spanning
 * two orders of magnitude), and each run is a line colored by the first
 * metric, darker for better, with a color legend. The best run is drawn
 * thicker. Shows at a glance which parameter values go with good metrics.
 *
 * @example
 * ```ts
 * const chart = parallelCoordinates(wb.store, { experiment: "penguins", metrics: ["val_accuracy", "val_loss"] });
 * ```
 */
export function parallelCoordinates(store: RunStore, options: ParallelCoordinatesOptions = {}): RenderedChart {
  const Plot = plotLib();
  const comparison = store.compareRuns({
    ...selectionQuery(options),
    ...(options.params ? { params: options.params } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    limit: options.limit ?? 200,
  });
  if (comparison.runs.length === 0) throw new TrackingError(`no runs in ${describeSelection(options)}: check the experiment name, the run ids or the filter`);
  const params = options.params ? [...options.params] : comparison.differing.params.filter((p) => comparison.runs.some((r) => r.params[p] !== undefined));
  const metrics = options.metrics ? [...options.metrics] : defaultMetricOrder(comparison.differing.metrics);
  const first = metrics[0];
  if (first === undefined) {
    throw new TrackingError(
      `the runs of ${describeSelection(options)} have no metric that differs between them (${comparison.metrics.join(", ") || "none logged"}); pass metrics: [...] to choose some`,
    );
  }
  if (!comparison.runs.some((r) => r.metrics[first] !== undefined)) throw missingMetricError(store, first, options);
  const mode = options.mode ?? metricMode(first);
  const constant = options.params ? [] : comparison.params.filter((p) => !params.includes(p));

  const spacing = (WIDTH - 150) / Math.max(1, params.length + metrics.length - 1);
  const axes: AxisRow[] = [...params.map((name) => ({ name, metric: false })), ...metrics.map((name) => ({ name, metric: true }))].map(({ name, metric }, i) => {
    const values = comparison.runs.map((r): ParamValue | undefined => (metric ? r.metrics[name] : r.params[name]));
    const axis = paramAxis(name, values, { padded: false });
    const numeric = axis.kind !== "category";
    // Enough digits to tell the two ends apart, no more.
    const format = numeric && axis.min !== undefined && axis.max !== undefined ? valueFormat([axis.min, axis.max]) : String;
    const label = truncate(`${name}${axis.kind === "log" ? " (log)" : ""}`, Math.max(8, Math.floor((2 * spacing) / CHAR_PX) - 1));
    return {
      i,
      name: label,
      metric,
      axis,
      top: numeric && axis.max !== undefined ? (axis.kind === "log" ? formatNumber(axis.max) : format(axis.max)) : "",
      bottom: numeric && axis.min !== undefined ? (axis.kind === "log" ? formatNumber(axis.min) : format(axis.min)) : "",
      dy: -22,
    };
  });
  // When names would run into their neighbours, every other one goes up a line.
  const crowded = axes.some((a, i) => i > 0 && ((a.name.length + (axes[i - 1] as AxisRow).name.length) / 2) * CHAR_PX + 6 > spacing);
  if (crowded) for (const a of axes) if (a.i % 2 === 1) a.dy = -34;

  const best = comparison.runs
    .filter((r) => r.metrics[first] !== undefined)
    .reduce((a, b) => ((mode === "min" ? (b.metrics[first] as number) < (a.metrics[first] as number) : (b.metrics[first] as number) > (a.metrics[first] as number)) ? b : a));
  // Better runs are drawn last, on top.
  const ordered = [...comparison.runs].sort((a, b) => rank(a.metrics[first]) - rank(b.metrics[first]));
  function rank(v: number | undefined): number {
    return v === undefined ? -Infinity : mode === "min" ? -v : v;
  }
  const lines = ordered.flatMap((run) =>
    axes.map((a) => {
      const value = a.metric ? run.metrics[a.axis.name] : run.params[a.axis.name];
      return { run: run.id, label: runLabel(run, Infinity), i: a.i, y: value === undefined ? undefined : a.axis.position(value), color: run.metrics[first], best: run.id === best.id };
    }),
  );
  const categories = axes.flatMap((a) => (a.axis.kind === "category" ? a.axis.ticks.map((t) => ({ i: a.i, y: t.position, label: truncate(t.label, 14) })) : []));
  const format = valueFormat(comparison.runs.flatMap((r) => (r.metrics[first] === undefined ? [] : [r.metrics[first] as number])));

  const notes = [
    `${comparison.runs.length} run${comparison.runs.length === 1 ? "" : "s"} of ${describeSelection(options)}`,
    `color: ${first}, darker is better`,
    `thick line: the best run, ${runLabel(best)} (${format(best.metrics[first] as number)})`,
  ];
  const caption = constant.length > 0 ? `Same in every run, not shown: ${constant.join(", ")}.` : undefined;

  return renderPlot({
    title: options.title ?? `Parameters and metrics of ${comparison.runs.length} run${comparison.runs.length === 1 ? "" : "s"}`,
    subtitle: notes.join(" · "),
    ...(caption ? { caption } : {}),
    width: WIDTH,
    height: HEIGHT,
    marginTop: 54,
    marginBottom: 28,
    marginLeft: 75,
    marginRight: 75,
    style: { fontSize: "11px" },
    x: { axis: null, domain: [0, Math.max(1, axes.length - 1)] },
    y: { axis: null, domain: [0, 1] },
    // Quantized: a continuous ramp legend needs a canvas, which a server-side DOM lacks.
    color: {
      type: "quantize",
      range: mode === "min" ? [...colorSteps()].reverse() : colorSteps(),
      unknown: "#bbb",
      legend: true,
      label: `${first} (${mode === "min" ? "lower" : "higher"} is better)`,
      // Three digits: six thresholds share the legend's 240 pixels.
      tickFormat: (v: number) => formatNumber(Number(v.toPrecision(3))),
    },
    marks: [
      Plot.ruleX(axes, { x: "i", y1: 0, y2: 1, stroke: "#444", strokeWidth: 1, className: "pc-axis" }),
      Plot.line(
        lines.filter((d) => !d.best),
        { x: "i", y: "y", z: "run", stroke: "color", strokeWidth: 1.4, strokeOpacity: 0.9, title: "label", className: "run-line" },
      ),
      // The best run on top, with a white halo so it stands out from its neighbours.
      Plot.line(
        lines.filter((d) => d.best),
        { x: "i", y: "y", z: "run", stroke: "white", strokeWidth: 6, className: "best-run-halo" },
      ),
      Plot.line(
        lines.filter((d) => d.best),
        { x: "i", y: "y", z: "run", stroke: "color", strokeWidth: 3.5, title: "label", className: "run-line best-run" },
      ),
      ...[-22, -34].map((dy) =>
        Plot.text(
          axes.filter((a) => a.dy === dy),
          { x: "i", y: 1, text: "name", dy, fontWeight: "bold", fill: "#111", className: "pc-axis-name" },
        ),
      ),
      Plot.text(axes, { x: "i", y: 1, text: "top", dy: -9, fill: "#333", className: "pc-axis-max" }),
      Plot.text(axes, { x: "i", y: 0, text: "bottom", dy: 11, fill: "#333", className: "pc-axis-min" }),
      Plot.text(categories, { x: "i", y: "y", text: "label", textAnchor: "end", dx: -5, fill: "#333", stroke: "white", strokeWidth: 3, paintOrder: "stroke", className: "pc-category" }),
    ],
  });
}

/** Seven steps of the sequential scheme, the lightest blues left out: they vanish on white. */
function colorSteps(): string[] {
  const ramp = plotLib().scale({ color: { type: "linear", scheme: SEQUENTIAL_SCHEME, domain: [0, 1], range: [0.3, 1] } });
  return Array.from({ length: 7 }, (_, i) => String(ramp.apply(i / 6)));
}

/** Held-out metrics first: test_*, then val_*, then the rest, each alphabetical. */
function defaultMetricOrder(metrics: readonly string[]): string[] {
  const group = (m: string): number => (m.startsWith("test_") ? 0 : m.startsWith("val_") ? 1 : 2);
  return [...metrics].sort((a, b) => group(a) - group(b) || a.localeCompare(b));
}
