/**
 * The adapter around DuckDB (`@duckdb/node-api`): the engine under pipelab's
 * readers of big data, in one place.
 *
 * - One in-memory database and one connection per process, opened on first
 *   use (opening loads a 70 MB library and costs about a second), kept under
 *   a global-registry symbol so that every copy of pipelab in a process (the
 *   kernel's and a notebook's) shares it. Queries on it run one at a time: a
 *   connection streams one result at a time.
 * - Only the extensions built into the binary work (parquet, json, icu,
 *   core_functions): the machines pipelab runs on may have no internet, so
 *   automatic installs are turned off, and an error about any other extension
 *   becomes a DataError saying it is unavailable offline.
 * - Results are read chunk by chunk into typed arrays, never as JS row
 *   objects: numeric vectors are copied straight from DuckDB's memory through
 *   `@duckdb/node-bindings` (the C API's `vector_get_data` and
 *   `vector_get_validity`), checked once at start-up.
 */
import { createRequire } from "node:module";
import type { DuckDBConnection, DuckDBDataChunk, DuckDBInstance, DuckDBResult } from "@duckdb/node-api";
import { DataError, SetupError, messageOf } from "../errors";
import { checkInterrupt } from "../run-context";
import { ColumnarTable } from "./columnar";
import { BINDING_NAMES } from "./duckdb-bindings";
import type { Bindings, Handle } from "./duckdb-bindings";
import { builderFor } from "./duckdb-columns";
import type { StringColumns } from "./duckdb-columns";

export type { Bindings } from "./duckdb-bindings";
export type { StringColumns } from "./duckdb-columns";
export { sqlIdentifier, sqlString } from "./sql-text";

/** The @duckdb/node-api version this adapter was written and tested for. */
export const DUCKDB_VERSION = "1.5.6-r.1";

/** The extensions built into the DuckDB binary: the only ones available offline. */
export const BUILTIN_EXTENSIONS: readonly string[] = ["parquet", "json", "icu", "core_functions"];


export interface Engine {
  /** Held so that the database lives as long as the process. */
  instance: DuckDBInstance;
  connection: DuckDBConnection;
  /** The C API's handle of `connection` (node-api keeps it in a private field). */
  handle: Handle;
  bindings: Bindings;
  /** node-api's wrapper of a C API data chunk (its per-value readers serve the rare long strings). */
  wrapChunk: (raw: Handle) => DuckDBDataChunk;
  /** The tail of the queue of queries: each waits for the one before. */
  queue: Promise<unknown>;
}

const KEY = Symbol.for("pipelab.duckdb");

function engine(): Promise<Engine> {
  const holder = globalThis as { [KEY]?: Promise<Engine> };
  holder[KEY] ??= open().catch((error: unknown) => {
    delete holder[KEY];
    throw error;
  });
  return holder[KEY];
}

async function open(): Promise<Engine> {
  let api: typeof import("@duckdb/node-api");
  let bindings: Bindings;
  try {
    api = require("@duckdb/node-api") as typeof import("@duckdb/node-api");
    // The bindings are node-api's own dependency: resolve them from there.
    bindings = createRequire(require.resolve("@duckdb/node-api"))("@duckdb/node-bindings") as Bindings;
  } catch (error) {
    throw new SetupError(`cannot load DuckDB (@duckdb/node-api ${DUCKDB_VERSION}): ${messageOf(error)}; run \`npm install\` in the project`, { cause: error });
  }
  for (const name of BINDING_NAMES) {
    if (typeof bindings[name] !== "function") {
      throw new SetupError(`@duckdb/node-bindings has no function ${name}: pipelab's DuckDB adapter was written for @duckdb/node-api ${DUCKDB_VERSION}; install that version`);
    }
  }
  const instance = await api.DuckDBInstance.create(":memory:", { autoinstall_known_extensions: "false", allow_community_extensions: "false" });
  const connection = await instance.connect();
  const handle = (connection as unknown as { connection?: Handle }).connection;
  if (handle === undefined || handle === null) {
    throw new SetupError(`@duckdb/node-api's DuckDBConnection has no field "connection": pipelab's DuckDB adapter was written for @duckdb/node-api ${DUCKDB_VERSION}; install that version`);
  }
  const wrapChunk = (raw: Handle): DuckDBDataChunk => new api.DuckDBDataChunk(raw as never);
  return { instance, connection, handle, bindings, wrapChunk, queue: Promise.resolve() };
}

/**
 * Runs `work` on the connection once the queries before it are done: the
 * one way in for code that needs several statements with nothing between
 * them (tables appended, queried, dropped).
 */
