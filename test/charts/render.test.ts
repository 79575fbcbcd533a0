import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as Plot from "@observablehq/plot";
import { renderPlot } from "../../src/charts";

const rows = [
  { x: 1, y: 2, group: "a" },
  { x: 2, y: 3, group: "b" },
  { x: 3, y: 1, group: "a" },
];

describe("renderPlot", () => {
  it("renders a bare chart as a standalone SVG document", () => {
    const chart = renderPlot({ marks: [Plot.dot(rows, { x: "x", y: "y" })] });
    assert.equal(chart.standaloneSvg, true);
    assert.match(chart.html, /^<svg[^>]* xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.equal((chart.html.match(/<circle/g) ?? []).length, 3);
  });

  it("wraps a chart with a title or legend in a figure, escaping the title", () => {
    const chart = renderPlot({
      title: "<img src=x onerror=alert(1)>",
      color: { legend: true },
      marks: [Plot.dot(rows, { x: "x", y: "y", stroke: "group" })],
    });
    assert.equal(chart.standaloneSvg, false);
    assert.match(chart.html, /^<figure/);
    assert.ok(!chart.html.includes("<img"), "the title must be text, not markup");
    assert.match(chart.html, /&lt;img src=x onerror=alert\(1\)&gt;/);
    assert.match(chart.html, /<svg[^>]* xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  });
});
