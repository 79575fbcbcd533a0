import { DataError } from "../errors";
import { columnsOf, dtypesOf, isMissing, requireFrame } from "../ml/prep/frame";
import type { Table } from "../ml/prep/frame";
import { seriesColors, seriesStyle } from "./palette";
import { plotLib } from "./plot";
import { renderPlot } from "./render";
import type { RenderedChart } from "./render";

/** Options of {@link featureDistributions}. */
export interface FeatureDistributionsOptions {
  /** The class column: one curve per class, colored by class. */
  by: string;
  /** The numeric columns to draw, one panel each. Default: every numeric column but `by`. */
  columns?: string[];
  /** The chart's title. Default "Feature distributions by ‹by›". */
  title?: string;
}

/** Classes beyond this are too many colors to tell apart (the palette repeats colors with dashes up to 24). */
const MAX_CLASSES = 24;
/** Rows the density curves are drawn from, at most: an even sample of a bigger table. */
const SAMPLE_ROWS = 250_000;
/** Points of each density curve. */
const GRID = 120;
/** Fine bins that the values are counted into before smoothing: the cost does not grow with the rows. */
const FINE_BINS = 512;
const NUMERIC = new Set(["float32", "int32"]);

interface Panel {
  column: string;
  fx: number;
  fy: number;
  lo: number;
  hi: number;
}

interface DensityPoint {
  fx: number;
  fy: number;
  /** Position in the panel, 0 to 1 (each panel has its own range of values). */
  pos: number;
  /** Density, scaled so that the highest curve of the panel reaches 1. */
  density: number;
  /** The class's legend entry: its label and size. */
  cls: string;
}

/**
 * The distribution of each numeric column of a frame, by class: one small
 * panel per column, each class's density (a Gaussian kernel density
 * estimate) as a translucent area in its color, so that overlaps show. Each
 * panel has its own range of values, on its own axis; curves are scaled so
 * that the highest one of a panel reaches its top (each class's curve has
 * area 1, so classes of different sizes compare by shape). Missing values
 * are skipped, and the subtitle says how many.
 *
 * @example
 * ```ts
 * const penguins = loadDataset("penguins");
 * featureDistributions(penguins, { by: "Species" });
 * featureDistributions(penguins, { by: "Species", columns: ["Beak Length (mm)", "Body Mass (g)"] });
 * ```
 */
