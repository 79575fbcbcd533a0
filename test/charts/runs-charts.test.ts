import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseHTML } from "linkedom";
import { learningCurves } from "../../src/charts/learning-curves";
import { HIGHLIGHT } from "../../src/charts/palette";
import { parallelCoordinates } from "../../src/charts/parallel-coordinates";
import { paramVsMetric } from "../../src/charts/param-vs-metric";
import { runComparison } from "../../src/charts/run-comparison";
import type { RenderedChart } from "../../src/charts/render";
import { TrackingError } from "../../src/errors";
import { ExperimentStore } from "../../src/tracking";
import type { RunId } from "../../src/tracking";
import { sweepStore } from "../fixtures/charts/runs";
import { assertSnapshot, count } from "../helpers/snapshot";
import { tempDir } from "../helpers/tmp";

/** The sweep fixture (runs named `run 1`, `run 2`..., unless unnamed), opened. */
function sweep(options: { runs?: number; epochs?: number; unnamed?: boolean } = {}): { store: ExperimentStore; runIds: RunId[] } {
  const { file, runIds } = sweepStore(tempDir(), options);
  return { store: ExperimentStore.open(file), runIds };
}

/** The chart as a DOM, for structural checks. */
function dom(chart: RenderedChart): Document {
  return parseHTML(`<!doctype html><html><body>${chart.html}</body></html>`).document as unknown as Document;
}

function texts(doc: Document, selector: string): string[] {
  return Array.from(doc.querySelectorAll(selector), (e) => e.textContent ?? "");
}

/** Where a text element sits: its translate() or its x/y attributes. */
function position(e: Element): string {
  const t = /translate\(([^)]*)\)/.exec(e.getAttribute("transform") ?? "");
  return t ? (t[1] as string) : `${e.getAttribute("x")},${e.getAttribute("y")}`;
}

/** Snapshots are named by what they hold: a figure (title, legend) is HTML, a bare chart SVG. */
function snapshot(name: string, chart: RenderedChart): void {
  assertSnapshot(`charts/${name}.${chart.standaloneSvg ? "svg" : "html"}`, chart.html);
}

const EVIL = "<img src=x onerror=alert(1)>";

