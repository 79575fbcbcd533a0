import { SyncPostgres } from "../../src/postgres";
import { PostgresStore } from "../../src/tracking";
import { postgresOrSkip } from "../helpers/postgres";
import { describeFiltersOnStore } from "./filter-cases";

const pg = postgresOrSkip();

describeFiltersOnStore(
  "the PostgreSQL store",
  () => {
    const url = pg.server.newDatabase("filters");
    const withDb = <T>(fn: (db: SyncPostgres) => T): T => {
      const db = SyncPostgres.connect(url);
      try {
        return fn(db);
      } finally {
        db.close();
      }
    };
    return {
      open: () => PostgresStore.open(url),
      exec: (sql, params = []) =>
        withDb((db) => {
          let n = 0;
          db.query(sql.replace(/\?/g, () => `$${++n}`), params as never[]);
        }),
      tables: () => withDb((db) => db.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1").rows.map((r) => r.name)),
    };
  },
  { skip: pg.skip },
);
