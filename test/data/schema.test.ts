import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { inspect } from "node:util";
import { describe, it } from "node:test";
import { ColumnarTable, executeSql, parseCsv, readParquet, sqlString } from "../../src/data";
import { SchemaReport, SchemaViolationError, checkSchema } from "../../src/data/schema";
import type { CheckOptions, RuleName, TableSchema } from "../../src/data/schema";
import { MIME_BUNDLE } from "../../src/display";
import { DataError } from "../../src/errors";
import { withStepContext } from "../../src/run-context";
import type { LoggedPoint, StepContext } from "../../src/run-context";
import { tempDir } from "../helpers/tmp";

const day = (iso: string): number => Date.parse(iso);

/**
 * Six flights, one column of each dtype. Row 2 has a fractional year, row 4
 * a missing one; row 3 has no carrier and no code; row 5's delay is far below -60.
 */
function flights(): ColumnarTable {
  return new ColumnarTable([
    { name: "year", dtype: "float64", values: Float64Array.from([2001, 2001, 2002.5, 2003, NaN, 2004]) },
    { name: "delay", dtype: "float64", values: Float64Array.from([5, -10, 30, 700, 0, -75]) },
    { name: "carrier", dtype: "category", values: Int32Array.from([0, 1, 2, -1, 0, 1]), dictionary: ["AA", "UA", "XX"] },
    { name: "code", dtype: "string", values: ["AB1", "ab2", "CD3", null, "EF4", "GH5"] },
    { name: "cancelled", dtype: "bool", values: Uint8Array.from([0, 0, 1, 0, 0, 1]) },
    { name: "departed", dtype: "timestamp", values: Float64Array.from(["2001-01-01", "2001-06-01", "2002-01-01", "2003-01-01", "2010-01-01", "1999-12-31"].map(day)) },
    { name: "id", dtype: "int64", values: BigInt64Array.from([1n, 2n, 3n, 4n, 9007199254740993n, 6n]) },
    { name: "seats", dtype: "int32", values: Int32Array.from([100, 150, 0, 180, 120, 90]) },
  ]);
}

/** What a failing check reports: per column and rule, the count and the example rows. */
async function broken(table: ColumnarTable, schema: TableSchema, options: Partial<CheckOptions> = {}): Promise<[string, RuleName, number, number[]][]> {
  try {
    await checkSchema(table, schema, { source: "data/flights.parquet", ...options });
  } catch (error) {
    assert.ok(error instanceof SchemaViolationError, `expected a SchemaViolationError, got ${String(error)}`);
    return error.report.violations.map((v) => [v.column, v.rule, v.count, v.examples.map((e) => e.row)]);
  }
  return [];
}

async function rejectsWith<E extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => E, ...patterns: RegExp[]): Promise<E> {
  let caught: unknown;
  await assert.rejects(promise, (error: unknown) => {
    caught = error;
    return true;
  });
  assert.ok(caught instanceof type, `expected a ${type.name}, got ${String(caught)}`);
  for (const p of patterns) assert.match(caught.message, p);
  return caught;
}

/** A step context that keeps the metric points logged: the real interface the workbench provides. */
function collectingStep(points: LoggedPoint[]): StepContext {
  return {
    step: "load",
    log: (logged) => points.push(...logged),
    progress: () => ({ update: () => undefined, done: () => undefined }),
    fileRead: () => undefined,
  };
}

