/**
 * groupBy on a ColumnarTable, in memory: group codes from the key columns,
 * then one pass per aggregate over typed arrays. For the common group-by of
 * a table already in memory this is several times faster than loading it
 * into DuckDB; for files, or joins and windows, use SQL.
 */
import { DataError } from "../errors";
import type { Column, ColumnValues } from "./column";

/** What groupBy reads from a table. */
export interface GroupSource {
  readonly rows: number;
  readonly columns: readonly string[];
  columnInfo(name: string): Column;
}

/** The aggregates groupBy computes. Missing values (NaN) are skipped, as in SQL and pandas. */
export type Aggregate = "count" | "sum" | "mean" | "min" | "max" | "std";

/** An output column: an aggregate of the column of the same name, or `[column, aggregate]`; `"count"` alone counts rows. */
export type AggregateSpec = Aggregate | readonly [string, Aggregate];

const AGGREGATES: readonly Aggregate[] = ["count", "sum", "mean", "min", "max", "std"];

/** The groups of a table by some key columns; `agg` computes one row per group. */
export class GroupedTable<T> {
  constructor(
    private readonly table: GroupSource,
    private readonly keys: readonly string[],
    private readonly build: (columns: Column[]) => T,
  ) {
    if (keys.length === 0) throw new DataError("groupBy needs at least one key column");
    for (const k of keys) table.columnInfo(k);
  }

  /**
   * One row per group (in order of first appearance), the key columns first,
   * then one column per entry of `spec`, named by its key.
   *
   * @example
   * ```ts
   * table.groupBy("origin").agg({ delay: "mean", worst: ["delay", "max"], flights: "count" });
   * ```
   */
  agg(spec: Readonly<Record<string, AggregateSpec>>): T {
    const { groupOf, firstRow, groups } = groupCodes(this.table, this.keys);
    const keyColumns = this.keys.map((k) => takeColumn(this.table.columnInfo(k), firstRow));
    const out: Column[] = [...keyColumns];
    for (const [name, s] of Object.entries(spec)) {
      const [column, op] = typeof s === "string" ? [name, s] : s;
      if (!AGGREGATES.includes(op)) throw new DataError(`groupBy: unknown aggregate ${JSON.stringify(op)} for ${JSON.stringify(name)}; use one of ${AGGREGATES.join(", ")}`);
      if (op === "count" && (typeof s === "string" ? !this.table.columns.includes(name) : false)) {
        out.push({ name, dtype: "float64", values: countRows(groupOf, groups) });
        continue;
      }
      out.push({ name, dtype: "float64", values: aggregate(numbersOf(this.table, column), groupOf, groups, op) });
    }
    return this.build(out);
  }
}

/** A column's values at these positions. */
function takeColumn(c: Column, positions: readonly number[]): Column {
  if (Array.isArray(c.values)) return { ...c, values: positions.map((p) => (c.values as readonly (string | null)[])[p] ?? null) };
  const source = c.values as Exclude<ColumnValues, readonly unknown[]>;
  const out = new (source.constructor as { new (length: number): typeof source })(positions.length);
  positions.forEach((p, i) => {
    out[i] = source[p] as never;
  });
  return { ...c, values: out };
}

/** A dense group id per row, the first row of each group, and the number of groups. */
function groupCodes(table: GroupSource, keys: readonly string[]): { groupOf: Int32Array; firstRow: number[]; groups: number } {
  const n = table.rows;
  let groupOf: Int32Array = new Int32Array(n);
  let cardinality = 1;
  keys.forEach((key, k) => {
    const { codes, count } = keyCodes(table, key);
    if (k === 0) {
      groupOf = codes;
      cardinality = count;
      return;
    }
    // Combine with the codes so far, then renumber densely so that the ids stay small.
    const index = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const combined = (groupOf[i] as number) * count + (codes[i] as number);
      let id = index.get(combined);
      if (id === undefined) {
        id = index.size;
        index.set(combined, id);
      }
      groupOf[i] = id;
    }
    cardinality = index.size;
  });
  // Renumber by first appearance, so the output's order is the data's.
  const renumber = new Int32Array(cardinality).fill(-1);
  const firstRow: number[] = [];
  for (let i = 0; i < n; i++) {
    const g = groupOf[i] as number;
    if (renumber[g] === -1) {
      renumber[g] = firstRow.length;
      firstRow.push(i);
    }
    groupOf[i] = renumber[g] as number;
  }
  return { groupOf, firstRow, groups: firstRow.length };
}

