import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { ColumnarTable } from "../../src/data/columnar";
import type { Column } from "../../src/data/columnar";
import { DeltaConflictError, deltaFingerprint, deltaHistory, deltaVersion, readDelta, writeDelta } from "../../src/data/delta";
import { executeSql, queryColumns, sqlString } from "../../src/data/duckdb";
import { currentFingerprint } from "../../src/data/fingerprint";
import { DataError } from "../../src/errors";
import { withStepContext } from "../../src/run-context";
import type { StepContext } from "../../src/run-context";
import { tempDir } from "../helpers/tmp";

const dir = tempDir("pipelab-delta-");
const LOG = "_delta_log";

// --- helpers -------------------------------------------------------------------

function table(columns: Record<string, Omit<Column, "name">>): ColumnarTable {
  return new ColumnarTable(Object.entries(columns).map(([name, c]) => ({ name, ...c })));
}

/** A small table: `n` rows with ids from `first`, and a tag naming the write. */
function batch(first: number, n: number, tag: string): ColumnarTable {
  return table({
    id: { dtype: "int32", values: Int32Array.from({ length: n }, (_, i) => first + i) },
    tag: { dtype: "string", values: Array.from({ length: n }, () => tag) },
  });
}

/** The rows of a table as plain objects (Dates as ISO strings), for comparisons. */
function rowsOf(t: ColumnarTable): Record<string, unknown>[] {
  return Array.from({ length: t.rows }, (_, r) =>
    Object.fromEntries(
      t.columns.map((c) => {
        const v = t.value(c, r);
        return [c, v instanceof Date ? v.toISOString() : typeof v === "number" && Number.isNaN(v) ? null : v];
      }),
    ),
  );
}

function ids(t: ColumnarTable): number[] {
  return Array.from(t.column("id") as ArrayLike<number>).sort((a, b) => a - b);
}

async function rejectsWithData(promise: Promise<unknown>, ...patterns: RegExp[]): Promise<DataError> {
  let caught: unknown;
  await assert.rejects(promise, (error: unknown) => {
    caught = error;
    return true;
  });
  assert.ok(caught instanceof DataError, `expected a DataError, got ${String(caught)}`);
  for (const pattern of patterns) assert.match(caught.message, pattern);
  return caught;
}

/** The actions of a commit file, as JSON. */
function commitActions(root: string, version: number): Record<string, Record<string, unknown>>[] {
  const text = readFileSync(join(root, LOG, `${String(version).padStart(20, "0")}.json`), "utf8");
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, Record<string, unknown>>);
}

/** Parquet files under a folder (relative paths), the log's own left out. */
function parquetFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory() && e.name !== LOG) walk(join(d, e.name));
      else if (e.name.endsWith(".parquet")) out.push(relative(root, join(d, e.name)));
    }
  };
  walk(root);
  return out.sort();
}

// --- hand-written tables ---------------------------------------------------------

const SCHEMA = JSON.stringify({
  type: "struct",
  fields: [
    { name: "id", type: "long", nullable: true, metadata: {} },
    { name: "p", type: "integer", nullable: true, metadata: {} },
  ],
});

const protocol = (minReaderVersion = 1, extra: Record<string, unknown> = {}) => ({ protocol: { minReaderVersion, minWriterVersion: 2, ...extra } });
const metaData = (configuration: Record<string, string> = {}) => ({
  metaData: { id: "7f0c0d3e-0000-4000-8000-000000000001", format: { provider: "parquet", options: {} }, schemaString: SCHEMA, partitionColumns: ["p"], configuration, createdTime: 1 },
});
const add = (path: string, p: string | null, extra: Record<string, unknown> = {}) => ({ add: { path, partitionValues: { p }, size: 1, modificationTime: 1, dataChange: true, ...extra } });
const remove = (path: string) => ({ remove: { path, deletionTimestamp: 2, dataChange: true } });
const commitInfo = (timestamp: number, operation = "WRITE") => ({ commitInfo: { timestamp, operation } });

/** Writes a data file of ids (the partition column left out, as Delta writers do). */
async function dataFile(root: string, path: string, ids: readonly number[]): Promise<void> {
  mkdirSync(join(root, path, ".."), { recursive: true });
  await executeSql(`COPY (SELECT CAST(unnest([${ids.join(", ")}]) AS BIGINT) AS id) TO ${sqlString(join(root, path))} (FORMAT parquet)`);
}

/** Writes commit files, one a version, each action a line. */
function commits(root: string, versions: readonly (readonly object[])[], from = 0): void {
  mkdirSync(join(root, LOG), { recursive: true });
  versions.forEach((actions, i) => {
    writeFileSync(join(root, LOG, `${String(from + i).padStart(20, "0")}.json`), actions.map((a) => `${JSON.stringify(a)}\n`).join(""));
  });
}

/** A one-version table of one file, whose actions can be changed to break it. */
async function handTable(name: string, actions: readonly object[]): Promise<string> {
  const root = join(dir, name);
  await dataFile(root, "p=1/a.parquet", [1, 2]);
  commits(root, [actions]);
  return root;
}

