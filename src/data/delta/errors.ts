/**
 * How Delta errors name things: one phrase for a table, and the error a
 * writer gets when another writer committed first.
 */
import { DataError } from "../../errors";

/** `the Delta table "data/events"`: the path as the caller wrote it. */
export function tableName(path: string): string {
  return `the Delta table ${JSON.stringify(path)}`;
}

/**
 * A write lost the race for a version: another writer committed `version`
 * of `table` first, with changes this write cannot be replayed on top of
 * (a new schema, an overwrite, a table created at the same time). Nothing
 * of this write is in the table; re-read the table and write again.
 *
 * @example
 * ```ts
 * try { await writeDelta(scores, "lake/scores", { mode: "overwrite" }); }
 * catch (e) { if (e instanceof DeltaConflictError) console.log(`lost to version ${e.version}`); }
 * ```
 */
export class DeltaConflictError extends DataError {
  /** The table's path, as the caller wrote it. */
  readonly table: string;
  /** The version the other writer committed. */
  readonly version: number;
  constructor(table: string, version: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.table = table;
    this.version = version;
  }
}