describe("checkSchema: the rules", () => {
  it("passes a table whose every row matches, returning the same table", async () => {
    const t = flights();
    const { table, report } = await checkSchema(t, { delay: "number", carrier: "string", code: { type: "string" }, seats: { type: "integer", min: 0 } }, { source: "flights" });
    assert.equal(table, t);
    assert.ok(report.ok);
    assert.equal(report.badRows, 0);
    assert.deepEqual(report.violations, []);
    assert.equal(String(report), "flights: all 6 rows match the schema");
  });

  it("nullable: false counts NaN, null strings and null category codes; nulls break no other rule", async () => {
    assert.deepEqual(await broken(flights(), { year: { nullable: false }, code: { nullable: false }, carrier: { nullable: false } }), [
      ["year", "nullable", 1, [4]],
      ["code", "nullable", 1, [3]],
      ["carrier", "nullable", 1, [3]],
    ]);
    assert.deepEqual(await broken(flights(), { year: { min: 2000 }, code: { pattern: /^[A-Z]/ }, carrier: { values: ["AA", "UA", "XX"] } }), [["code", "pattern", 1, [1]]]);
  });

  it("integer: a float column's fractions are violations, its NaN a null", async () => {
    assert.deepEqual(await broken(flights(), { year: "integer" }), [["year", "integer", 1, [2]]]);
    assert.deepEqual(await broken(flights(), { year: { type: "integer", nullable: false } }), [
      ["year", "nullable", 1, [4]],
      ["year", "integer", 1, [2]],
    ]);
  });

  it("min and max on numbers, int32 and int64 (compared exactly)", async () => {
    assert.deepEqual(await broken(flights(), { delay: { min: -60, max: 600 }, seats: { min: 1 }, id: { max: 9007199254740992 } }), [
      ["delay", "min", 1, [5]],
      ["delay", "max", 1, [3]],
      ["seats", "min", 1, [2]],
      ["id", "max", 1, [4]],
    ]);
  });

  it("min and max on timestamps, given as a Date, an ISO string or milliseconds", async () => {
    assert.deepEqual(await broken(flights(), { departed: { type: "timestamp", min: new Date("2000-01-01"), max: "2005-01-01" } }), [
      ["departed", "min", 1, [5]],
      ["departed", "max", 1, [4]],
    ]);
    assert.deepEqual(await broken(flights(), { departed: { min: day("2001-03-01") } }), [["departed", "min", 2, [0, 5]]]);
  });

  it("values on a category (checked on its dictionary), strings, numbers, booleans, int64 and timestamps", async () => {
    assert.deepEqual(
      await broken(flights(), {
        carrier: { values: ["AA", "UA"] },
        code: { values: ["AB1", "CD3"] },
        seats: { values: [100, 150, 180] },
        cancelled: { values: [false] },
        id: { values: [1, 2, 3, 4, 6] },
        departed: { values: ["2001-01-01", day("2001-06-01")] },
      }),
      [
        ["carrier", "values", 1, [2]],
        ["code", "values", 3, [1, 4, 5]],
        ["seats", "values", 3, [2, 4, 5]],
        ["cancelled", "values", 2, [2, 5]],
        ["id", "values", 1, [4]],
        ["departed", "values", 4, [2, 3, 4, 5]],
      ],
    );
  });

  it("pattern on strings and categories; a global RegExp gives the same answer on every row", async () => {
    assert.deepEqual(await broken(flights(), { code: { pattern: /^[A-Z]{2}\d$/g }, carrier: { pattern: /^[AU]/ } }), [
      ["code", "pattern", 1, [1]],
      ["carrier", "pattern", 1, [2]],
    ]);
  });

  it("boolean: a float64 column (booleans with nulls) may hold only 0 and 1", async () => {
    const t = new ColumnarTable([{ name: "ok", dtype: "float64", values: Float64Array.from([1, 0, NaN, 2, 0.5]) }]);
    assert.deepEqual(await broken(t, { ok: "boolean" }), [["ok", "boolean", 2, [3, 4]]]);
    assert.deepEqual(await broken(t, { ok: { type: "boolean", values: [true] } }), [
      ["ok", "boolean", 2, [3, 4]],
      ["ok", "values", 3, [1, 3, 4]],
    ]);
  });

  it("keeps `examples` rows per rule and counts them all", async () => {
    const t = new ColumnarTable([{ name: "x", dtype: "int32", values: Int32Array.from({ length: 100 }, (_, i) => i) }]);
    assert.deepEqual(await broken(t, { x: { min: 90 } }, { examples: 2 }), [["x", "min", 90, [0, 1]]]);
    assert.deepEqual(await broken(t, { x: { min: 90 } }, { examples: 0 }), [["x", "min", 90, []]]);
  });

  it("keeps each example row's values as JS values", async () => {
    const error = await rejectsWith(checkSchema(flights(), { delay: { min: -60 } }, { source: "f" }), SchemaViolationError);
    const [example] = error.report.violations[0]?.examples ?? [];
    assert.deepEqual(example, {
      row: 5,
      values: { year: 2004, delay: -75, carrier: "UA", code: "GH5", cancelled: true, departed: new Date("1999-12-31"), id: 6n, seats: 90 },
    });
  });
});