export function featureDistributions(df: Table, options: FeatureDistributionsOptions): RenderedChart {
  requireFrame(df, "featureDistributions");
  const by = options?.by;
  const names = df.columns;
  const listed = names.map((c) => JSON.stringify(c)).join(", ");
  if (typeof by !== "string" || !names.includes(by)) {
    throw new DataError(`featureDistributions: no class column ${JSON.stringify(by)} in the frame; its columns are ${listed}. Pass one of them as \`by\``);
  }
  const dtypes = dtypesOf(df);
  const columns = options.columns ?? names.filter((c) => c !== by && NUMERIC.has(dtypes.get(c) ?? ""));
  for (const c of columns) {
    if (!names.includes(c)) throw new DataError(`featureDistributions: no column ${JSON.stringify(c)} in the frame; its columns are ${listed}`);
    if (!NUMERIC.has(dtypes.get(c) ?? "")) throw new DataError(`featureDistributions: column ${JSON.stringify(c)} is not numeric (dtype ${dtypes.get(c)}); pick numeric columns, or convert it with castColumns`);
  }
  if (columns.length === 0) throw new DataError(`featureDistributions: the frame has no numeric column besides ${JSON.stringify(by)}; its columns are ${listed}`);

  const data = columnsOf(df);
  const labels = (data.get(by) ?? []).map((v) => (isMissing(v) ? undefined : String(v)));
  const classes = classOrder(data.get(by) ?? []);
  if (classes.length > MAX_CLASSES) {
    throw new DataError(`featureDistributions: the class column ${JSON.stringify(by)} has ${classes.length} distinct values, too many to tell apart by color (at most ${MAX_CLASSES}); pick a categorical column`);
  }
  if (classes.length === 0) throw new DataError(`featureDistributions: the class column ${JSON.stringify(by)} has no values`);
  const unlabeled = labels.filter((l) => l === undefined).length;
  // Each curve has area 1 whatever its class's size: the legend gives the sizes, so that a curve drawn from three rows reads as such.
  const sizes = new Map<string, number>(classes.map((c) => [c, 0]));
  for (const l of labels) if (l !== undefined) sizes.set(l, (sizes.get(l) ?? 0) + 1);
  const legend = new Map(classes.map((c) => [c, `${c} (n=${(sizes.get(c) ?? 0).toLocaleString("en-US")})`]));

  const perRow = columns.length <= 4 ? Math.min(2, columns.length) : 3;
  const rows = Math.ceil(columns.length / perRow);
  const panels: Panel[] = [];
  const curves: DensityPoint[] = [];
  const missing: { column: string; count: number }[] = [];
  // Above SAMPLE_ROWS rows the curves are drawn from every k-th row: the same shapes, at a fraction of the cost.
  const step = Math.max(1, Math.ceil(labels.length / SAMPLE_ROWS));
  columns.forEach((column, k) => {
    const values = data.get(column) ?? [];
    const byClass = new Map<string, number[]>(classes.map((c) => [c, []]));
    let skipped = 0;
    for (let i = 0; i < values.length; i++) {
      const cls = labels[i];
      const v = values[i];
      if (cls === undefined) continue;
      if (typeof v !== "number" || !Number.isFinite(v)) {
        skipped++;
        continue;
      }
      if (i % step === 0) byClass.get(cls)?.push(v);
    }
    if (skipped > 0) missing.push({ column, count: skipped });
    const all = [...byClass.values()].flat();
    let lo = all.reduce((m, v) => Math.min(m, v), Number.POSITIVE_INFINITY);
    let hi = all.reduce((m, v) => Math.max(m, v), Number.NEGATIVE_INFINITY);
    if (!Number.isFinite(lo)) [lo, hi] = [0, 1];
    if (hi === lo) [lo, hi] = [lo - Math.max(1, Math.abs(lo) * 0.1), hi + Math.max(1, Math.abs(hi) * 0.1)];
    const pad = (hi - lo) * 0.08;
    const panel: Panel = { column, fx: k % perRow, fy: Math.floor(k / perRow), lo: lo - pad, hi: hi + pad };
    panels.push(panel);
    const floor = bandwidth(all, panel.lo, panel.hi) / 2;
    const densities = classes.map((cls) => density(byClass.get(cls) ?? [], panel.lo, panel.hi, floor));
    const top = Math.max(1e-300, ...densities.flatMap((d) => d ?? []));
    densities.forEach((d, j) => {
      if (!d) return;
      d.forEach((value, g) => curves.push({ fx: panel.fx, fy: panel.fy, pos: g / (GRID - 1), density: value / top, cls: legend.get(classes[j] as string) as string }));
    });
  });

  const width = perRow === 1 ? 520 : perRow === 2 ? 680 : 800;
  const panelWidth = (width - 32) / perRow - 20;
  const ticks = panels.flatMap((p) => fittingTicks(p.lo, p.hi, panelWidth).map((t) => ({ fx: p.fx, fy: p.fy, pos: (t - p.lo) / (p.hi - p.lo), label: formatTick(t) })));
  const totalMissing = missing.reduce((s, m) => s + m.count, 0);
  const subtitle = [
    `${rowCount(labels.length)} rows`,
    totalMissing === 0 ? "no missing values" : `${totalMissing.toLocaleString("en-US")} missing value${totalMissing === 1 ? "" : "s"} skipped`,
  ].join(" · ");

  const Plot = plotLib();
  const panelHeight = rows === 1 ? 150 : 110;
  const gap = 52;
  const panelOf = { fx: "fx", fy: "fy" } as const;
  return renderPlot({
    title: options.title ?? `Feature distributions by ${by}`,
    subtitle,
    caption: [
      "Kernel density per class (each has area 1), scaled to the highest curve of each panel; each panel has its own range of values.",
      ...(missing.length > 0 ? [`Missing values skipped: ${missingList(missing)}.`] : []),
      ...(unlabeled > 0 ? [`${unlabeled.toLocaleString("en-US")} row${unlabeled === 1 ? "" : "s"} without ${by} skipped.`] : []),
      ...(step > 1 ? [`Curves drawn from one row in ${step.toLocaleString("en-US")} (${Math.ceil(labels.length / step).toLocaleString("en-US")} rows).`] : []),
    ].join(" "),
    width,
    height: rows * panelHeight + (rows - 1) * gap + 24 + 28,
    marginTop: 24,
    marginBottom: 28,
    marginLeft: 16,
    marginRight: 16,
    style: { fontSize: "11px" },
    // Panels laid out in a grid; each has its own title and value axis, drawn as marks.
    fx: { axis: null, paddingInner: 0.08 },
    fy: { axis: null, paddingInner: gap / (panelHeight + gap) },
    x: { axis: null, domain: [0, 1] },
    y: { axis: null, domain: [0, 1.05] },
    color: { ...seriesColors([...legend.values()]), legend: true },
    marks: [
      Plot.ruleX(ticks, { ...panelOf, x: "pos", stroke: "#eee" }),
      Plot.ruleY(panels, { ...panelOf, y: () => 0, x1: () => 0, x2: () => 1, stroke: "#999" }),
      Plot.text(ticks, { ...panelOf, x: "pos", frameAnchor: "bottom", dy: 12, text: "label", fill: "#444", fontVariant: "tabular-nums" }),
      Plot.text(panels, { ...panelOf, frameAnchor: "top-left", dy: -14, text: "column", fontWeight: "bold", fontSize: 12, textAnchor: "start", lineWidth: (width / perRow - 10) / 6.5, textOverflow: "ellipsis" }),
      // y1 and y2, not y: areas overlap rather than stack.
      Plot.areaY(curves, { ...panelOf, x: "pos", y1: 0, y2: "density", z: "cls", fill: "cls", fillOpacity: 0.22 }),
      ...[...legend.values()].map((cls, j) =>
        Plot.lineY(
          curves.filter((c) => c.cls === cls),
          { ...panelOf, x: "pos", y: "density", stroke: "cls", strokeWidth: 1.6, strokeDasharray: seriesStyle(j).dash || undefined },
        ),
      ),
    ],
  });
}

