/**
 * takeRows: a new table of some rows of another, copied column by column
 * from the typed arrays (a category keeps its dictionary, its codes copied).
 */
import { ColumnarTable } from "../columnar";
import type { Column, ColumnValues } from "../columnar";
import { DataError } from "../../errors";

type NumberArray = Float64Array | Float32Array | Int32Array | Uint8Array;

/**
 * The rows of `table` at `positions` (0-based, in the order given, repeats
 * allowed), as a new table with copied columns.
 *
 * @example
 * ```ts
 * const sample = takeRows(flights, [0, 10, 20]);
 * sample.rows; // 3
 * ```
 */
export function takeRows(table: ColumnarTable, positions: ArrayLike<number>): ColumnarTable {
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i] as number;
    if (!Number.isInteger(p) || p < 0 || p >= table.rows) {
      throw new DataError(`takeRows: position ${p} (at index ${i}) is not a row of this table, which has ${table.rows} rows (0 to ${table.rows - 1})`);
    }
  }
  const dtypes = table.dtypes;
  return new ColumnarTable(
    table.columns.map((name): Column => {
      const dtype = dtypes[name] ?? "string";
      const values = take(table.column(name), positions);
      return dtype === "category" ? { name, dtype, values, dictionary: table.dictionary(name) } : { name, dtype, values };
    }),
  );
}

function take(values: ColumnValues, positions: ArrayLike<number>): ColumnValues {
  const n = positions.length;
  if (Array.isArray(values)) {
    const strings = values as readonly (string | null)[];
    const out = new Array<string | null>(n);
    for (let i = 0; i < n; i++) out[i] = strings[positions[i] as number] ?? null;
    return out;
  }
  if (values instanceof BigInt64Array) {
    const out = new BigInt64Array(n);
    for (let i = 0; i < n; i++) out[i] = values[positions[i] as number] as bigint;
    return out;
  }
  const numbers = values as NumberArray;
  // The same typed array class as the source: its constructor takes a length.
  const out = new (numbers.constructor as new (length: number) => NumberArray)(n);
  for (let i = 0; i < n; i++) out[i] = numbers[positions[i] as number] as number;
  return out;
}