describe("checkSchema: structural errors", () => {
  it("a missing column is a DataError naming the source, the column and the columns there are", async () => {
    const error = await rejectsWith(checkSchema(flights(), { dep_delay: "number" }, { source: "data/flights.parquet" }), DataError, /data\/flights\.parquet/, /no column "dep_delay"/, /"delay"/, /remove it from the schema/);
    assert.ok(!(error instanceof SchemaViolationError));
  });

  it("a dtype that cannot hold the declared type names both, and what to declare instead", async () => {
    await rejectsWith(
      checkSchema(flights(), { code: "integer" }, { source: "data/flights.parquet" }),
      DataError,
      /data\/flights\.parquet/,
      /column "code" is declared "integer" but holds text \(string\)/,
      /CAST/,
      /declare it "string"/,
    );
    await rejectsWith(checkSchema(flights(), { departed: "number", cancelled: "timestamp" }, { source: "f" }), DataError, /column "departed" .* declare it "timestamp"/, /column "cancelled" .* holds booleans/);
  });

  it("is never quarantined: nothing is written", async () => {
    const dir = tempDir("pipelab-schema-");
    await rejectsWith(checkSchema(flights(), { carrier: "number" }, { source: "f", onViolation: "quarantine", quarantine: join(dir, "bad.csv") }), DataError, /carrier/);
    assert.deepEqual(readdirSync(dir), []);
  });

  it("refuses undeclared columns when extraColumns is error", async () => {
    await rejectsWith(checkSchema(flights(), { year: "number", delay: "number" }, { source: "f", extraColumns: "error" }), DataError, /undeclared columns "carrier", "code"/, /extraColumns: "allow"/);
  });

  it("refuses a rule that is wrong in itself or for its column", async () => {
    const t = flights();
    await rejectsWith(checkSchema(t, { delay: { minimum: 0 } as never }, { source: "f" }), DataError, /column "delay": unknown key "minimum"/);
    await rejectsWith(checkSchema(t, { delay: { pattern: /x/ } }, { source: "f" }), DataError, /a pattern applies to text/);
    await rejectsWith(checkSchema(t, { code: { min: 0 } }, { source: "f" }), DataError, /min applies to numbers and timestamps/);
    await rejectsWith(checkSchema(t, { delay: { values: ["5"] } }, { source: "f" }), DataError, /values must be numbers .* "5" is not/);
    await rejectsWith(checkSchema(t, { delay: { min: 10, max: 0 } }, { source: "f" }), DataError, /min 10 is above max 0/);
    await rejectsWith(checkSchema(t, { departed: { min: "yesterday" } }, { source: "f" }), DataError, /"yesterday" is not a date/);
    await rejectsWith(checkSchema(t, { delay: "float" as never }, { source: "f" }), DataError, /unknown type "float"/);
  });
});

