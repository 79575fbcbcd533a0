import { SyncPostgres } from "../../src/postgres";
import { PostgresStore } from "../../src/tracking";
import type { RunStore } from "../../src/tracking";
import { postgresOrSkip } from "../helpers/postgres";
import { describeRunStore } from "./store-behaviour";

const pg = postgresOrSkip();
const urls = new WeakMap<RunStore, string>();

/** `?` as `$1`, `$2`...: the behaviour suite writes SQL once for both stores. */
function positional(sql: string): string {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}

function open(url: string, options: { readOnly?: boolean } = {}): RunStore {
  const store = PostgresStore.open(url, options);
  urls.set(store, url);
  return store;
}

describeRunStore(
  "the PostgreSQL store (PostgresStore)",
  {
    fresh: () => open(pg.server.newDatabase("behaviour")),
    reopen: (store, options) => open(urls.get(store) as string, options),
    location: (store) => urls.get(store) as string,
    exec: (store, sql, params = []) => {
      const db = SyncPostgres.connect(urls.get(store) as string);
      try {
        db.query(positional(sql), params as never[]);
      } finally {
        db.close();
      }
    },
  },
  { skip: pg.skip },
);
