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
import { GroupedTable } from "./group-by";
import { summarize } from "./summary";
import type { ColumnSummary } from "./summary";

import type { Column, ColumnValues, Dtype } from "./column";

export type { Column, ColumnValues, Dtype } from "./column";

/** Marks columnar tables; a registered symbol, so that two copies of pipelab in a process recognize each other's. */
const BRAND = Symbol.for("pipelab.ColumnarTable");

/**
 * Whether `value` is a ColumnarTable (from this copy of pipelab or another).
 *
 * @example
 * ```ts
 * if (isColumnarTable(x)) x.rows;
 * ```
 */
export function isColumnarTable(value: unknown): value is ColumnarTable {
  return value !== null && typeof value === "object" && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** A table of up to this many rows shows whole, with no summary under it. */
const SHOWN_WHOLE = 20;

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
    Object.defineProperty(this, BRAND, { value: true });
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

  /**
   * A table of a danfo DataFrame's columns: numbers as float64 (missing as
   * NaN), booleans as bool (float64 0/1/NaN when some are missing), text as a
   * category, Dates as timestamps. The index is dropped.
   *
   * @example
   * ```ts
   * const table = ColumnarTable.fromDanfo(loadDataset("penguins"));
   * ```
   */
  static fromDanfo(df: DataFrame): ColumnarTable {
    const data = df.getColumnData as unknown as unknown[][];
    const names = df.columns;
    const rows = df.shape[0] ?? 0;
    return new ColumnarTable(names.map((name, j) => columnOfValues(name, rows === 0 ? [] : (data[j] ?? []))));
  }

  /**
   * A table of plain columns: each an array of numbers, strings, booleans,
   * Dates or nulls, or a typed array (kept as is).
   *
   * @example
   * ```ts
   * const t = ColumnarTable.fromColumns({ x: [1, 2, 3], city: ["Oslo", "Rome", null] });
   * ```
   */
  static fromColumns(columns: Readonly<Record<string, ArrayLike<unknown>>>): ColumnarTable {
    return new ColumnarTable(
      Object.entries(columns).map(([name, values]) => {
        if (values instanceof Float64Array) return { name, dtype: "float64", values };
        if (values instanceof Float32Array) return { name, dtype: "float32", values };
        if (values instanceof Int32Array) return { name, dtype: "int32", values };
        if (values instanceof BigInt64Array) return { name, dtype: "int64", values };
        return columnOfValues(name, Array.from(values));
      }),
    );
  }

  /** The dtype of each column, by name. */
  get dtypes(): Readonly<Record<string, Dtype>> {
    return Object.fromEntries(this.columns.map((n) => [n, this.get(n).dtype]));
  }

  /** A column's values, as held (no copy): a typed array, strings, or a category's codes. */
  column(name: string): ColumnValues {
    return this.get(name).values;
  }

  /**
   * A numeric, bool or timestamp column as a Float64Array (the column itself
   * when it is float64, else a copy): one type to compute with whatever the
   * column's dtype, missing values as NaN.
   *
   * @example
   * ```ts
   * const months = byMonth.numbers("month"); // Float64Array, also when the column is int32
   * months.indexOf(3);
   * ```
   */
  numbers(name: string): Float64Array {
    const c = this.get(name);
    if (c.dtype === "string" || c.dtype === "category") throw new DataError(`column ${JSON.stringify(name)} is ${c.dtype}, not numbers: read it with strings(${JSON.stringify(name)})`);
    if (c.values instanceof Float64Array) return c.values;
    if (c.values instanceof BigInt64Array) return Float64Array.from(c.values, Number);
    return Float64Array.from(c.values as ArrayLike<number>);
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

  /** The rows at these positions, in this order (values copied). */
  take(positions: ArrayLike<number>): ColumnarTable {
    const n = positions.length;
    for (let i = 0; i < n; i++) {
      const p = positions[i] as number;
      if (!Number.isInteger(p) || p < 0 || p >= this.rows) {
        throw new DataError(`take: position ${p} (at index ${i}) is not a row of this table, which has ${this.rows} rows (0 to ${this.rows - 1})`);
      }
    }
    return new ColumnarTable(
      this.columns.map((name) => {
        const c = this.get(name);
        if (Array.isArray(c.values)) return { ...c, values: Array.from({ length: n }, (_, i) => (c.values as readonly (string | null)[])[positions[i] as number] ?? null) };
        const source = c.values as Exclude<ColumnValues, readonly unknown[]>;
        const out = new (source.constructor as { new (length: number): typeof source })(n);
        for (let i = 0; i < n; i++) out[i] = source[positions[i] as number] as never;
        return { ...c, values: out };
      }),
    );
  }

  /** These columns only, in this order (values shared, not copied). */
  select(names: readonly string[]): ColumnarTable {
    return new ColumnarTable(names.map((n) => this.get(n)));
  }

  /** The same table with columns added or replaced (a replaced column keeps its place). */
  withColumns(columns: readonly Column[]): ColumnarTable {
    const byName = new Map(columns.map((c) => [c.name, c]));
    const kept = this.columns.map((n) => byName.get(n) ?? this.get(n));
    return new ColumnarTable([...kept, ...columns.filter((c) => !this.byName.has(c.name))]);
  }

  /**
   * Groups the rows by key columns, for `.agg(...)`: in memory, over the
   * typed arrays (use `sql` for files, joins and windows).
   *
   * @example
   * ```ts
   * flights.groupBy("origin").agg({ delay: "mean", flights: "count" });
   * ```
   */
  groupBy(keys: string | readonly string[]): GroupedTable<ColumnarTable> {
    return new GroupedTable(this, typeof keys === "string" ? [keys] : keys, (columns) => new ColumnarTable(columns));
  }

  /**
   * Numeric columns as one row-major Float32Array: what a tensor or a model
   * takes (`tf.tensor2d(m.data, [m.rows, m.cols])`). Text columns and
   * missing values are refused, naming the column and row: encode or impute
   * them first.
   *
   * @example
   * ```ts
   * const m = flights.toMatrix(["delay", "distance"]);
   * ```
   */
  toMatrix(columns: readonly string[] = this.columns): { data: Float32Array; rows: number; cols: number; columns: string[] } {
    const rows = this.rows;
    const cols = columns.length;
    const data = new Float32Array(rows * cols);
    columns.forEach((name, j) => {
      const c = this.get(name);
      if (c.dtype === "string" || c.dtype === "category") {
        throw new DataError(`column ${JSON.stringify(name)} holds text (${c.dtype}); a matrix needs numbers: encode it first (OneHotEncoder, LabelEncoder) or leave it out`);
      }
      const values = c.dtype === "int64" ? Float64Array.from(c.values as BigInt64Array, Number) : (c.values as ArrayLike<number>);
      if (cols === 1) data.set(values);
      else for (let i = 0, at = j; i < rows; i++, at += cols) data[at] = values[i] as number;
      for (let i = 0; i < rows; i++) {
        if (Number.isNaN(values[i] as number)) throw new DataError(`column ${JSON.stringify(name)} has a missing value at row ${i}; impute it first (SimpleImputer) or filter the rows out`);
      }
    });
    return { data, rows, cols, columns: [...columns] };
  }

  /** A column with its dtype and, for a category, its dictionary. */
  columnInfo(name: string): Column {
    return this.get(name);
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

  /**
   * One row per column: its dtype, missing values, and min / mean / max for
   * numbers (timestamps in ms) or the distinct count and most frequent value
   * for text. Shown under a big table's first and last rows.
   *
   * @example
   * ```ts
   * flights.summary(); // column, dtype, missing, min, mean, max, distinct, top
   * ```
   */
  summary(): ColumnarTable {
    const rows = this.columns.map((n) => summarize(this.get(n)));
    const numbers = (pick: (s: ColumnSummary) => number | null): Float64Array => Float64Array.from(rows, (s) => pick(s) ?? NaN);
    return ColumnarTable.fromColumns({
      column: rows.map((s) => s.column),
      dtype: rows.map((s) => s.dtype),
      missing: numbers((s) => s.missing),
      min: numbers((s) => s.min),
      mean: numbers((s) => s.mean),
      max: numbers((s) => s.max),
      distinct: numbers((s) => s.distinct),
      top: rows.map((s) => s.top),
    });
  }

  /** The table as Jupyter shows it: its first and last rows, `N rows × M columns`, and for a big table its summary. */
  [MIME_BUNDLE](): MimeBundle {
    return tablesBundle(this.tables());
  }

  [inspect.custom](): string {
    return this.tables().map(tableText).join("\n\n");
  }

  /** What is shown: the rows, and under a table too long to show whole, its summary (never millions of rows). */
  private tables(): ReturnType<typeof gridTable>[] {
    if (this.rows <= SHOWN_WHOLE) return [this.table()];
    const summary = this.summary();
    return [this.table(), { ...summary.table(), caption: "summary" }];
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

/** A column from JS values, typed by what they are (see fromDanfo). */
function columnOfValues(name: string, values: readonly unknown[]): Column {
  const n = values.length;
  let numbers = 0;
  let booleans = 0;
  let texts = 0;
  let dates = 0;
  let missing = 0;
  for (const v of values) {
    if (v === null || v === undefined || (typeof v === "number" && Number.isNaN(v))) missing++;
    else if (typeof v === "number") numbers++;
    else if (typeof v === "boolean") booleans++;
    else if (typeof v === "string") texts++;
    else if (v instanceof Date) dates++;
    else throw new DataError(`column ${JSON.stringify(name)} holds ${Object.prototype.toString.call(v)}, which a columnar table cannot hold: numbers, strings, booleans, Dates or nulls`);
  }
  const kinds = [numbers, booleans, texts, dates].filter((k) => k > 0).length;
  if (texts > 0 || kinds > 1) {
    const dictionary: string[] = [];
    const index = new Map<string, number>();
    const codes = new Int32Array(n);
    values.forEach((v, i) => {
      if (v === null || v === undefined || (typeof v === "number" && Number.isNaN(v))) {
        codes[i] = -1;
        return;
      }
      const text = v instanceof Date ? v.toISOString() : String(v);
      let code = index.get(text);
      if (code === undefined) {
        code = dictionary.length;
        dictionary.push(text);
        index.set(text, code);
      }
      codes[i] = code;
    });
    return { name, dtype: "category", values: codes, dictionary };
  }
  if (booleans > 0 && missing === 0) return { name, dtype: "bool", values: Uint8Array.from(values, (v) => (v === true ? 1 : 0)) };
  if (dates > 0) return { name, dtype: "timestamp", values: Float64Array.from(values, (v) => (v instanceof Date ? v.getTime() : NaN)) };
  return { name, dtype: "float64", values: Float64Array.from(values, (v) => (typeof v === "number" ? v : typeof v === "boolean" ? Number(v) : NaN)) };
}
