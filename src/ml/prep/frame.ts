/**
 * The few things the prep module needs from a danfo DataFrame, in one place:
 * reading columns, building a frame with explicit dtypes and index, checking
 * that columns exist, ordering and quoting values.
 *
 * danfo's types are loose (`any` in many places); the casts live here, each
 * with the reason, so the rest of the module works with plain arrays.
 */
import type { DataFrame } from "danfojs-node";
import { DataError } from "../../errors";
import { ColumnarTable, isColumnarTable } from "../../data";
import type { Column } from "../../data";
import { danfojs, isDanfoFrame } from "../../util";

/**
 * What the prep module takes: a danfo DataFrame (small data, what notebooks
 * show) or a ColumnarTable (big data, typed arrays). A transformer or a
 * split returns the same kind it was given.
 */
export type Table = DataFrame | ColumnarTable;

/** danfo loads its own TensorFlow.js: loaded only when a frame is built, like loadDataset does. */
export const danfo = danfojs;

/** A cell value as the prep module sees it. */
export type Cell = unknown;

/** One output column: its name, its values (one per row) and its danfo dtype. */
export interface OutputColumn {
  readonly name: string;
  readonly values: readonly Cell[];
  readonly dtype: string;
}

/** Whether `value` is missing: null, undefined or NaN. */
export function isMissing(value: Cell): boolean {
  return value === null || value === undefined || (typeof value === "number" && Number.isNaN(value));
}

/** Whether `df` is a danfo DataFrame (util's danfo adapter: danfo has two DataFrame classes). */
export const isFrame = isDanfoFrame;

export function requireFrame(df: unknown, who: string): Table {
  if (!isFrame(df) && !isColumnarTable(df)) {
    throw new DataError(`${who} expects a danfo DataFrame or a ColumnarTable, got ${describeType(df)}; build one with new DataFrame(rows), loadDataset(name) or readParquet(path)`);
  }
  return df;
}

/** A ColumnarTable column's values as the prep module's cells, made on first use, each remembering its column. */
const originals = new WeakMap<readonly Cell[], Column>();

class ColumnarCells extends Map<string, readonly Cell[]> {
  constructor(private readonly table: ColumnarTable) {
    super();
  }

  override get(name: string): readonly Cell[] | undefined {
    let cells = super.get(name);
    if (cells === undefined && this.table.columns.includes(name)) {
      cells = cellsOf(this.table, name);
      originals.set(cells, this.table.columnInfo(name));
      super.set(name, cells);
    }
    return cells;
  }

  override has(name: string): boolean {
    return this.table.columns.includes(name);
  }
}

function cellsOf(table: ColumnarTable, name: string): Cell[] {
  const c = table.columnInfo(name);
  switch (c.dtype) {
    case "string":
    case "category":
      return table.strings(name);
    case "bool":
    case "timestamp":
      return Array.from({ length: table.rows }, (_, i) => table.value(name, i));
    case "int64":
      return Array.from(c.values as BigInt64Array, Number);
    default: {
      const values = c.values as ArrayLike<number>;
      const out: number[] = new Array(values.length);
      for (let i = 0; i < values.length; i++) out[i] = values[i] as number;
      return out;
    }
  }
}

/** danfo's name for a ColumnarTable dtype: what the transformers record at fit and compare at transform. */
function danfoDtype(table: ColumnarTable, name: string): string {
  switch (table.columnInfo(name).dtype) {
    case "int32":
      return "int32";
    case "bool":
      return "boolean";
    case "string":
    case "category":
      return "string";
    case "timestamp":
      return "datetime";
    default:
      return "float32";
  }
}

/**
 * Output columns as a table of the kind of `like`: a danfo frame with its
 * index, or a ColumnarTable, where a column passed through unchanged keeps
 * its typed array (no copy).
 */
export function tableLike<T extends Table>(columns: readonly OutputColumn[], like: T, who: string): T {
  if (isFrame(like)) return makeFrame(columns, like.index, who) as T;
  const names = columns.map((c) => c.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined) throw new DataError(`${who} would produce the column ${quote(duplicate)} twice; rename the input column or drop one of them`);
  if (columns.length === 0) throw new DataError(`${who} would produce a table without columns`);
  return new ColumnarTable(
    columns.map((c): Column => {
      const original = originals.get(c.values);
      if (original !== undefined) return { ...original, name: c.name };
      const built = ColumnarTable.fromColumns({ value: c.values }).columnInfo("value");
      if (c.dtype === "int32" && built.dtype === "float64" && !(built.values as Float64Array).some((v) => Number.isNaN(v))) {
        return { name: c.name, dtype: "int32", values: Int32Array.from(built.values as Float64Array) };
      }
      return { ...built, name: c.name };
    }),
  ) as T;
}

/** The values of every column, by column name. */
export function columnsOf(df: Table): Map<string, readonly Cell[]> {
  if (isColumnarTable(df)) return new ColumnarCells(df);
  const names = df.columns;
  const out = new Map<string, readonly Cell[]>();
  if (names.length === 0 || df.shape[0] === 0) {
    for (const n of names) out.set(n, []);
    return out;
  }
  // danfo types getColumnData as a 1-D or 2-D array; for a DataFrame it is always one array per column.
  const data = df.getColumnData as unknown as Cell[][];
  names.forEach((n, j) => out.set(n, data[j] ?? []));
  return out;
}

