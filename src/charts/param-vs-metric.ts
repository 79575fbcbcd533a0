import { TrackingError } from "../errors";
import type { ComparedRun, RunStore, ParamValue } from "../tracking";
import { HIGHLIGHT, OKABE_ITO } from "./palette";
import { plotLib } from "./plot";
import { renderPlot } from "./render";
import type { RenderedChart } from "./render";
import { metricMode } from "../util";
import { describeSelection, missingMetricError, runLabel, selectionQuery, truncate, valueFormat } from "./run-comparison";
import type { RunSelection } from "./run-comparison";

/** Options of {@link paramVsMetric}. */
export interface ParamVsMetricOptions extends RunSelection {
  /** The parameters to plot against, in this order. Default: every parameter that differs across the runs. */
  params?: readonly string[];
  /** Whether higher (`"max"`) or lower (`"min"`) is better, for marking the best run. Default: from the metric's name, as in `runComparison`. */
  mode?: "max" | "min";
  /** At most this many runs, the newest. Default 1000. */
  limit?: number;
  /** The chart's title. Default "METRIC by parameter". */
  title?: string;
}

const WIDTH = 760;
const MAX_COLUMNS = 4;
const PANEL_HEIGHT = 190;
/** Width of one character of 10px tick text, roughly, for keeping labels apart. */
const CHAR_PX = 6;

/**
 * A final metric against each parameter, one panel per parameter and one dot
 * per run, the best run a star. Numeric parameters sit on a linear axis, or a
 * log axis when they span two orders of magnitude or more (learning rates);
 * other values are categories. Parameters with the same value in every run
 * are left out, and the subtitle names them.
 *
 * @example
 * ```ts
 * const chart = paramVsMetric(wb.store, "val_accuracy", { experiment: "penguins", params: ["lr", "hidden"] });
 * ```
 */
