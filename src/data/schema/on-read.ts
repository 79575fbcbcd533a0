/**
 * The `schema` option of pipelab's readers: the check run on what was read,
 * the bad rows failing the read or set aside, as the reader was told.
 */
import type { ColumnarTable } from "../columnar";
import { checkSchema } from "./check";
import type { TableSchema } from "./rules";

/** The reader options that declare a schema for what is read. */
export interface SchemaOnRead {
  /** The declared schema: column types, nullability, ranges, allowed values. Checked on every row read. */
  schema?: TableSchema;
  /** What a row that breaks the schema does: fail the read (the default), or go to the `quarantine` file. */
  onViolation?: "fail" | "quarantine";
  /** The CSV file quarantined rows are written to (needed with `onViolation: "quarantine"`). */
  quarantine?: string;
}

/** The table read, checked against the declared schema if there is one: the good rows, or a SchemaViolationError. */
export async function checkedOnRead(table: ColumnarTable, options: SchemaOnRead, source: string): Promise<ColumnarTable> {
  if (options.schema === undefined) return table;
  const checked = await checkSchema(table, options.schema, { source, onViolation: options.onViolation, quarantine: options.quarantine });
  return checked.table;
}