/** The dtype of every column, by column name. */
export function dtypesOf(df: Table): Map<string, string> {
  if (isColumnarTable(df)) return new Map(df.columns.map((c) => [c, danfoDtype(df, c)]));
  const dtypes = df.dtypes;
  return new Map(df.columns.map((c, j) => [c, dtypes[j] ?? "undefined"]));
}

/** The number of rows of `df`. */
export function rowCount(df: Table): number {
  if (isColumnarTable(df)) return df.rows;
  return df.shape[0] ?? 0;
}

/**
 * A new DataFrame with these columns, dtypes and index. The dtypes are given
 * to danfo explicitly: its own inference looks only at the first 20 rows.
 */
export function makeFrame(columns: readonly OutputColumn[], index: readonly (string | number)[], who: string): DataFrame {
  const { DataFrame } = danfo();
  const names = columns.map((c) => c.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined) {
    throw new DataError(`${who} would produce the column ${quote(duplicate)} twice; rename the input column or drop one of them`);
  }
  const dtypes = columns.map((c) => c.dtype);
  if (columns.length === 0) throw new DataError(`${who} would produce a frame without columns`);
  const n = index.length;
  if (n === 0) return new DataFrame([], { columns: names, dtypes });
  // Rows, not an object of columns: danfo builds rows either way, and a column named "__proto__" stays a column.
  const rows: Cell[][] = new Array(n);
  for (let i = 0; i < n; i++) {
    const row: Cell[] = new Array(columns.length);
    for (let j = 0; j < columns.length; j++) row[j] = (columns[j] as OutputColumn).values[i];
    rows[i] = row;
  }
  return new DataFrame(rows, { columns: names, dtypes, index: [...index] });
}

/** The rows of `df` at these positions, as a new frame indexed 0..k-1, dtypes kept. */
export function takeRows<T extends Table>(df: T, positions: readonly number[], who: string): T {
  if (isColumnarTable(df)) return df.take(positions) as T;
  const data = columnsOf(df);
  const dtypes = dtypesOf(df);
  const columns = df.columns.map((name) => {
    const values = data.get(name) ?? [];
    return { name, dtype: dtypes.get(name) ?? "undefined", values: positions.map((p) => values[p]) };
  });
  return makeFrame(columns, positions.map((_, i) => i), who) as T;
}

/** Throws a DataError naming the columns of `wanted` that `df` lacks, and who wanted them. */
export function requireColumns(df: Table, wanted: readonly string[], who: string, what = "column"): void {
  const have = new Set(df.columns);
  const missing = wanted.filter((c) => !have.has(c));
  if (missing.length === 0) return;
  throw new DataError(
    `${who}: the frame lacks the ${what}${missing.length > 1 ? "s" : ""} ${quoteList(missing)}; it has ${quoteList(df.columns)}`,
  );
}

/** Checks a list of column names given as an option: an array of unique strings. */
export function checkColumnList(columns: unknown, who: string, { allowEmpty = false } = {}): string[] {
  if (!Array.isArray(columns) || columns.some((c) => typeof c !== "string")) {
    throw new DataError(`${who}: columns must be an array of column names, got ${describeValue(columns)}`);
  }
  const list = columns as string[];
  if (list.length === 0 && !allowEmpty) throw new DataError(`${who}: columns is empty; name the columns to act on`);
  const duplicate = list.find((c, i) => list.indexOf(c) !== i);
  if (duplicate !== undefined) throw new DataError(`${who}: the column ${quote(duplicate)} is listed twice`);
  return [...list];
}

/** The family of a danfo dtype: int32 and float32 are both "numeric" (danfo infers either for the same data). */
export function dtypeFamily(dtype: string): string {
  return dtype === "float32" || dtype === "int32" ? "numeric" : dtype;
}

const TYPE_RANK: Record<string, number> = { boolean: 0, number: 1, string: 2 };

/**
 * A total order on category values: booleans, then numbers, then strings;
 * strings by UTF-16 code units, like numpy's sort (not locale-aware).
 */
export function compareValues(a: Cell, b: Cell): number {
  const ra = TYPE_RANK[typeof a] ?? 3;
  const rb = TYPE_RANK[typeof b] ?? 3;
  if (ra !== rb) return ra - rb;
  const x = a as number | string | boolean;
  const y = b as number | string | boolean;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The distinct values of `values`, sorted with compareValues. */
export function sortedUnique(values: Iterable<Cell>): Cell[] {
  return [...new Set(values)].sort(compareValues);
}

export function quote(value: string): string {
  return JSON.stringify(value);
}

export function quoteList(values: readonly string[], max = 12): string {
  const shown = values.slice(0, max).map(quote).join(", ");
  return values.length > max ? `${shown}, ... (${values.length} in all)` : shown;
}

/** A value as it appears in an error message. */
export function describeValue(value: Cell): string {
  if (value === undefined) return "undefined";
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return quote(value);
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
  } catch {
    return String(value);
  }
}

export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  const name = (value as object).constructor?.name;
  return name ? `a ${name}` : "an object";
}

/** "row 3 (index label "a")" or "row 3" when the label is the position. */
export function describeRow(df: Table, position: number): string {
  if (isColumnarTable(df)) return `row ${position}`;
  const label = df.index[position];
  return label === position ? `row ${position}` : `row ${position} (index label ${describeValue(label)})`;
}
