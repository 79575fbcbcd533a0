import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import * as dfd from "danfojs-node";
import { evaluate, seededRandom, trainModel } from "../../src/ml";
import { ExperimentStore } from "../../src/tracking";
import { Workbench } from "../../src/workbench";
import { tempDir } from "../helpers/tmp";

describe("wb.show in a script", () => {
  it("writes every chart as an HTML page and an SVG among the run's artifacts, and says where", async () => {
    const dir = tempDir();
    const lines: string[] = [];
    const open = () => Workbench.open({ experiment: "show", store: join(dir, "experiments.db"), cacheDir: join(dir, "cache"), print: (l) => lines.push(l) });
    const r = seededRandom(1);
    const x = Array.from({ length: 120 }, (_, i) => [r() + (i % 2), r()]);
    const y = x.map((_, i) => (i % 2 ? "b" : "a"));
    // Two runs with different learning rates, so comparisons have something to compare.
    let report;
    for (const lr of [0.01, 0.1]) {
      const wb = await open();
      const p = wb.params({ lr });
      const model = await wb.step("train", { p }, ({ p }) => trainModel({ x, y, validation: { x, y } }, { task: "classification", epochs: 5, learningRate: p.lr, seed: 1, progress: false }));
      report = await wb.step("evaluate", { model }, ({ model }) => evaluate(model, x, y));
      if (lr === 0.1) {
        wb.show.learningCurves("loss");
        wb.show.compare("test_accuracy");
        wb.show.paramVsMetric("test_accuracy");
        wb.show.parallel();
        wb.show.confusion(report);
        wb.show.roc(report);
        wb.show.pr(report);
        assert.throws(() => wb.show.residuals(report!), /takes the report of a regression, from evaluate\(\); got a classification report/);
        const xr = x.map((row) => [row[0] as number]);
        const yr = x.map((row) => 2 * (row[0] as number) + (row[1] as number));
        const regressor = await wb.step("regress", () => trainModel({ x: xr, y: yr }, { task: "regression", epochs: 5, seed: 1, progress: false }));
        const regression = await wb.step("evaluate-regression", { regressor }, ({ regressor }) => evaluate(regressor, xr, yr, { prefix: "reg_" }));
        wb.show.residuals(regression);
        wb.show.predictedVsActual(regression);
        wb.show.distributions(new dfd.DataFrame({ u: x.map((r) => r[0]), v: x.map((r) => r[1]), label: y }), { by: "label" });
      }
      wb.finish();
      if (lr === 0.1) {
        const written = lines.filter((l) => / written to /.test(l));
        assert.equal(written.length, 11, written.join("\n"));
        for (const line of written) {
          const file = /written to (\S+\.html)/.exec(line)?.[1] as string;
          assert.ok(existsSync(file), file);
          const html = readFileSync(file, "utf8");
          if (line.startsWith("chart")) {
            assert.match(html, /<svg/);
            assert.ok(existsSync(file.replace(/\.html$/, ".svg")));
          } else assert.match(html, /<table/);
        }
        const store = ExperimentStore.open(join(dir, "experiments.db"));
        const artifacts = store.listArtifacts(wb.runId).map((a) => a.kind);
        assert.equal(artifacts.filter((k) => k === "chart").length, 10);
        assert.equal(artifacts.filter((k) => k === "chart-svg").length, 10);
        assert.equal(artifacts.filter((k) => k === "table").length, 1);
        store.close();
      }
    }
  });
});

describe("wb.show.ui", () => {
  it("starts the runs page once, on loopback, prints its link, and serves this experiment's runs", async () => {
    const dir = tempDir();
    const lines: string[] = [];
    const wb = await Workbench.open({ experiment: "page <&>", store: join(dir, "experiments.db"), cacheDir: join(dir, "cache"), print: (l) => lines.push(l) });
    wb.params({ lr: 0.1 });
    const url = await wb.show.ui();
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/experiments\/page%20%3C%26%3E$/);
    assert.equal(await wb.show.ui(), url, "the same page server the second time");
    assert.ok(lines.includes(`runs page: ${url}`));
    const html = await (await fetch(url)).text();
    assert.match(html, /Runs of page &#60;&#38;&#62;/, "the experiment name, escaped");
    assert.match(html, new RegExp(`#${wb.runId}\\b`));
    wb.finish();
  });
});
