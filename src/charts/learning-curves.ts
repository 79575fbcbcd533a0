import type * as PlotModule from "@observablehq/plot";
import { TrackingError } from "../errors";
import type { RunStore } from "../tracking";
import { downsample } from "./downsample";
import { seriesStyle } from "./palette";
import { plotLib } from "./plot";
import { renderPlot } from "./render";
import type { RenderedChart } from "./render";
import { describeSelection, missingMetricError, runLabels, selectionQuery, truncate } from "./run-comparison";
import type { RunSelection } from "./run-comparison";

/** Options of {@link learningCurves}. */
export interface LearningCurvesOptions extends RunSelection {
  /** Without `runs`: the newest this many runs of the selection. Default 10. */
  last?: number;
  /**
   * `false`: the metric as named. `true`: its validation counterpart (`loss` → `val_loss`).
   * `"both"`: training solid and validation dashed. Default: both when the runs logged
   * `val_<metric>` too, else the metric as named.
   */
  validation?: boolean | "both";
  /** The chart's title. Default "Learning curves: METRIC". */
  title?: string;
  /** What a step of the history is, for the x axis. Default `"epoch"`. */
  stepLabel?: string;
  /** At most about this many points per line; longer histories are downsampled, keeping extremes. Default 1000. */
  maxPoints?: number;
  /** The y axis: `"linear"` (default) or `"log"` (for losses spanning orders of magnitude; needs every value above 0). */
  scale?: "linear" | "log";
  /** The x axis: the step (default) or `"time"`, the wall time in seconds since each run's first point of the metric. */
  x?: "step" | "time";
}

/** Beyond this many runs, training and validation go side by side: dashes are then needed to tell runs apart. */
const OVERLAY_MAX_RUNS = 8;
/** Width of the plot area; the legend is added to it, and the whole is at least MIN_WIDTH. */
const PLOT_WIDTH = 550;
const MIN_WIDTH = 760;
/** The legend grows with its labels up to this many characters; longer ones are shortened (the line's tooltip has them whole). */
const LEGEND_MAX_CHARS = 40;
/** Legend width: the swatch and gaps, plus about this many pixels a character of 11px text. */
const LEGEND_PAD = 48;
const LEGEND_CHAR_PX = 6.4;
const LEGEND_ROW = 16;
/** Dash of validation lines drawn over training lines. */
const VALIDATION_DASH = "5,3";

interface Point {
  label: string;
  series: string;
  kind: "train" | "validation";
  step: number;
  value: number;
}

interface LegendEntry {
  text: string;
  color: string;
  dash: string;
  /** A run, or a line style (training, validation). */
  role: "run" | "style";
  x: number;
  y: number;
}

/**
 * A metric's history per step, one line per run: the runs given, or the
 * newest `last` runs of an experiment or filter. Training and validation
 * curves (`loss` and `val_loss`) are drawn together when both were logged,
 * training solid and validation dashed. A legend beside the plot names each
 * run (`#id name`, or `#id` and the parameters that differ among the runs)
 * with its color and dash. Histories longer than
 * `maxPoints` are downsampled, extremes kept. Runs without the metric are
 * left out; if none has it, a `TrackingError` lists the metrics they have.
 *
 * @example
 * ```ts
 * const chart = learningCurves(wb.store, "loss", { experiment: "penguins", last: 5 });
 * // loss solid and val_loss dashed for the five newest runs
 * ```
 */
