import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ColumnarTable, readParquet, sql, writeParquet } from "../../src/data";

const dir = mkdtempSync(join(tmpdir(), "pipelab-sql-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** 5,000 rows: more than two DuckDB chunks (2,048 rows), with missing values in the first chunk and in the last only. */
function sample(): ColumnarTable {
  const n = 5000;
  return ColumnarTable.fromColumns({
    x: Float64Array.from({ length: n }, (_, i) => (i === 3 ? NaN : i / 2)),
    k: Array.from({ length: n }, (_, i) => (i % 3 === 0 ? null : ["a", "b'c", "d"][i % 3] ?? null)),
    s: Array.from({ length: n }, (_, i) => (i === 4097 ? null : `v${i}`)),
    d: Array.from({ length: n }, (_, i) => new Date(Date.UTC(2020, 0, 1) + i * 3_600_000)),
    i: Int32Array.from({ length: n }, (_, i) => i % 7),
  });
}

describe("sql over tables", () => {
  it("loads every column kind into DuckDB and keeps missing values missing, chunk by chunk", async () => {
    const t = sample();
    const r = await sql("SELECT count(*) AS n, count(x) AS nx, count(k) AS nk, count(s) AS ns, min(d) AS d0, max(d) AS d1, sum(i) AS si FROM t", { t });
    assert.equal(r.value("n", 0), 5000);
    assert.equal(r.value("nx", 0), 4999);
    assert.equal(r.value("nk", 0), 5000 - 1667);
    assert.equal(r.value("ns", 0), 4999);
    assert.equal((r.value("d0", 0) as Date).toISOString(), "2020-01-01T00:00:00.000Z");
    assert.equal((r.value("d1", 0) as Date).getTime(), Date.UTC(2020, 0, 1) + 4999 * 3_600_000);
    let si = 0;
    for (let i = 0; i < 5000; i++) si += i % 7;
    assert.equal(r.value("si", 0), si, "a HUGEINT sum reads as a number");
  });

  it("returns a category loaded as an ENUM with its own strings (quotes included)", async () => {
    const r = await sql("SELECT k, count(*) AS n FROM t GROUP BY k ORDER BY k NULLS LAST", { t: sample() });
    assert.deepEqual(r.strings("k"), ["b'c", "d", null]);
    assert.deepEqual([...(r.column("n") as Float64Array)], [1667, 1666, 1667]);
  });

  it("takes danfo frames and file paths as inputs", async () => {
    const file = join(dir, "in.csv");
    writeFileSync(file, "a,b\n1,x\n2,y\n3,x\n");
    const r = await sql("SELECT b, sum(a) AS a FROM f GROUP BY b ORDER BY b", { f: file }, { strings: "strings" });
    assert.deepEqual(r.strings("b"), ["x", "y"]);
    assert.deepEqual([...(r.column("a") as Float64Array)], [4, 2]);
  });

  it("reports an error mid-read instead of returning the rows read so far", async () => {
    const file = join(dir, "late-error.csv");
    writeFileSync(file, `n\n${Array.from({ length: 30000 }, (_, i) => i).join("\n")}\nnot-a-number\n`);
    await assert.rejects(
      sql(`SELECT * FROM read_csv('${file}', header = true, auto_detect = false, columns = {'n': 'BIGINT'})`),
      /Could not convert string "not-a-number"/,
    );
  });

  it("names an unknown table and refuses an input it cannot load", async () => {
    await assert.rejects(sql("SELECT * FROM nowhere"), /nowhere/);
    await assert.rejects(sql("SELECT 1", { bad: 42 as never }), /the input "bad" is number 42/);
  });
});

describe("writeParquet", () => {
  it("writes one file that reads back the same", async () => {
    const t = sample();
    const written = await writeParquet(t, join(dir, "out", "t.parquet"));
    assert.equal(written.rows, 5000);
    const back = await readParquet(written.path);
    assert.deepEqual(back.columns, t.columns);
    assert.deepEqual(back.strings("k"), t.strings("k"));
    assert.ok(Number.isNaN(back.value("x", 3) as number));
    assert.deepEqual([...(back.column("i") as Int32Array)], [...(t.column("i") as Int32Array)]);
  });

  it("writes hive partitions, reads one back by a filter, and replaces the folder whole", async () => {
    const path = join(dir, "parts");
    const written = await writeParquet(sample(), path, { partitionBy: ["i"] });
    assert.equal(written.files.length, 7);
    const three = await readParquet(path, { where: "i = 3" });
    assert.equal(three.rows, 714);
    await writeParquet(sample().head(10), path, { partitionBy: ["i"] });
    assert.equal((await readParquet(path)).rows, 10, "the old partitions are gone");
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes(".tmp")), [], "no temporary folder left");
  });

  it("refuses an unknown partition column before writing anything", async () => {
    await assert.rejects(writeParquet(sample(), join(dir, "never"), { partitionBy: ["nope"] }), /no column "nope" to partition by/);
    assert.ok(!readdirSync(dir).includes("never"));
  });
});

describe("reading DuckDB results", () => {
  it("reads a BIGINT column with nulls as float64, whatever bytes lie under the nulls", async () => {
    for (let round = 0; round < 20; round++) {
      const r = await sql("SELECT CASE WHEN range % 2 = 0 THEN NULL ELSE range END AS x FROM range(5000)");
      assert.equal(r.dtypes.x, "float64");
      assert.ok(Number.isNaN(r.value("x", 0) as number));
      assert.equal(r.value("x", 4999), 4999);
    }
  });

  it("keeps integers beyond 2^53 exactly, as int64", async () => {
    const r = await sql("SELECT 9007199254740993::BIGINT AS big UNION ALL SELECT 1");
    assert.equal(r.dtypes.big, "int64");
    assert.equal(r.value("big", 0), 9007199254740993n);
  });
});

describe("integer results", () => {
  it("are int32 when they all fit and none is missing (counts, months), so a partition folder is named month=3, not month=3.0", async () => {
    const r = await sql("SELECT range % 3 AS m, count(*) AS n FROM range(30) GROUP BY m ORDER BY m");
    assert.deepEqual(r.dtypes, { m: "int32", n: "int32" });
    const written = await writeParquet(r, join(dir, "int-parts"), { partitionBy: ["m"] });
    assert.ok(written.files.some((f) => f.includes("m=2/")), written.files.join(", "));
  });
});

describe("text loaded into DuckDB", () => {
  it("orders and compares alphabetically, whatever order its categories first appeared in", async () => {
    const t = ColumnarTable.fromColumns({ origin: ["USA", "Europe", "Japan", "USA", "Europe"], hp: [130, 90, 95, 150, 80] });
    const r = await sql("SELECT origin, avg(hp) AS hp FROM t GROUP BY origin ORDER BY origin", { t }, { strings: "strings" });
    assert.deepEqual(r.strings("origin"), ["Europe", "Japan", "USA"]);
    const later = await sql("SELECT count(*) AS n FROM t WHERE origin > 'Japan'", { t });
    assert.equal(later.value("n", 0), 2, "only USA sorts after Japan");
  });
});
