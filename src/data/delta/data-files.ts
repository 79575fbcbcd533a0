/**
 * A write's data files: the table loaded into DuckDB once, then one Parquet
 * file per partition (one in all, unpartitioned), each column cast to the
 * table's type, the partition columns left out (their values go in the log),
 * with the statistics an `add` action carries.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import type { ColumnarTable } from "../columnar";
import { readQuery, runStatement, sqlIdentifier, sqlString } from "../duckdb";
import type { Engine } from "../duckdb";
import { withTables } from "../duckdb-tables";
import type { AddFile } from "./actions";
import { partitionFolder, pathUri } from "./partitions";
import { typeName, writeExpression } from "./schema";
import type { DeltaField } from "./schema";

/** A data file written: where it is, and the action that adds it. */
export interface WrittenFile {
  readonly file: string;
  readonly add: AddFile;
}

/** The name the table has in DuckDB while it is written. */
const LOADED = "__pipelab_delta_write";

/** Types whose statistics have a min and a max (strings would need Delta's truncation rules: left out). */
const RANGED = new Set(["byte", "short", "integer", "long", "float", "double", "date", "timestamp", "timestamp_ntz"]);

/**
 * Writes `data` as the data files of a table with these fields and
 * partition columns, under `root`. A failure removes the files written so far.
 */
export async function writeDataFiles(data: ColumnarTable, root: string, fields: readonly DeltaField[], partitionColumns: readonly string[], what: string): Promise<WrittenFile[]> {
  if (data.rows === 0) return [];
  const written: WrittenFile[] = [];
  try {
    await withTables({ [LOADED]: data }, async (engine) => {
      const byName = new Map(fields.map((f) => [f.name, f]));
      const partitions = partitionColumns.map((c) => byName.get(c) as DeltaField);
      const stored = fields.filter((f) => !partitionColumns.includes(f.name));
      const groups = await partitionGroups(engine, partitions, what);
      for (const [i, values] of groups.entries()) {
        const where = partitions.map((p, j) => `${serialized(p)} IS NOT DISTINCT FROM ${values[j] === null ? "NULL" : sqlString(values[j] as string)}`).join(" AND ") || "true";
        const folders = partitions.map((p, j) => partitionFolder(p.name, values[j] ?? null));
        const relative = [...folders, `part-${String(i).padStart(5, "0")}-${randomUUID()}.c000.snappy.parquet`].join("/");
        const file = join(root, ...relative.split("/"));
        mkdirSync(dirname(file), { recursive: true });
        const columns = stored.map((f) => `${writeExpression(f, sqlIdentifier(f.name))} AS ${sqlIdentifier(f.name)}`).join(", ");
        await runStatement(engine, `COPY (SELECT ${columns} FROM ${sqlIdentifier(LOADED)} WHERE ${where}) TO ${sqlString(file)} (FORMAT parquet, COMPRESSION snappy)`, what);
        const stats = await statistics(engine, stored, where, what);
        const { size, mtimeMs } = statSync(file);
        const partitionValues = Object.fromEntries(partitions.map((p, j) => [p.name, values[j] ?? null]));
        written.push({ file, add: { path: pathUri(relative), partitionValues, size, modificationTime: Math.floor(mtimeMs), dataChange: true, stats } });
      }
    });
  } catch (error) {
    for (const { file } of written) rmSync(file, { force: true });
    throw error;
  }
  return written;
}

/** The distinct partition values of the loaded table, serialized (one tuple, `[]`, unpartitioned). */
async function partitionGroups(engine: Engine, partitions: readonly DeltaField[], what: string): Promise<(string | null)[][]> {
  if (partitions.length === 0) return [[]];
  const keys = partitions.map((p, j) => `${serialized(p)} AS k${j}`).join(", ");
  const distinct = await readQuery(engine, `SELECT DISTINCT ${keys} FROM ${sqlIdentifier(LOADED)} ORDER BY ALL`, { strings: "strings", what });
  const columns = partitions.map((_, j) => distinct.strings(`k${j}`));
  return Array.from({ length: distinct.rows }, (_, r) => columns.map((c) => c[r] ?? null));
}

/**
 * A partition column's value as the log holds it: a timestamp in ISO 8601
 * UTC (with microseconds), a date as yyyy-MM-dd, the rest as DuckDB prints
 * the table's type; an empty string is null, as the protocol reads it.
 */
function serialized(field: DeltaField): string {
  const column = sqlIdentifier(field.name);
  const type = typeName(field.type);
  if (type === "timestamp") return `strftime(CAST(${column} AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%fZ')`;
  if (type === "timestamp_ntz") return `strftime(CAST(${column} AS TIMESTAMP), '%Y-%m-%d %H:%M:%S.%f')`;
  return `NULLIF(CAST(${writeExpression(field, column)} AS VARCHAR), '')`;
}

/** The `stats` of a file: its rows, and per column its nulls and (for numbers and times) its range. */
async function statistics(engine: Engine, stored: readonly DeltaField[], where: string, what: string): Promise<string> {
  const parts = ["count(*) AS n"];
  stored.forEach((f, j) => {
    const column = sqlIdentifier(f.name);
    parts.push(`count(*) - count(${column}) AS nulls${j}`);
    if (!RANGED.has(typeName(f.type))) return;
    // Times as TIMESTAMP (milliseconds to pipelab), numbers in the table's type.
    const value = typeName(f.type).startsWith("timestamp") ? `CAST(${column} AS TIMESTAMP)` : writeExpression(f, column);
    parts.push(`min(${value}) AS min${j}`, `max(${value}) AS max${j}`);
  });
  const t = await readQuery(engine, `SELECT ${parts.join(", ")} FROM ${sqlIdentifier(LOADED)} WHERE ${where}`, { what });
  const minValues: Record<string, unknown> = {};
  const maxValues: Record<string, unknown> = {};
  const nullCount: Record<string, number> = {};
  stored.forEach((f, j) => {
    nullCount[f.name] = Number(t.value(`nulls${j}`, 0));
    if (!RANGED.has(typeName(f.type))) return;
    const [min, max] = [statValue(f, t.value(`min${j}`, 0)), statValue(f, t.value(`max${j}`, 0))];
    if (min !== undefined && max !== undefined) {
      minValues[f.name] = min;
      maxValues[f.name] = max;
    }
  });
  return JSON.stringify({ numRecords: Number(t.value("n", 0)), minValues, maxValues, nullCount });
}

/** A min or max as Delta's JSON statistics hold it; undefined for none (all null) or one JSON cannot hold. */
function statValue(field: DeltaField, value: ReturnType<ColumnarTable["value"]>): string | number | undefined {
  const type = typeName(field.type);
  if (value instanceof Date) {
    const iso = value.toISOString();
    return type === "date" ? iso.slice(0, 10) : type === "timestamp_ntz" ? iso.slice(0, -1) : iso;
  }
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  // A bigint (a long beyond 2^53) has no exact JSON number: no range for it.
  return undefined;
}
