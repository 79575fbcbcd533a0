/**
 * readDelta: one version of a Delta table into a ColumnarTable. The log is
 * replayed into the live files; DuckDB reads them in one `read_parquet`,
 * with the partition values (which live in the log, not in the files) joined
 * on by file name, cast to the schema's types.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DataError } from "../../errors";
import { currentStep, noteFileRead } from "../../run-context";
import type { ColumnarTable } from "../columnar";
import { queryColumns, sqlIdentifier, sqlString } from "../duckdb";
import type { StringColumns } from "../duckdb";
import { checkedOnRead } from "../schema";
import type { SchemaOnRead } from "../schema";
import type { AddFile } from "./actions";
import { tableName } from "./errors";
import { deltaFingerprint, latestFingerprint } from "./fingerprint";
import { commitFileName, filePath, openLog } from "./log";
import type { DeltaLog } from "./log";
import { partitionLiteral } from "./partitions";
import { checkReadable } from "./protocol";
import { readExpression, sqlType } from "./schema";
import type { DeltaField } from "./schema";
import { loadSnapshot } from "./snapshot";
import type { Snapshot } from "./snapshot";
import { resolveVersion } from "./time-travel";
import type { TimeTravel } from "./time-travel";

export interface ReadDeltaOptions extends TimeTravel, SchemaOnRead {
  /** The columns to read, in this order (partition columns included). Default: all, in the schema's order. */
  columns?: readonly string[];
  /**
   * A SQL filter, DuckDB's dialect, put after `WHERE` as written (it may name
   * any column of the table, read or not): your own code, never untrusted text.
   */
  where?: string;
  /** Text columns as a category (codes + dictionary, the default) or as strings. */
  strings?: StringColumns;
}

/** Names the query's own columns apart from the table's. */
const FILE = "__pipelab_delta_file";
const ROW = "__pipelab_delta_row";

/**
 * Reads a Delta table (a folder with a `_delta_log`) into a ColumnarTable:
 * its latest version, or an older one by `version` or `timestamp` (time
 * travel). Partition columns come back as columns, typed as the schema says.
 * Tables that need more than Delta's reader protocol 1 (column mapping,
 * deletion vectors, other table features) are refused with a DataError
 * saying so. Inside a step, the version read becomes part of the step's key:
 * a read of the latest version computes again once a new version is
 * committed, a read of a pinned version never needs to.
 *
 * @example
 * ```ts
 * const events = await wb.step("events", () => readDelta("../lake/events", { columns: ["user", "amount"], where: "day >= '2025-03-01'" }));
 * const before = await readDelta("../lake/events", { version: 3 });
 * const asOf = await readDelta("../lake/events", { timestamp: "2025-03-01T00:00:00Z" });
 * ```
 */
export async function readDelta(path: string, options: ReadDeltaOptions = {}): Promise<ColumnarTable> {
  const log = openLog(path);
  const version = resolveVersion(log, options);
  const snapshot = await loadSnapshot(log, version);
  checkReadable(snapshot);
  const fields = snapshot.schemaFields;
  const columns = options.columns ?? fields.map((f) => f.name);
  checkColumns(snapshot, columns);
  const files = liveFiles(snapshot);
  if (currentStep() !== undefined) noteRead(log, version, options);
  const what = `reading version ${version} of ${tableName(path)}`;
  const select = columns.map(sqlIdentifier).join(", ");
  const where = options.where === undefined ? "" : ` WHERE (\n${options.where}\n)`;
  const partitioned = snapshot.metadata.partitionColumns.length > 0 && files.length > 0;
  // Joined rows come in no particular order: put them back in the log's order of files, and each file's own.
  const order = partitioned ? ` ORDER BY ${FILE}, ${ROW}` : "";
  let table: ColumnarTable;
  try {
    table = await queryColumns(`SELECT ${select} FROM (${await source(snapshot, files, what)})${where}${order}`, { what, strings: options.strings });
  } catch (error) {
    throw explain(error, snapshot, options.where);
  }
  return checkedOnRead(table, options, path);
}

/** A live file: its add action and where it is on disk. */
interface LiveFile {
  readonly add: AddFile;
  readonly file: string;
}

/** The live files on disk, or a DataError naming the ones that are not there. */
function liveFiles(snapshot: Snapshot): LiveFile[] {
  const at = `${tableName(snapshot.log.table)} at version ${snapshot.version}`;
  const live: LiveFile[] = [];
  const missing: string[] = [];
  for (const add of snapshot.files.values()) {
    const file = filePath(snapshot.log.root, add.path);
    if (file === undefined) throw new DataError(`${at} has a data file outside the local file system (${JSON.stringify(add.path)}): pipelab's Delta reader reads local tables; copy the table here first`);
    if (!existsSync(file)) missing.push(file);
    live.push({ add, file });
  }
  if (missing.length > 0) {
    const shown = missing.slice(0, 3).map((f) => JSON.stringify(f)).join(", ");
    throw new DataError(
      `${at} lists ${missing.length === 1 ? "a data file that is" : `${missing.length} data files that are`} missing: ${shown}${missing.length > 3 ? ", ..." : ""}. Deleted by hand, by a VACUUM that kept too little history, or the table was copied in part: restore the ${missing.length === 1 ? "file" : "files"}, or read another version`,
    );
  }
  return live;
}

