import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { DataFrame } from "danfojs-node";
import { confusionMatrix } from "../../src/charts/confusion-matrix";
import { featureDistributions } from "../../src/charts/feature-distributions";
import { predictedVsActual, residuals } from "../../src/charts/regression";
import { prCurves, rocCurves } from "../../src/charts/roc-pr";
import { ColumnarTable, loadDataset } from "../../src/data";
import { DataError } from "../../src/errors";
import { StandardScaler, evaluate, seededRandom, trainModel, trainTestSplit } from "../../src/ml";
import type { ClassificationReport, RegressionReport } from "../../src/ml";
import { assertSnapshot, count } from "../helpers/snapshot";

const MEASUREMENTS = ["Beak Length (mm)", "Beak Depth (mm)", "Flipper Length (mm)", "Body Mass (g)"];

/** Species of test penguins from `features`, by a small seeded MLP: the report the charts take. */
async function penguinsReport(features: readonly string[]): Promise<ClassificationReport> {
  const clean = loadDataset("penguins").loc({ columns: ["Species", ...features] }).dropNa({ axis: 1 });
  const split = trainTestSplit(clean, { testSize: 0.25, seed: 1, stratify: "Species" });
  const scaler = new StandardScaler({ columns: [...features] });
  const xTrain = scaler.fitTransform(split.train.loc({ columns: [...features] })) as DataFrame;
  const xTest = scaler.transform(split.test.loc({ columns: [...features] })) as DataFrame;
  const yTest = split.test.column("Species");
  const model = await trainModel(
    { x: xTrain, y: split.train.column("Species"), validation: { x: xTest, y: yTest } },
    { task: "classification", hidden: [8], epochs: 20, seed: 1, progress: false },
  );
  const report = evaluate(model, xTest, yTest) as ClassificationReport;
  model.model.dispose();
  return report;
}

/** Miles per gallon of test cars from horsepower and weight (rows with missing values dropped). */
async function carsReport(): Promise<RegressionReport> {
  const features = ["Horsepower", "Weight_in_lbs"];
  const cars = loadDataset("cars").loc({ columns: ["Miles_per_Gallon", ...features] }).dropNa({ axis: 1 });
  const split = trainTestSplit(cars, { testSize: 0.25, seed: 1 });
  const scaler = new StandardScaler({ columns: features });
  const xTrain = scaler.fitTransform(split.train.loc({ columns: features })) as DataFrame;
  const xTest = scaler.transform(split.test.loc({ columns: features })) as DataFrame;
  const model = await trainModel({ x: xTrain, y: split.train.column("Miles_per_Gallon") }, { task: "regression", hidden: [8], epochs: 100, learningRate: 0.05, seed: 1, progress: false });
  const report = evaluate(model, xTest, split.test.column("Miles_per_Gallon")) as RegressionReport;
  model.model.dispose();
  return report;
}

/** The chart as a DOM, to query like a browser would (linkedom, as the charts themselves use). */
function dom(html: string): Document {
  const { parseHTML } = require("linkedom") as typeof import("linkedom");
  return parseHTML(`<!doctype html><html><body>${html}</body></html>`).document as unknown as Document;
}

/** The text of a chart's text marks (or of the marks with that aria-label), a <text>'s lines joined by "\n". */
function texts(html: string, label = "text"): string[] {
  return Array.from(dom(html).querySelectorAll(`g[aria-label="${label}"] text`)).map((t) => {
    const lines = Array.from(t.querySelectorAll("tspan")).map((s) => s.textContent ?? "");
    return lines.length > 0 ? lines.join("\n") : Array.from(t.childNodes).filter((n) => n.nodeType === 3).map((n) => n.textContent).join("");
  });
}

/** The entries of a chart's color legend (Plot's HTML swatches). */
function legend(html: string): string[] {
  return Array.from(dom(html).querySelectorAll("span[class$='-swatch']")).map((s) => s.textContent ?? "");
}

/** How many SVG elements `tag` the marks with this aria-label hold (across facets). */
function elements(html: string, label: string, tag: string): number {
  return dom(html).querySelectorAll(`g[aria-label="${label}"] ${tag}`).length;
}

