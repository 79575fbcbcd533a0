import type { DataFrame } from "danfojs-node";
import { DataError } from "../../errors";
import {
  type Cell,
  type OutputColumn,
  columnsOf,
  describeRow,
  describeValue,
  dtypesOf,
  isMissing,
  makeFrame,
  quote,
  requireColumns,
  requireFrame,
} from "./frame";

/** The column types castColumns knows: danfo's dtypes, without datetime. */
export type ColumnType = "float32" | "int32" | "string" | "boolean";

const COLUMN_TYPES: readonly ColumnType[] = ["float32", "int32", "string", "boolean"];

/** A decimal number as text: "12", "-0.5", "1e-3", ".5". Not "0x10", "Infinity" or "". */
export const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

const TRUE_TEXT = new Set(["true", "1"]);
const FALSE_TEXT = new Set(["false", "0"]);

/** What castCell returns for a value it cannot cast. */
const failed: unique symbol = Symbol("failed");

/** A cell cast to `type`, or `failed` when it cannot be. Missing stays null (int32 refuses it: the caller says so). */
function castCell(value: Cell, type: ColumnType): Cell | typeof failed {
  if (isMissing(value)) return type === "int32" ? failed : null;
  switch (type) {
    case "string":
      return typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? String(value) : failed;
    case "boolean":
      if (typeof value === "boolean") return value;
      if (value === 1 || value === 0) return value === 1;
      if (typeof value === "string") {
        const t = value.trim().toLowerCase();
        if (TRUE_TEXT.has(t)) return true;
        if (FALSE_TEXT.has(t)) return false;
      }
      return failed;
    case "float32":
    case "int32": {
      let x: number;
      if (typeof value === "number") x = value;
      else if (typeof value === "boolean") x = value ? 1 : 0;
      else if (typeof value === "string" && DECIMAL.test(value.trim())) x = Number(value.trim());
      else return failed;
      if (type === "int32" && !(Number.isInteger(x) && x >= -2147483648 && x <= 2147483647)) return failed;
      return x;
    }
  }
}

/**
 * A copy of `df` with some columns cast to another type; the other columns,
 * their order and the index are kept, and `df` is not changed.
 *
 * - `"float32"`, `"int32"`: numbers, decimal text ("12.5", " 3 ") and booleans (1/0).
 *   int32 refuses fractions, values out of the 32-bit range and missing values
 *   (fill them first with SimpleImputer, or cast to float32).
 * - `"string"`: numbers and booleans become their text.
 * - `"boolean"`: true/false, 1/0, and the text "true"/"false"/"1"/"0" in any case.
 *
 * Missing values (null, undefined, NaN) stay missing, as null. A value that
 * cannot be cast is a DataError naming the column, the row and the value.
 *
 * @example
 * ```ts
 * const df = new DataFrame({ age: ["31", "45"], member: ["true", "false"] });
 * const typed = castColumns(df, { age: "int32", member: "boolean" });
 * typed.dtypes; // ["int32", "boolean"]
 * ```
 */
export function castColumns(df: DataFrame, types: Readonly<Record<string, ColumnType>>): DataFrame {
  const who = "castColumns";
  requireFrame(df, who);
  if (types === null || typeof types !== "object" || Array.isArray(types)) {
    throw new DataError(`${who}: the types must be an object such as { age: "int32" }, got ${describeValue(types)}`);
  }
  for (const [column, type] of Object.entries(types)) {
    if (!COLUMN_TYPES.includes(type)) {
      throw new DataError(`${who}: unknown type ${describeValue(type)} for the column ${quote(column)}; use one of ${COLUMN_TYPES.map(quote).join(", ")}`);
    }
  }
  requireColumns(df, Object.keys(types), who);
  const data = columnsOf(df);
  const dtypes = dtypesOf(df);
  const columns: OutputColumn[] = df.columns.map((name) => {
    const values = data.get(name) ?? [];
    const type = types[name];
    if (type === undefined) return { name, values, dtype: dtypes.get(name) ?? "undefined" };
    const out: Cell[] = new Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const cast = castCell(values[i], type);
      if (cast === failed) {
        const value = values[i];
        const hint = isMissing(value)
          ? "; int32 cannot hold a missing value: fill it with SimpleImputer first, or cast to float32"
          : type === "int32" && typeof value === "number"
            ? "; int32 takes whole numbers between -2147483648 and 2147483647: cast to float32 to keep fractions"
            : "";
        throw new DataError(`${who}: cannot cast the column ${quote(name)} to ${type}: ${describeRow(df, i)} holds ${describeValue(value)}${hint}`);
      }
      out[i] = cast;
    }
    return { name, values: out, dtype: type };
  });
  return makeFrame(columns, df.index, who);
}