export function paramVsMetric(store: RunStore, metric: string, options: ParamVsMetricOptions = {}): RenderedChart {
  const Plot = plotLib();
  const mode = options.mode ?? metricMode(metric);
  const comparison = store.compareRuns({
    ...selectionQuery(options),
    metrics: [metric],
    ...(options.params ? { params: options.params } : {}),
    limit: options.limit ?? 1000,
  });
  const runs = comparison.runs.filter((r) => r.metrics[metric] !== undefined);
  if (runs.length === 0) throw missingMetricError(store, metric, options);
  const names = options.params ?? comparison.params;
  const unknown = names.filter((p) => runs.every((r) => r.params[p] === undefined));
  if (options.params && unknown.length > 0) {
    const known = store.compareRuns({ ...selectionQuery(options), metrics: [], limit: options.limit ?? 1000 }).params;
    throw new TrackingError(
      `no run in ${describeSelection(options)} with metric "${metric}" has param ${unknown.map((p) => JSON.stringify(p)).join(", ")}; their params are: ${known.join(", ") || "none"}`,
    );
  }

  const constant: string[] = [];
  const axes: ParamAxis[] = [];
  for (const name of names) {
    const values = runs.map((r) => r.params[name]);
    if (values.every((v) => v !== undefined && paramText(v) === paramText(values[0] as ParamValue))) {
      constant.push(`${name} = ${paramText(values[0] as ParamValue)}`);
      continue;
    }
    axes.push(paramAxis(name, values, { padded: true }));
  }
  if (axes.length === 0) {
    throw new TrackingError(
      `the runs of ${describeSelection(options)} do not differ in ${options.params ? "these params" : "any param"} (${constant.join(", ") || "none logged"}): there is nothing to plot ${metric} against; pick runs with different params`,
    );
  }

  const columns = Math.min(axes.length, MAX_COLUMNS);
  const rows = Math.ceil(axes.length / columns);
  const marginLeft = 60;
  const marginRight = 16;
  const fxPadding = 0.14;
  // Room between rows for the panel titles and tick labels; d3 would take it from a lone row too.
  const rowPadding = rows === 1 ? 0 : 0.3;
  const panelWidth = ((WIDTH - marginLeft - marginRight) / columns) * (1 - fxPadding);
  const best = pickBest(runs, metric, mode);
  const format = valueFormat(runs.map((r) => r.metrics[metric] as number));

  const dots: Dot[] = [];
  const ticks: { col: number; row: number; position: number; label: string }[] = [];
  const panels = axes.map((axis, i) => ({ col: i % columns, row: Math.floor(i / columns), title: truncate(`${axis.name}${axis.kind === "log" ? " (log scale)" : ""}`, Math.floor(panelWidth / 6.5)) }));
  axes.forEach((axis, i) => {
    const { col, row } = panels[i] as (typeof panels)[number];
    for (const t of spaced(axis.ticks, panelWidth)) ticks.push({ col, row, ...t });
    const placed = runs.flatMap((run) => {
      const value = run.params[axis.name];
      const position = value === undefined ? undefined : axis.position(value);
      return position === undefined ? [] : [{ run, position, text: paramText(value as ParamValue) }];
    });
    for (const p of spreadTies(placed, axis)) {
      const value = p.run.metrics[metric] as number;
      dots.push({
        col,
        row,
        x: p.position,
        value,
        best: p.run.id === best.id,
        tip: `${runLabel(p.run, Infinity)}\n${axis.name} = ${p.text}\n${metric} = ${format(value)}`,
      });
    }
  });

  const notes = [
    `${runs.length} run${runs.length === 1 ? "" : "s"} of ${describeSelection(options)}`,
    `★ best (${mode === "min" ? "lowest" : "highest"} ${metric}): ${runLabel(best)}, ${format(best.metrics[metric] as number)}`,
    constant.length > 0 ? `same in every run, not shown: ${constant.join(", ")}` : "",
  ].filter((n) => n !== "");

  const facet = { fx: "col", fy: "row" } as const;
  // When every run scores the same, widen the y domain around that value: a collapsed
  // domain gives one long tick label (0.976744) that runs into the axis label.
  const values = dots.map((d) => d.value);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const pad = lo === hi ? Math.max(Math.abs(lo) * 0.01, 1e-3) : 0;
  const yDomain = pad > 0 ? { domain: [lo - pad, hi + pad] } : {};
  return renderPlot({
    title: options.title ?? `${metric} by parameter`,
    subtitle: notes.join(" · "),
    width: WIDTH,
    // A band scale of n rows with inner padding p has bands of height H (1 - p) / (n - p).
    height: Math.round((PANEL_HEIGHT * (rows - rowPadding)) / (1 - rowPadding)) + 34 + 30,
    marginTop: 34,
    marginBottom: 30,
    marginLeft,
    marginRight,
    style: { fontSize: "11px" },
    fx: { axis: null, domain: Array.from({ length: columns }, (_, i) => i), padding: fxPadding },
    fy: { axis: null, domain: Array.from({ length: rows }, (_, i) => i), paddingInner: rowPadding, paddingOuter: 0 },
    x: { axis: null, domain: [0, 1] },
    // Inset: dots at the lowest and highest values stay clear of the panel's frame.
    y: { label: `↑ ${metric}`, grid: true, nice: true, inset: 10, labelAnchor: "center", labelArrow: "none", ...yDomain },
    marks: [
      Plot.frame({ stroke: "#ccc" }),
      Plot.ruleX(ticks, { x: "position", ...facet, stroke: "#000", strokeOpacity: 0.08 }),
      Plot.text(ticks, { x: "position", ...facet, text: "label", frameAnchor: "bottom", lineAnchor: "top", dy: 5, fill: "#333", className: "param-tick" }),
      Plot.text(panels, { ...facet, text: "title", frameAnchor: "top", lineAnchor: "bottom", dy: -6, fontWeight: "bold", fontSize: 11, className: "param-title" }),
      Plot.dot(
        dots.filter((d) => !d.best),
        { x: "x", y: "value", ...facet, r: 4, fill: OKABE_ITO[4], fillOpacity: 0.7, stroke: "white", strokeWidth: 0.5, title: "tip", className: "run-dot" },
      ),
      Plot.dot(
        dots.filter((d) => d.best),
        { x: "x", y: "value", ...facet, r: 7.5, symbol: "star", fill: HIGHLIGHT.best, stroke: "#222", strokeWidth: 1, title: "tip", className: "best-run" },
      ),
    ],
  });
}

interface Dot {
  col: number;
  row: number;
  x: number;
  value: number;
  best: boolean;
  tip: string;
}

function pickBest(runs: readonly ComparedRun[], metric: string, mode: "min" | "max"): ComparedRun {
  return runs.reduce((a, b) => {
    const va = a.metrics[metric] as number;
    const vb = b.metrics[metric] as number;
    return (mode === "min" ? vb < va : vb > va) ? b : a;
  });
}

