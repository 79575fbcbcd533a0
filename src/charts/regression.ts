import { DataError } from "../errors";
import type { RegressionReport } from "../ml/evaluate";
import { shuffled } from "../ml/random";
import { OKABE_ITO } from "./palette";
import { plotLib } from "./plot";
import { renderPlot } from "./render";
import type { RenderedChart } from "./render";

/** Options of {@link residuals} and {@link predictedVsActual}. */
export interface RegressionChartOptions {
  /** The target's name, for the axis labels ("Miles_per_Gallon"). Default "value". */
  target?: string;
  /** The chart's title. Default "Residuals" or "Predicted vs actual". */
  title?: string;
  /**
   * At most this many dots (default 5,000). Beyond, a random sample is drawn
   * (seeded: the same sample every time) and the subtitle says so; metrics
   * and the trend line still use every sample.
   */
  maxPoints?: number;
}

interface Sample {
  actual: number;
  predicted: number;
  residual: number;
}

const DOTS = OKABE_ITO[4];
const TREND = OKABE_ITO[5];
const DEFAULT_MAX_POINTS = 5000;
/** The side of the square plotting area of predicted vs actual, in pixels. */
const SIDE = 460;
const SQUARE_MARGIN = { top: 20, right: 20, bottom: 44, left: 56 };

/**
 * A regressor's residuals (actual − predicted) against its predictions, with
 * the zero line and the mean residual over bins of predictions: a trend away
 * from zero shows where the model is biased, a funnel shows errors growing
 * with the prediction. MAE, RMSE and R² are in the subtitle.
 *
 * @example
 * ```ts
 * const report = evaluate(model, xTest, yTest);
 * residuals(report, { target: "Miles_per_Gallon" });
 * ```
 */
export function residuals(report: RegressionReport, options: RegressionChartOptions = {}): RenderedChart {
  const { all, shown, note } = samples(report, options, "residuals");
  const Plot = plotLib();
  const target = options.target ?? "value";
  const bins = binnedMeans(all);
  const reach = all.reduce((m, s) => Math.max(m, Math.abs(s.residual)), 1e-9) * 1.05;
  const series = ["sample", "mean residual per bin"];
  return renderPlot({
    title: options.title ?? "Residuals",
    subtitle: subtitle(report, all.length, shown.length),
    caption: [`Bins of about ${Math.round(all.length / Math.max(1, bins.length))} samples each, by predicted ${target}.`, note].filter(Boolean).join(" "),
    width: 640,
    height: 420,
    marginLeft: 56,
    marginBottom: 40,
    style: { fontSize: "11px" },
    x: { label: `Predicted ${target}`, nice: true, grid: true },
    // Symmetric around zero, so that a bias reads as asymmetry.
    y: { label: `Residual (actual − predicted ${target})`, domain: [-reach, reach], nice: true, grid: true },
    color: { domain: series, range: [DOTS, TREND], legend: true },
    marks: [
      Plot.ruleY([0], { stroke: "#333", strokeWidth: 1.2 }),
      Plot.dot(shown, { x: "predicted", y: "residual", fill: () => series[0], r: dotRadius(shown.length), fillOpacity: dotOpacity(shown.length), title: tooltip(target) }),
      Plot.line(bins, { x: "predicted", y: "residual", stroke: () => series[1], strokeWidth: 2.5 }),
      Plot.dot(bins, { x: "predicted", y: "residual", fill: () => series[1], stroke: "white", r: 3.5 }),
    ],
  });
}

/**
 * A regressor's predictions against the actual values, on equal scales, with
 * the identity line where a perfect model's dots would lie. MAE, RMSE and R²
 * are in the subtitle.
 *
 * @example
 * ```ts
 * const report = evaluate(model, xTest, yTest);
 * predictedVsActual(report, { target: "Miles_per_Gallon" });
 * ```
 */
