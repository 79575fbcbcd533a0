/**
 * readParquet: Parquet files (one, a glob, or a hive-partitioned folder)
 * read through DuckDB into a ColumnarTable, the files reported to the step
 * by their Parquet fingerprint.
 */
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { DataError, messageOf } from "../errors";
import { currentStep, noteFileRead } from "../run-context";
import { describeUnreadable } from "../util";
import type { ColumnarTable } from "./columnar";
import { queryColumns, sqlIdentifier, sqlString } from "./duckdb";
import type { StringColumns } from "./duckdb";
import { parquetFingerprint } from "./fingerprint";
import { checkedOnRead } from "./schema";
import type { SchemaOnRead } from "./schema";

export interface ReadParquetOptions extends SchemaOnRead {
  /** The columns to read, in this order (partition columns included). Default: all. */
  columns?: readonly string[];
  /**
   * A SQL filter, DuckDB's dialect, put after `WHERE` as written: it is your
   * own code, not a value, so never build it from untrusted text. On a
   * partitioned folder, a filter on partition columns skips whole files.
   */
  where?: string;
  /** Text columns as a category (codes + dictionary, the default) or as strings. */
  strings?: StringColumns;
}

/** The files behind a path: the ones DuckDB reads, and whether their folders are hive partitions. */
interface ParquetSource {
  readonly path: string;
  readonly files: readonly string[];
  readonly hive: boolean;
}

/**
 * Reads Parquet through DuckDB into a ColumnarTable (typed arrays, no row
 * objects). `pathOrGlob` is a file, a glob (`data/*.parquet`,
 * `data/**\/*.parquet`) or a folder of hive partitions (`year=2001/…`),
 * whose partition values become columns. Inside a step, every file read
 * becomes part of the step's key (see parquetFingerprint).
 *
 * @example
 * ```ts
 * const flights = await wb.step("flights", () =>
 *   readParquet("../data/flights", { columns: ["delay", "distance"], where: "year = 2001 AND distance > 500" }),
 * );
 * ```
 */
export async function readParquet(pathOrGlob: string, options: ReadParquetOptions = {}): Promise<ColumnarTable> {
  const source = await parquetSource(pathOrGlob);
  const from = `read_parquet([${source.files.map(sqlString).join(", ")}]${source.hive ? ", hive_partitioning = true" : ""})`;
  const what = `reading the Parquet ${source.files.length === 1 ? "file" : "files"} ${JSON.stringify(pathOrGlob)}`;
  if (options.columns !== undefined) await checkColumns(source, from, options.columns, what);
  if (currentStep() !== undefined) for (const file of source.files) noteFileRead(file, fingerprintOf(file, source));
  const select = options.columns === undefined ? "*" : options.columns.map(sqlIdentifier).join(", ");
  // The filter on lines of its own, in parentheses: a trailing comment or OR in it stays inside.
  const where = options.where === undefined ? "" : ` WHERE (\n${options.where}\n)`;
  let table: ColumnarTable;
  try {
    table = await queryColumns(`SELECT ${select} FROM ${from}${where}`, { what, strings: options.strings });
  } catch (error) {
    throw explain(error, source, what, options.where);
  }
  return checkedOnRead(table, options, pathOrGlob);
}

async function parquetSource(pathOrGlob: string): Promise<ParquetSource> {
  if (/[*?[{]/.test(pathOrGlob)) {
    const files = await glob(resolve(pathOrGlob));
    if (files.length === 0) {
      throw new DataError(`no file matches the glob ${JSON.stringify(pathOrGlob)} (${resolve(pathOrGlob)}, from the working folder ${process.cwd()}): check the pattern and the folder`);
    }
    return { path: pathOrGlob, files, hive: false };
  }
  let isFolder: boolean;
  try {
    isFolder = statSync(pathOrGlob).isDirectory();
  } catch (error) {
    throw new DataError(`cannot read the Parquet file ${JSON.stringify(pathOrGlob)}: ${describeUnreadable(pathOrGlob, error)}`, { cause: error });
  }
  if (!isFolder) return { path: pathOrGlob, files: [resolve(pathOrGlob)], hive: false };
  const files = await glob(`${resolve(pathOrGlob)}/**/*.parquet`);
  if (files.length === 0) throw new DataError(`the folder ${JSON.stringify(pathOrGlob)} (${resolve(pathOrGlob)}) has no .parquet files, in it or below it`);
  return { path: pathOrGlob, files, hive: true };
}

/** The files a glob matches, as DuckDB expands it, sorted. */
async function glob(pattern: string): Promise<string[]> {
  const found = await queryColumns(`SELECT file FROM glob(${sqlString(pattern)}) ORDER BY file`, { strings: "strings", what: `listing ${pattern}` });
  return found.strings("file").filter((f): f is string => f !== null);
}

function fingerprintOf(file: string, source: ParquetSource): string {
  try {
    return parquetFingerprint(file);
  } catch (error) {
    throw new DataError(`cannot read the Parquet file ${JSON.stringify(file)} of ${JSON.stringify(source.path)}: ${describeUnreadable(file, error)}`, { cause: error });
  }
}

/** Refuses an unknown column before reading anything, naming the columns there are. */
async function checkColumns(source: ParquetSource, from: string, columns: readonly string[], what: string): Promise<void> {
  let schema: ColumnarTable;
  try {
    schema = await queryColumns(`DESCRIBE SELECT * FROM ${from}`, { strings: "strings", what });
  } catch (error) {
    throw explain(error, source, what);
  }
  const known = schema.strings("column_name");
  const unknown = columns.filter((c) => !known.includes(c));
  if (unknown.length > 0) {
    throw new DataError(
      `no column ${unknown.map((c) => JSON.stringify(c)).join(", ")} in the Parquet ${source.files.length === 1 ? "file" : "files"} ${JSON.stringify(source.path)}: its columns are ${known.map((c) => JSON.stringify(c)).join(", ")}; fix the columns option`,
    );
  }
}

/** A DuckDB error in reading Parquet, said in terms of the file and what to do. */
function explain(error: unknown, source: ParquetSource, what: string, where?: string): DataError {
  const message = messageOf(error instanceof DataError && error.cause !== undefined ? error.cause : error);
  if (/magic bytes|too small to be a Parquet file|not a parquet file|footer|metadata|Invalid Input Error: .*Parquet/i.test(message)) {
    const named = /file ['"]([^'"]+)['"]/i.exec(message)?.[1] ?? (source.files.length === 1 ? source.files[0] : undefined);
    return new DataError(
      `cannot read the Parquet file ${JSON.stringify(named ?? source.path)}: it is not a valid Parquet file (truncated, or not Parquet at all: ${message.split("\n")[0]}); write or copy it again${source.files.length > 1 ? `, or leave it out of ${JSON.stringify(source.path)}` : ""}`,
      { cause: error },
    );
  }
  if (where !== undefined && /Binder Error|Parser Error|Conversion Error/i.test(message)) {
    return new DataError(`the where filter ${JSON.stringify(where)} on ${JSON.stringify(source.path)} is not valid SQL here: ${message.split("\n")[0]}`, { cause: error });
  }
  return error instanceof DataError ? error : new DataError(`${what} failed: ${message}`, { cause: error });
}
