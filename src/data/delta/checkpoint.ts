/**
 * Checkpoints: a table's state at one version, as a Parquet file (or the
 * parts of one) with a struct column per action kind. Read through DuckDB;
 * each action's struct comes back as JSON text (`to_json`), so that one
 * parser, with one set of shape checks, reads commits and checkpoints alike.
 */
import { basename } from "node:path";
import { DataError } from "../../errors";
import { queryColumns, sqlIdentifier, sqlString } from "../duckdb";
import { parseActions } from "./actions";
import type { Action } from "./actions";
import { tableName } from "./errors";
import type { Checkpoint } from "./log";

/**
 * The action columns a reader needs. `remove` rows of a checkpoint are only
 * tombstones (for VACUUM), and `txn` rows are for streaming writers.
 */
const NEEDED = ["protocol", "metaData", "add"] as const;

/** The protocol, metadata and live files a checkpoint holds. */
export async function readCheckpoint(table: string, checkpoint: Checkpoint): Promise<Action[]> {
  const from = `read_parquet([${checkpoint.files.map(sqlString).join(", ")}], union_by_name = true)`;
  const named = checkpoint.files.length === 1 ? `the checkpoint ${checkpoint.files[0]}` : `the ${checkpoint.files.length}-part checkpoint of version ${checkpoint.version}`;
  const what = `reading ${named} of ${tableName(table)}`;
  const advice = `; if it is damaged, move it out of _delta_log: the commits before it, if kept, rebuild the same version`;
  let columns: (string | null)[];
  try {
    columns = (await queryColumns(`DESCRIBE SELECT * FROM ${from}`, { strings: "strings", what })).strings("column_name");
  } catch (error) {
    throw new DataError(`${(error as Error).message}${advice}`, { cause: error });
  }
  const present = NEEDED.filter((c) => columns.includes(c));
  if (present.length === 0) throw new DataError(`${named} of ${tableName(table)} has none of the columns ${NEEDED.join(", ")}: it is not a Delta checkpoint${advice}`);
  const select = present.map((c) => `CAST(to_json(${sqlIdentifier(c)}) AS VARCHAR) AS ${sqlIdentifier(c)}`).join(", ");
  const where = present.map((c) => `${sqlIdentifier(c)} IS NOT NULL`).join(" OR ");
  let rows: Awaited<ReturnType<typeof queryColumns>>;
  try {
    rows = await queryColumns(`SELECT ${select} FROM ${from} WHERE ${where}`, { strings: "strings", what });
  } catch (error) {
    throw new DataError(`${(error as Error).message}${advice}`, { cause: error });
  }
  const actions: Action[] = [];
  const texts = present.map((c) => [c, rows.strings(c)] as const);
  const file = checkpoint.files.length === 1 ? basename(checkpoint.files[0] as string) : `version ${checkpoint.version}'s checkpoint`;
  for (let r = 0; r < rows.rows; r++) {
    for (const [column, values] of texts) {
      const text = values[r];
      if (text === null || text === undefined) continue;
      actions.push(...parseActions({ [column]: JSON.parse(text) as unknown }, `row ${r + 1} of ${file}`));
    }
  }
  return actions;
}
