import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runsTable } from "../../src/charts";
import { ExperimentStore } from "../../src/tracking";
import { sweepStore } from "../fixtures/charts/runs";
import { assertSnapshot, count } from "../helpers/snapshot";
import { tempDir } from "../helpers/tmp";

describe("the runs table", () => {
  it("shows params and final metrics, highlights differing params and marks the best values", () => {
    const { file, runIds } = sweepStore(tempDir(), { runs: 6, epochs: 5 });
    const store = ExperimentStore.open(file);
    store.recordStep(runIds[0]!, { step: "load", outcome: "miss", durationMs: 1 });
    store.recordStep(runIds[0]!, { step: "train", outcome: "hit", durationMs: 1 });
    const c = store.compareRuns({ experiment: "sweep", metrics: ["test_accuracy", "val_loss"] });
    const html = runsTable(c, { steps: store.stepCounts(runIds) });
    store.close();
    assert.equal(count(html, /<tr style/), 6, "one row per run");
    assert.match(html, /<th[^>]*background:#FFF3D6[^>]*>lr<\/th>/, "lr differs across runs: highlighted");
    assert.match(html, /<th[^>]*color:#777[^>]*>model<\/th>/, "model is the same everywhere: greyed");
    assert.equal(count(html, /◀<\/td>/), 2, "one best value per metric");
    const bestAccuracy = Math.max(...c.runs.map((r) => r.metrics.test_accuracy as number));
    assert.match(html, new RegExp(`${String(Number(bestAccuracy.toPrecision(4))).replace(".", "\\.")} ◀`));
    assert.match(html, />1\/2</, "run 1 took one of two steps from the cache");
    // Durations are real clock times: the snapshot keeps the layout, not the milliseconds.
    assertSnapshot("charts/runs-table.html", html.replace(/>\d+ ms</g, ">N ms<"));
  });

  it("escapes every user string: a run named <img src=x onerror=alert(1)> is text", () => {
    const store = ExperimentStore.open(`${tempDir()}/x.db`);
    const evil = "<img src=x onerror=alert(1)>";
    const run = store.createRun({ experiment: "xss", sourceKind: "script", name: evil });
    store.logParams(run, { [evil]: evil, note: '"quoted" & <b>bold</b>' });
    store.logMetric(run, "acc<script>", 0.5);
    const html = runsTable(store.compareRuns({ experiment: "xss" }));
    store.close();
    assert.ok(!html.includes("<img"), "no image element");
    assert.ok(!html.includes("<script"), "no script element");
    assert.ok(!html.includes("<b>"), "no markup from params");
    assert.match(html, /&#60;img src=x onerror=alert\(1\)&#62;/);
    assert.match(html, /&#34;quoted&#34; &#38; &#60;b&#62;bold&#60;\/b&#62;/);
  });
});