// --- specifications ----------------------------------------------------------------

describe("writeDelta, then readDelta", () => {
  const at = [Date.UTC(2025, 2, 1, 12, 30, 15, 250), NaN, Date.UTC(1999, 11, 31)];

  it("creates a table at version 0 (protocol 1/2, Delta's schema) and reads it back column for column", async () => {
    const root = join(dir, "types");
    const written = table({
      id: { dtype: "int32", values: Int32Array.from([1, 2, 3]) },
      score: { dtype: "float64", values: Float64Array.from([0.5, NaN, -2.25]) },
      big: { dtype: "int64", values: BigInt64Array.from([2n ** 60n, -(2n ** 55n), 7n]) },
      ratio: { dtype: "float32", values: Float32Array.from([0.25, 1, NaN]) },
      ok: { dtype: "bool", values: Uint8Array.from([1, 0, 1]) },
      at: { dtype: "timestamp", values: Float64Array.from(at) },
      name: { dtype: "string", values: ["a", null, "c"] },
      kind: { dtype: "category", values: Int32Array.from([1, 0, -1]), dictionary: ["x", "y"] },
    });
    const result = await writeDelta(written, root);
    assert.equal(result.version, 0);
    assert.equal(result.files.length, 1);
    assert.match(relative(root, result.files[0] as string), /^part-00000-[0-9a-f-]{36}\.c000\.snappy\.parquet$/);

    const actions = commitActions(root, 0);
    assert.deepEqual(actions.map((a) => Object.keys(a)[0]), ["commitInfo", "protocol", "metaData", "add"]);
    assert.deepEqual(actions[1]?.protocol, { minReaderVersion: 1, minWriterVersion: 2 });
    const meta = actions[2]?.metaData as { schemaString: string; partitionColumns: string[]; format: unknown; id: string };
    assert.deepEqual(meta.format, { provider: "parquet", options: {} });
    assert.match(meta.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(
      (JSON.parse(meta.schemaString) as { fields: { name: string; type: string }[] }).fields.map((f) => [f.name, f.type]),
      [["id", "integer"], ["score", "double"], ["big", "long"], ["ratio", "float"], ["ok", "boolean"], ["at", "timestamp"], ["name", "string"], ["kind", "string"]],
    );
    const stats = JSON.parse((actions[3]?.add as { stats: string }).stats) as { numRecords: number; nullCount: Record<string, number>; minValues: Record<string, unknown> };
    assert.equal(stats.numRecords, 3);
    assert.equal(stats.nullCount.score, 1);
    assert.equal(stats.minValues.at, "1999-12-31T00:00:00.000Z");

    // Delta's timestamp is UTC in Parquet (isAdjustedToUTC), which other engines rely on.
    const schema = await queryColumns(`SELECT name, logical_type FROM parquet_schema(${sqlString(result.files[0] as string)}) WHERE name = 'at'`, { strings: "strings" });
    assert.match(schema.strings("logical_type")[0] ?? "", /isAdjustedToUTC=1/);

    const back = await readDelta(root, { strings: "strings" });
    assert.deepEqual(back.columns, written.columns);
    assert.deepEqual(back.dtypes, { id: "int32", score: "float64", big: "int64", ratio: "float32", ok: "bool", at: "timestamp", name: "string", kind: "string" });
    assert.deepEqual(rowsOf(back), rowsOf(written).map((r, i) => ({ ...r, kind: ["y", "x", null][i] })));
  });

  it("appends and overwrites as new versions, and reads each version as it was", async () => {
    const root = join(dir, "versions");
    assert.equal((await writeDelta(batch(0, 3, "v0"), root)).version, 0);
    assert.equal((await writeDelta(batch(3, 2, "v1"), root, { mode: "append" })).version, 1);
    assert.equal((await writeDelta(batch(100, 1, "v2"), root, { mode: "overwrite" })).version, 2);
    assert.equal((await writeDelta(batch(200, 1, "v3"), root, { mode: "append" })).version, 3);

    assert.deepEqual(ids(await readDelta(root, { version: 0 })), [0, 1, 2]);
    assert.deepEqual(ids(await readDelta(root, { version: 1 })), [0, 1, 2, 3, 4]);
    assert.deepEqual(ids(await readDelta(root, { version: 2 })), [100]);
    assert.deepEqual(ids(await readDelta(root)), [100, 200]);
    assert.equal(await deltaVersion(root), 3);

    const history = await deltaHistory(root);
    assert.deepEqual(
      history.map((c) => [c.version, c.operationParameters.mode, c.addedFiles, c.removedFiles, c.addedRows, c.isBlindAppend]),
      [
        [3, "Append", 1, 0, 1, true],
        [2, "Overwrite", 1, 2, 1, false],
        [1, "Append", 1, 0, 2, true],
        [0, "ErrorIfExists", 1, 0, 3, false],
      ],
    );
    // The overwritten files stay on disk for time travel: only the log says they are gone.
    assert.equal(parquetFiles(root).length, 4);
  });

  it("refuses to write over an existing table unless told to append or overwrite", async () => {
    const root = join(dir, "versions");
    await rejectsWithData(writeDelta(batch(0, 1, "x"), root), /Delta table ".*versions" \(version 3\) already exists/, /mode "append"/);
  });

  it("reads by timestamp the latest version committed at or before that time", async () => {
    const root = join(dir, "versions");
    const times = new Map((await deltaHistory(root)).map((c) => [c.version, c.timestamp.getTime()]));
    for (const [version, time] of times) {
      assert.deepEqual(ids(await readDelta(root, { timestamp: time })), ids(await readDelta(root, { version })), `version ${version} by its own time`);
    }
    const t1 = times.get(1) as number;
    assert.deepEqual(ids(await readDelta(root, { timestamp: new Date(t1) })), [0, 1, 2, 3, 4]);
    assert.deepEqual(ids(await readDelta(root, { timestamp: new Date(t1).toISOString() })), [0, 1, 2, 3, 4]);
    assert.deepEqual(ids(await readDelta(root, { timestamp: Date.now() + 60_000 })), [100, 200]);
    const first = new Date(times.get(0) as number).toISOString();
    await rejectsWithData(readDelta(root, { timestamp: (times.get(0) as number) - 1 }), /did not exist yet/, new RegExp(`first version \\(0\\) was committed at ${first}`));
    await rejectsWithData(readDelta(root, { timestamp: "yesterday-ish" }), /"yesterday-ish" is not a time/);
    await rejectsWithData(readDelta(root, { version: 1, timestamp: t1 }), /a version or a timestamp, not both/);
  });

  it("refuses a version the log does not have, naming the versions there are", async () => {
    const root = join(dir, "versions");
    await rejectsWithData(readDelta(root, { version: 9 }), /Delta table ".*versions" has no version 9: the latest is 3; the versions there are: 0–3/);
    await rejectsWithData(readDelta(root, { version: 1.5 }), /has no version 1.5; the versions there are: 0–3/);
  });

  it("takes a commit's time from its file when it has no commitInfo, as Delta does", async () => {
    const root = join(dir, "no-commit-info");
    await dataFile(root, "p=1/a.parquet", [1]);
    await dataFile(root, "p=2/b.parquet", [2]);
    commits(root, [[protocol(), metaData(), add("p=1/a.parquet", "1")], [add("p=2/b.parquet", "2")]]);
    const [t0, t1] = [Date.UTC(2024, 0, 1), Date.UTC(2024, 5, 1)];
    utimesSync(join(root, LOG, `${"0".padStart(20, "0")}.json`), t0 / 1000, t0 / 1000);
    utimesSync(join(root, LOG, `${"1".padStart(20, "0")}.json`), t1 / 1000, t1 / 1000);
    assert.deepEqual(ids(await readDelta(root, { timestamp: "2024-03-01T00:00:00Z" })), [1]);
    assert.deepEqual(ids(await readDelta(root, { timestamp: "2024-06-01T00:00:00Z" })), [1, 2]);
    await rejectsWithData(readDelta(root, { timestamp: "2023-12-31T23:59:59Z" }), /first version \(0\) was committed at 2024-01-01T00:00:00.000Z/);
  });
});

describe("a partitioned table", () => {
  const root = join(dir, "partitioned");
  const written = table({
    value: { dtype: "float64", values: Float64Array.from([1, 2, 3, 4, 5]) },
    day: { dtype: "category", values: Int32Array.from([0, 1, 0, -1, 2]), dictionary: ["2025-03-01", "2025-03-02", "a/b:c %"] },
    hour: { dtype: "int32", values: Int32Array.from([1, 2, 1, 3, 4]) },
  });

  it("writes one file per partition in col=value folders, the partition values only in the log", async () => {
    const { version, files } = await writeDelta(written, root, { partitionBy: ["day", "hour"] });
    assert.equal(version, 0);
    const folders = files.map((f) => relative(root, f).split("/").slice(0, -1).join("/")).sort();
    assert.deepEqual(folders, ["day=2025-03-01/hour=1", "day=2025-03-02/hour=2", "day=__HIVE_DEFAULT_PARTITION__/hour=3", "day=a%2Fb%3Ac %25/hour=4"]);
    const adds = commitActions(root, 0).flatMap((a) => (a.add === undefined ? [] : [a.add as { path: string; partitionValues: unknown }]));
    const special = adds.find((a) => a.path.startsWith("day=a"));
    // The path is a URI: the folder's own escapes are escaped again.
    assert.match(special?.path ?? "", /^day=a%252Fb%253Ac%20%2525\/hour=4\/part-/);
    assert.deepEqual(special?.partitionValues, { day: "a/b:c %", hour: "4" });
    assert.deepEqual(adds.find((a) => a.path.includes("DEFAULT"))?.partitionValues, { day: null, hour: "3" });
    const inFile = await queryColumns(`DESCRIBE SELECT * FROM read_parquet(${sqlString(files[0] as string)}, hive_partitioning = false)`, { strings: "strings" });
    assert.deepEqual(inFile.strings("column_name"), ["value"]);
  });

  it("reads the partition columns back typed by the schema, in the schema's order", async () => {
    const back = await readDelta(root, { strings: "strings" });
    assert.deepEqual(back.columns, ["value", "day", "hour"]);
    assert.deepEqual(back.dtypes, { value: "float64", day: "string", hour: "int32" });
    const byValue = (rows: Record<string, unknown>[]) => [...rows].sort((a, b) => (a.value as number) - (b.value as number));
    assert.deepEqual(byValue(rowsOf(back)), rowsOf(written.select(["value", "day", "hour"])).map((r) => ({ ...r, day: r.day })));
  });

  it("filters and selects on partition columns", async () => {
    const t = await readDelta(root, { columns: ["hour", "value"], where: "hour = 1 OR day IS NULL" });
    assert.deepEqual(t.columns, ["hour", "value"]);
    assert.deepEqual(Array.from(t.column("value") as Float64Array).sort(), [1, 3, 4]);
    await rejectsWithData(readDelta(root, { columns: ["hour", "minute"] }), /no column "minute" in the Delta table .* its columns are "value", "day", "hour"/);
    await rejectsWithData(readDelta(root, { where: "minute = 1" }), /the where filter "minute = 1" .* is not valid SQL here/);
  });

  it("reads partition values of each type as the schema says (a timestamp without zone as UTC, an empty string as null)", async () => {
    const typed = join(dir, "partition-types");
    const fields: [string, string][] = [["id", "long"], ["l", "long"], ["d", "date"], ["ts", "timestamp"], ["b", "boolean"], ["x", "double"], ["dec", "decimal(10,2)"], ["s", "string"]];
    const schemaString = JSON.stringify({ type: "struct", fields: fields.map(([name, type]) => ({ name, type, nullable: true, metadata: {} })) });
    const meta = { metaData: { id: "t", format: { provider: "parquet", options: {} }, schemaString, partitionColumns: fields.slice(1).map(([n]) => n), configuration: {} } };
    await dataFile(typed, "one.parquet", [1]);
    await dataFile(typed, "two.parquet", [2]);
    const values = [
      { l: "9007199254740991", d: "2020-02-29", ts: "2021-01-01 00:00:00", b: "false", x: "1.5", dec: "12.34", s: "" },
      { l: "-1", d: null, ts: "2021-01-01T05:00:00.123456+02:00", b: "true", x: "-0.25", dec: "-0.5", s: "a b" },
    ];
    commits(typed, [[protocol(), meta, ...["one.parquet", "two.parquet"].map((path, i) => ({ add: { path, partitionValues: values[i], size: 1, modificationTime: 1, dataChange: true } }))]]);
    const back = await readDelta(typed, { strings: "strings" });
    assert.deepEqual(back.dtypes, { id: "int32", l: "float64", d: "timestamp", ts: "timestamp", b: "bool", x: "float64", dec: "float64", s: "string" });
    assert.deepEqual(rowsOf(back), [
      { id: 1, l: 9007199254740991, d: "2020-02-29T00:00:00.000Z", ts: "2021-01-01T00:00:00.000Z", b: false, x: 1.5, dec: 12.34, s: null },
      { id: 2, l: -1, d: null, ts: "2021-01-01T03:00:00.123Z", b: true, x: -0.25, dec: -0.5, s: "a b" },
    ]);
  });

  it("writes and reads back a timestamp partition column", async () => {
    const stamped = join(dir, "by-time");
    const times = [Date.UTC(2025, 0, 1, 0, 0, 0, 5), Date.UTC(2025, 0, 2), Date.UTC(2025, 0, 1, 0, 0, 0, 5)];
    await writeDelta(table({ at: { dtype: "timestamp", values: Float64Array.from(times) }, n: { dtype: "int32", values: Int32Array.from([1, 2, 3]) } }), stamped, { partitionBy: ["at"] });
    const adds = commitActions(stamped, 0).flatMap((a) => (a.add === undefined ? [] : [a.add as { partitionValues: Record<string, string> }]));
    assert.deepEqual(adds.map((a) => a.partitionValues.at).sort(), ["2025-01-01T00:00:00.005000Z", "2025-01-02T00:00:00.000000Z"]);
    const back = await readDelta(stamped);
    assert.deepEqual(rowsOf(back).sort((a, b) => (a.n as number) - (b.n as number)), times.map((t, i) => ({ at: new Date(t).toISOString(), n: i + 1 })));
  });

  it("appends into the table's partitions, and refuses another partitioning", async () => {
    await writeDelta(written.head(2), root, { mode: "append" });
    assert.equal((await readDelta(root)).rows, 7);
    await rejectsWithData(writeDelta(written, root, { mode: "append", partitionBy: ["hour"] }), /partitioned by \["day","hour"\], which a write cannot change/);
  });
});

describe("writeDelta into an existing table's schema", () => {
  const root = join(dir, "schema");

  it("refuses columns that differ from the table's, naming each", async () => {
    await writeDelta(table({ a: { dtype: "int32", values: Int32Array.from([1]) }, b: { dtype: "float64", values: Float64Array.from([1]) } }), root);
    const other = table({ a: { dtype: "string", values: ["x"] }, c: { dtype: "float64", values: Float64Array.from([1]) } });
    await rejectsWithData(
      writeDelta(other, root, { mode: "append" }),
      /cannot append to the Delta table .* \(version 0\): the columns differ/,
      /column "b" \(double\) is missing here/,
      /column "c" is not in the table/,
      /column "a" is string here and integer in the table/,
      /does not change a table's schema/,
    );
  });

  it("accepts what the reader gives back (an integer column with nulls reads as float64), but not a fraction", async () => {
    const back = table({ a: { dtype: "float64", values: Float64Array.from([2, NaN]) }, b: { dtype: "float64", values: Float64Array.from([2, 3]) } });
    assert.equal((await writeDelta(back, root, { mode: "append" })).version, 1);
    const t = await readDelta(root);
    assert.deepEqual(rowsOf(t), [{ a: 1, b: 1 }, { a: 2, b: 2 }, { a: null, b: 3 }]);
    const fraction = table({ a: { dtype: "float64", values: Float64Array.from([2.5]) }, b: { dtype: "float64", values: Float64Array.from([2]) } });
    await rejectsWithData(writeDelta(fraction, root, { mode: "append" }), /column "a" is float64 here and integer in the table, and row 0 holds 2.5/);
  });

  it("refuses column names Delta cannot hold without column mapping", async () => {
    await rejectsWithData(writeDelta(table({ "a b": { dtype: "int32", values: Int32Array.from([1]) } }), join(dir, "bad-names")), /the column name "a b" cannot be a Delta column/);
  });
});

describe("a log with checkpoints", () => {
  const root = join(dir, "checkpointed");

  it("rebuilds each version from the newest complete checkpoint at or before it, once older commits are gone", async () => {
    await dataFile(root, "p=1/f1.parquet", [1, 2]);
    await dataFile(root, "p=2/f2.parquet", [3, 4]);
    await dataFile(root, "p=__HIVE_DEFAULT_PARTITION__/f3.parquet", [5]);
    await dataFile(root, "p=3/f4.parquet", [6, 7]);
    await dataFile(root, "p=4/f5%20x.parquet", [8]);
    commits(root, [
      [commitInfo(1000), protocol(), metaData(), add("p=1/f1.parquet", "1")],
      [commitInfo(2000), add("p=2/f2.parquet", "2")],
      [commitInfo(3000, "DELETE"), remove("p=1/f1.parquet"), add("p=__HIVE_DEFAULT_PARTITION__/f3.parquet", null)],
      [commitInfo(4000), add("p=3/f4.parquet", "3")],
      [commitInfo(5000, "DELETE"), remove("p=2/f2.parquet"), add("p=4/f5%2520x.parquet", "4")],
    ]);
    // The checkpoint of version 2, as Spark writes it: a struct column per action, one action a row.
    const struct = (kind: string, value: string) =>
      ["protocol", "metaData", "add", "remove"].map((c) => (c === kind ? value : "NULL")).join(", ");
    const protocolRow = struct("protocol", "{'minReaderVersion': 1, 'minWriterVersion': 2}");
    const metaRow = struct(
      "metaData",
      `{'id': 'abc', 'format': {'provider': 'parquet', 'options': MAP {}::MAP(VARCHAR, VARCHAR)}, 'schemaString': ${sqlString(SCHEMA)}, 'partitionColumns': ['p'], 'configuration': MAP {}::MAP(VARCHAR, VARCHAR), 'createdTime': 1::BIGINT}`,
    );
    const addRow = (path: string, p: string | null) =>
      struct("add", `{'path': ${sqlString(path)}, 'partitionValues': MAP {'p': ${p === null ? "NULL::VARCHAR" : sqlString(p)}}, 'size': 1::BIGINT, 'modificationTime': 1::BIGINT, 'dataChange': false, 'stats': '{"numRecords":1}'}`);
    const removeRow = struct("remove", "{'path': 'p=1/f1.parquet', 'deletionTimestamp': 3000::BIGINT, 'dataChange': true}");
    const checkpoint = async (file: string, rows: string[]) =>
      executeSql(`COPY (SELECT * FROM (VALUES ${rows.map((r) => `(${r})`).join(", ")}) t(protocol, metaData, add, remove)) TO ${sqlString(join(root, LOG, file))} (FORMAT parquet)`);
    await checkpoint(`${"2".padStart(20, "0")}.checkpoint.parquet`, [protocolRow, metaRow, addRow("p=2/f2.parquet", "2"), addRow("p=__HIVE_DEFAULT_PARTITION__/f3.parquet", null), removeRow]);
    // Version 3 as a two-part checkpoint; version 4's has a part missing (being written, or abandoned), and is ignored.
    await checkpoint(`${"3".padStart(20, "0")}.checkpoint.0000000001.0000000002.parquet`, [protocolRow, metaRow, addRow("p=2/f2.parquet", "2")]);
    await checkpoint(`${"3".padStart(20, "0")}.checkpoint.0000000002.0000000002.parquet`, [addRow("p=__HIVE_DEFAULT_PARTITION__/f3.parquet", null), addRow("p=3/f4.parquet", "3")]);
    writeFileSync(join(root, LOG, `${"4".padStart(20, "0")}.checkpoint.0000000001.0000000002.parquet`), "not parquet");
    writeFileSync(join(root, LOG, "_last_checkpoint"), JSON.stringify({ version: 3, size: 5, parts: 2 }));
    for (const v of [0, 1, 2, 3]) rmSync(join(root, LOG, `${String(v).padStart(20, "0")}.json`));

    assert.deepEqual(rowsOf(await readDelta(root, { version: 2 })).sort((a, b) => (a.id as number) - (b.id as number)), [
      { id: 3, p: 2 },
      { id: 4, p: 2 },
      { id: 5, p: null },
    ]);
    assert.deepEqual(ids(await readDelta(root, { version: 3 })), [3, 4, 5, 6, 7]);
    assert.deepEqual(ids(await readDelta(root)), [5, 6, 7, 8]);
    assert.deepEqual(await deltaVersion(root), 4);
    await rejectsWithData(readDelta(root, { version: 1 }), /has no version 1: its commit files were cleaned up, and no checkpoint covers it; the versions there are: 2–4/);
    assert.deepEqual((await deltaHistory(root)).map((c) => [c.version, c.operation, c.removedFiles]), [[4, "DELETE", 1]]);
  });
});

describe("tables Spark wrote (Delta's golden tables, test/fixtures/delta)", () => {
  const golden = (name: string) => join(__dirname, "..", "fixtures", "delta", "spark", name);

  it("reads a two-part checkpoint and the commit after it", async () => {
    const t = await readDelta(golden("multi-part-checkpoint"));
    assert.deepEqual(ids(t), [0, ...Array.from({ length: 30 }, (_, i) => i)].sort((a, b) => a - b));
    assert.deepEqual(ids(await readDelta(golden("multi-part-checkpoint"), { version: 0 })), [0]);
  });

  it("reads a log of checkpoints, after a DELETE", async () => {
    const t = await readDelta(golden("only-checkpoint-files"));
    assert.deepEqual(ids(t), [5, 6, 7, 8, 9, ...Array.from({ length: 20 }, (_, i) => i)].sort((a, b) => a - b));
    assert.deepEqual((await deltaHistory(golden("only-checkpoint-files"))).map((c) => c.operation), ["WRITE", "DELETE", "WRITE"]);
  });

  it("reads ISO 8601 partition timestamps from Hive-escaped folders", async () => {
    const t = await readDelta(golden("kernel-timestamp-partition-col-ISO8601"), { strings: "strings" });
    assert.deepEqual(rowsOf(t).sort((a, b) => String(a.str).localeCompare(String(b.str))), [
      { str: "2024-01-01 10:00:00", ts: "2024-01-01T10:00:00.000Z" },
      { str: "2024-01-02 12:30:00", ts: "2024-01-02T12:30:00.000Z" },
    ]);
  });
});

describe("tables pipelab's reader refuses, each naming the table", () => {
  const cases: [string, object[], RegExp][] = [
    ["reader-v2", [protocol(2), metaData(), add("p=1/a.parquet", "1")], /needs a reader of Delta protocol version 2 \(column mapping\); pipelab reads protocol version 1/],
    [
      "reader-v3-dv",
      [protocol(3, { minWriterVersion: 7, readerFeatures: ["deletionVectors", "timestampNtz"], writerFeatures: ["deletionVectors"] }), metaData(), add("p=1/a.parquet", "1")],
      /needs a reader of the Delta table features "deletionVectors", which pipelab's reader does not implement/,
    ],
    ["column-mapping", [protocol(), metaData({ "delta.columnMapping.mode": "name" }), add("p=1/a.parquet", "1")], /uses column mapping \(delta.columnMapping.mode = "name"\)/],
    [
      "deletion-vector",
      [protocol(), metaData(), add("p=1/a.parquet", "1", { deletionVector: { storageType: "i", pathOrInlineDv: "wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L", offset: 1, sizeInBytes: 40, cardinality: 1 } })],
      /has deletion vectors .* "p=1\/a.parquet".*would bring deleted rows back/,
    ],
  ];
  for (const [name, actions, pattern] of cases) {
    it(`refuses ${name}`, async () => {
      const root = await handTable(name, actions);
      await rejectsWithData(readDelta(root), new RegExp(`the Delta table ${JSON.stringify(root).replace(/[/\\^$*+?.()|[\]{}]/g, "\\$&")} \\(version 0\\)`), pattern);
    });
  }

  it("reads reader protocol 3 when its features change nothing for a reader", async () => {
    const root = await handTable("reader-v3-ok", [protocol(3, { minWriterVersion: 7, readerFeatures: ["timestampNtz"], writerFeatures: ["timestampNtz"] }), metaData(), add("p=1/a.parquet", "1")]);
    assert.deepEqual(rowsOf(await readDelta(root)), [{ id: 1, p: 1 }, { id: 2, p: 1 }]);
    await rejectsWithData(writeDelta(batch(0, 1, "x"), root, { mode: "append" }), /needs a writer of Delta protocol version 7 \(features "timestampNtz"\)/);
  });

  it("names a data file the log lists but the folder lacks", async () => {
    const root = await handTable("missing-file", [protocol(), metaData(), add("p=1/a.parquet", "1"), add("p=2/gone.parquet", "2")]);
    await rejectsWithData(readDelta(root), /lists a data file that is missing: ".*missing-file\/p=2\/gone.parquet"/, /restore the file, or read another version/);
  });

  it("names the file and line of a commit line that is not JSON", async () => {
    const root = await handTable("corrupt", [protocol(), metaData()]);
    writeFileSync(join(root, LOG, `${"1".padStart(20, "0")}.json`), `${JSON.stringify(add("p=1/a.parquet", "1"))}\n{"add":{"path":"p=1/b.parq\n`);
    await rejectsWithData(readDelta(root), /line 2 of the Delta commit file .*corrupt\/_delta_log\/00000000000000000001.json is not valid JSON/, /read a version before it/);
    assert.equal((await readDelta(root, { version: 0 })).rows, 0);
  });

  it("says a folder without a _delta_log is not a Delta table", async () => {
    mkdirSync(join(dir, "plain"), { recursive: true });
    await rejectsWithData(readDelta(join(dir, "plain")), /is not a Delta table: it has no _delta_log folder/);
    await rejectsWithData(readDelta(join(dir, "nowhere")), /cannot read the Delta table ".*nowhere": no such file/);
  });
});

describe("two writers of one table", () => {
  it("in one process: the overwrite that loses the race for a version fails with a DeltaConflictError, and its files are removed", async () => {
    const root = join(dir, "race-in-process");
    await writeDelta(batch(0, 10, "base"), root);
    const outcomes = await Promise.allSettled([writeDelta(batch(100, 10, "a"), root, { mode: "overwrite" }), writeDelta(batch(200, 10, "b"), root, { mode: "overwrite" })]);
    const won = outcomes.filter((o) => o.status === "fulfilled");
    const lost = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason as unknown] : []));
    assert.equal(won.length, 1);
    assert.equal(lost.length, 1);
    const error = lost[0];
    assert.ok(error instanceof DeltaConflictError);
    assert.equal(error.version, 1);
    assert.match(error.message, /another writer committed version 1 of the Delta table ".*race-in-process" first, after this overwrite read version 0; nothing of this write was committed .* re-read the table and retry/);
    assert.equal(await deltaVersion(root), 1);
    assert.equal(parquetFiles(root).length, 2);
  });

  it("in two processes: one creation, one overwrite, and every append of both commit, one writer a version", async () => {
    const root = join(dir, "race");
    const barrier = join(dir, "barrier");
    /** Runs the writer script twice, both starting once both are ready; returns each one's outcomes. */
    const race = async (round: string, spec: { mode: string; rows: number; writes: number }) => {
      mkdirSync(join(barrier, round), { recursive: true });
      const children = ["a", "b"].map((tag) =>
        runWriter({ table: root, ...spec, tag, ready: join(barrier, round, `ready-${tag}`), go: join(barrier, round, "go") }),
      );
      while (!["a", "b"].every((tag) => existsSync(join(barrier, round, `ready-${tag}`)))) await new Promise((r) => setTimeout(r, 5));
      writeFileSync(join(barrier, round, "go"), "");
      return Promise.all(children);
    };

    // Both create the table at once: one makes version 0, the other is told another writer created it.
    const [createA, createB] = await race("create", { mode: "error", rows: 200_000, writes: 1 });
    const creations = [...(createA ?? []), ...(createB ?? [])];
    assert.deepEqual(creations.filter((o) => o.ok).map((o) => o.version), [0]);
    const lostCreation = creations.find((o) => !o.ok);
    assert.equal(lostCreation?.conflict, true, lostCreation?.message);
    assert.match(lostCreation?.message ?? "", /another writer created the Delta table ".*race" first \(version 0\)/);

    // Both overwrite version 0 at once: one commits version 1, the other loses it.
    const [overA, overB] = await race("overwrite", { mode: "overwrite", rows: 200_000, writes: 1 });
    const overwrites = [...(overA ?? []), ...(overB ?? [])];
    assert.deepEqual(overwrites.filter((o) => o.ok).map((o) => o.version), [1]);
    const lostOverwrite = overwrites.find((o) => !o.ok);
    assert.equal(lostOverwrite?.conflict, true, lostOverwrite?.message);
    assert.equal(lostOverwrite?.version, 1);
    const winner = (overA?.[0]?.ok ? "a" : "b");
    assert.deepEqual(rowsOf(await readDelta(root, { columns: ["tag"], where: "id = 0", strings: "strings" })), [{ tag: winner }]);

    // Both append 6 times at once: blind appends, so every one commits, losers of a version on the next.
    const appends = await race("append", { mode: "append", rows: 20_000, writes: 6 });
    const versions = appends.flat().map((o) => {
      assert.ok(o.ok, o.message);
      return o.version;
    });
    assert.deepEqual([...versions].sort((x, y) => (x as number) - (y as number)), [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    for (const tag of ["a", "b"]) {
      const mine = (appends[tag === "a" ? 0 : 1] ?? []).map((o) => o.version as number);
      assert.deepEqual(mine, [...mine].sort((x, y) => x - y), `writer ${tag} commits in order`);
    }

    // Consistent: every version reads, with the rows its commits add up to; no file of a lost write is left.
    assert.equal(await deltaVersion(root), 13);
    for (let v = 0; v <= 13; v++) assert.equal((await readDelta(root, { version: v, columns: ["id"] })).rows, v <= 1 ? 200_000 : 200_000 + (v - 1) * 20_000, `version ${v}`);
    const latest = await readDelta(root, { columns: ["tag"], strings: "strings" });
    const counts = new Map<string, number>();
    for (const t of latest.strings("tag")) counts.set(t as string, (counts.get(t as string) ?? 0) + 1);
    assert.equal(counts.get(winner === "a" ? "b" : "a"), 6 * 20_000);
    assert.equal(counts.get(winner), 200_000 + 6 * 20_000);
    assert.equal(parquetFiles(root).length, 1 + 1 + 12);
    // A retried append says which version it read: the collisions this test is about did happen.
    const retried = (await deltaHistory(root)).filter((c) => c.isBlindAppend && Number(commitActions(root, c.version)[0]?.commitInfo?.readVersion) < c.version - 1);
    assert.ok(retried.length > 0, "no append collided: the writers did not run at once");
  });
});

