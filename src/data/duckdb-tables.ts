/**
 * ColumnarTables into DuckDB, as temporary tables that SQL can name: what
 * `sql` queries and `writeParquet` writes. The typed arrays are copied into
 * DuckDB's vectors chunk by chunk (`copy_data_to_vector`), with no JS value
 * per cell; a category goes in as an ENUM of its dictionary and its codes, so
 * only a plain string column costs a call per cell.
 */
import { DataError } from "../errors";
import { checkInterrupt } from "../run-context";
import type { Column } from "./columnar";
import type { ColumnarTable } from "./columnar";
import { exclusively, runStatement, sqlIdentifier, sqlString } from "./duckdb";
import type { Bindings, Engine } from "./duckdb";

/** DuckDB's type ids (DUCKDB_TYPE) for the column kinds a table holds. */
const TYPE = { BOOLEAN: 1, INTEGER: 4, BIGINT: 5, UTINYINT: 6, USMALLINT: 7, UINTEGER: 8, FLOAT: 10, DOUBLE: 11, TIMESTAMP: 12, VARCHAR: 17 } as const;

/** How one column goes into DuckDB: its SQL type, its logical type, and how a chunk of it is written. */
interface ColumnWriter {
  readonly sqlType: string;
  readonly logicalType: unknown;
  write(bindings: Bindings, vector: unknown, start: number, rows: number): void;
}

/**
 * Runs `work` with each table of `tables` in DuckDB as a temporary table of
 * that name (quoted as an identifier, so any name works), dropped afterwards
 * whatever happens. Nothing else runs on the connection in between.
 *
 * @example
 * ```ts
 * await withTables({ flights }, (e) => readQuery(e, "SELECT origin, avg(delay) FROM flights GROUP BY origin"));
 * ```
 */
export async function withTables<T>(tables: Readonly<Record<string, ColumnarTable>>, work: (engine: Engine) => Promise<T>): Promise<T> {
  return exclusively(async (engine) => {
    const created: string[] = [];
    try {
      for (const [name, table] of Object.entries(tables)) {
        await appendTable(engine, name, table);
        created.push(name);
      }
      return await work(engine);
    } finally {
      for (const name of created) await runStatement(engine, `DROP TABLE IF EXISTS temp.${sqlIdentifier(name)}`, `dropping the table ${name}`).catch(() => undefined);
    }
  });
}

async function appendTable(engine: Engine, name: string, table: ColumnarTable): Promise<void> {
  const { bindings, handle } = engine;
  if (table.columns.length === 0) throw new DataError(`the table ${JSON.stringify(name)} has no columns: SQL cannot query it`);
  const writers = table.columns.map((c) => writerFor(bindings, table, c));
  const columns = table.columns.map((c, j) => `${sqlIdentifier(c)} ${(writers[j] as ColumnWriter).sqlType}`).join(", ");
  const what = `loading the table ${JSON.stringify(name)} into DuckDB`;
  await runStatement(engine, `CREATE OR REPLACE TEMP TABLE ${sqlIdentifier(name)} (${columns})`, what);
  const appender = bindings.appender_create_ext(handle, "temp", "main", name);
  try {
    const size = bindings.vector_size();
    const chunk = bindings.create_data_chunk(writers.map((w) => w.logicalType));
    for (let start = 0; start < table.rows; start += size) {
      const rows = Math.min(size, table.rows - start);
      bindings.data_chunk_reset(chunk);
      writers.forEach((w, j) => w.write(bindings, bindings.data_chunk_get_vector(chunk, j), start, rows));
      bindings.data_chunk_set_size(chunk, rows);
      bindings.append_data_chunk(appender, chunk);
      if ((start / size) % 64 === 63) checkInterrupt(what);
    }
  } finally {
    bindings.appender_close_sync(appender);
  }
}

function writerFor(bindings: Bindings, table: ColumnarTable, name: string): ColumnWriter {
  const column: Column = { name, dtype: table.dtypes[name] as Column["dtype"], values: table.column(name), dictionary: table.dtypes[name] === "category" ? table.dictionary(name) : undefined };
  switch (column.dtype) {
    case "float64":
      return numbers(bindings, "DOUBLE", TYPE.DOUBLE, column.values as Float64Array, true);
    case "float32":
      return numbers(bindings, "FLOAT", TYPE.FLOAT, column.values as Float32Array, true);
    case "int32":
      return numbers(bindings, "INTEGER", TYPE.INTEGER, column.values as Int32Array, false);
    case "int64":
      return numbers(bindings, "BIGINT", TYPE.BIGINT, column.values as BigInt64Array, false);
    case "bool":
      return numbers(bindings, "BOOLEAN", TYPE.BOOLEAN, column.values as Uint8Array, false);
    case "timestamp":
      return timestamps(bindings, column.values as Float64Array);
    case "string":
      return strings(bindings, column.values as readonly (string | null)[]);
    case "category":
      return categories(bindings, column.values as Int32Array, column.dictionary ?? []);
  }
}

type Numbers = Float64Array | Float32Array | Int32Array | BigInt64Array | Uint8Array;