describe("checkSchema: fail", () => {
  it("throws a SchemaViolationError naming the source, each rule with its count and rows, example rows, and what to do", async () => {
    const t = new ColumnarTable([
      { name: "delay", dtype: "float64", values: Float64Array.from({ length: 50 }, (_, i) => (i % 4 === 3 ? -100 : i)) },
      { name: "carrier", dtype: "string", values: Array.from({ length: 50 }, (_, i) => (i === 7 ? "ZZ" : "AA")) },
    ]);
    const error = await rejectsWith(checkSchema(t, { delay: { min: -60 }, carrier: { values: ["AA", "UA"] } }, { source: "data/flights.parquet" }), SchemaViolationError);
    assert.ok(error instanceof DataError);
    const lines = error.message.split("\n");
    assert.equal(lines[0], "data/flights.parquet breaks its schema: 12 of 50 rows break 2 rules");
    assert.equal(lines[1], '  column "delay": 12 values below the minimum -60 (rows 3, 7, 11, 15, 19, ...)');
    assert.equal(lines[2], '  column "carrier": 1 value not among the allowed values "AA", "UA" (row 7)');
    assert.equal(lines[3], "example rows (0-based):");
    assert.equal(lines[4], '  row 3: delay=-100, carrier="AA"');
    assert.equal(lines[5], '  row 7: delay=-100, carrier="ZZ"');
    assert.match(lines.at(-1) ?? "", /fix the data, widen the rule in the schema, or pass onViolation: "quarantine"/);
  });

  it("writes nothing, even when a quarantine file is named", async () => {
    const dir = tempDir("pipelab-schema-");
    await rejectsWith(checkSchema(flights(), { delay: { max: 100 } }, { source: "f", quarantine: join(dir, "bad.csv") }), SchemaViolationError);
    assert.deepEqual(readdirSync(dir), []);
  });
});

describe("checkSchema: quarantine", () => {
  it("returns the good rows and writes the bad ones, with the rules they broke, as RFC 4180 CSV", async () => {
    const dir = tempDir("pipelab-schema-");
    const file = join(dir, "out", "bad.csv");
    const t = new ColumnarTable([
      { name: "note", dtype: "string", values: ['say "hi", then go', "", null, "line\nbreak", "fine"] },
      { name: "delay", dtype: "float64", values: Float64Array.from([1, -99, 2, 3.5, NaN]) },
      { name: "kind", dtype: "category", values: Int32Array.from([0, 1, 0, 1, 0]), dictionary: ["a", "b"] },
      { name: "at", dtype: "timestamp", values: Float64Array.from([0, 86_400_000, NaN, 0, 0]) },
      { name: "big", dtype: "int64", values: BigInt64Array.from([1n, 2n, 3n, 4n, 5n]) },
      { name: "flag", dtype: "bool", values: Uint8Array.from([1, 0, 1, 0, 1]) },
    ]);
    const { table, report } = await checkSchema(t, { delay: { type: "integer", min: -60, nullable: false }, kind: { values: ["a"] } }, { source: "notes.parquet", onViolation: "quarantine", quarantine: file });
    assert.deepEqual(report.quarantine, { rows: 3, file });
    assert.equal(report.badRows, 3);
    assert.deepEqual(readdirSync(join(dir, "out")), ["bad.csv"], "no temporary file is left");
    assert.equal(
      readFileSync(file, "utf8"),
      [
        "note,delay,kind,at,big,flag,schema_violations",
        `"",-99,b,1970-01-02T00:00:00.000Z,2,false,"delay: below the minimum -60; kind: not among the allowed values ""a"""`,
        `"line\nbreak",3.5,b,1970-01-01T00:00:00.000Z,4,false,"delay: outside the integers; kind: not among the allowed values ""a"""`,
        "fine,,a,1970-01-01T00:00:00.000Z,5,true,delay: missing (null or NaN) in a non-nullable column",
        "",
      ].join("\r\n"),
    );
    const parsed = parseCsv(readFileSync(file, "utf8"), ",");
    assert.deepEqual(parsed.records.map((r) => r[0]), ["", "line\nbreak", "fine"]);
    assert.equal(table.rows, 2);
    assert.deepEqual(table.dtypes, t.dtypes);
    assert.deepEqual(table.strings("note"), ['say "hi", then go', null]);
    assert.deepEqual(Array.from(table.column("delay") as Float64Array), [1, 2]);
    assert.deepEqual(table.dictionary("kind"), ["a", "b"]);
    assert.deepEqual(table.strings("kind"), ["a", "a"]);
    assert.deepEqual(Array.from(table.column("big") as BigInt64Array), [1n, 3n]);
    assert.equal(table.value("at", 1), null);
    assert.match(String(report), /3 rows quarantined to .*bad\.csv/);
  });

  it("names the label column apart from the table's own", async () => {
    const dir = tempDir("pipelab-schema-");
    const t = new ColumnarTable([{ name: "schema_violations", dtype: "int32", values: Int32Array.from([1, -1]) }]);
    await checkSchema(t, { schema_violations: { min: 0 } }, { source: "t", onViolation: "quarantine", quarantine: join(dir, "bad.csv") });
    assert.equal(readFileSync(join(dir, "bad.csv"), "utf8"), "schema_violations,_schema_violations\r\n-1,schema_violations: below the minimum 0\r\n");
  });

  it("with no bad rows, returns the same table and writes a header alone", async () => {
    const dir = tempDir("pipelab-schema-");
    const t = flights();
    const { table, report } = await checkSchema(t, { delay: "number" }, { source: "f", onViolation: "quarantine", quarantine: join(dir, "bad.csv") });
    assert.equal(table, t);
    assert.deepEqual(report.quarantine, { rows: 0, file: join(dir, "bad.csv") });
    assert.equal(readFileSync(join(dir, "bad.csv"), "utf8"), "year,delay,carrier,code,cancelled,departed,id,seats,schema_violations\r\n");
  });

  it("needs a quarantine file", async () => {
    await rejectsWith(checkSchema(flights(), { delay: "number" }, { source: "data/flights.parquet", onViolation: "quarantine" }), DataError, /needs a quarantine file/, /quarantine: "quarantine\/flights\.csv"/);
  });
});

