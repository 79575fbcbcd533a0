/**
 * Drift charts: each column's reference and current distributions side by
 * side, and the drift scores window by window.
 */
import type { ColumnarTable } from "../data";
import type { DatasetDrift } from "../monitor";
import { escapeHtml } from "../util";
import { seriesColors } from "./palette";
import { plotLib } from "./plot";
import { renderPlot } from "./render";
import type { RenderedChart } from "./render";

const BINS = 24;
/** Categories shown per column: the most common of the reference, the rest summed as "(other)". */
const TOP_CATEGORIES = 8;
const SAMPLES = ["reference", "current"];

/** The title of a column's panel: its name, the test, the score, and whether it drifted. */
function panelTitle(c: DatasetDrift["columns"][number]): string {
  const score = c.pValue === undefined ? `${c.method} ${format(c.statistic)}` : `${c.method} p = ${format(c.pValue)}`;
  return `${c.column} · ${score}${c.drifted ? " · DRIFT" : ""}`;
}

function format(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 0.001 || v === 0 ? v.toFixed(3) : v.toExponential(1);
}

/**
 * The reference and current distribution of each tested column, one small
 * chart each: binned shares for numbers, the shares of the most common
 * categories for text. Each is titled with its test, score and verdict.
 *
 * @example
 * ```ts
 * const chart = driftDistributions(reference, current, datasetDrift(reference, current));
 * ```
 */
export function driftDistributions(reference: ColumnarTable, current: ColumnarTable, drift: DatasetDrift): RenderedChart {
  const charts = drift.columns.filter((c) => c.empty === undefined).map((c) => (c.kind === "numeric" ? numericPanel(reference.numbers(c.column), current.numbers(c.column), panelTitle(c)) : categoricalPanel(reference, current, c.column, panelTitle(c))));
  const title = `Drift: ${drift.driftedColumns} of ${drift.testedColumns} columns drifted (${Math.round(drift.driftedShare * 100)}%)${drift.drifted ? " · the data set drifted" : ""}`;
  const html = `<figure class="pipelab-drift"><h2 style="margin:0 0 4px;font-size:15px">${escapeHtml(title)}</h2><p style="margin:0 0 8px;color:#555;font-size:12px">${escapeHtml(`${drift.referenceRows} reference rows, ${drift.currentRows} current rows; the data set drifts when at least ${Math.round(drift.share * 100)}% of its columns do`)}</p><div style="display:flex;flex-wrap:wrap;gap:12px">${charts.map((c) => `<div>${c.html}</div>`).join("")}</div></figure>`;
  return { html, standaloneSvg: false, title };
}

function numericPanel(ref: Float64Array, cur: Float64Array, title: string): RenderedChart {
  let lo = Infinity;
  let hi = -Infinity;
  for (const values of [ref, cur]) for (const v of values) if (Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  if (!Number.isFinite(lo)) [lo, hi] = [0, 1];
  if (hi === lo) [lo, hi] = [lo - 0.5, hi + 0.5];
  const width = (hi - lo) / BINS;
  const rows = [ref, cur].flatMap((values, s) => {
    const counts = new Float64Array(BINS);
    let n = 0;
    for (const v of values) {
      if (!Number.isFinite(v)) continue;
      counts[Math.min(BINS - 1, Math.floor((v - lo) / width))]! += 1;
      n++;
    }
    return Array.from(counts, (k, b) => ({ x1: lo + b * width, x2: lo + (b + 1) * width, share: n === 0 ? 0 : k / n, sample: SAMPLES[s] as string }));
  });
  const Plot = plotLib();
  return renderPlot({
    title,
    width: 300,
    height: 170,
    marginLeft: 40,
    y: { label: "share", grid: true },
    x: { label: null },
    color: { ...seriesColors(SAMPLES), legend: true },
    marks: [Plot.rectY(rows, { x1: "x1", x2: "x2", y: "share", fill: "sample", fillOpacity: 0.45, inset: 0.5 }), Plot.ruleY([0])],
  });
}

function categoricalPanel(reference: ColumnarTable, current: ColumnarTable, column: string, title: string): RenderedChart {
  const shares = (t: ColumnarTable): Map<string, number> => {
    const counts = new Map<string, number>();
    const values = t.dtypes[column] === "string" || t.dtypes[column] === "category" ? t.strings(column) : Array.from(t.numbers(column), (v) => (Number.isNaN(v) ? null : String(v)));
    let n = 0;
    for (const v of values) {
      if (v === null) continue;
      counts.set(v, (counts.get(v) ?? 0) + 1);
      n++;
    }
    return new Map([...counts].map(([k, c]) => [k, n === 0 ? 0 : c / n]));
  };
  const ref = shares(reference);
  const cur = shares(current);
  const top = [...ref.entries()].sort((a, b) => b[1] - a[1]).slice(0, TOP_CATEGORIES).map(([k]) => k);
  for (const k of cur.keys()) if (!ref.has(k) && top.length < TOP_CATEGORIES + 2) top.push(k);
  const other = (m: Map<string, number>): number => [...m].filter(([k]) => !top.includes(k)).reduce((s, [, v]) => s + v, 0);
  const categories = [...top, ...(other(ref) + other(cur) > 0 ? ["(other)"] : [])];
  const rows = [ref, cur].flatMap((m, s) => categories.map((c) => ({ category: c, share: c === "(other)" ? other(m) : (m.get(c) ?? 0), sample: SAMPLES[s] as string })));
  const Plot = plotLib();
  return renderPlot({
    title,
    width: 300,
    height: 60 + 18 * categories.length,
    marginLeft: 90,
    x: { label: "share", grid: true },
    y: { label: null, domain: categories },
    color: { ...seriesColors(SAMPLES), legend: true },
    // Reference in the upper half of each category's band, current in the lower.
    marks: [
      Plot.barX(rows.filter((r) => r.sample === "reference"), { y: "category", x: "share", fill: "sample", insetBottom: 9 }),
      Plot.barX(rows.filter((r) => r.sample === "current"), { y: "category", x: "share", fill: "sample", insetTop: 9 }),
    ],
  });
}

/**
 * The drifted share of columns, window by window, with the data set's
 * threshold: when did the inputs start to differ from training?
 *
 * @example
 * ```ts
 * driftOverTime(report.windows);
 * ```
 */
export function driftOverTime(windows: readonly { from: string; to: string; rows: number; drift: DatasetDrift }[]): RenderedChart {
  const Plot = plotLib();
  const points = windows.map((w, i) => ({ window: i + 1, share: w.drift.driftedShare, label: `${w.from.slice(0, 19)} .. ${w.to.slice(11, 19)} (${w.rows} rows)` }));
  const threshold = windows[0]?.drift.share ?? 0.5;
  return renderPlot({
    title: "Drifted share of columns, window by window",
    subtitle: `${windows.length} window${windows.length === 1 ? "" : "s"} of the logged inputs, oldest first; the dashed line is the data set's threshold`,
    width: 560,
    height: 220,
    x: { label: "window", ticks: points.map((p) => p.window), tickFormat: "d" },
    y: { label: "drifted share", domain: [0, 1], grid: true },
    marks: [
      Plot.ruleY([threshold], { stroke: "#D55E00", strokeDasharray: "4,3" }),
      Plot.lineY(points, { x: "window", y: "share", stroke: "#0072B2" }),
      Plot.dot(points, { x: "window", y: "share", fill: "#0072B2", title: "label" }),
    ],
  });
}
