import type { Markish } from "@observablehq/plot";
import { DataError } from "../errors";
import type { ClassificationReport } from "../ml/evaluate";
import { downsample } from "./downsample";
import { seriesColors, seriesStyle } from "./palette";
import { plotLib } from "./plot";
import { renderPlot } from "./render";
import type { RenderedChart } from "./render";

/** Options of {@link rocCurves}. */
export interface RocCurvesOptions {
  /** The chart's title. Default "ROC curves". */
  title?: string;
}

/** Options of {@link prCurves}. */
export interface PrCurvesOptions {
  /** The chart's title. Default "Precision-recall curves". */
  title?: string;
}

/** A point of a class's curve; `series` is its legend entry. */
interface CurvePoint {
  x: number;
  y: number;
  series: string;
}

/** Curves longer than this are thinned (extremes kept): the SVG stays small, the shape the same. */
const MAX_CURVE_POINTS = 2000;
/** The plotting area is a square of this side, in pixels. */
const SIDE = 420;
const MARGIN = { top: 20, right: 20, bottom: 44, left: 52 };

/**
 * One-vs-rest ROC curves of a classifier, one line per class (each class
 * against all the others), with its AUC in the legend ("Adelie (AUC 0.998)")
 * and the diagonal of a classifier without skill. Axes run from 0 to 1, in a
 * square. For a binary classifier, the positive class's curve alone (the
 * second of its classes, as in the report's `roc_auc`): the other is its
 * mirror image.
 *
 * @example
 * ```ts
 * const report = evaluate(model, xTest, yTest);
 * rocCurves(report);
 * ```
 */
export function rocCurves(report: ClassificationReport, options: RocCurvesOptions = {}): RenderedChart {
  const classes = curveClasses(report, "rocCurves");
  const names = classes.map((c) => `${c} (AUC ${fixed3(report.curves[c]?.roc.auc)})`);
  const series = classes.map((c, i) => {
    const roc = report.curves[c]?.roc ?? { fpr: [], tpr: [] };
    return points(roc.fpr, roc.tpr, names[i] as string);
  });
  const auc = report.metrics.roc_auc;
  const binary = report.confusion.labels.length === 2;
  const Plot = plotLib();
  return curveChart({
    title: options.title ?? "ROC curves",
    subtitle: [...(auc === undefined ? [] : [`${binary ? "AUC" : "Macro-average AUC"} ${fixed3(auc)}`]), samples(report)].join(" · "),
    caption: [whatNote(report), missingNote(report, classes)].filter(Boolean).join(" "),
    names,
    series,
    curve: "linear",
    x: "False positive rate",
    y: "True positive rate",
    // The chance diagonal, labeled along itself (the plot is square, so the diagonal is at 45°).
    under: [
      Plot.line([{ x: 0, y: 0 }, { x: 1, y: 1 }], { x: "x", y: "y", stroke: "#888", strokeDasharray: "4,4" }),
      Plot.text([{ x: 0.75, y: 0.75 }], { x: "x", y: "y", text: () => "chance (AUC 0.5)", rotate: -45, dx: 8, dy: 8, fill: "#777", fontSize: 11 }),
    ],
  });
}

/**
 * One-vs-rest precision-recall curves of a classifier, one line per class,
 * with its average precision in the legend ("Adelie (AP 0.995)"), drawn as
 * steps whose area is the average precision (of thresholds with equal
 * recall, only the one that average precision counts is drawn). A dashed line in
 * the class's color marks its share of the samples: the precision of a
 * classifier without skill. Axes run from 0 to 1, in a square. For a binary
 * classifier, the positive class's curve alone (the second of its classes).
 *
 * @example
 * ```ts
 * const report = evaluate(model, xTest, yTest);
 * prCurves(report);
 * ```
 */
export function prCurves(report: ClassificationReport, options: PrCurvesOptions = {}): RenderedChart {
  const classes = curveClasses(report, "prCurves");
  const names = classes.map((c) => `${c} (AP ${fixed3(report.curves[c]?.pr.averagePrecision)})`);
  const series = classes.map((c, i) => {
    const pr = report.curves[c]?.pr ?? { recall: [], precision: [] };
    // Of points with equal recall (thresholds that only add false positives), keep the one that counts in
    // average precision: the last, in the curve's order of decreasing recall. The others are zero-width
    // dips that would draw as spikes; without them the area under the steps is the average precision.
    const keep = pr.recall.map((r, k) => k === pr.recall.length - 1 || pr.recall[k + 1] !== r);
    return points(pr.recall.filter((_, k) => keep[k]), pr.precision.filter((_, k) => keep[k]), names[i] as string);
  });
  const aps = classes.map((c) => report.curves[c]?.pr.averagePrecision ?? Number.NaN);
  const meanAp = aps.reduce((s, v) => s + v, 0) / aps.length;
  const Plot = plotLib();
  const baselines = classes.map((c, i) => ({
    series: names[i] as string,
    y: report.actual.filter((a) => String(a) === c).length / Math.max(1, report.actual.length),
  }));
  return curveChart({
    title: options.title ?? "Precision-recall curves",
    subtitle: [`${classes.length > 1 ? "Mean average precision" : "Average precision"} ${fixed3(meanAp)}`, samples(report)].join(" · "),
    caption: [
      whatNote(report),
      classes.length === 1
        ? "Dashed line: the class's share of the samples, the precision of a classifier without skill."
        : "Dashed lines: each class's share of the samples, the precision of a classifier without skill.",
      missingNote(report, classes),
    ].filter(Boolean).join(" "),
    names,
    series,
    curve: "step-after",
    x: "Recall",
    y: "Precision",
    under: baselines.map((b, i) =>
      Plot.ruleY([b], { y: "y", stroke: "series", strokeDasharray: "3,3", strokeOpacity: 0.8, strokeWidth: 1.2, title: () => `${classes[i]}: ${(b.y * 100).toFixed(1)}% of the samples` }),
    ),
  });
}

