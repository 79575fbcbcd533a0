import { DataError } from "../errors";
import type { ClassificationReport } from "../ml/evaluate";
import { SEQUENTIAL_SCHEME } from "./palette";
import { plotLib } from "./plot";
import { renderPlot } from "./render";
import type { RenderedChart } from "./render";

/** Options of {@link confusionMatrix}. */
export interface ConfusionMatrixOptions {
  /**
   * `"true"` (the default): each row is divided by its total, so a cell is the
   * share of that true class predicted as the column's class (the diagonal is
   * each class's recall); cells show the count and that rate, and are colored
   * by the rate. `"none"`: cells show and are colored by the raw count.
   */
  normalize?: "true" | "none";
  /** The chart's title. Default "Confusion matrix". */
  title?: string;
}

interface Cell {
  actual: string;
  predicted: string;
  count: number;
  /** The share of the row (true class); NaN when the class has no samples. */
  rate: number;
  /** What the color encodes: the rate, or the count. */
  value: number;
  text: string;
}

/** The text color on light cells. */
const TEXT = "#111111";

/** Labels longer than this are cut on the axes; the full label stays in each cell's tooltip. */
const MAX_LABEL = 24;

/**
 * A classifier's confusion matrix as a heatmap: true classes down the rows,
 * predicted classes across the columns, each cell showing its count and the
 * share of its row (e.g. "45" over "96%"), colored by that share so that
 * errors stand out whatever the class sizes. The accuracy is in the subtitle.
 *
 * @example
 * ```ts
 * const report = await wb.step("evaluate", { model, data }, ({ model, data }) => evaluate(model, data.xTest, data.yTest));
 * confusionMatrix(report);                       // rows sum to 100%
 * confusionMatrix(report, { normalize: "none" }); // raw counts
 * ```
 */
