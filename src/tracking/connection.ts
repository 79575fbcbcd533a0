import type Database from "better-sqlite3";
import { TrackingError } from "../errors";
import { fullStoreError } from "./sqlite-errors";
import type { RunId } from "./types";

/**
 * An open store file, as the store's modules (runs, metrics, steps, queries)
 * take it: the SQLite handle, its prepared statements, and the one way to
 * write, so that every write is refused the same way on a read-only store and
 * reports a full disk the same way.
 */
export class StoreConnection {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    readonly path: string,
    readonly db: Database.Database,
    /** Opened with `{ readOnly: true }`: writes are refused. */
    readonly readOnly: boolean,
  ) {}

  /** A prepared statement, prepared once per store. */
  stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * Runs `fn` in a write transaction begun IMMEDIATE, so it never fails
   * half-way on a lock upgrade. `what` names the write for error messages
   * ("log 100 metric points to run 3").
   */
  write<T>(what: string, fn: () => T): T {
    this.refuseIfReadOnly(what);
    try {
      return this.db.transaction(fn).immediate();
    } catch (error) {
      throw fullStoreError(this.path, what, error) ?? error;
    }
  }

  refuseIfReadOnly(what: string): void {
    if (!this.readOnly) return;
    throw new TrackingError(
      `cannot ${what}: the experiment store ${this.path} was opened read-only (ExperimentStore.open(path, { readOnly: true })); open it without readOnly to record`,
    );
  }

  /** Throws when there is no run `run`, saying how to list the runs there are. */
  requireRun(run: RunId): void {
    if (!this.stmt("SELECT 1 FROM runs WHERE id = ?").get(run)) {
      throw new TrackingError(`no run ${run} in ${this.path}; \`pipelab runs ls\` lists the runs`);
    }
  }
}

/** Now, as the store writes times: ISO 8601, UTC. */
export function nowIso(): string {
  return new Date().toISOString();
}
