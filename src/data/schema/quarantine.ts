/**
 * The quarantine file: the rows that broke the schema, as CSV (RFC 4180:
 * CRLF line ends, fields with a comma, quote or line break quoted), with a
 * last column naming the rules each row broke. Written atomically.
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { ColumnarTable } from "../columnar";
import { DataError } from "../../errors";
import { describeUnreadable, writeFileAtomic } from "../../util";

/** The name of the column that names the broken rules (underscores put before it if the table has one of that name). */
export const VIOLATIONS_COLUMN = "schema_violations";

/** The bad rows of `table` as CSV, `labels[i]` naming the rules `rows[i]` broke. */
export function quarantineCsv(table: ColumnarTable, rows: ArrayLike<number>, labels: readonly string[]): string {
  let labelColumn = VIOLATIONS_COLUMN;
  while (table.columns.includes(labelColumn)) labelColumn = `_${labelColumn}`;
  const lines = [[...table.columns, labelColumn].map(csvField).join(",")];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as number;
    lines.push([...table.columns.map((name) => csvField(table.value(name, row))), csvField(labels[i] ?? "")].join(","));
  }
  return `${lines.join("\r\n")}\r\n`;
}

/**
 * A value as a CSV field: null (and NaN) as an empty field, the empty string
 * as `""` so that the two stay apart, dates as ISO 8601, numbers in full.
 */
export function csvField(value: number | bigint | boolean | Date | string | null): string {
  if (value === null) return "";
  if (typeof value === "number") return Number.isNaN(value) ? "" : String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "" : value.toISOString();
  if (typeof value !== "string") return String(value);
  return value === "" || /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Writes the quarantine file (its folder created if need be): a temporary file beside it, then renamed. Returns its absolute path. */
export function writeQuarantine(file: string, csv: string, source: string): string {
  const path = resolve(file);
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileAtomic(path, csv);
  } catch (error) {
    throw new DataError(
      `cannot write the quarantine file ${JSON.stringify(file)} for the bad rows of ${source}: ${describeUnreadable(file, error)}; choose a writable path with the quarantine option`,
      { cause: error },
    );
  }
  return path;
}