/** The classes in a natural order: numbers by value, text alphabetically. */
function classOrder(values: readonly unknown[]): string[] {
  const present = [...new Set(values.filter((v) => !isMissing(v)))];
  const numeric = present.every((v) => typeof v === "number");
  present.sort((a, b) => (numeric ? (a as number) - (b as number) : String(a).localeCompare(String(b))));
  return present.map(String);
}

/**
 * A Gaussian kernel density of `values` at GRID points from lo to hi;
 * undefined without values. The bandwidth is Silverman's rule of thumb for
 * the class, but at least `floor` (half the whole column's): a class of three
 * rows would otherwise be a spike that flattens every other curve of its
 * panel. The values are first counted into fine bins, so a million rows cost
 * what a thousand do.
 */
function density(values: readonly number[], lo: number, hi: number, floor: number): number[] | undefined {
  const n = values.length;
  if (n === 0) return undefined;
  const h = Math.max(bandwidth(values, lo, hi), floor);
  const counts = new Float64Array(FINE_BINS);
  const binWidth = (hi - lo) / FINE_BINS;
  for (const v of values) counts[Math.min(FINE_BINS - 1, Math.max(0, Math.floor((v - lo) / binWidth)))]! += 1;
  const norm = 1 / (n * h * Math.sqrt(2 * Math.PI));
  const out: number[] = [];
  for (let g = 0; g < GRID; g++) {
    const x = lo + ((hi - lo) * g) / (GRID - 1);
    let sum = 0;
    for (let b = 0; b < FINE_BINS; b++) {
      const c = counts[b]!;
      if (c === 0) continue;
      const u = (x - (lo + (b + 0.5) * binWidth)) / h;
      if (u < 8 && u > -8) sum += c * Math.exp(-0.5 * u * u);
    }
    out.push(sum * norm);
  }
  return out;
}

/** Silverman's rule-of-thumb bandwidth of `values`; for values that do not vary, a twentieth of [lo, hi]. */
function bandwidth(values: readonly number[], lo: number, hi: number): number {
  const n = values.length;
  if (n === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  const mean = sorted.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(sorted.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, n - 1));
  const iqr = quantile(sorted, 0.75) - quantile(sorted, 0.25);
  const spread = Math.min(sd, iqr / 1.34) || sd || (hi - lo) / 20;
  return 0.9 * spread * n ** -0.2;
}

function quantile(sorted: Float64Array, q: number): number {
  const i = (sorted.length - 1) * q;
  const a = sorted[Math.floor(i)] as number;
  const b = sorted[Math.ceil(i)] as number;
  return a + (b - a) * (i - Math.floor(i));
}

/** About `count` round tick values inside [lo, hi]. */
function niceTicks(lo: number, hi: number, count: number): number[] {
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power) as number;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** Round ticks whose labels fit side by side in `width` pixels (about 6.5 px a character, and a gap). */
function fittingTicks(lo: number, hi: number, width: number): number[] {
  for (let count = 6; count > 1; count--) {
    const ticks = niceTicks(lo, hi, count);
    const longest = Math.max(...ticks.map((t) => formatTick(t).length));
    if (ticks.length * (longest * 6.5 + 14) <= width) return ticks;
  }
  return niceTicks(lo, hi, 1);
}

/** "3,000" up to 99,999; "200M", "1.5B" beyond, so that big numbers fit under a small panel. */
function formatTick(t: number): string {
  if (Math.abs(t) >= 100_000) return new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 }).format(t);
  return Math.abs(t) >= 1000 ? t.toLocaleString("en-US") : String(t);
}

function rowCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** "Beak Length (mm) 2, Body Mass (g) 2", the first few columns. */
function missingList(missing: readonly { column: string; count: number }[]): string {
  const shown = missing.slice(0, 4).map((m) => `${m.column} ${m.count.toLocaleString("en-US")}`);
  return missing.length > 4 ? `${shown.join(", ")} and ${missing.length - 4} more columns` : shown.join(", ");
}
