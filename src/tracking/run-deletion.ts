/**
 * Deleting runs in two steps: a deleted run leaves listings and comparisons
 * (every query's selection skips `deleted_at IS NOT NULL` unless asked) but
 * stays in the file until purged, so that `pipelab runs restore` can bring it
 * back.
 */
import { nowIso } from "./connection";
import type { StoreConnection } from "./connection";
import type { RunId } from "./types";

export function deleteRun(conn: StoreConnection, run: RunId): void {
  conn.write(`delete run ${run}`, () => {
    conn.requireRun(run);
    conn.stmt("UPDATE runs SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL").run(nowIso(), run);
  });
}

export function restoreRun(conn: StoreConnection, run: RunId): void {
  conn.write(`restore run ${run}`, () => {
    conn.requireRun(run);
    conn.stmt("UPDATE runs SET deleted_at = NULL WHERE id = ?").run(run);
  });
}

/** Removes the deleted runs; the schema's ON DELETE CASCADE takes their params, metrics, steps, artifacts and tags. */
export function purgeDeleted(conn: StoreConnection): number {
  return conn.write("purge deleted runs", () => conn.stmt("DELETE FROM runs WHERE deleted_at IS NOT NULL").run().changes);
}