interface CurveChart {
  title: string;
  subtitle: string;
  caption: string;
  names: string[];
  series: CurvePoint[][];
  curve: "linear" | "step-after";
  x: string;
  y: string;
  /** Reference marks drawn under the curves. */
  under: Markish[];
}

/** What ROC and PR charts share: a square, 0..1 axes, a line per class with its own color (and dash past eight classes). */
function curveChart(c: CurveChart): RenderedChart {
  const Plot = plotLib();
  return renderPlot({
    title: c.title,
    subtitle: c.subtitle,
    ...(c.caption ? { caption: c.caption } : {}),
    width: SIDE + MARGIN.left + MARGIN.right,
    height: SIDE + MARGIN.top + MARGIN.bottom,
    marginTop: MARGIN.top,
    marginRight: MARGIN.right,
    marginBottom: MARGIN.bottom,
    marginLeft: MARGIN.left,
    style: { fontSize: "11px" },
    // Inset so that lines along 0 or 1 (a perfect class) are not hidden by the frame.
    inset: 6,
    x: { domain: [0, 1], label: c.x, labelAnchor: "center", labelArrow: "none", grid: true, tickFormat: ".1f" },
    y: { domain: [0, 1], label: c.y, labelAnchor: "center", labelArrow: "none", grid: true, tickFormat: ".1f" },
    color: { ...seriesColors(c.names), legend: true },
    marks: [
      Plot.frame({ stroke: "#ccc" }),
      ...c.under,
      ...c.series.map((pts, i) => Plot.line(pts, { x: "x", y: "y", stroke: "series", strokeWidth: 2, strokeDasharray: seriesStyle(i).dash || undefined, curve: c.curve })),
    ],
  });
}

/** The classes that have curves, in the report's class order; an error when there are none. */
function curveClasses(report: ClassificationReport, who: string): string[] {
  if (report?.task !== "classification" || !report.curves) {
    const task = (report as { task?: unknown } | undefined)?.task;
    throw new DataError(`${who} needs a classification report from evaluate(); got ${typeof task === "string" ? `a ${task} report` : JSON.stringify(report) ?? String(report)}`);
  }
  const labels = report.confusion.labels.map(String);
  // A binary classifier's two one-vs-rest curves mirror each other: draw the positive class's alone, as
  // the report's roc_auc does (the positive class is the second of the model's classes).
  const drawn = labels.length === 2 ? labels.slice(1) : labels;
  const classes = drawn.filter((c) => report.curves[c] !== undefined);
  if (classes.length === 0) {
    throw new DataError(`${who}: the report has no curves: the evaluation labels hold fewer than two classes (${[...new Set(report.actual.map(String))].join(", ") || "none"}); evaluate on data with several classes`);
  }
  return classes;
}

function points(xs: readonly number[], ys: readonly number[], series: string): CurvePoint[] {
  return downsample(xs.map((x, i) => ({ x, y: ys[i] as number, series })), MAX_CURVE_POINTS);
}

/** What the curves are: one-vs-rest per class, or a binary classifier's positive class. */
function whatNote(report: ClassificationReport): string {
  const labels = report.confusion.labels.map(String);
  return labels.length === 2
    ? `Positive class: ${labels[1]}, against ${labels[0]} (the other class's curve is its mirror image).`
    : "One-vs-rest: each class against all the others.";
}

function missingNote(report: ClassificationReport, classes: readonly string[]): string {
  const labels = report.confusion.labels.map(String);
  const missing = (labels.length === 2 ? labels.slice(1) : labels).filter((c) => !classes.includes(c));
  return missing.length > 0 ? `No curve for ${missing.join(", ")}: no samples of ${missing.length === 1 ? "it" : "them"}.` : "";
}

function samples(report: ClassificationReport): string {
  return `${report.n.toLocaleString("en-US")} samples`;
}

/** Three decimals, without rounding an imperfect score up to a perfect one. */
function fixed3(v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return "n/a";
  return v < 1 && v.toFixed(3) === "1.000" ? ">0.999" : v.toFixed(3);
}