export function learningCurves(store: RunStore, metric: string, options: LearningCurvesOptions = {}): RenderedChart {
  const Plot = plotLib();
  const last = options.last ?? 10;
  if (!Number.isInteger(last) || last < 1) throw new TrackingError(`invalid last: ${last}; pass a whole number of runs, at least 1`);
  const maxPoints = options.maxPoints ?? 1000;
  if (options.scale !== undefined && options.scale !== "linear" && options.scale !== "log") throw new TrackingError(`invalid scale: ${JSON.stringify(options.scale)}; use "linear" or "log"`);
  if (options.x !== undefined && options.x !== "step" && options.x !== "time") throw new TrackingError(`invalid x: ${JSON.stringify(options.x)}; use "step" or "time"`);
  const byTime = options.x === "time";
  const comparison = store.compareRuns({
    ...selectionQuery(options),
    ...(options.runs === undefined ? { limit: last } : {}),
  });
  const selected = [...comparison.runs].sort((a, b) => a.id - b.id);

  const base = metric.startsWith("val_") ? metric.slice(4) : metric;
  const validationKey = metric.startsWith("val_") ? metric : `val_${metric}`;
  const hasValidation = selected.some((r) => r.metrics[validationKey] !== undefined);
  const both = options.validation === "both" || (options.validation === undefined && !metric.startsWith("val_") && hasValidation);
  const keys: { key: string; kind: Point["kind"] }[] = both
    ? [
        { key: base, kind: "train" },
        { key: validationKey, kind: "validation" },
      ]
    : [{ key: options.validation === true ? validationKey : metric, kind: options.validation === true || metric.startsWith("val_") ? "validation" : "train" }];

  const runs = selected.filter((r) => keys.some((k) => r.metrics[k.key] !== undefined));
  if (runs.length === 0) {
    const [first, ...others] = keys.map((k) => k.key);
    throw missingMetricError(store, first as string, options, others);
  }
  const labels = runLabels(runs);
  const points: Point[] = [];
  runs.forEach((run, i) => {
    for (const { key, kind } of keys) {
      // Thinned in SQLite first (extremes kept), then to the exact budget here.
      const raw = store.metricHistory(run.id, key, { maxPoints: maxPoints * 2 });
      const t0 = raw[0]?.tsMs ?? 0;
      const history = raw.map((p) => ({ x: byTime ? (p.tsMs - t0) / 1000 : p.step, y: p.value }));
      for (const p of downsample(history, maxPoints)) {
        // The series names the run in full: it is the line's tooltip.
        points.push({ label: labels[i] as string, series: `${labels[i]} · ${key}`, kind, step: p.x, value: p.y });
      }
    }
  });

  if (options.scale === "log") {
    const bad = points.find((p) => !(p.value > 0));
    if (bad !== undefined) throw new TrackingError(`a log scale needs values above 0, and ${bad.series} has ${bad.value} at ${byTime ? `${bad.step} s` : `step ${bad.step}`}: use the linear scale`);
  }
  const split = both && runs.length > OVERLAY_MAX_RUNS;
  const runDash = (i: number): string => (split || !both ? seriesStyle(i).dash : "");
  const lineDash = (i: number, kind: Point["kind"]): string => (kind === "validation" && both && !split ? VALIDATION_DASH : runDash(i));
  const drawn = keys.map((k) => k.key);
  const [trainKey, valKey] = drawn;
  const missing = selected.length - runs.length;
  const legendRows = runs.length + (both && !split ? 3 : 0);
  const height = Math.max(360, legendRows * LEGEND_ROW + 90);
  const marginTop = split ? 34 : 28;

  const styleLabels = both && !split ? [`training (${trainKey})`, `validation (${valKey})`] : [];
  const legendChars = Math.min(LEGEND_MAX_CHARS, Math.max(12, ...[...labels, ...styleLabels].map((l) => [...l].length)));
  const legendWidth = Math.round(LEGEND_PAD + legendChars * LEGEND_CHAR_PX);
  const legend: LegendEntry[] = runs.map((_, i) => ({ text: truncate(labels[i] as string, legendChars), color: seriesStyle(i).color, dash: runDash(i), role: "run", x: 0, y: 0 }));
  if (both && !split) {
    legend.push({ text: "", color: "none", dash: "", role: "style", x: 0, y: 0 });
    legend.push({ text: truncate(styleLabels[0] as string, legendChars), color: "#555", dash: "", role: "style", x: 0, y: 0 });
    legend.push({ text: truncate(styleLabels[1] as string, legendChars), color: "#555", dash: VALIDATION_DASH, role: "style", x: 0, y: 0 });
  }
  legend.forEach((e, i) => {
    e.x = 14;
    e.y = marginTop + 6 + i * LEGEND_ROW;
  });

  // One line mark per dash pattern: Plot's dash is a constant, not a channel.
  const groups = new Map<string, Point[]>();
  const runIndex = new Map(labels.map((l, i) => [l, i]));
  for (const p of points) {
    const dash = lineDash(runIndex.get(p.label) ?? 0, p.kind);
    const group = groups.get(dash) ?? [];
    group.push(p);
    groups.set(dash, group);
  }

  const notes = [
    `${runs.length} run${runs.length === 1 ? "" : "s"} of ${describeSelection(options)}`,
    both && !split ? `solid: training (${trainKey}), dashed: validation (${valKey})` : "",
    split ? `training (${trainKey}) left, validation (${valKey}) right` : "",
  ].filter((n) => n !== "");
  const caption = missing > 0 ? `${missing} of the selected runs logged no ${drawn.join(" or ")}: left out.` : undefined;

  return renderPlot({
    title: options.title ?? `Learning curves: ${drawn.join(" and ")}`,
    subtitle: notes.join(" · "),
    ...(caption ? { caption } : {}),
    width: Math.max(MIN_WIDTH, PLOT_WIDTH + legendWidth),
    height,
    marginTop,
    marginLeft: 56,
    marginRight: legendWidth,
    style: { fontSize: "11px" },
    x: { label: byTime ? "seconds since the first point →" : `${options.stepLabel ?? "epoch"} →`, labelAnchor: "center", grid: true },
    y: { label: `↑ ${drawn.join(" / ")}${options.scale === "log" ? " (log)" : ""}`, grid: true, nice: true, ...(options.scale === "log" ? { type: "log" as const } : {}) },
    color: { domain: labels, range: labels.map((_, i) => seriesStyle(i).color) },
    ...(split
      ? { fx: { domain: ["train", "validation"], label: null, axis: "top" as const, tickFormat: (k: string) => (k === "train" ? `training: ${trainKey}` : `validation: ${valKey}`), padding: 0.12 } }
      : {}),
    marks: [
      ...[...groups].map(([dash, rows]) =>
        Plot.line(rows, {
          x: "step",
          y: "value",
          z: "series",
          stroke: "label",
          strokeWidth: 1.6,
          strokeDasharray: dash === "" ? undefined : dash,
          ...(split ? { fx: "kind" } : {}),
          title: "series",
          className: "learning-curve",
        }),
      ),
      ...legendMarks(legend),
    ],
  });
}

