/**
 * A table held column by column in typed arrays: what pipelab's big-data
 * readers return, sized for millions of rows (danfo, built from row objects,
 * is for small data; `toDanfo` converts).
 */
import { inspect } from "node:util";
import type { DataFrame } from "danfojs-node";
import { MIME_BUNDLE } from "../display";
import type { MimeBundle } from "../display";
import { count, positionsOf, shapeLine } from "../display/cells";
import { gridTable, tableText, tablesBundle } from "../display/table";
import { DataError } from "../errors";
import { danfojs } from "../util";

/**
 * How a column is held:
 * - `float64`, `float32`, `int32`: Float64Array, Float32Array, Int32Array (missing numbers are NaN, so integer columns with nulls are float64);
 * - `int64`: BigInt64Array, only for integers a double cannot hold exactly (others are float64);
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

/** toDanfo builds one JS value per cell: above this many rows, it refuses unless told otherwise. */
export const DANFO_MAX_ROWS = 100_000;

/**
 * A table of typed-array columns, all of one length. Display it in a cell to
 * see its first and last rows and its size; take columns out with `column`
 * (no copy) to build tensors.
 *
 * @example
 * ```ts
 * const flights = await readParquet("flights.parquet", { columns: ["delay", "distance"] });
 * flights.rows;               // 3000000
 * flights.column("delay");    // Float64Array
 * flights.head(1000).toDanfo();
 * ```
 */
export class ColumnarTable {
  /** The column names, in order. */
  readonly columns: readonly string[];
  /** The number of rows. */
  readonly rows: number;
  private readonly byName = new Map<string, Column>();

  constructor(columns: readonly Column[]) {
    this.columns = columns.map((c) => c.name);
    this.rows = columns[0]?.values.length ?? 0;
    for (const c of columns) {
      if (this.byName.has(c.name)) throw new DataError(`a table cannot have two columns named ${JSON.stringify(c.name)}: rename one (AS in SQL)`);
      if (c.values.length !== this.rows) {
        throw new DataError(`column ${JSON.stringify(c.name)} has ${c.values.length} values, but column ${JSON.stringify(this.columns[0])} has ${this.rows}: the columns of a table must be of one length`);
      }
      if ((c.dtype === "category") !== (c.dictionary !== undefined)) throw new DataError(`column ${JSON.stringify(c.name)}: a dictionary goes with dtype category, and only with it`);
      this.byName.set(c.name, c);
    }
  }

  /** The dtype of each column, by name. */
  get dtypes(): Readonly<Record<string, Dtype>> {
    return Object.fromEntries(this.columns.map((n) => [n, this.get(n).dtype]));
  }

  /** A column's values, as held (no copy): a typed array, strings, or a category's codes. */
  column(name: string): ColumnValues {
    return this.get(name).values;
  }

  /** A category column's distinct values (its codes index them). */
  dictionary(name: string): readonly string[] {
    const c = this.get(name);
    if (c.dictionary === undefined) throw new DataError(`column ${JSON.stringify(name)} is ${c.dtype}, not a category: only a category has a dictionary`);
    return c.dictionary;
  }

  /** A string or category column as strings (nulls as null). */
  strings(name: string): (string | null)[] {
    const c = this.get(name);
    if (c.dtype === "string") return [...(c.values as readonly (string | null)[])];
    if (c.dtype === "category") return Array.from(c.values as Int32Array, (code) => (code < 0 ? null : (c.dictionary?.[code] ?? null)));
    throw new DataError(`column ${JSON.stringify(name)} is ${c.dtype}, not text: read its numbers with column(${JSON.stringify(name)})`);
  }

  /** The first `n` rows (typed arrays are shared, not copied). */
  head(n = 5): ColumnarTable {
    return this.slice(0, Math.max(0, Math.min(n, this.rows)));
  }

  /** The last `n` rows. */
  tail(n = 5): ColumnarTable {
    return this.slice(Math.max(0, this.rows - Math.max(0, n)), this.rows);
  }

  /** Rows `start` to `end` (exclusive). */
  slice(start: number, end: number): ColumnarTable {
    return new ColumnarTable(
      this.columns.map((n) => {
        const c = this.get(n);
        const values = Array.isArray(c.values) ? c.values.slice(start, end) : (c.values as Exclude<ColumnValues, readonly unknown[]>).subarray(start, end);
        return { ...c, values };
      }),
    );
  }

  /** One cell as a JS value: a number, bigint, boolean, Date, string, or null when missing. */
  value(name: string, row: number): number | bigint | boolean | Date | string | null {
    const c = this.get(name);
    const v = c.values[row];
    if (v === undefined || v === null) return null;
    switch (c.dtype) {
      case "bool":
        return v === 1;
      case "timestamp":
        return Number.isNaN(v) ? null : new Date(v as number);
      case "category":
        return (v as number) < 0 ? null : (c.dictionary?.[v as number] ?? null);
      default:
        return v;
    }
  }

  /**
   * A danfo DataFrame of the same data, for small tables (danfo holds one JS
   * value per cell): refuses above `maxRows` (default 100,000). Timestamps
   * become Dates, categories their strings, missing numbers NaN.
   */
  toDanfo(options: { maxRows?: number } = {}): DataFrame {
    const maxRows = options.maxRows ?? DANFO_MAX_ROWS;
    if (this.rows > maxRows) {
      throw new DataError(
        `toDanfo() builds a danfo DataFrame of one JS value per cell, for up to ${maxRows} rows; this table has ${this.rows}: take head(n), filter it (where: in readParquet), aggregate it in SQL first, or pass { maxRows: ${this.rows} } if you mean it`,
      );
    }
    const data: Record<string, unknown[]> = {};
    for (const name of this.columns) {
      const c = this.get(name);
      data[name] =
        c.dtype === "string" || c.dtype === "category"
          ? this.strings(name)
          : c.dtype === "int64" || c.dtype === "timestamp" || c.dtype === "bool"
            ? Array.from({ length: this.rows }, (_, r) => this.value(name, r))
            : Array.from(c.values as ArrayLike<number>);
    }
    return new (danfojs().DataFrame)(data);
  }

  /** The table as Jupyter shows it: its first and last rows, and `N rows × M columns`. */
  [MIME_BUNDLE](): MimeBundle {
    return tablesBundle([this.table()]);
  }

  [inspect.custom](): string {
    return tableText(this.table());
  }

  private table(): ReturnType<typeof gridTable> {
    return gridTable(
      {
        rows: this.rows,
        columns: this.columns.length,
        rowLabel: (r) => r,
        columnLabel: (c) => this.columns[c],
        block: (rows, columns) => {
          const names = positionsOf([columns]).map((c) => this.columns[c] as string);
          return positionsOf([rows]).map((r) => names.map((n) => this.value(n, r)));
        },
      },
      { footer: shapeLine(this.rows, this.columns.length) },
    );
  }

  private get(name: string): Column {
    const c = this.byName.get(name);
    if (c === undefined) {
      throw new DataError(`no column ${JSON.stringify(name)}: the table has ${count(this.columns.length, "column")} (${this.columns.map((n) => JSON.stringify(n)).join(", ")})`);
    }
    return c;
  }
}
