/**
 * The experiments of a store with how many runs each holds (deleted ones not
 * counted), for the runs page's list.
 *
 * A stopgap: ExperimentStore has no listing of experiments yet, so this reads
 * the `experiments` table (docs/store.md) through a read-only connection of
 * its own. When the store gains `listExperiments()`, this file goes.
 */
import Database from "better-sqlite3";

export interface ExperimentSummary {
  name: string;
  runs: number;
}

/** Lists a store's experiments; `close()` when done. */
export class ExperimentList {
  private readonly db: Database.Database;
  private readonly query: Database.Statement;

  constructor(storePath: string) {
    this.db = new Database(storePath, { readonly: true, fileMustExist: true });
    this.db.pragma("busy_timeout = 5000");
    this.query = this.db.prepare(
      `SELECT e.name AS name, count(r.id) AS runs FROM experiments e LEFT JOIN runs r ON r.experiment_id = e.id AND r.deleted_at IS NULL
       GROUP BY e.id ORDER BY e.name`,
    );
  }

  list(): ExperimentSummary[] {
    return this.query.all() as ExperimentSummary[];
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