describe("checkSchema in a step", () => {
  it("logs the rows, violations and quarantined rows as metrics of the run", async () => {
    const dir = tempDir("pipelab-schema-");
    const points: LoggedPoint[] = [];
    await withStepContext(collectingStep(points), () =>
      checkSchema(flights(), { delay: { min: -60, max: 600 }, year: "integer" }, { source: "data/flights.parquet", onViolation: "quarantine", quarantine: join(dir, "bad.csv") }),
    );
    assert.deepEqual(points, [
      { key: "schema.flights.rows", value: 6, step: 0 },
      { key: "schema.flights.violations", value: 3, step: 0 },
      { key: "schema.flights.quarantined", value: 3, step: 0 },
    ]);
  });

  it("logs them too when the check fails", async () => {
    const points: LoggedPoint[] = [];
    await rejectsWith(
      withStepContext(collectingStep(points), () => checkSchema(flights(), { delay: { min: -60 } }, { source: "weather" })),
      SchemaViolationError,
    );
    assert.deepEqual(points.map((p) => [p.key, p.value]), [
      ["schema.weather.rows", 6],
      ["schema.weather.violations", 1],
      ["schema.weather.quarantined", 0],
    ]);
  });
});

describe("SchemaReport display", () => {
  it("shows the violations and example rows as HTML tables, every user string escaped", async () => {
    const t = new ColumnarTable([{ name: "<b>x</b>", dtype: "string", values: ["<script>", "ok"] }]);
    const error = await rejectsWith(checkSchema(t, { "<b>x</b>": { pattern: /^ok$/ } }, { source: "<i>src</i>.csv" }), SchemaViolationError);
    const report: SchemaReport = error.report;
    const bundle = report[MIME_BUNDLE]();
    const html = bundle["text/html"] ?? "";
    assert.ok(!html.includes("<b>") && !html.includes("<script>") && !html.includes("<i>"), html);
    assert.match(html, /&#60;b&#62;x&#60;\/b&#62;/);
    assert.match(html, /<caption>Schema check of &#60;i&#62;src&#60;\/i&#62;\.csv<\/caption>/);
    assert.match(html, /<caption>Example rows/);
    assert.match(bundle["text/plain"], /<b>x<\/b>\s+pattern\s+1\s+not matching \/\^ok\$\//);
    assert.equal(inspect(report), bundle["text/plain"]);
  });
});

describe("ColumnarTable.take", () => {
  it("copies the rows at the positions given, in their order, for every dtype", () => {
    const t = flights();
    const taken = t.take([5, 0, 5]);
    assert.equal(taken.rows, 3);
    assert.deepEqual(taken.dtypes, t.dtypes);
    for (const name of t.columns) assert.deepEqual([0, 1, 2].map((r) => taken.value(name, r)), [5, 0, 5].map((r) => t.value(name, r)), name);
    (t.column("delay") as Float64Array)[5] = 1;
    assert.equal(taken.value("delay", 0), -75, "the values are copied, not shared");
  });

  it("refuses a position outside the table", () => {
    assert.throws(() => flights().take([0, 6]), /position 6 \(at index 1\) is not a row of this table, which has 6 rows/);
  });
});

describe("checkSchema on a Parquet file", () => {
  it("checks what readParquet returns: integers with nulls as float64, text as a category", async () => {
    const dir = tempDir("pipelab-schema-");
    const file = join(dir, "x.parquet");
    await executeSql(
      `COPY (SELECT * FROM (VALUES (1, 2001, 'AA', 5.5), (2, NULL, 'UA', -80.0), (3, 2003, 'ZZ', 12.0), (4, 2004, NULL, 0.0)) AS t(id, year, carrier, delay)) TO ${sqlString(file)} (FORMAT parquet)`,
    );
    const raw = await readParquet(file);
    assert.deepEqual(raw.dtypes, { id: "int32", year: "float64", carrier: "category", delay: "float64" });
    const schema: TableSchema = { id: { type: "integer", min: 1 }, year: { type: "integer", nullable: false }, carrier: { type: "string", values: ["AA", "UA"] }, delay: { min: -60 } };
    assert.deepEqual(await broken(raw, schema), [
      ["year", "nullable", 1, [1]],
      ["carrier", "values", 1, [2]],
      ["delay", "min", 1, [1]],
    ]);
    const bad = join(dir, "bad.csv");
    const { table } = await checkSchema(raw, schema, { source: file, onViolation: "quarantine", quarantine: bad });
    assert.deepEqual(Array.from(table.column("id") as Int32Array), [1, 4]);
    assert.deepEqual(table.strings("carrier"), ["AA", null]);
    assert.deepEqual(
      parseCsv(readFileSync(bad, "utf8"), ",").records.map((r) => r.slice(0, 4)),
      [
        ["2", "", "UA", "-80"],
        ["3", "2003", "ZZ", "12"],
      ],
    );
    await rejectsWith(checkSchema(raw, { carrier: "integer" }, { source: file }), DataError, /x\.parquet/, /column "carrier" is declared "integer" but holds text \(category\)/);
  });
});

describe("checkSchema at scale (printed, not asserted)", () => {
  it("checks flights-3m.parquet's delays", async () => {
    const file = join(__dirname, "..", "..", "node_modules", "vega-datasets", "data", "flights-3m.parquet");
    if (!existsSync(file)) return;
    const raw = await readParquet(file);
    const started = performance.now();
    const { report } = await checkSchema(raw, { delay: { type: "number", nullable: false, min: -60, max: 600 }, distance: { type: "integer", min: 0 } }, { source: file, onViolation: "quarantine", quarantine: join(tempDir("pipelab-schema-"), "bad.csv") });
    const ms = performance.now() - started;
    console.log(`flights-3m.parquet: ${report.rows} rows checked in ${ms.toFixed(0)} ms; ${report.badRows} quarantined`);
  });
});