/** The SELECT that yields every column of the schema (and, partitioned, each row's file and row number). */
async function source(snapshot: Snapshot, files: readonly LiveFile[], what: string): Promise<string> {
  const fields = snapshot.schemaFields;
  const partitions = new Set(snapshot.metadata.partitionColumns);
  const empty = (f: DeltaField): string => `${readExpression(f, `CAST(NULL AS ${sqlType(f.type)})`)} AS ${sqlIdentifier(f.name)}`;
  if (files.length === 0) return `SELECT ${fields.map(empty).join(", ")} LIMIT 0`;
  // Partition values come from the log: DuckDB must not make columns of `col=value` folders itself.
  const read = (extra = ""): string => `read_parquet([${files.map((f) => sqlString(f.file)).join(", ")}], hive_partitioning = false, union_by_name = true${extra})`;
  // Columns of the schema that no file has (added later, or all-null `void` columns) are null.
  const described = await queryColumns(`DESCRIBE SELECT * FROM ${read()}`, { strings: "strings", what });
  const inFiles = new Set(described.strings("column_name"));
  const column = (f: DeltaField): string => {
    const name = sqlIdentifier(f.name);
    if (partitions.has(f.name)) return `p.${name} AS ${name}`;
    if (inFiles.has(f.name)) return `${readExpression(f, `d.${name}`)} AS ${name}`;
    return empty(f);
  };
  const selected = fields.map(column).join(", ");
  if (partitions.size === 0) return `SELECT ${selected} FROM ${read()} d`;
  const partitionFields = fields.filter((f) => partitions.has(f.name));
  const values = files.map((f, i) => `(${i}, ${sqlString(f.file)}, ${partitionFields.map((p) => partitionLiteral(p, f.add.partitionValues[p.name] ?? null, f.file)).join(", ")})`);
  const names = ["__ordinal", "__file", ...partitionFields.map((p) => p.name)].map(sqlIdentifier).join(", ");
  return (
    `SELECT ${selected}, p."__ordinal" AS ${FILE}, d.file_row_number AS ${ROW} ` +
    `FROM ${read(", filename = true, file_row_number = true")} d ` +
    `JOIN (VALUES ${values.join(", ")}) p(${names}) ON d.filename = p."__file"`
  );
}

/** Refuses unknown columns before reading, naming the table's. */
function checkColumns(snapshot: Snapshot, columns: readonly string[]): void {
  const known = snapshot.schemaFields.map((f) => f.name);
  if (columns.length === 0) throw new DataError(`reading ${tableName(snapshot.log.table)}: the columns option is empty; name at least one of ${known.map((c) => JSON.stringify(c)).join(", ")}, or leave it out to read them all`);
  const unknown = columns.filter((c) => !known.includes(c));
  if (unknown.length > 0) {
    throw new DataError(
      `no column ${unknown.map((c) => JSON.stringify(c)).join(", ")} in ${tableName(snapshot.log.table)} (version ${snapshot.version}): its columns are ${known.map((c) => JSON.stringify(c)).join(", ")}; fix the columns option`,
    );
  }
}

/** Inside a step: the version read, as the step's input (see fingerprint.ts for which file and why). */
function noteRead(log: DeltaLog, version: number, travel: TimeTravel): void {
  const pinned = travel.version !== undefined || version < log.latest;
  if (!pinned) {
    noteFileRead(log.dir, latestFingerprint(log.dir, version));
    return;
  }
  const commit = log.commits.get(version);
  // A version whose commit was cleaned up is read from its checkpoint, which stands for it.
  const file = commit ?? log.checkpoints.find((c) => c.version === version)?.files[0] ?? join(log.dir, commitFileName(version));
  noteFileRead(file, deltaFingerprint(file));
}

/** A DuckDB error in reading, said in terms of the table and what to do. */
function explain(error: unknown, snapshot: Snapshot, where: string | undefined): DataError {
  const message = error instanceof Error ? error.message : String(error);
  const at = `${tableName(snapshot.log.table)} at version ${snapshot.version}`;
  if (where !== undefined && /Binder Error|Parser Error/i.test(message)) {
    return new DataError(`the where filter ${JSON.stringify(where)} on ${at} is not valid SQL here: ${message.split("\n")[0]}`, { cause: error });
  }
  if (/magic bytes|too small to be a Parquet file|not a parquet file|footer/i.test(message)) {
    return new DataError(`a data file of ${at} is not a valid Parquet file (truncated, or overwritten: ${message.split("\n")[0]}); restore it from a copy, or read another version`, { cause: error });
  }
  return error instanceof DataError ? error : new DataError(`reading ${at} failed: ${message}`, { cause: error });
}
