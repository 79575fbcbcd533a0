/**
 * PostgreSQL for code that cannot await: a synchronous client whose driver
 * (`pg`) runs in a worker thread. The foundation of the shared experiment store.
 *
 * @example
 * ```ts
 * import { SyncPostgres, PostgresError } from "./postgres";
 * const db = SyncPostgres.connect(process.env.PIPELAB_STORE ?? "postgres://127.0.0.1/pipelab");
 * try { db.query("INSERT INTO runs (id) VALUES ($1)", [1]); }
 * catch (e) { if (e instanceof PostgresError && e.code === "23505") console.log("exists"); }
 * finally { db.close(); }
 * ```
 */
export { SyncPostgres } from "./sync-postgres";
export type { PostgresQueryable, SyncPostgresOptions } from "./sync-postgres";
export { PostgresError, redactUrl } from "./errors";
export type { PostgresParam, QueryResult } from "./protocol";