describe("the step's key", () => {
  /** A step context that only records the files read. */
  const recordingStep = (read: Map<string, string>): StepContext => ({
    step: "load",
    log: () => undefined,
    progress: () => ({ update: () => undefined, done: () => undefined }),
    fileRead: (file, hash) => read.set(file, hash),
  });

  it("for the latest version is the log folder, whose fingerprint changes when a version is committed, and only then", async () => {
    const root = join(dir, "keyed");
    await writeDelta(batch(0, 2, "v0"), root);
    const read = new Map<string, string>();
    await withStepContext(recordingStep(read), () => readDelta(root));
    const [file, recorded] = [...read][0] as [string, string];
    assert.equal(read.size, 1);
    assert.equal(file, join(root, LOG));
    assert.match(recorded, /^delta-latest-v1:0:[0-9a-f]{64}$/);
    await readDelta(root, { version: 0 });
    assert.equal(currentFingerprint(file, recorded), recorded);
    await writeDelta(batch(2, 1, "v1"), root, { mode: "append" });
    assert.match(currentFingerprint(file, recorded), /^delta-latest-v1:1:/);
  });

  it("for a pinned version is its commit file, which a later commit leaves alone", async () => {
    const root = join(dir, "keyed");
    const read = new Map<string, string>();
    await withStepContext(recordingStep(read), () => readDelta(root, { version: 0 }));
    const [file, recorded] = [...read][0] as [string, string];
    assert.equal(file, join(root, LOG, `${"0".padStart(20, "0")}.json`));
    assert.equal(recorded, deltaFingerprint(file));
    assert.match(recorded, /^delta-v1:0:[0-9a-f]{64}$/);
    await writeDelta(batch(3, 1, "v2"), root, { mode: "append" });
    assert.equal(currentFingerprint(file, recorded), recorded);
  });

  it("for a time before the latest commit is that version's commit file; at or after it, the log folder", async () => {
    const root = join(dir, "keyed");
    const times = (await deltaHistory(root)).map((c) => c.timestamp);
    const read = new Map<string, string>();
    await withStepContext(recordingStep(read), () => readDelta(root, { timestamp: times[1] as Date }));
    await withStepContext(recordingStep(read), () => readDelta(root, { timestamp: times[0] as Date }));
    assert.deepEqual([...read.keys()], [join(root, LOG, `${"1".padStart(20, "0")}.json`), join(root, LOG)]);
  });
});

