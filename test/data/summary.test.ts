import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ColumnarTable } from "../../src/data";
import { MIME_BUNDLE } from "../../src/display";
import type { MimeBundle } from "../../src/display";

describe("a big table under a cell", () => {
  const n = 100_000;
  const big = ColumnarTable.fromColumns({
    x: Float64Array.from({ length: n }, (_, i) => (i === 7 ? NaN : i)),
    city: Array.from({ length: n }, (_, i) => (i % 10 === 0 ? "<Oslo>" : i % 3 === 0 ? null : "Rome")),
  });

  it("summarizes each column: missing values, min / mean / max, distinct values and the most frequent", () => {
    const s = big.summary();
    assert.deepEqual(s.strings("column"), ["x", "city"]);
    assert.deepEqual([...(s.column("missing") as Float64Array)], [1, countMissing(n)]);
    assert.equal(s.value("min", 0), 0);
    assert.equal(s.value("max", 0), n - 1);
    assert.ok(Math.abs((s.value("mean", 0) as number) - ((n * (n - 1)) / 2 - 7) / (n - 1)) < 1e-6, "the mean of the values present");
    assert.equal(s.value("distinct", 1), 2);
    assert.equal(s.value("top", 1), "Rome");
  });

  it("shows its first and last rows and its summary, never every row, HTML-escaped", () => {
    const bundle = (big as unknown as Record<symbol, () => MimeBundle>)[MIME_BUNDLE]?.() as MimeBundle;
    const html = bundle["text/html"] as string;
    assert.match(html, /100000 rows × 2 columns/);
    assert.match(html, /summary/);
    assert.match(html, /&#60;Oslo&#62;/);
    assert.ok(!html.includes("<Oslo>"));
    assert.ok(html.length < 20_000, `the HTML is ${html.length} characters`);
  });

  it("shows a small table whole, without a summary", () => {
    const small = ColumnarTable.fromColumns({ x: [1, 2, 3] });
    const text = (small as unknown as Record<symbol, () => MimeBundle>)[MIME_BUNDLE]?.()["text/plain"] as string;
    assert.ok(!text.includes("summary"));
  });
});

/** Rows whose city is null: multiples of 3 that are not multiples of 10. */
function countMissing(n: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (i % 10 !== 0 && i % 3 === 0) k++;
  return k;
}