export async function exclusively<T>(work: (e: Engine) => Promise<T>): Promise<T> {
  const e = await engine();
  const run = e.queue.then(() => work(e));
  e.queue = run.catch(() => undefined);
  return run;
}

/**
 * The DuckDB error as a DataError: an extension that is not built in is
 * named as unavailable offline; anything else is "`what` failed: DuckDB's message".
 */
export function duckdbError(error: unknown, what: string): DataError {
  if (error instanceof DataError) return error;
  const message = messageOf(error);
  const extension = (/Extension "([A-Za-z0-9_]+)" is an existing extension/.exec(message) ?? /extension ['"]([A-Za-z0-9_]+)['"]/i.exec(message))?.[1];
  if (extension !== undefined && /download|not found|autoload|install/i.test(message)) {
    if (BUILTIN_EXTENSIONS.includes(extension.toLowerCase())) {
      return new DataError(`${what} tried to install the DuckDB extension "${extension}", which needs a download: it is built in and already loaded, so leave out INSTALL and LOAD`, { cause: error });
    }
    return new DataError(
      `${what} needs the DuckDB extension "${extension}", which is unavailable offline: pipelab's DuckDB has only its built-in extensions (${BUILTIN_EXTENSIONS.join(", ")}) and never downloads one; read local Parquet, CSV or JSON files instead`,
      { cause: error },
    );
  }
  return new DataError(`${what} failed: ${message}`, { cause: error });
}


export interface QueryOptions {
  /**
   * Text columns as `"dictionary"` (Int32 codes into a list of distinct
   * values, -1 for null: compact, and what a model's categorical features
   * want) or as `"strings"` (an array of strings and nulls). Default: dictionary.
   */
  strings?: StringColumns;
  /** Names the query in errors ("reading data/x.parquet"). Default: "the DuckDB query". */
  what?: string;
}

/**
 * Runs SQL on pipelab's DuckDB and reads the result into a ColumnarTable,
 * streaming it chunk by chunk into typed arrays. Missing numbers become NaN
 * (integers and booleans with nulls are returned as float64); see
 * ColumnarTable for the dtypes.
 *
 * @example
 * ```ts
 * const t = await queryColumns("SELECT delay, distance FROM 'flights.parquet' WHERE distance > 500");
 * t.column("delay"); // Float64Array
 * ```
 */
export async function queryColumns(sql: string, options: QueryOptions = {}): Promise<ColumnarTable> {
  return exclusively((e) => readQuery(e, sql, options));
}

/** Runs SQL for its effect (COPY, CREATE): nothing is read back. */
export async function executeSql(sql: string, what = "the DuckDB statement"): Promise<void> {
  await exclusively((e) => runStatement(e, sql, what));
}

/** queryColumns' work, for code already inside `exclusively`. */
export async function readQuery({ connection, bindings, wrapChunk }: Engine, sql: string, options: QueryOptions = {}): Promise<ColumnarTable> {
  const what = options.what ?? "the DuckDB query";
  // Materialized, not streamed: a streamed result that fails midway (a CSV row that does not parse)
  // just ends, as if it had no more rows; a materialized one fails here, whole.
  let result: DuckDBResult;
  try {
    result = await connection.run(sql);
  } catch (error) {
    throw duckdbError(error, what);
  }
  const raw = (result as unknown as { result: Handle }).result;
  // It knows its size: the common numeric columns are written in place, chunk by chunk.
  const total = (result as { rowCount?: number }).rowCount;
  const builders = Array.from({ length: result.columnCount }, (_, i) => builderFor(result, i, options.strings ?? "dictionary", total));
  // Its chunks are read synchronously: node-api's fetchChunk costs a thread-pool round trip per 2,048 rows.
  const chunks = bindings.result_chunk_count(raw);
  for (let k = 0; k < chunks; k++) {
    const chunk = wrapChunk(bindings.result_get_chunk(raw, k));
    const rows = bindings.data_chunk_get_size(chunk.chunk);
    if (rows === 0) continue;
    builders.forEach((b, i) => b.add(bindings, chunk, i, rows));
    if (k % 64 === 63) checkInterrupt(what);
  }
  checkInterrupt(what);
  return new ColumnarTable(builders.map((b) => b.finish()));
}

/** executeSql's work, for code already inside `exclusively`. */
export async function runStatement({ connection }: Engine, sql: string, what: string): Promise<void> {
  try {
    await connection.run(sql);
  } catch (error) {
    throw duckdbError(error, what);
  }
}