/** Runs with the same position on an axis, spread a little sideways so each dot shows. */
function spreadTies<T extends { position: number }>(placed: readonly T[], axis: ParamAxis): T[] {
  const groups = new Map<number, T[]>();
  for (const p of placed) groups.set(p.position, [...(groups.get(p.position) ?? []), p]);
  const room = axis.kind === "category" ? 0.5 / Math.max(1, axis.ticks.length) : 0.08;
  return [...groups.values()].flatMap((group) => {
    const spread = Math.min(room, 0.025 * (group.length - 1));
    return group.map((p, i) => ({ ...p, position: p.position + (group.length === 1 ? 0 : -spread / 2 + (spread * i) / (group.length - 1)) }));
  });
}

/** Tick labels that do not run into each other at this width, in pixels: a greedy pick left to right. */
function spaced(ticks: readonly Tick[], width: number): Tick[] {
  const kept: Tick[] = [];
  const fit = Math.max(3, Math.floor(width / Math.max(1, ticks.length) / CHAR_PX));
  const labelled = ticks.map((t) => ({ ...t, label: truncate(t.label, Math.max(fit, 6)) }));
  for (const t of labelled) {
    const prev = kept[kept.length - 1];
    if (!prev || (t.position - prev.position) * width >= ((prev.label.length + t.label.length) / 2) * CHAR_PX + 6) kept.push(t);
  }
  return kept;
}

// ——— Parameter axes, shared with parallel coordinates. Not public API. ———

/** A tick of a parameter axis: its position in [0, 1] and its label. @internal */
export interface Tick {
  position: number;
  label: string;
}

/**
 * How a parameter's values map to [0, 1]: `log` for positive numbers spanning
 * two orders of magnitude or more, `linear` for other numbers, `category` for
 * anything else (strings, booleans, JSON), spaced evenly in a natural order.
 * @internal
 */
export interface ParamAxis {
  name: string;
  kind: "log" | "linear" | "category";
  /** The value's position in [0, 1], or undefined for a value this axis does not hold. */
  position(value: ParamValue): number | undefined;
  ticks: Tick[];
  min?: number;
  max?: number;
}

/**
 * The axis of a parameter from the values the runs have (undefined: a run
 * without it). `padded` keeps positions off the ends (for dots); otherwise
 * the lowest value is at 0 and the highest at 1 (for parallel coordinates).
 * @internal
 */
export function paramAxis(name: string, values: ReadonlyArray<ParamValue | undefined>, options: { padded: boolean }): ParamAxis {
  const present = values.filter((v): v is ParamValue => v !== undefined);
  const numeric = present.length > 0 && present.every((v) => typeof v === "number" && Number.isFinite(v));
  const place = (t: number): number => (options.padded ? 0.06 + 0.88 * t : t);
  if (numeric) {
    const numbers = present as number[];
    const min = Math.min(...numbers);
    const max = Math.max(...numbers);
    const kind = min > 0 && max / min >= 100 ? "log" : "linear";
    const f = kind === "log" ? Math.log10 : (v: number) => v;
    const span = f(max) - f(min);
    const position = (v: ParamValue): number | undefined => (typeof v === "number" ? place(span === 0 ? 0.5 : (f(v) - f(min)) / span) : undefined);
    const distinct = [...new Set(numbers)].sort((a, b) => a - b);
    const tickValues = distinct.length <= 6 ? distinct : kind === "log" ? logTicks(min, max) : linearTicks(min, max);
    return { name, kind, position, ticks: tickValues.map((v) => ({ position: position(v) as number, label: formatNumber(v) })), min, max };
  }
  const categories = [...new Set(present.map(paramText))].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  const index = new Map(categories.map((c, i) => [c, i]));
  const k = categories.length;
  const position = (v: ParamValue): number | undefined => {
    const i = index.get(paramText(v));
    if (i === undefined) return undefined;
    return options.padded ? (i + 0.5) / k : k === 1 ? 0.5 : i / (k - 1);
  };
  return { name, kind: "category", position, ticks: categories.map((c) => ({ position: position(c) as number, label: c })) };
}

/** A parameter value as text: strings as they are, anything else as JSON. @internal */
export function paramText(value: ParamValue): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** A number in few characters: `0.001`, `1e-5`, `2.5e+6`, `16`. @internal */
export function formatNumber(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2).replace(/\.?0+e/, "e");
  return String(Number(v.toPrecision(4)));
}

function linearTicks(min: number, max: number): number[] {
  const raw = (max - min) / 4;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function logTicks(min: number, max: number): number[] {
  const out: number[] = [];
  for (let e = Math.ceil(Math.log10(min) - 1e-9); e <= Math.floor(Math.log10(max) + 1e-9); e++) out.push(Number((10 ** e).toPrecision(12)));
  return out.length >= 2 ? out : [min, max];
}