/** A code per row for one key column (missing values form a group of their own, as pandas' dropna=False). */
function keyCodes(table: GroupSource, key: string): { codes: Int32Array; count: number } {
  const c = table.columnInfo(key);
  if (c.dtype === "category") {
    const dictionary = c.dictionary ?? [];
    const codes = new Int32Array(table.rows);
    const values = c.values as Int32Array;
    for (let i = 0; i < codes.length; i++) {
      const v = values[i] as number;
      codes[i] = v < 0 ? dictionary.length : v;
    }
    return { codes, count: dictionary.length + 1 };
  }
  const index = new Map<unknown, number>();
  const codes = new Int32Array(table.rows);
  const values = c.values as ArrayLike<unknown>;
  for (let i = 0; i < codes.length; i++) {
    let v = values[i];
    if (typeof v === "number" && Number.isNaN(v)) v = null;
    let code = index.get(v);
    if (code === undefined) {
      code = index.size;
      index.set(v, code);
    }
    codes[i] = code;
  }
  return { codes, count: index.size };
}

function numbersOf(table: GroupSource, column: string): ArrayLike<number> {
  const c = table.columnInfo(column);
  if (c.dtype === "string" || c.dtype === "category") throw new DataError(`groupBy: the column ${JSON.stringify(column)} holds text; only "count" works on it, as { n: "count" }`);
  if (c.dtype === "int64") return Float64Array.from(c.values as BigInt64Array, Number);
  return c.values as ArrayLike<number>;
}

function countRows(groupOf: Int32Array, groups: number): Float64Array {
  const out = new Float64Array(groups);
  for (let i = 0; i < groupOf.length; i++) {
    const g = groupOf[i] as number;
    out[g] = (out[g] as number) + 1;
  }
  return out;
}

function aggregate(values: ArrayLike<number>, groupOf: Int32Array, groups: number, op: Aggregate): Float64Array {
  const n = new Float64Array(groups);
  const acc = new Float64Array(groups).fill(op === "min" ? Infinity : op === "max" ? -Infinity : 0);
  const squares = op === "std" ? new Float64Array(groups) : undefined;
  const mean = op === "std" ? aggregate(values, groupOf, groups, "mean") : undefined;
  for (let i = 0; i < groupOf.length; i++) {
    const v = values[i] as number;
    if (Number.isNaN(v)) continue;
    const g = groupOf[i] as number;
    n[g] = (n[g] as number) + 1;
    if (op === "min") {
      if (v < (acc[g] as number)) acc[g] = v;
    } else if (op === "max") {
      if (v > (acc[g] as number)) acc[g] = v;
    } else if (squares !== undefined && mean !== undefined) {
      const d = v - (mean[g] as number);
      squares[g] = (squares[g] as number) + d * d;
    } else acc[g] = (acc[g] as number) + v;
  }
  for (let g = 0; g < groups; g++) {
    const k = n[g] as number;
    if (op === "count") acc[g] = k;
    else if (op === "mean") acc[g] = k === 0 ? NaN : (acc[g] as number) / k;
    // The sample standard deviation (ddof 1), as pandas' std and SQL's stddev.
    else if (op === "std") acc[g] = k < 2 ? NaN : Math.sqrt((squares?.[g] as number) / (k - 1));
    else if (k === 0) acc[g] = op === "sum" ? 0 : NaN;
  }
  return acc;
}
