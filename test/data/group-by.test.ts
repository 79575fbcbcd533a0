import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ColumnarTable, sql } from "../../src/data";

const table = ColumnarTable.fromColumns({
  g: ["a", "b", "a", null, "b", "a"],
  h: Int32Array.from([1, 1, 2, 2, 1, 1]),
  x: Float64Array.from([1, 2, 3, 4, NaN, 8]),
});

describe("groupBy", () => {
  it("aggregates per group in order of first appearance, skipping missing values as SQL does", async () => {
    const r = table.groupBy("g").agg({ x: "mean", n: "count", total: ["x", "sum"], hi: ["x", "max"], lo: ["x", "min"], sd: ["x", "std"] });
    assert.deepEqual(r.strings("g"), ["a", "b", null]);
    assert.deepEqual([...(r.column("x") as Float64Array)], [4, 2, 4]);
    assert.deepEqual([...(r.column("n") as Float64Array)], [3, 2, 1]);
    assert.deepEqual([...(r.column("total") as Float64Array)], [12, 2, 4]);
    assert.deepEqual([...(r.column("hi") as Float64Array)], [8, 2, 4]);
    assert.deepEqual([...(r.column("lo") as Float64Array)], [1, 2, 4]);
    const viaSql = await sql("SELECT g, stddev(x) AS sd FROM t GROUP BY g ORDER BY g NULLS LAST", { t: table });
    assert.ok(Math.abs((r.value("sd", 0) as number) - (viaSql.value("sd", 0) as number)) < 1e-12);
    assert.ok(Number.isNaN(r.value("sd", 1) as number), "one value left in b: no sample deviation");
  });

  it("groups by several keys", () => {
    const r = table.groupBy(["g", "h"]).agg({ n: "count" });
    assert.deepEqual(r.strings("g"), ["a", "b", "a", null]);
    assert.deepEqual([...(r.column("h") as Int32Array)], [1, 1, 2, 2]);
    assert.deepEqual([...(r.column("n") as Float64Array)], [2, 2, 1, 1]);
  });

  it("refuses text to aggregate and an unknown aggregate", () => {
    assert.throws(() => table.groupBy("h").agg({ g: "mean" }), /holds text/);
    assert.throws(() => table.groupBy("h").agg({ x: "median" as never }), /unknown aggregate "median"/);
    assert.throws(() => table.groupBy("nope"), /no column "nope"/);
  });
});

describe("toMatrix", () => {
  it("lays numeric columns out row by row, and refuses text and missing values by name", () => {
    const m = ColumnarTable.fromColumns({ a: [1, 2], b: [3, 4] }).toMatrix();
    assert.deepEqual([...m.data], [1, 3, 2, 4]);
    assert.throws(() => table.toMatrix(["g"]), /column "g" holds text/);
    assert.throws(() => table.toMatrix(["x"]), /column "x" has a missing value at row 4/);
  });
});

describe("numbers", () => {
  it("gives any numeric column as a Float64Array, and refuses text", () => {
    const t = ColumnarTable.fromColumns({ i: Int32Array.from([1, 2]), f: Float64Array.from([0.5, NaN]) });
    assert.deepEqual([...t.numbers("i")], [1, 2]);
    assert.equal(t.numbers("f"), t.column("f"), "a float64 column is not copied");
    assert.throws(() => table.numbers("g"), /not numbers/);
  });
});
