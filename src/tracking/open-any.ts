/**
 * One way to open the store wherever it is: a SQLite file, or a PostgreSQL
 * database named by its URL (`postgres://user@host/db`).
 */
import { isPostgresUrl } from "./location";
import { PostgresStore } from "./pg-store";
import type { BrowsableStore } from "./run-store";
import { ExperimentStore } from "./store";

/**
 * The store at `location`: PostgresStore for a `postgres://` URL, else the
 * SQLite file (ExperimentStore), created when missing unless read-only.
 *
 * @example
 * ```ts
 * const store = openStore(process.env.PIPELAB_STORE ?? "experiments.db", { readOnly: true });
 * ```
 */
export function openStore(location: string, options: { readOnly?: boolean } = {}): BrowsableStore {
  return isPostgresUrl(location) ? PostgresStore.open(location, options) : ExperimentStore.open(location, options);
}