/**
 * The legend, in the right margin. Entries are placed in pixels (scale-free
 * channels), x counted from the frame's right edge; with facets it is drawn
 * beside the rightmost one only.
 */
function legendMarks(entries: readonly LegendEntry[]): PlotModule.Markish[] {
  const Plot = plotLib();
  const px = <T>(value: (d: T) => number | string) => ({ value, scale: null });
  const fromRightEdge: PlotModule.RenderFunction = (index, scales, values, dimensions, context, next) => {
    const edge = dimensions.width - dimensions.marginRight;
    const shift = (xs: PlotModule.ChannelValues[string] | undefined) => xs && Array.from(xs as ArrayLike<number>, (x) => edge + x);
    const shifted = { ...values, ...(values.x ? { x: shift(values.x) } : {}), ...(values.x1 ? { x1: shift(values.x1), x2: shift(values.x2) } : {}) };
    return next ? next(index, scales, shifted as PlotModule.ChannelValues, dimensions, context) : null;
  };
  const common = { facetAnchor: "right" as const, render: fromRightEdge };
  const byDash = new Map<string, LegendEntry[]>();
  for (const e of entries.filter((e) => e.color !== "none")) byDash.set(e.dash, [...(byDash.get(e.dash) ?? []), e]);
  return [
    ...[...byDash].map(([dash, group]) =>
      Plot.ruleY(group, {
        y: px((d: LegendEntry) => d.y),
        x1: px((d: LegendEntry) => d.x),
        x2: px((d: LegendEntry) => d.x + 24),
        stroke: px((d: LegendEntry) => d.color),
        strokeWidth: 2,
        strokeDasharray: dash === "" ? undefined : dash,
        className: "legend-swatch",
        ...common,
      }),
    ),
    ...(["run", "style"] as const).map((role) =>
      Plot.text(
        entries.filter((e) => e.text !== "" && e.role === role),
        {
          x: px((d: LegendEntry) => d.x + 30),
          y: px((d: LegendEntry) => d.y),
          text: "text",
          textAnchor: "start",
          fill: role === "run" ? "#222" : "#555",
          className: role === "run" ? "legend-entry" : "legend-line-style",
          ...common,
        },
      ),
    ),
  ];
}