// --- the writer process --------------------------------------------------------------

interface Outcome {
  ok: boolean;
  version?: number;
  conflict?: boolean;
  message?: string;
}

/** Runs test/data/delta-writer.ts with this spec; resolves with its outcomes once it exits. */
function runWriter(spec: Record<string, unknown>): Promise<Outcome[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(__dirname, "delta-writer.ts"), JSON.stringify(spec)], { cwd: join(__dirname, "..", ".."), stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) reject(new Error(`the writer exited with ${code}: ${err}`));
      else resolve(out.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as Outcome));
    });
  });
}

describe("readDelta with a declared schema", () => {
  it("fails on rows that break it, naming the table, or quarantines them", async () => {
    const root = join(dir, "schema-checked");
    await writeDelta(batch(0, 10, "a"), root);
    const schema = { id: { type: "integer" as const, max: 4 } };
    await assert.rejects(readDelta(root, { schema }), (error: unknown) => error instanceof DataError && error.message.includes("schema-checked") && /id/.test(error.message));
    const good = await readDelta(root, { schema, onViolation: "quarantine", quarantine: join(dir, "schema-bad.csv") });
    assert.equal(good.rows, 5);
    assert.equal(readFileSync(join(dir, "schema-bad.csv"), "utf8").trim().split("\n").length, 6, "a header and the 5 bad rows");
  });
});
