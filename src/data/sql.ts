/**
 * SQL over tables and files, on pipelab's DuckDB: the fast path for
 * feature extraction on big data. Tables (columnar or danfo) are loaded as
 * temporary tables under the names given; files are read where the query
 * names them, and inside a step every file it names becomes part of the
 * step's key.
 */
import { statSync } from "node:fs";
import { extname, resolve } from "node:path";
import type { DataFrame } from "danfojs-node";
import { DataError } from "../errors";
import { currentStep, noteFileRead } from "../run-context";
import { describeUnreadable, fileDigest, isDanfoFrame } from "../util";
import { ColumnarTable, isColumnarTable } from "./columnar";
import { queryColumns, readQuery, runStatement, sqlIdentifier, sqlString } from "./duckdb";
import type { Engine, StringColumns } from "./duckdb";
import { withTables } from "./duckdb-tables";
import { parquetFingerprint } from "./fingerprint";

/** What a query can name: a table (columnar or danfo), or the path of a Parquet, CSV or JSON file (or a glob of them). */
export type SqlInput = ColumnarTable | DataFrame | string;

export interface SqlOptions {
  /** Text columns of the result as a category (the default) or as strings. */
  strings?: StringColumns;
}

/**
 * Runs a DuckDB SQL query and returns its result as a ColumnarTable.
 * `inputs` names what the query reads: a table under its key (a
 * ColumnarTable, or a danfo DataFrame), or a file path (Parquet, CSV, JSON,
 * or a glob), which becomes a view of that name. A query may also name files
 * itself (`FROM 'data/flights.parquet'`); inside a step, the files named
 * either way are fingerprinted into the step's key.
 *
 * @example
 * ```ts
 * const byOrigin = await sql(
 *   "SELECT origin, avg(delay) AS delay, count(*) AS n FROM flights GROUP BY origin ORDER BY n DESC",
 *   { flights: "data/flights-3m.parquet" },
 * );
 * ```
 */
export async function sql(query: string, inputs: Readonly<Record<string, SqlInput>> = {}, options: SqlOptions = {}): Promise<ColumnarTable> {
  if (typeof query !== "string" || query.trim() === "") throw new DataError(`sql needs a query: got ${JSON.stringify(query)}`);
  const tables: Record<string, ColumnarTable> = {};
  const files: Record<string, string> = {};
  for (const [name, input] of Object.entries(inputs)) {
    if (typeof input === "string") files[name] = input;
    else if (isColumnarTable(input)) tables[name] = input;
    else if (isDanfoFrame(input)) tables[name] = ColumnarTable.fromDanfo(input);
    else throw new DataError(`sql: the input ${JSON.stringify(name)} is ${describe(input)}; give a ColumnarTable, a danfo DataFrame, or the path of a Parquet, CSV or JSON file`);
  }
  for (const [name, table] of Object.entries(tables)) tables[name] = columnsUsed(table, query);
  const what = `the SQL query ${JSON.stringify(firstLine(query))}`;
  if (currentStep() !== undefined) await noteFiles(query, Object.values(files));
  return withTables(tables, async (engine) => {
    const views: string[] = [];
    try {
      for (const [name, path] of Object.entries(files)) {
        await runStatement(engine, `CREATE OR REPLACE TEMP VIEW ${sqlIdentifier(name)} AS SELECT * FROM ${fileReader(path)}`, `reading ${JSON.stringify(path)} as ${name}`);
        views.push(name);
      }
      return await readQuery(engine, query, { strings: options.strings, what });
    } finally {
      await dropViews(engine, views);
    }
  });
}

/**
 * The table with only the columns the query can refer to: loading a column
 * into DuckDB costs a copy, and a group-by of two columns of a wide table
 * needs only those two. A column stays when its name appears anywhere in the
 * query (ignoring case); all stay when the query has a `*` or COLUMNS(...).
 */
function columnsUsed(table: ColumnarTable, query: string): ColumnarTable {
  if (/\*|\bcolumns\s*\(/i.test(query)) return table;
  const text = query.toLowerCase();
  // A name of word characters must appear as a word ("y" is not in "GROUP BY y"'s "by"); others as written.
  const mentioned = (c: string): boolean => (/^\w+$/.test(c) ? new RegExp(`(^|[^\\w])${c.toLowerCase()}([^\\w]|$)`).test(text) : text.includes(c.toLowerCase()));
  const used = table.columns.filter(mentioned);
  return used.length === 0 || used.length === table.columns.length ? table : table.select(used);
}

async function dropViews(engine: Engine, views: readonly string[]): Promise<void> {
  for (const name of views) await runStatement(engine, `DROP VIEW IF EXISTS temp.${sqlIdentifier(name)}`, `dropping the view ${name}`).catch(() => undefined);
}

/** The DuckDB table function that reads a file by its extension. */
function fileReader(path: string): string {
  const ext = extname(path.replace(/\*+$/, "")).toLowerCase();
  const file = sqlString(resolve(path));
  if (ext === ".parquet" || ext === ".pq") return `read_parquet(${file})`;
  if (ext === ".csv" || ext === ".tsv") return `read_csv(${file}, header = true, sample_size = -1)`;
  if (ext === ".json" || ext === ".jsonl" || ext === ".ndjson") return `read_json_auto(${file})`;
  return `read_parquet(${file})`;
}

/**
 * Fingerprints, into the current step's key, the files a query reads: the
 * input paths, and every string literal in the query that names an existing
 * file or matches files as a glob.
 */
async function noteFiles(query: string, inputPaths: readonly string[]): Promise<void> {
  const literals = [...query.matchAll(/'((?:[^']|'')*)'/g)].map((m) => (m[1] as string).replace(/''/g, "'"));
  const seen = new Set<string>();
  for (const path of [...inputPaths, ...literals]) {
    for (const file of await filesOf(path, inputPaths.includes(path))) {
      if (seen.has(file)) continue;
      seen.add(file);
      noteFileRead(file, /\.(parquet|pq)$/i.test(file) ? parquetFingerprint(file) : fileDigest(file));
    }
  }
}

/** The files a path names: itself, the files a glob matches, or none (a literal that is not a path). */
async function filesOf(path: string, required: boolean): Promise<string[]> {
  if (path === "" || path.length > 4096) return [];
  if (/[*?[{]/.test(path)) {
    const found = await queryColumns(`SELECT file FROM glob(${sqlString(resolve(path))}) ORDER BY file`, { strings: "strings", what: `listing ${path}` }).catch(() => undefined);
    const files = found?.strings("file").filter((f): f is string => f !== null) ?? [];
    if (files.length === 0 && required) throw new DataError(`sql: no file matches the glob ${JSON.stringify(path)} (from the working folder ${process.cwd()})`);
    return files;
  }
  try {
    return statSync(path).isFile() ? [resolve(path)] : [];
  } catch (error) {
    if (required) throw new DataError(`sql: cannot read the file ${JSON.stringify(path)}: ${describeUnreadable(path, error)}`, { cause: error });
    return [];
  }
}

function firstLine(query: string): string {
  const line = query.trim().split("\n")[0] ?? "";
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return `${typeof value} ${JSON.stringify(value)}`;
  return `a ${(value as object).constructor?.name ?? "plain object"}`;
}
