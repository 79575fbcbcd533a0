import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, statSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ColumnarTable, DUCKDB_VERSION, currentFingerprint, datasetPath, executeSql, loadDatasetRows, parquetFingerprint, queryColumns, readParquet, sqlString } from "../../src/data";
import { MIME_BUNDLE } from "../../src/display";
import { DataError } from "../../src/errors";
import { withStepContext } from "../../src/run-context";
import type { StepContext } from "../../src/run-context";

// Real data: vega-datasets' seattle-weather.csv, written to Parquet by DuckDB.
const dir = mkdtempSync(join(tmpdir(), "pipelab-parquet-"));
const weather = join(dir, "weather.parquet");
const csvRows = loadDatasetRows("seattle-weather");

/** A step context that only records the files read. */
function recordingStep(read: Map<string, string>): StepContext {
  return {
    step: "load",
    log: () => undefined,
    progress: () => ({ update: () => undefined, done: () => undefined }),
    fileRead: (file, hash) => read.set(file, hash),
  };
}

async function rejectsWithData(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof DataError, `expected a DataError, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  });
}

describe("readParquet", () => {
  before(async () => {
    await executeSql(`COPY (SELECT * FROM read_csv(${sqlString(datasetPath("seattle-weather"))})) TO ${sqlString(weather)} (FORMAT parquet)`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("reads a file into typed columns whose values are the CSV's", async () => {
    const t = await readParquet(weather);
    assert.equal(t.rows, csvRows.length);
    assert.deepEqual(t.columns, ["date", "precipitation", "temp_max", "temp_min", "wind", "weather"]);
    assert.deepEqual(t.dtypes, { date: "timestamp", precipitation: "float64", temp_max: "float64", temp_min: "float64", wind: "float64", weather: "category" });
    assert.ok(t.column("temp_max") instanceof Float64Array);
    assert.ok(t.column("weather") instanceof Int32Array);
    for (const r of [0, 1, 2, 700, csvRows.length - 1]) {
      const row = csvRows[r] as Record<string, unknown>;
      for (const name of ["precipitation", "temp_max", "temp_min", "wind"]) assert.equal(t.column(name)[r], row[name], `${name} of row ${r}`);
      assert.equal(t.strings("weather")[r], row.weather);
      assert.equal((t.value("date", r) as Date).toISOString().slice(0, 10), row.date);
    }
  });

  it("reads text as strings when asked", async () => {
    const t = await readParquet(weather, { columns: ["weather"], strings: "strings" });
    assert.deepEqual(t.dtypes, { weather: "string" });
    assert.deepEqual(t.column("weather").slice(0, 3), csvRows.slice(0, 3).map((r) => r.weather));
  });

  it("selects columns in the order asked, and filters rows with SQL", async () => {
    const t = await readParquet(weather, { columns: ["wind", "weather"], where: "weather = 'sun' AND wind > 4" });
    assert.deepEqual(t.columns, ["wind", "weather"]);
    const expected = csvRows.filter((r) => r.weather === "sun" && (r.wind as number) > 4);
    assert.equal(t.rows, expected.length);
    assert.deepEqual(Array.from(t.column("wind") as Float64Array), expected.map((r) => r.wind));
    assert.deepEqual(t.dictionary("weather"), ["sun"]);
  });

  it("reads a glob of two files as one table", async () => {
    await executeSql(`COPY (SELECT * FROM ${sqlString(weather)} WHERE year(date) <= 2013) TO ${sqlString(join(dir, "part-a.parquet"))} (FORMAT parquet)`);
    await executeSql(`COPY (SELECT * FROM ${sqlString(weather)} WHERE year(date) > 2013) TO ${sqlString(join(dir, "part-b.parquet"))} (FORMAT parquet)`);
    const t = await readParquet(join(dir, "part-*.parquet"), { columns: ["temp_max"] });
    assert.equal(t.rows, csvRows.length);
    assert.equal(t.column("temp_max")[0], csvRows[0]?.temp_max);
  });

  it("reads a hive-partitioned folder, with its partition column and a partition filter", async () => {
    const folder = join(dir, "by-weather");
    await executeSql(`COPY (SELECT * FROM ${sqlString(weather)}) TO ${sqlString(folder)} (FORMAT parquet, PARTITION_BY (weather))`);
    assert.ok(existsSync(join(folder, "weather=rain")));
    const t = await readParquet(folder, { columns: ["temp_max", "weather"], where: "weather = 'rain'", strings: "strings" });
    assert.equal(t.rows, csvRows.filter((r) => r.weather === "rain").length);
    assert.ok(t.column("weather").every((w) => w === "rain"));
  });

  it("refuses a missing file, a glob that matches nothing, and an empty folder, naming them", async () => {
    await rejectsWithData(readParquet(join(dir, "nope.parquet")), /nope\.parquet.*no such file/);
    await rejectsWithData(readParquet(join(dir, "nope-*.parquet")), /no file matches the glob ".*nope-\*\.parquet"/);
    const empty = mkdtempSync(join(dir, "empty-"));
    await rejectsWithData(readParquet(empty), /has no \.parquet files/);
  });

  it("refuses a file with a corrupt footer, naming the file", async () => {
    const bad = join(dir, "truncated.parquet");
    copyFileSync(weather, bad);
    truncateSync(bad, statSync(bad).size - 100);
    await rejectsWithData(readParquet(bad), /truncated\.parquet.*not a valid Parquet file/);
    await rejectsWithData(readParquet(bad, { columns: ["wind"] }), /truncated\.parquet.*not a valid Parquet file/);
  });

  it("refuses an unknown column, naming it and the columns there are", async () => {
    await rejectsWithData(readParquet(weather, { columns: ["wind", "gusts"] }), /no column "gusts" .*"temp_max"/);
    await rejectsWithData(readParquet(weather, { where: "gusts > 3" }), /where filter "gusts > 3".*gusts/);
  });

  it("quotes column names: one with a quote and a space is read, not injected", async () => {
    const odd = join(dir, "odd.parquet");
    await executeSql(`COPY (SELECT 1.5::DOUBLE AS "a ""b"" c", 2 AS n) TO ${sqlString(odd)} (FORMAT parquet)`);
    const t = await readParquet(odd, { columns: ['a "b" c'] });
    assert.deepEqual(Array.from(t.column('a "b" c') as Float64Array), [1.5]);
  });

  it("in a step, reports each file by a fingerprint that changes when its bytes change", async () => {
    const file = join(dir, "fingerprinted.parquet");
    await executeSql(`COPY (SELECT 1 AS x) TO ${sqlString(file)} (FORMAT parquet)`);
    const first = new Map<string, string>();
    await withStepContext(recordingStep(first), () => readParquet(file));
    const recorded = first.get(file) ?? assert.fail("the step was not told of the file");
    assert.ok(recorded.startsWith("parquet-tail-v1:"), `fingerprint ${recorded}`);
    assert.equal(currentFingerprint(file, recorded), recorded);

    await executeSql(`COPY (SELECT 2 AS x) TO ${sqlString(file)} (FORMAT parquet)`);
    const second = new Map<string, string>();
    await withStepContext(recordingStep(second), () => readParquet(file));
    assert.notEqual(second.get(file), recorded);
    assert.notEqual(currentFingerprint(file, recorded), recorded);
    assert.equal(parquetFingerprint(file), second.get(file));
  });

  it("in a step, reports every file of a folder", async () => {
    const read = new Map<string, string>();
    await withStepContext(recordingStep(read), () => readParquet(join(dir, "by-weather"), { where: "weather = 'fog'" }));
    assert.equal(read.size, new Set(csvRows.map((r) => r.weather)).size);
  });

  it("uses the @duckdb/node-api version pinned in package.json, the one its adapter was written for", () => {
    const root = join(__dirname, "..", "..");
    const pinned = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { dependencies: Record<string, string> }).dependencies["@duckdb/node-api"];
    const installed = (JSON.parse(readFileSync(join(root, "node_modules", "@duckdb", "node-api", "package.json"), "utf8")) as { version: string }).version;
    assert.deepEqual([pinned, installed], [DUCKDB_VERSION, DUCKDB_VERSION]);
  });

  it("says an extension that is not built in is unavailable offline", async () => {
    await rejectsWithData(executeSql("LOAD delta"), /extension "delta", which is unavailable offline/);
  });
});

describe("ColumnarTable", () => {
  it("shows its head and tail and N rows × M columns, HTML-escaped", async () => {
    const t = await queryColumns(`SELECT range AS n, 'row <' || range || '>' AS "<b>label</b>" FROM range(100)`);
    const bundle = t[MIME_BUNDLE]();
    const html = bundle["text/html"] ?? assert.fail("no text/html");
    assert.match(bundle["text/plain"], /100 rows × 2 columns/);
    assert.match(bundle["text/plain"], /row <99>/);
    assert.doesNotMatch(bundle["text/plain"], /row <50>/);
    assert.match(html, /&#60;b&#62;label&#60;\/b&#62;/);
    assert.doesNotMatch(html, /<b>/);
  });

  it("converts small data to danfo, and refuses big data with what to do", async () => {
    const t = await queryColumns(`SELECT range::INTEGER AS n, range % 2 = 0 AS even, 'k' || (range % 3) AS key FROM range(10)`);
    assert.deepEqual(t.dtypes, { n: "int32", even: "bool", key: "category" });
    const df = t.toDanfo();
    assert.deepEqual(df.shape, [10, 3]);
    assert.deepEqual(df.column("key").values.slice(0, 4), ["k0", "k1", "k2", "k0"]);
    assert.throws(() => t.toDanfo({ maxRows: 5 }), (e: unknown) => e instanceof DataError && /up to 5 rows; this table has 10: take head\(n\)/.test(e.message));
    assert.deepEqual(t.head(3).toDanfo().shape, [3, 3]);
  });

  it("holds integers with nulls as float64 with NaN, and big integers as BigInt64Array", async () => {
    const t = await queryColumns(`SELECT * FROM (VALUES (1, 9007199254740993::BIGINT), (NULL, 2::BIGINT)) v(a, b)`);
    assert.equal(t.dtypes.a, "float64");
    assert.ok(Number.isNaN(t.column("a")[1] as number));
    assert.equal(t.dtypes.b, "int64");
    assert.deepEqual(Array.from(t.column("b") as BigInt64Array), [9007199254740993n, 2n]);
  });

  it("refuses columns of unequal length", () => {
    assert.throws(() => new ColumnarTable([{ name: "a", dtype: "float64", values: new Float64Array(2) }, { name: "b", dtype: "float64", values: new Float64Array(3) }]), DataError);
  });
});

describe("readParquet at scale (printed, not asserted)", () => {
  it("reads two numeric columns of flights-3m.parquet into typed arrays", async () => {
    const file = join(__dirname, "..", "..", "node_modules", "vega-datasets", "data", "flights-3m.parquet");
    if (!existsSync(file)) return;
    const started = performance.now();
    const t = await readParquet(file, { columns: ["delay", "distance"] });
    const ms = performance.now() - started;
    console.log(`flights-3m.parquet: ${t.rows} rows × 2 numeric columns into ${t.column("delay").constructor.name}s in ${ms.toFixed(0)} ms`);
    assert.equal(t.rows, 3_000_000);
  });
});
