/** Value checks the transformers share: numbers only, no missing values. */
import { DataError } from "../../errors";
import { type Cell, describeValue, isMissing, quote } from "./frame";
import type { ColumnInput } from "./transformer";

/**
 * The column's values as numbers, or a DataError: a missing value (null,
 * undefined, NaN) points to SimpleImputer, a non-number to castColumns.
 * Never a silent NaN.
 */
export function finiteNumbers(column: ColumnInput, who: string): number[] {
  const out: number[] = new Array(column.values.length);
  column.values.forEach((v, i) => {
    if (typeof v === "number" && Number.isFinite(v)) {
      out[i] = v;
      return;
    }
    if (isMissing(v)) {
      throw new DataError(
        `${who}: the column ${quote(column.name)} has a missing value (${describeValue(v)}) at ${column.row(i)}; ` +
          `fill missing values with SimpleImputer first, or drop those rows with df.dropNa({ axis: 1 })`,
      );
    }
    const hint = typeof v === "number" ? "infinite values cannot be scaled" : `cast the column with castColumns(df, { ${quote(column.name)}: "float32" }), or encode it with OneHotEncoder`;
    throw new DataError(`${who}: the column ${quote(column.name)} holds ${describeValue(v)} at ${column.row(i)}, not a number; ${hint}`);
  });
  return out;
}

/** The column's values, or a DataError at the first missing one, suggesting SimpleImputer. */
export function presentValues(column: ColumnInput, who: string): readonly Cell[] {
  const i = column.values.findIndex(isMissing);
  if (i >= 0) {
    throw new DataError(
      `${who}: the column ${quote(column.name)} has a missing value (${describeValue(column.values[i])}) at ${column.row(i)}; ` +
        `fill it first with SimpleImputer({ strategy: "most_frequent" }) or { strategy: "constant", fillValue }, or drop those rows`,
    );
  }
  const bad = column.values.findIndex((v) => !(typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v))));
  if (bad >= 0) {
    throw new DataError(`${who}: the column ${quote(column.name)} holds ${describeValue(column.values[bad])} at ${column.row(bad)}; categories must be strings, finite numbers or booleans`);
  }
  return column.values;
}