describe("learning curves", () => {
  it("draw training solid and validation dashed, one color per run, with a legend naming each run", () => {
    const { store, runIds } = sweep({ runs: 6 });
    const chart = learningCurves(store, "loss", { experiment: "sweep" });
    store.close();
    const doc = dom(chart);
    assert.equal(doc.querySelectorAll(".learning-curve path").length, 12, "loss and val_loss for each of 6 runs");
    assert.equal(doc.querySelectorAll('.learning-curve[stroke-dasharray="5,3"] path').length, 6, "validation dashed");
    assert.equal(count(chart.html, /<path[^>]*stroke="#E69F00"/), 2, "run 1's two lines share its color");
    assert.deepEqual(
      texts(doc, ".legend-entry text"),
      runIds.map((id, i) => `#${id} run ${i + 1}`),
    );
    assert.deepEqual(texts(doc, ".legend-line-style text"), ["training (loss)", "validation (val_loss)"]);
    assert.equal(doc.querySelectorAll(".legend-swatch line").length, 8, "a line sample per run and per line style");
    assert.equal(chart.title, "Learning curves: loss and val_loss");
    assert.match(chart.html, /<h2[^>]*>Learning curves: loss and val_loss<\/h2>/);
    assert.match(chart.html, /solid: training \(loss\), dashed: validation \(val_loss\)/);
    assert.match(chart.html, />epoch →</);
    assert.match(chart.html, />↑ loss \/ val_loss</);
    assert.match(chart.html, /viewBox="0 0 760 /, "a readable width");
    snapshot("learning-curves", chart);
  });

  it("draw one metric alone when asked, the newest runs by default", () => {
    const { store, runIds } = sweep({ runs: 12, epochs: 8 });
    const train = learningCurves(store, "loss", { experiment: "sweep", validation: false, last: 4 });
    const val = learningCurves(store, "loss", { validation: true });
    const picked = learningCurves(store, "val_accuracy", { runs: [runIds[0] as RunId, runIds[5] as RunId] });
    store.close();
    assert.equal(dom(train).querySelectorAll(".learning-curve path").length, 4);
    assert.deepEqual(
      texts(dom(train), ".legend-entry text"),
      runIds.slice(8).map((id, i) => `#${id} run ${i + 9}`),
      "the 4 newest runs, oldest first",
    );
    assert.equal(train.title, "Learning curves: loss");
    assert.equal(dom(val).querySelectorAll(".learning-curve path").length, 10, "the 10 newest runs by default");
    assert.equal(val.title, "Learning curves: val_loss");
    assert.deepEqual(texts(dom(picked), ".legend-entry text"), [`#${runIds[0]} run 1`, `#${runIds[5]} run 6`]);
    assert.equal(dom(picked).querySelectorAll(".legend-line-style text").length, 0, "one metric: no line-style key");
  });

  it("name unnamed runs by the parameters that differ among them, in the legend and the tooltips", () => {
    const { store, runIds } = sweep({ runs: 6, unnamed: true });
    const chart = learningCurves(store, "loss", { experiment: "sweep" });
    const bars = runComparison(store, "test_accuracy", { experiment: "sweep" });
    store.close();
    // lr and hidden vary across the six runs; model and seed are the same in all, so they are left out.
    const expected = runIds.map((id, i) => `#${id} hidden=${[8, 16, 32][Math.floor(i / 3)]} lr=${[0.001, 0.01, 0.1][i % 3]}`);
    assert.deepEqual(texts(dom(chart), ".legend-entry text"), expected);
    assert.deepEqual(texts(dom(chart), ".learning-curve title").slice(0, 6), expected.map((l) => `${l} · loss`));
    assert.match(chart.html, /viewBox="0 0 760 /, "the legend fits in the usual width");
    const barLabels = texts(dom(bars), '[aria-label="y-axis tick label"] text');
    assert.deepEqual([...barLabels].sort(), [...expected].sort(), "the bars read the same labels");
  });

  it("keep 20 runs apart: 20 legend entries at distinct heights, training and validation side by side", () => {
    const { store } = sweep({ runs: 20, epochs: 20 });
    const chart = learningCurves(store, "loss", { experiment: "sweep", last: 20 });
    store.close();
    const doc = dom(chart);
    const entries = Array.from(doc.querySelectorAll(".legend-entry text"));
    assert.equal(entries.length, 20);
    assert.equal(new Set(entries.map(position)).size, 20, "no two legend entries at the same place");
    assert.equal(doc.querySelectorAll(".learning-curve path").length, 40);
    // Beyond 8 runs colors repeat, so dashes tell runs apart; training and validation then get a panel each.
    assert.equal(doc.querySelectorAll('.learning-curve[stroke-dasharray="6,3"] path').length, 16, "runs 9-16 dashed, in both panels");
    assert.equal(doc.querySelectorAll('.legend-swatch[stroke-dasharray="2,2"] line').length, 4, "runs 17-20 dotted in the legend too");
    assert.match(chart.html, />training: loss</);
    assert.match(chart.html, />validation: val_loss</);
    snapshot("learning-curves-20-runs", chart);
  });

  it("draws a log y scale and a wall-time x axis when asked, and refuses a log scale of values that are not all above 0", () => {
    const store = ExperimentStore.open(join(tempDir(), "axes.db"));
    const run = store.createRun({ experiment: "axes", sourceKind: "script", name: "axes" });
    store.logMetrics(run, Array.from({ length: 50 }, (_, step) => ({ key: "loss", step, value: 10 ** (-step / 10), tsMs: 1_000_000 + step * 2000 })));
    store.logMetrics(run, [{ key: "shift", step: 0, value: 0, tsMs: 1_000_000 }]);
    const chart = learningCurves(store, "loss", { runs: [run], scale: "log", x: "time" });
    assert.match(chart.html, /loss \(log\)/);
    assert.match(chart.html, /seconds since the first point/);
    const ticks = texts(dom(chart), '[aria-label="x-axis tick label"] text');
    assert.ok(ticks.includes("90"), `the x axis runs to 98 s, not to step 49: ${ticks.join(" ")}`);
    assert.throws(() => learningCurves(store, "shift", { runs: [run], scale: "log" }), /a log scale needs values above 0/);
    store.close();
  });

  it("downsample a 100,000-step history to about 1000 points, keeping a spike", () => {
    const store = ExperimentStore.open(join(tempDir(), "long.db"));
    const run = store.createRun({ experiment: "long", sourceKind: "script", name: "long" });
    const points = Array.from({ length: 100_000 }, (_, step) => ({ key: "loss", step, value: 1 / (1 + step / 1000) + (step === 77_777 ? 5 : 0) }));
    store.logMetrics(run, points);
    const chart = learningCurves(store, "loss", { runs: [run], stepLabel: "batch" });
    store.close();
    const paths = Array.from(dom(chart).querySelectorAll(".learning-curve path"));
    assert.equal(paths.length, 1);
    const commands = count(paths[0]?.getAttribute("d") ?? "", /[ML]/);
    assert.ok(commands <= 1000 && commands >= 200, `about 1000 points at most, got ${commands}`);
    assert.ok(texts(dom(chart), '[aria-label="y-axis tick label"] text').includes("5.5"), "the y axis reaches the spike (5 over a loss of 0.56)");
    assert.match(chart.html, />batch →</);
  });

  it("name the metric and list the ones the runs have when none has it", () => {
    const { store } = sweep({ runs: 3, epochs: 3 });
    assert.throws(
      () => learningCurves(store, "f1", { experiment: "sweep" }),
      (e: unknown) =>
        e instanceof TrackingError &&
        /no run in experiment "sweep" has metric "f1"; their metrics are: accuracy, loss, test_accuracy, test_f1_macro, val_accuracy, val_loss/.test(e.message),
    );
    assert.throws(() => learningCurves(store, "f1", { validation: "both" }), /has metric "f1" or "val_f1"/);
    assert.throws(() => learningCurves(store, "loss", { experiment: "nope" }), /no runs in experiment "nope"/);
    assert.throws(() => learningCurves(store, "loss", { last: 0 }), /invalid last: 0/);
    store.close();
  });
});

describe("run comparison", () => {
  it("ranks runs best first, highlights and labels the best bar, ends each bar with its value", () => {
    const { store } = sweep({ runs: 6 });
    const chart = runComparison(store, "val_loss", { experiment: "sweep" });
    const best = store.bestRun("val_loss", { mode: "min", experiment: "sweep" });
    const ranked = store.compareRuns({ experiment: "sweep", metrics: ["val_loss"], orderBy: { metric: "val_loss", direction: "asc" } }).runs;
    store.close();
    const doc = dom(chart);
    assert.equal(doc.querySelectorAll(".run-bar rect").length, 6);
    assert.equal(doc.querySelectorAll(`.run-bar rect[fill="${HIGHLIGHT.best}"]`).length, 1, "one highlighted bar");
    assert.deepEqual(
      texts(doc, '[aria-label="y-axis tick label"] text'),
      ranked.map((r) => `#${r.id} ${r.name}`),
      "lowest val_loss first",
    );
    assert.equal(texts(doc, '[aria-label="y-axis tick label"] text')[0], `#${best?.id} ${best?.name}`);
    assert.equal(texts(doc, ".run-value text").length, 6, "a value per bar");
    assert.match(texts(doc, ".run-value text").find((t) => t.includes("best")) ?? "", /^0\.\d+ {2}◀ best$/);
    assert.match(chart.html, /<h2[^>]*>val_loss: final value by run<\/h2>/);
    assert.match(chart.html, /lower is better · best: #\d+ run \d+/);
    assert.match(chart.html, />val_loss →</);
    snapshot("run-comparison", chart);
  });

  it("takes higher as better for accuracy, and keeps 20 of 25 runs with distinct, shortened labels", () => {
    const { store } = sweep({ runs: 25, epochs: 3 });
    const writer = ExperimentStore.open(store.path);
    const long = writer.createRun({ experiment: "sweep", sourceKind: "script", name: "a very long run name that goes on and on about its settings" });
    writer.logMetric(long, "test_accuracy", 0.9999);
    writer.endRun(long, "finished");
    writer.close();
    const chart = runComparison(store, "test_accuracy", { experiment: "sweep" });
    store.close();
    const doc = dom(chart);
    assert.equal(doc.querySelectorAll(".run-bar rect").length, 20, "the default limit");
    const labels = Array.from(doc.querySelectorAll('[aria-label="y-axis tick label"] text'));
    assert.equal(new Set(labels.map(position)).size, 20, "no two y-axis labels at the same position");
    assert.equal(labels[0]?.textContent, `#${long} a very long run name that…`, "highest first, cut with an ellipsis");
    assert.match(chart.html, /the best 20 of 26 runs of experiment "sweep", higher is better/);
  });

  it("names the metric and lists the ones the runs have when none has it", () => {
    const { store } = sweep({ runs: 2, epochs: 2 });
    assert.throws(() => runComparison(store, "rmse"), (e: unknown) => e instanceof TrackingError && /"rmse".*accuracy, loss/.test(e.message));
    store.close();
  });
});

describe("param vs metric", () => {
  it("plots the metric against each differing param, lr on a log scale, the best run a star", () => {
    const { store } = sweep({ runs: 6 });
    const chart = paramVsMetric(store, "test_accuracy", { experiment: "sweep" });
    const best = store.bestRun("test_accuracy", { experiment: "sweep" });
    store.close();
    const doc = dom(chart);
    assert.deepEqual(texts(doc, ".param-title text"), ["hidden", "lr (log scale)"], "model and seed are the same everywhere");
    assert.match(chart.html, /same in every run, not shown: model = mlp, seed = 7/);
    assert.equal(doc.querySelectorAll(".run-dot circle").length, 10, "5 runs in each of 2 panels");
    assert.equal(doc.querySelectorAll(".best-run path").length, 2, "the best run, starred in each panel");
    assert.deepEqual(
      Array.from(doc.querySelectorAll(".best-run"), (g) => g.getAttribute("fill")),
      [HIGHLIGHT.best, HIGHLIGHT.best],
      "highlighted",
    );
    assert.match(chart.html, new RegExp(`★ best \\(highest test_accuracy\\): #${best?.id} run`));
    assert.deepEqual(texts(doc, ".param-tick text"), ["8", "16", "0.001", "0.01", "0.1"]);
    assert.match(chart.html, />↑ test_accuracy</);
    snapshot("param-vs-metric", chart);
  });

  it("shows string params as categories and says when no param differs", () => {
    const store = ExperimentStore.open(join(tempDir(), "opt.db"));
    ["adam", "sgd", "rmsprop", "adam"].forEach((optimizer, i) => {
      const run = store.createRun({ experiment: "opt", sourceKind: "script" });
      store.logParams(run, { optimizer, seed: 1 });
      store.logMetric(run, "val_loss", 0.5 - i / 10);
    });
    const chart = paramVsMetric(store, "val_loss", { experiment: "opt" });
    assert.deepEqual(texts(dom(chart), ".param-tick text"), ["adam", "rmsprop", "sgd"]);
    assert.throws(() => paramVsMetric(store, "val_loss", { experiment: "opt", params: ["seed"] }), /do not differ in these params \(seed = 1\)/);
    assert.throws(() => paramVsMetric(store, "val_loss", { params: ["momentum"] }), /has param "momentum"; their params are: optimizer, seed/);
    store.close();
  });
});

describe("parallel coordinates", () => {
  it("draws an axis per param and metric with its range, a line per run colored by the first metric", () => {
    const { store } = sweep({ runs: 6 });
    const chart = parallelCoordinates(store, { experiment: "sweep" });
    store.close();
    const doc = dom(chart);
    const names = texts(doc, ".pc-axis-name text");
    assert.deepEqual(
      [...names].sort(),
      ["accuracy", "hidden", "loss", "lr (log)", "test_accuracy", "test_f1_macro", "val_accuracy", "val_loss"].sort(),
    );
    assert.equal(doc.querySelectorAll(".pc-axis line").length, 8);
    assert.equal(doc.querySelectorAll(".run-line path").length, 6, "one line per run");
    assert.equal(doc.querySelectorAll(".best-run path").length, 1, "the best run drawn thicker");
    assert.equal(texts(doc, ".pc-axis-max text").length, 8, "each axis labels its highest value...");
    assert.equal(texts(doc, ".pc-axis-min text").length, 8, "...and its lowest");
    assert.ok(texts(doc, ".pc-axis-min text").includes("0.001") && texts(doc, ".pc-axis-max text").includes("0.1"));
    assert.match(chart.html, /test_accuracy \(higher is better\)/, "a color legend for the first metric");
    assert.match(chart.html, /<figcaption>Same in every run, not shown: model, seed.<\/figcaption>/);
    snapshot("parallel-coordinates", chart);
  });

  it("spaces categories evenly and colors by the metric asked first, darker for lower losses", () => {
    const store = ExperimentStore.open(join(tempDir(), "pc.db"));
    ["adam", "sgd", "rmsprop"].forEach((optimizer, i) => {
      const run = store.createRun({ experiment: "pc", sourceKind: "script" });
      store.logParams(run, { optimizer, lr: 0.01 * (i + 1) });
      store.logMetrics(run, [
        { key: "val_loss", value: 0.3 - i / 10 },
        { key: "val_accuracy", value: 0.7 + i / 10 },
      ]);
    });
    const chart = parallelCoordinates(store, { metrics: ["val_loss", "val_accuracy"] });
    store.close();
    const doc = dom(chart);
    const categories = Array.from(doc.querySelectorAll(".pc-category text"));
    assert.deepEqual(categories.map((e) => e.textContent), ["adam", "rmsprop", "sgd"]);
    const ys = categories.map((e) => Number(position(e).split(",")[1]));
    assert.ok(Math.abs((ys[0] as number) - (ys[1] as number) - ((ys[1] as number) - (ys[2] as number))) < 0.5, `evenly spaced: ${ys}`);
    assert.match(chart.html, /val_loss \(lower is better\)/);
  });
});

describe("charts of runs escape user strings", () => {
  it(`render a run named ${EVIL}, a param value and a metric name with markup, as text`, () => {
    const store = ExperimentStore.open(join(tempDir(), "evil.db"));
    for (const [i, name] of [EVIL, "plain"].entries()) {
      const run = store.createRun({ experiment: "<b>exp</b>", sourceKind: "script", name });
      store.logParams(run, { "<i>param</i>": i === 0 ? "<script>x</script>" : "ok", lr: 0.1 * (i + 1) });
      store.logMetrics(run, [
        { key: "<u>loss</u>", value: 1 - i / 4, step: 1 },
        { key: "<u>loss</u>", value: 0.5 - i / 4, step: 2 },
      ]);
    }
    const charts = [
      learningCurves(store, "<u>loss</u>", { experiment: "<b>exp</b>" }),
      runComparison(store, "<u>loss</u>"),
      paramVsMetric(store, "<u>loss</u>"),
      parallelCoordinates(store),
    ];
    store.close();
    for (const chart of charts) {
      assert.ok(!/<(img|b|i|u|script)[\s>]/.test(chart.html), `no markup from user strings in ${chart.title}`);
      assert.match(chart.html, /&lt;u&gt;loss&lt;\/u&gt;|&lt;img/);
    }
    assert.match(charts[0]?.html ?? "", /#1 &lt;img src=x onerror=alert\(1/, "the run name, escaped, in the legend");
    assert.match(charts[1]?.html ?? "", /<title>#1 &lt;img src=x onerror=alert\(1\)&gt;: /, "the whole name in the tooltip");
    assert.match(charts[2]?.html ?? "", /&lt;script&gt;x&lt;\/script&gt;/, "a param value, escaped");
    assert.match(charts[3]?.html ?? "", /&lt;i&gt;param&lt;\/i&gt;/, "a param name, escaped");
  });
});