export function confusionMatrix(report: ClassificationReport, options: ConfusionMatrixOptions = {}): RenderedChart {
  if (report?.task !== "classification" || !report.confusion) {
    throw new DataError(`confusionMatrix needs a classification report from evaluate(); got ${describeReport(report)}. For a regressor, use residuals() or predictedVsActual()`);
  }
  const normalize = options.normalize ?? "true";
  if (normalize !== "true" && normalize !== "none") throw new DataError(`invalid normalize: ${JSON.stringify(normalize)} (use "true" or "none")`);
  const Plot = plotLib();
  const labels = report.confusion.labels.map(String);
  const n = labels.length;
  const matrix = report.confusion.matrix;
  const byRate = normalize === "true";
  const maxCount = Math.max(1, ...matrix.flat());
  const colorDomain: [number, number] = byRate ? [0, 1] : [0, maxCount];
  const color = Plot.scale({ color: { type: "linear", scheme: SEQUENTIAL_SCHEME, domain: colorDomain } });

  const shown = labels.map((l) => (l.length > MAX_LABEL ? `${l.slice(0, MAX_LABEL - 1)}…` : l));
  const tick = (l: string) => shown[labels.indexOf(l)] ?? l;
  const longest = Math.max(...shown.map((l) => l.length));
  const marginLeft = Math.min(200, 30 + longest * 6.5 + 14);
  const marginTop = 10;
  const marginRight = 20;
  // Square cells of 18 to 120 pixels, larger for a few classes so that the chart is at least 480 wide.
  const size = Math.max(18, Math.min(120, Math.floor(540 / n)), Math.ceil((480 - marginLeft - marginRight) / n));
  // A second line (the rate) needs room; in small cells the color alone carries it.
  const twoLines = byRate && size >= 36;
  const cells: Cell[] = [];
  labels.forEach((actual, i) => {
    const row = matrix[i] ?? [];
    const total = row.reduce((s, v) => s + v, 0);
    labels.forEach((predicted, j) => {
      const count = row[j] ?? 0;
      const rate = total > 0 ? count / total : Number.NaN;
      cells.push({ actual, predicted, count, rate, value: byRate ? rate : count, text: twoLines && count > 0 ? `${count}\n${percent(rate)}` : String(count) });
    });
  });
  // White or near-black text, whichever contrasts more with the cell (WCAG contrast ratio).
  const dark = (c: Cell) => {
    if (c.count === 0) return false;
    const l = luminance(color.apply(c.value) as string);
    return 1.05 / (l + 0.05) > (l + 0.05) / (luminance(TEXT) + 0.05);
  };
  const light = (c: Cell) => c.count > 0 && !dark(c);

  // Labels wider than a cell are rotated, the steeper the narrower the cells: neighbors, one cell apart
  // along x, are size·sin(angle) apart across the text, which must exceed its height (about 11 px).
  const angle = longest * 6.5 <= size - 6 ? 0 : size >= 40 ? 35 : size >= 26 ? 60 : 90;
  // Rotated, a label of w pixels reaches w·sin(angle) below its tick.
  const marginBottom = Math.round(44 + longest * 6.5 * Math.sin((angle * Math.PI) / 180));
  const correct = matrix.reduce((s, row, i) => s + (row[i] ?? 0), 0);
  const total = matrix.flat().reduce((s, v) => s + v, 0);
  const empty = labels.filter((_, i) => (matrix[i] ?? []).every((v) => v === 0));
  const accuracy = report.metrics.accuracy ?? (total > 0 ? correct / total : Number.NaN);
  const subtitle = `Accuracy ${percent(accuracy, 1)} (${correct.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} correct)`;
  const caption = [
    byRate ? `Each row (a true class) sums to 100%; color shows the row share${twoLines ? "" : " (the cells are too small to print it)"}.` : "Color shows the count.",
    ...(empty.length > 0 ? [`No samples of ${empty.join(", ")}.`] : []),
  ].join(" ");

  const fontSize = size >= 70 ? 13 : size >= 44 ? 11 : size >= 26 ? 9 : 8;
  // In tiny cells, zeros are left blank: the errors that are there stand out.
  const zeros = size >= 26;
  const textMark = (filter: (c: Cell) => boolean, fill: string, fontWeight: string) =>
    Plot.text(cells, { filter, x: "predicted", y: "actual", text: "text", fill, fontSize, fontWeight, lineHeight: 1.15 });
  return renderPlot({
    title: options.title ?? "Confusion matrix",
    subtitle,
    caption,
    width: marginLeft + n * size + marginRight,
    height: marginTop + n * size + marginBottom,
    marginLeft,
    marginBottom,
    marginTop,
    marginRight,
    padding: 0,
    x: { domain: labels, label: "Predicted class", tickFormat: tick, tickRotate: -angle, labelAnchor: "center", labelOffset: marginBottom - 8 },
    y: { domain: labels, label: "True class", tickFormat: tick, labelAnchor: "center", labelOffset: marginLeft - 12 },
    color: { type: "linear", scheme: SEQUENTIAL_SCHEME, domain: colorDomain },
    style: { fontSize: "11px" },
    marks: [
      Plot.cell(cells, {
        x: "predicted",
        y: "actual",
        fill: "value",
        inset: 0.5,
        title: (c: Cell) => `true ${c.actual}, predicted ${c.predicted}: ${c.count}${Number.isNaN(c.rate) ? "" : ` (${percent(c.rate, 1)} of ${c.actual})`}`,
      }),
      // A frame around the matrix, so that an edge row or column of near-white cells keeps its edge.
      Plot.frame({ stroke: "#ccc" }),
      textMark(dark, "white", "600"),
      textMark(light, TEXT, "600"),
      textMark((c: Cell) => zeros && c.count === 0, "#999", "normal"),
    ],
  });
}

/** A rate as a percentage that never rounds an imperfect value to 100% or a non-zero one to 0%. */
function percent(rate: number, digits = 0): string {
  if (Number.isNaN(rate)) return "–";
  const scale = 10 ** digits;
  const rounded = Math.round(rate * 100 * scale) / scale;
  if (rate < 1 && rounded >= 100) return `>${(100 - 1 / scale).toFixed(digits)}%`;
  if (rate > 0 && rounded <= 0) return `<${(1 / scale).toFixed(digits)}%`;
  return `${rounded.toFixed(digits)}%`;
}

/** Relative luminance (WCAG) of an `rgb(r, g, b)` or `#rrggbb` color, 0 (black) to 1 (white). */
function luminance(color: string): number {
  const rgb = color.startsWith("#")
    ? [1, 3, 5].map((i) => Number.parseInt(color.slice(i, i + 2), 16))
    : (color.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number);
  const [r, g, b] = rgb.map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function describeReport(report: unknown): string {
  if (report === null || typeof report !== "object") return JSON.stringify(report) ?? String(report);
  const task = (report as { task?: unknown }).task;
  return typeof task === "string" ? `a ${task} report` : "an object that is not a report";
}
