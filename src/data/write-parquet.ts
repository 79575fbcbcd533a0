/**
 * writeParquet: a table into a Parquet file, or a folder of hive
 * partitions, written through DuckDB and published atomically (written
 * beside the target under a temporary name, then renamed into place).
 */
import { existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { DataFrame } from "danfojs-node";
import { DataError } from "../errors";
import { isDanfoFrame, publishReplacing } from "../util";
import { ColumnarTable, isColumnarTable } from "./columnar";
import { readQuery, runStatement, sqlIdentifier, sqlString } from "./duckdb";
import { withTables } from "./duckdb-tables";

export interface WriteParquetOptions {
  /** Columns to partition by: one folder level per column (`year=2001/`), the columns left out of the files. */
  partitionBy?: readonly string[];
  /** The compression of the column chunks. Default "snappy" (what Delta and Spark write). */
  compression?: "snappy" | "zstd" | "gzip" | "uncompressed";
}

/** What writeParquet wrote. */
export interface WrittenParquet {
  /** The file or folder written (absolute). */
  readonly path: string;
  /** The Parquet files under it (absolute, sorted): one, or one per partition. */
  readonly files: readonly string[];
  readonly rows: number;
}

/**
 * Writes a table (a ColumnarTable, or a danfo DataFrame) as Parquet: one
 * file at `path`, or with `partitionBy` a folder of hive partitions
 * (`path/year=2001/data_0.parquet`) that `readParquet(path)` reads back with
 * the partition columns. An existing file or folder at `path` is replaced
 * whole, and only once the new one is complete: a reader never sees half a
 * write, and a failed write leaves the old data as it was.
 *
 * @example
 * ```ts
 * await writeParquet(features, "lake/features", { partitionBy: ["year"] });
 * const back = await readParquet("lake/features", { where: "year = 2001" });
 * ```
 */
export async function writeParquet(table: ColumnarTable | DataFrame, path: string, options: WriteParquetOptions = {}): Promise<WrittenParquet> {
  const data = isColumnarTable(table) ? table : isDanfoFrame(table) ? ColumnarTable.fromDanfo(table) : undefined;
  if (data === undefined) throw new DataError(`writeParquet needs a ColumnarTable or a danfo DataFrame, got ${table === null ? "null" : typeof table}`);
  const target = resolve(path);
  const partitionBy = options.partitionBy ?? [];
  const unknown = partitionBy.filter((c) => !data.columns.includes(c));
  if (unknown.length > 0) {
    throw new DataError(`writeParquet ${JSON.stringify(path)}: no column ${unknown.map((c) => JSON.stringify(c)).join(", ")} to partition by; the table has ${data.columns.map((c) => JSON.stringify(c)).join(", ")}`);
  }
  if (partitionBy.length > 0 && partitionBy.length === data.columns.length) throw new DataError(`writeParquet ${JSON.stringify(path)}: partitioning by every column leaves no column to write`);
  if (existsSync(target) && statSync(target).isDirectory() !== partitionBy.length > 0) {
    throw new DataError(
      `writeParquet ${JSON.stringify(path)}: ${partitionBy.length > 0 ? "a file" : "a folder"} is already there, and this write makes ${partitionBy.length > 0 ? "a folder of partitions" : "one file"}: remove it first or write elsewhere`,
    );
  }
  mkdirSync(dirname(target), { recursive: true });
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  const settings = [`FORMAT parquet`, `COMPRESSION ${options.compression ?? "snappy"}`];
  if (partitionBy.length > 0) settings.push(`PARTITION_BY (${partitionBy.map(sqlIdentifier).join(", ")})`);
  const what = `writing the Parquet ${partitionBy.length > 0 ? "folder" : "file"} ${JSON.stringify(path)}`;
  try {
    const files = await withTables({ __pipelab_write: data }, async (engine) => {
      await runStatement(engine, `COPY __pipelab_write TO ${sqlString(temp)} (${settings.join(", ")})`, what);
      if (partitionBy.length === 0) return [target];
      const listed = await readQuery(engine, `SELECT file FROM glob(${sqlString(`${temp}/**/*.parquet`)}) ORDER BY file`, { strings: "strings", what });
      return listed.strings("file").map((f) => join(target, (f as string).slice(temp.length + 1)));
    });
    publishReplacing(temp, target);
    return { path: target, files, rows: data.rows };
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    throw error;
  }
}