/** A numeric column copied as its bytes; NaN is NULL in a float column (what reading it back gives). */
function numbers(bindings: Bindings, sqlType: string, typeId: number, values: Numbers, nanIsNull: boolean): ColumnWriter {
  const width = values.BYTES_PER_ELEMENT;
  // One pass to find out whether any value is missing: most columns have none, and skip the mask.
  const missing = nanIsNull && (values as Float64Array | Float32Array).some((v) => Number.isNaN(v));
  return {
    sqlType,
    logicalType: bindings.create_logical_type(typeId),
    write(b, vector, start, rows) {
      b.copy_data_to_vector(vector, 0, values.buffer, values.byteOffset + start * width, rows * width);
      if (missing) writeValidity(b, vector, rows, (i) => !Number.isNaN(values[start + i] as number));
    },
  };
}

/** Milliseconds (a double, NaN when missing) as TIMESTAMP microseconds (an int64), without a BigInt per value. */
function timestamps(bindings: Bindings, values: Float64Array): ColumnWriter {
  const scratch = new BigInt64Array(bindings.vector_size());
  const halves = new Int32Array(scratch.buffer);
  return {
    sqlType: "TIMESTAMP",
    logicalType: bindings.create_logical_type(TYPE.TIMESTAMP),
    write(b, vector, start, rows) {
      for (let i = 0; i < rows; i++) {
        const ms = values[start + i] as number;
        const us = Number.isNaN(ms) ? 0 : Math.round(ms * 1000);
        // Little-endian int64 from a double holding an integer below 2^63: low 32 bits, then the rest.
        const hi = Math.floor(us / 4294967296);
        halves[2 * i] = us - hi * 4294967296;
        halves[2 * i + 1] = hi;
      }
      b.copy_data_to_vector(vector, 0, scratch.buffer, 0, rows * 8);
      writeValidity(b, vector, rows, (i) => !Number.isNaN(values[start + i] as number));
    },
  };
}

function strings(bindings: Bindings, values: readonly (string | null)[]): ColumnWriter {
  return {
    sqlType: "VARCHAR",
    logicalType: bindings.create_logical_type(TYPE.VARCHAR),
    write(b, vector, start, rows) {
      for (let i = 0; i < rows; i++) {
        const v = values[start + i];
        if (v !== null && v !== undefined) b.vector_assign_string_element(vector, i, v);
      }
      writeValidity(b, vector, rows, (i) => values[start + i] !== null && values[start + i] !== undefined);
    },
  };
}

/**
 * A category as an ENUM of its dictionary, sorted: DuckDB orders and
 * compares an ENUM by its members' order, so sorted members make ORDER BY
 * and < on the column alphabetical, as on text. The codes are remapped to
 * the sorted order and narrowed to the ENUM's width.
 */
function categories(bindings: Bindings, codes: Int32Array, dictionary: readonly string[]): ColumnWriter {
  if (dictionary.length === 0 || new Set(dictionary).size !== dictionary.length) {
    // No ENUM for an empty or repeating dictionary: as plain strings.
    return strings(
      bindings,
      Array.from(codes, (c) => (c < 0 ? null : (dictionary[c] ?? null))),
    );
  }
  const order = dictionary.map((_, i) => i).sort((a, b) => ((dictionary[a] as string) < (dictionary[b] as string) ? -1 : 1));
  const sorted = order.map((i) => dictionary[i] as string);
  const remap = new Int32Array(dictionary.length);
  order.forEach((old, now) => {
    remap[old] = now;
  });
  const logicalType = bindings.create_enum_type(sorted);
  const internal = bindings.enum_internal_type(logicalType);
  const size = bindings.vector_size();
  const scratch = internal === TYPE.UTINYINT ? new Uint8Array(size) : internal === TYPE.USMALLINT ? new Uint16Array(size) : new Uint32Array(size);
  const missing = codes.some((c) => c < 0);
  return {
    sqlType: `ENUM(${sorted.map(sqlString).join(", ")})`,
    logicalType,
    write(b, vector, start, rows) {
      for (let i = 0; i < rows; i++) {
        const code = codes[start + i] as number;
        // A missing row's value is hidden by its validity bit.
        scratch[i] = code < 0 ? 0 : (remap[code] as number);
      }
      b.copy_data_to_vector(vector, 0, scratch.buffer, 0, rows * scratch.BYTES_PER_ELEMENT);
      if (missing) writeValidity(b, vector, rows, (i) => (codes[start + i] as number) >= 0);
    },
  };
}

/**
 * Sets a chunk's validity mask (one bit a row, least significant first) when
 * some row is missing. The mask of a reset chunk says every row is valid, so
 * a chunk with no missing value is left alone.
 */
function writeValidity(b: Bindings, vector: unknown, rows: number, valid: (row: number) => boolean): void {
  let mask: Uint8Array | undefined;
  for (let i = 0; i < rows; i++) {
    if (valid(i)) continue;
    if (mask === undefined) mask = new Uint8Array(Math.ceil(rows / 64) * 8).fill(0xff);
    mask[i >> 3] = (mask[i >> 3] as number) & ~(1 << (i & 7));
  }
  if (mask === undefined) return;
  b.vector_ensure_validity_writable(vector);
  b.copy_data_to_vector_validity(vector, 0, mask.buffer, 0, mask.byteLength);
}