/** How many marks with this aria-label the chart has. */
function marks(html: string, label: string): number {
  return dom(html).querySelectorAll(`g[aria-label="${label}"]`).length;
}

/** The plotting area (Plot's frame mark): width and height. */
function frame(html: string): { width: number; height: number } {
  const rect = dom(html).querySelector(`rect[aria-label="frame"]`);
  return { width: Number(rect?.getAttribute("width")), height: Number(rect?.getAttribute("height")) };
}

/** The chart's title, subtitle and caption (Plot writes them as the <h2>, <h3> and <figcaption> of its figure). */
function heading(html: string): { title: string; subtitle: string; caption: string } {
  const d = dom(html);
  return {
    title: d.querySelector("figure > h2")?.textContent ?? "",
    subtitle: d.querySelector("figure > h3")?.textContent ?? "",
    caption: d.querySelector("figure > figcaption")?.textContent ?? "",
  };
}

function pct(count: number, total: number): string {
  return `${Math.round((100 * count) / total)}%`;
}

let penguins: ClassificationReport; // the four measurements: an easy problem, near-perfect scores
let hard: ClassificationReport; // flipper length and body mass only: Adelie and Chinstrap overlap
let cars: RegressionReport;

describe("evaluation charts", () => {
  before(async () => {
    // The snapshots hold coordinates to the last drawn digit: train on the layers path, which gives
    // the same bits on every machine (the fused path's engine, native BLAS or wasm, depends on it).
    const fused = process.env.PIPELAB_FUSED_TRAINING;
    process.env.PIPELAB_FUSED_TRAINING = "0";
    try {
      penguins = await penguinsReport(MEASUREMENTS);
      hard = await penguinsReport(["Flipper Length (mm)", "Body Mass (g)"]);
      cars = await carsReport();
    } finally {
      if (fused === undefined) delete process.env.PIPELAB_FUSED_TRAINING;
      else process.env.PIPELAB_FUSED_TRAINING = fused;
    }
    assert.ok(hard.metrics.accuracy! < 0.95, "the two-measurement model makes mistakes for the charts to show");
  });

  describe("confusionMatrix", () => {
    it("draws a cell per (true, predicted) pair, each with its count and row share, and the accuracy", () => {
      for (const [name, report] of [["confusion-matrix", penguins], ["confusion-matrix-hard", hard]] as const) {
        const chart = confusionMatrix(report);
        const { labels, matrix } = report.confusion;
        assert.equal(elements(chart.html, "cell", "rect"), labels.length ** 2);
        const expected = matrix.flatMap((row) => {
          const total = row.reduce((s, v) => s + v, 0);
          return row.map((v) => (v === 0 ? "0" : `${v}\n${pct(v, total)}`));
        });
        assert.deepEqual(texts(chart.html).sort(), expected.sort());
        const h = heading(chart.html);
        assert.equal(h.title, "Confusion matrix");
        assert.match(h.subtitle, new RegExp(`^Accuracy ${(report.metrics.accuracy! * 100).toFixed(1)}% \\(`));
        assert.deepEqual(texts(chart.html, "x-axis label"), ["Predicted class"]);
        assert.deepEqual(texts(chart.html, "y-axis label"), ["True class"]);
        assert.deepEqual(texts(chart.html, "x-axis tick label"), labels.map(String));
        assert.deepEqual(texts(chart.html, "y-axis tick label"), labels.map(String));
        assertSnapshot(`charts/${name}.html`, chart.html);
      }
    });

    it("puts light text on dark cells and dark text on light ones", () => {
      const chart = confusionMatrix(hard);
      const byFill = new Map(Array.from(dom(chart.html).querySelectorAll('g[aria-label="text"]')).map((g) => [g.getAttribute("fill"), g.querySelectorAll("text").length]));
      // The diagonal of a decent model is dark: its counts are in white.
      assert.ok((byFill.get("white") ?? 0) >= 2, `white text on ${byFill.get("white")} cells`);
      assert.ok((byFill.get("#111111") ?? 0) >= 1);
    });

    it("shows raw counts, colored by count, with normalize: none", () => {
      const chart = confusionMatrix(hard, { normalize: "none" });
      assert.deepEqual(texts(chart.html).sort(), hard.confusion.matrix.flat().map(String).sort());
      assert.match(heading(chart.html).caption, /Color shows the count/);
      assertSnapshot("charts/confusion-matrix-counts.html", chart.html);
    });

    it("writes class labels as text, never as markup", () => {
      const labels = ["<img src=x onerror=alert(1)>", "Chinstrap", "Gentoo"];
      const report: ClassificationReport = { ...hard, confusion: { ...hard.confusion, labels } };
      const chart = confusionMatrix(report);
      assert.ok(chart.html.includes("&lt;img src=x onerror=alert(1)&gt;"));
      assert.equal(count(chart.html, /<img/), 0, "a class label must not become an element");
      // A long label is cut on the axis, and whole in each cell's tooltip.
      const ticks = texts(chart.html, "y-axis tick label");
      assert.match(ticks[0] ?? "", /^<img src=x onerror=.*…$/);
      assert.deepEqual(ticks.slice(1), ["Chinstrap", "Gentoo"]);
      const tooltips = Array.from(dom(chart.html).querySelectorAll('g[aria-label="cell"] title')).map((t) => t.textContent ?? "");
      assert.ok(tooltips.some((t) => t.startsWith("true <img src=x onerror=alert(1)>, predicted Chinstrap")));
    });

    it("keeps many classes with long names readable: rotated x labels, names cut with an ellipsis, blank zeros", () => {
      const labels = Array.from({ length: 30 }, (_, i) => `species number ${i + 1} of a long list`);
      const matrix = labels.map((_, i) => labels.map((_, j) => (i === j ? 40 : j === (i + 1) % 30 ? 3 : 0)));
      const report: ClassificationReport = { ...hard, n: 30 * 43, confusion: { labels, matrix }, curves: {} };
      const chart = confusionMatrix(report);
      assert.equal(elements(chart.html, "cell", "rect"), 900);
      const svg = dom(chart.html).querySelector("svg");
      assert.ok(Number(svg?.getAttribute("width")) <= 800, `width ${svg?.getAttribute("width")}`);
      assert.match(dom(chart.html).querySelector('g[aria-label="x-axis tick label"] text')?.getAttribute("transform") ?? "", /rotate\(-90\)/);
      assert.ok(texts(chart.html, "y-axis tick label").every((t) => t.length <= 24 && t.endsWith("…")));
      assert.equal(texts(chart.html).length, 60, "only the non-zero cells are labeled");
    });

    it("refuses a regression report and an unknown normalize, saying what to use", () => {
      assert.throws(() => confusionMatrix(cars as unknown as ClassificationReport), (e: unknown) => e instanceof DataError && /a regression report/.test(e.message) && /residuals\(\)/.test(e.message));
      assert.throws(() => confusionMatrix(hard, { normalize: "rows" as "true" }), (e: unknown) => e instanceof DataError && /invalid normalize: "rows"/.test(e.message));
    });
  });

  describe("rocCurves and prCurves", () => {
    it("draws a ROC line per class, its AUC in the legend, and the chance diagonal, in a square", () => {
      for (const [name, report] of [["roc-curves", penguins], ["roc-curves-hard", hard]] as const) {
        const chart = rocCurves(report);
        const classes = report.confusion.labels.map(String);
        assert.equal(marks(chart.html, "line"), classes.length + 1, "a line per class and the diagonal");
        const entries = legend(chart.html);
        assert.equal(entries.length, classes.length);
        entries.forEach((entry, i) => {
          const m = /^(.*) \(AUC (\d\.\d{3})\)$/.exec(entry);
          assert.ok(m, `legend entry ${entry}`);
          assert.equal(m[1], classes[i]);
          assert.ok(Math.abs(Number(m[2]) - report.curves[classes[i] as string]!.roc.auc) <= 0.0005, entry);
        });
        assert.ok(texts(chart.html).includes("chance (AUC 0.5)"));
        assert.equal(heading(chart.html).title, "ROC curves");
        assert.match(heading(chart.html).subtitle, new RegExp(`Macro-average AUC ${report.metrics.roc_auc!.toFixed(3)}`));
        assert.deepEqual(texts(chart.html, "x-axis label"), ["False positive rate"]);
        assert.deepEqual(texts(chart.html, "y-axis label"), ["True positive rate"]);
        for (const axis of ["x", "y"]) {
          const ticks = texts(chart.html, `${axis}-axis tick label`);
          assert.equal(ticks[0], "0.0");
          assert.equal(ticks.at(-1), "1.0");
        }
        const { width, height } = frame(chart.html);
        assert.equal(width, height, "a square plotting area");
        assertSnapshot(`charts/${name}.html`, chart.html);
      }
    });

    it("draws a precision-recall line per class, its average precision in the legend, and each class's share as a baseline", () => {
      for (const [name, report] of [["pr-curves", penguins], ["pr-curves-hard", hard]] as const) {
        const chart = prCurves(report);
        const classes = report.confusion.labels.map(String);
        assert.equal(marks(chart.html, "line"), classes.length);
        assert.equal(marks(chart.html, "rule"), classes.length, "a no-skill baseline per class");
        legend(chart.html).forEach((entry, i) => {
          const m = /^(.*) \(AP (\d\.\d{3})\)$/.exec(entry);
          assert.ok(m, `legend entry ${entry}`);
          assert.equal(m[1], classes[i]);
          assert.ok(Math.abs(Number(m[2]) - report.curves[classes[i] as string]!.pr.averagePrecision) <= 0.0005, entry);
        });
        assert.equal(heading(chart.html).title, "Precision-recall curves");
        assert.deepEqual(texts(chart.html, "x-axis label"), ["Recall"]);
        assert.deepEqual(texts(chart.html, "y-axis label"), ["Precision"]);
        const { width, height } = frame(chart.html);
        assert.equal(width, height);
        assertSnapshot(`charts/${name}.html`, chart.html);
      }
    });

    it("draws a binary classifier's positive class alone: the other curve is its mirror image", async () => {
      const r = seededRandom(4);
      const x = Array.from({ length: 200 }, () => [r() * 4 - 2, r() * 4 - 2]);
      const y = x.map(([a, b]) => ((a as number) + (b as number) + (r() - 0.5) * 2 > 0 ? "yes" : "no"));
      const model = await trainModel({ x, y }, { task: "classification", epochs: 10, learningRate: 0.05, seed: 1, progress: false });
      const report = evaluate(model, x, y) as ClassificationReport;
      model.model.dispose();
      const positive = String(report.confusion.labels[1]);
      const roc = rocCurves(report);
      assert.equal(marks(roc.html, "line"), 2, "the positive class and the diagonal");
      assert.deepEqual(legend(roc.html), [`${positive} (AUC ${report.curves[positive]!.roc.auc.toFixed(3)})`]);
      assert.equal(heading(roc.html).subtitle, `AUC ${report.metrics.roc_auc!.toFixed(3)} · 200 samples`);
      assert.match(heading(roc.html).caption, new RegExp(`^Positive class: ${positive}, against ${report.confusion.labels[0]}`));
      const pr = prCurves(report);
      assert.equal(marks(pr.html, "line"), 1);
      assert.equal(marks(pr.html, "rule"), 1);
      const cm = confusionMatrix(report);
      assert.ok(Number(dom(cm.html).querySelector("svg")?.getAttribute("width")) >= 480);
    });

    it("writes class labels in the legend as text, never as markup", () => {
      const evil = "<img src=x onerror=alert(1)>";
      const curves = Object.fromEntries(Object.entries(hard.curves).map(([k, v], i) => [i === 0 ? evil : k, v]));
      const report: ClassificationReport = { ...hard, curves, confusion: { ...hard.confusion, labels: [evil, ...hard.confusion.labels.slice(1)] } };
      for (const chart of [rocCurves(report), prCurves(report)]) {
        assert.equal(count(chart.html, /<img/), 0);
        assert.match(legend(chart.html)[0] ?? "", /^<img src=x onerror=alert\(1\)> \(A/);
      }
    });

    it("refuses a report without curves", () => {
      assert.throws(() => rocCurves(cars as unknown as ClassificationReport), (e: unknown) => e instanceof DataError && /rocCurves needs a classification report/.test(e.message));
      const single: ClassificationReport = { ...hard, curves: {}, actual: hard.actual.map(() => "Adelie") };
      assert.throws(() => prCurves(single), (e: unknown) => e instanceof DataError && /fewer than two classes \(Adelie\)/.test(e.message));
    });
  });

  describe("residuals and predictedVsActual", () => {
    const metricsLine = (r: RegressionReport) =>
      `MAE ${Number(r.metrics.mae!.toPrecision(3))} · RMSE ${Number(r.metrics.rmse!.toPrecision(3))} · R² ${r.metrics.r2!.toFixed(3)} · ${r.n} samples`;

    it("draws residuals against predictions: a dot per sample, the zero line, binned means, metrics in the subtitle", () => {
      const chart = residuals(cars, { target: "Miles_per_Gallon" });
      const dotGroups = Array.from(dom(chart.html).querySelectorAll('g[aria-label="dot"]')).map((g) => g.querySelectorAll("circle").length);
      assert.equal(dotGroups[0], cars.n, "a dot per test sample");
      assert.equal(dotGroups[1], Math.floor(cars.n / 10), "a mean per bin of about ten samples");
      assert.equal(marks(chart.html, "rule"), 1, "the zero line");
      assert.equal(heading(chart.html).title, "Residuals");
      assert.equal(heading(chart.html).subtitle, metricsLine(cars));
      assert.deepEqual(legend(chart.html), ["sample", "mean residual per bin"]);
      assert.match(texts(chart.html, "x-axis label")[0] ?? "", /^Predicted Miles_per_Gallon/);
      assert.match(texts(chart.html, "y-axis label")[0] ?? "", /Residual \(actual − predicted Miles_per_Gallon\)/);
      // Symmetric around zero: the first and last y ticks are opposite.
      const ticks = texts(chart.html, "y-axis tick label").map((t) => Number(t.replace("−", "-")));
      assert.equal(ticks[0], -(ticks.at(-1) as number));
      assertSnapshot("charts/residuals.html", chart.html);
    });

    it("draws predictions against actual values on equal scales, with the identity line", () => {
      const chart = predictedVsActual(cars, { target: "Miles_per_Gallon" });
      assert.equal(elements(chart.html, "dot", "circle"), cars.n);
      assert.equal(marks(chart.html, "line"), 1, "the identity line");
      assert.ok(texts(chart.html).includes("predicted = actual"));
      assert.equal(heading(chart.html).title, "Predicted vs actual");
      assert.equal(heading(chart.html).subtitle, metricsLine(cars));
      assert.match(texts(chart.html, "x-axis label")[0] ?? "", /Actual Miles_per_Gallon/);
      assert.match(texts(chart.html, "y-axis label")[0] ?? "", /Predicted Miles_per_Gallon/);
      assert.deepEqual(texts(chart.html, "x-axis tick label"), texts(chart.html, "y-axis tick label"), "the same scale on both axes");
      const { width, height } = frame(chart.html);
      assert.equal(width, height);
      assertSnapshot("charts/predicted-vs-actual.html", chart.html);
    });

    it("draws a seeded random 5,000 dots of a larger report, and says so", () => {
      const r = seededRandom(3);
      const predicted = Array.from({ length: 12_000 }, () => r() * 10);
      const actual = predicted.map((p) => p + (r() - 0.5) * 2);
      const big: RegressionReport = { ...cars, n: 12_000, actual, predicted };
      for (const draw of [residuals, predictedVsActual]) {
        const chart = draw(big);
        const dots = Array.from(dom(chart.html).querySelectorAll('g[aria-label="dot"]')).map((g) => g.querySelectorAll("circle").length);
        assert.equal(dots[0], 5000);
        assert.match(heading(chart.html).subtitle, /showing a random 5,000 of 12,000 samples$/);
        assert.equal(draw(big).html, chart.html, "the same sample every time");
      }
    });

    it("refuses a classification report", () => {
      assert.throws(() => residuals(hard as unknown as RegressionReport), (e: unknown) => e instanceof DataError && /a classification report/.test(e.message) && /confusionMatrix\(\)/.test(e.message));
    });
  });

  describe("featureDistributions", () => {
    it("draws a ColumnarTable of 600,000 rows from an even sample, with the true class sizes in the legend", () => {
      const n = 600_000;
      const table = ColumnarTable.fromColumns({
        x: Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 0 : 10) + (i % 1000) / 1000),
        cls: Array.from({ length: n }, (_, i) => (i % 2 === 0 ? "even" : "odd")),
      });
      const chart = featureDistributions(table, { by: "cls" });
      assert.deepEqual(legend(chart.html), ["even (n=300,000)", "odd (n=300,000)"]);
      assert.equal(heading(chart.html).subtitle, "600,000 rows · no missing values");
      assert.match(heading(chart.html).caption, /Curves drawn from one row in 3 \(200,000 rows\)/);
    });

    it("draws a panel per numeric column, a curve per class, the class legend once, and counts the missing values", () => {
      const df = loadDataset("penguins");
      const chart = featureDistributions(df, { by: "Species" });
      const species = df.column("Species").values as (string | null)[];
      const sizes = ["Adelie", "Chinstrap", "Gentoo"].map((s) => `${s} (n=${species.filter((v) => v === s).length})`);
      assert.deepEqual(legend(chart.html), sizes);
      const titles = texts(chart.html).filter((t) => MEASUREMENTS.includes(t));
      assert.deepEqual(titles.sort(), [...MEASUREMENTS].sort(), "a panel per numeric column, titled");
      assert.equal(marks(chart.html, "line"), 3, "a line mark per class");
      assert.equal(elements(chart.html, "line", "path"), 3 * MEASUREMENTS.length, "a curve per class and panel");
      assert.equal(elements(chart.html, "area", "path"), 3 * MEASUREMENTS.length);
      const missing = MEASUREMENTS.reduce((s, c) => s + (df.column(c).values as unknown[]).filter((v) => v === null || Number.isNaN(v)).length, 0);
      assert.equal(heading(chart.html).title, "Feature distributions by Species");
      assert.equal(heading(chart.html).subtitle, `344 rows · ${missing} missing values skipped`);
      assert.match(heading(chart.html).caption, /Missing values skipped: Beak Length \(mm\) 2/);
      assertSnapshot("charts/feature-distributions.html", chart.html);
    });

    it("draws the columns asked for", () => {
      const chart = featureDistributions(loadDataset("cars"), { by: "Origin", columns: ["Miles_per_Gallon", "Horsepower"] });
      assert.equal(elements(chart.html, "line", "path"), 3 * 2);
      assert.deepEqual(legend(chart.html).map((e) => e.replace(/ \(n=\d+\)$/, "")), ["Europe", "Japan", "USA"]);
    });

    it("refuses a class column that does not exist, naming it and listing the columns", () => {
      assert.throws(
        () => featureDistributions(loadDataset("penguins"), { by: "Specie" }),
        (e: unknown) => e instanceof DataError && /no class column "Specie"/.test(e.message) && /"Species", "Island", "Beak Length \(mm\)"/.test(e.message),
      );
      assert.throws(
        () => featureDistributions(loadDataset("penguins"), { by: "Species", columns: ["Island"] }),
        (e: unknown) => e instanceof DataError && /column "Island" is not numeric/.test(e.message),
      );
    });

    it("writes column names and class labels as text, never as markup", () => {
      const { DataFrame } = require("danfojs-node") as typeof import("danfojs-node");
      const rows = Array.from({ length: 40 }, (_, i) => ({ "<b>x</b>": i % 7, kind: i % 2 === 0 ? "<img src=x onerror=alert(1)>" : "plain" }));
      const chart = featureDistributions(new DataFrame(rows), { by: "kind" });
      assert.ok(!chart.html.includes("<img") && !chart.html.includes("<b>"));
      assert.ok(texts(chart.html).includes("<b>x</b>"));
      assert.ok(legend(chart.html).includes("<img src=x onerror=alert(1)> (n=20)"));
    });
  });
});