export function predictedVsActual(report: RegressionReport, options: RegressionChartOptions = {}): RenderedChart {
  const { all, shown, note } = samples(report, options, "predictedVsActual");
  const Plot = plotLib();
  const target = options.target ?? "value";
  // Loops, not Math.min(...values): spreading a million values overflows the stack.
  let lo = all.reduce((m, s) => Math.min(m, s.actual, s.predicted), Number.POSITIVE_INFINITY);
  let hi = all.reduce((m, s) => Math.max(m, s.actual, s.predicted), Number.NEGATIVE_INFINITY);
  if (hi === lo) [lo, hi] = [lo - 1, hi + 1];
  const pad = (hi - lo) * 0.03;
  const domain: [number, number] = [lo - pad, hi + pad];
  const identity = [{ v: domain[0] }, { v: domain[1] }];
  return renderPlot({
    title: options.title ?? "Predicted vs actual",
    subtitle: subtitle(report, all.length, shown.length),
    ...(note ? { caption: note } : {}),
    // Equal scales: the same domain on both axes, and a square plotting area.
    width: SIDE + SQUARE_MARGIN.left + SQUARE_MARGIN.right,
    height: SIDE + SQUARE_MARGIN.top + SQUARE_MARGIN.bottom,
    marginLeft: SQUARE_MARGIN.left,
    marginRight: SQUARE_MARGIN.right,
    marginTop: SQUARE_MARGIN.top,
    marginBottom: SQUARE_MARGIN.bottom,
    style: { fontSize: "11px" },
    // The same ticks on both axes, too (Plot would put more on y by default).
    x: { label: `Actual ${target}`, domain, grid: true, ticks: SIDE / 60 },
    y: { label: `Predicted ${target}`, domain, grid: true, ticks: SIDE / 60 },
    marks: [
      Plot.frame({ stroke: "#ccc" }),
      Plot.line(identity, { x: "v", y: "v", stroke: "#777", strokeDasharray: "5,4" }),
      // Along the line, just below it: 16 px back from its end, 13 px off it.
      Plot.text([identity[1]], { x: "v", y: "v", text: () => "predicted = actual", rotate: -45, textAnchor: "end", dx: -2, dy: 21, fill: "#666" }),
      Plot.dot(shown, { x: "actual", y: "predicted", fill: DOTS, r: dotRadius(shown.length), fillOpacity: dotOpacity(shown.length), title: tooltip(target) }),
    ],
  });
}

/** The report's samples (finite ones), and those to draw: all, or a seeded random subset. */
function samples(report: RegressionReport, options: RegressionChartOptions, who: string): { all: Sample[]; shown: Sample[]; note: string } {
  if (report?.task !== "regression" || !Array.isArray(report.actual)) {
    const task = (report as { task?: unknown } | undefined)?.task;
    throw new DataError(`${who} needs a regression report from evaluate(); got ${typeof task === "string" ? `a ${task} report` : "something else"}. For a classifier, use confusionMatrix() or rocCurves()`);
  }
  const max = options.maxPoints ?? DEFAULT_MAX_POINTS;
  if (!Number.isInteger(max) || max < 1) throw new DataError(`invalid maxPoints: ${max} (use a positive whole number)`);
  const all: Sample[] = [];
  report.actual.forEach((actual, i) => {
    const predicted = report.predicted[i] as number;
    if (Number.isFinite(actual) && Number.isFinite(predicted)) all.push({ actual, predicted, residual: actual - predicted });
  });
  if (all.length === 0) throw new DataError(`${who}: the report has no samples with finite actual and predicted values (n = ${report.n})`);
  const dropped = report.actual.length - all.length;
  const note = dropped > 0 ? `${dropped.toLocaleString("en-US")} samples with a non-finite value left out.` : "";
  if (all.length <= max) return { all, shown: all, note };
  // Indices in their original order, so that the drawing order (and the SVG) does not depend on the shuffle.
  const picked = shuffled(all.map((_, i) => i), 1).slice(0, max).sort((a, b) => a - b);
  return { all, shown: picked.map((i) => all[i] as Sample), note };
}

/** Mean prediction and mean residual over bins of about equal counts, in order of prediction. */
function binnedMeans(all: readonly Sample[]): { predicted: number; residual: number }[] {
  const sorted = [...all].sort((a, b) => a.predicted - b.predicted);
  const bins = Math.max(1, Math.min(30, Math.floor(sorted.length / 10)));
  const out: { predicted: number; residual: number }[] = [];
  for (let b = 0; b < bins; b++) {
    const part = sorted.slice(Math.floor((b * sorted.length) / bins), Math.floor(((b + 1) * sorted.length) / bins));
    if (part.length === 0) continue;
    out.push({ predicted: mean(part.map((s) => s.predicted)), residual: mean(part.map((s) => s.residual)) });
  }
  return out;
}

function subtitle(report: RegressionReport, total: number, shown: number): string {
  const m = report.metrics;
  const parts = [`MAE ${num(m.mae)}`, `RMSE ${num(m.rmse)}`, `R² ${m.r2 === undefined ? "n/a" : m.r2.toFixed(3)}`];
  parts.push(shown < total ? `showing a random ${shown.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} samples` : `${total.toLocaleString("en-US")} samples`);
  return parts.join(" · ");
}

function tooltip(target: string): (s: Sample) => string {
  return (s) => `actual ${target} ${num(s.actual)}, predicted ${num(s.predicted)}`;
}

/** Smaller, fainter dots as they get many, so that dense regions still read as dense. */
function dotRadius(n: number): number {
  return n > 2000 ? 1.8 : n > 500 ? 2.4 : 3.2;
}

function dotOpacity(n: number): number {
  return Math.max(0.15, Math.min(0.7, 0.7 * Math.sqrt(300 / n)));
}

/** Three significant digits, or whole numbers from 1,000 up. */
function num(v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return "n/a";
  return Math.abs(v) >= 1000 ? Math.round(v).toLocaleString("en-US") : String(Number(v.toPrecision(3)));
}

function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}
