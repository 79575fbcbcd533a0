/** The shape of a ColumnarTable's columns, apart from the table (what the table's verbs share). */

/**
 * How a column is held:
 * - `float64`, `float32`, `int32`: Float64Array, Float32Array, Int32Array (missing numbers are NaN, so integer columns with nulls are float64);
 * - `int64`: BigInt64Array, only for integers a double cannot hold exactly (SQL's BIGINT results are int32
 *   when all fit and none is missing, such as counts, else float64);
 * - `bool`: Uint8Array of 0 and 1;
 * - `timestamp`: Float64Array of milliseconds since 1970-01-01 UTC (NaN when missing);
 * - `string`: an array of strings and nulls;
 * - `category`: Int32Array codes into `dictionary` (-1 for null).
 */
export type Dtype = "float64" | "float32" | "int32" | "int64" | "bool" | "timestamp" | "string" | "category";

/** What `column(name)` returns. */
export type ColumnValues = Float64Array | Float32Array | Int32Array | BigInt64Array | Uint8Array | readonly (string | null)[];

/** A column: its name, dtype and values (codes, for a category, with its dictionary). */
export interface Column {
  readonly name: string;
  readonly dtype: Dtype;
  readonly values: ColumnValues;
  readonly dictionary?: readonly string[];
}

