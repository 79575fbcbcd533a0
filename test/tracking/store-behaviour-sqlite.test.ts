import { join } from "node:path";
import Database from "better-sqlite3";
import { ExperimentStore } from "../../src/tracking";
import type { RunStore } from "../../src/tracking";
import { tempDir } from "../helpers/tmp";
import { describeRunStore } from "./store-behaviour";

const dir = tempDir("store-behaviour-sqlite-");
let n = 0;

describeRunStore("the SQLite store (ExperimentStore)", {
  fresh: (): RunStore => ExperimentStore.open(join(dir, `store-${++n}.db`)),
  reopen: (store, options = {}) => ExperimentStore.open(store.path, options),
  location: (store) => store.path,
  exec: (store, sql, params = []) => {
    const db = new Database(store.path);
    try {
      db.prepare(sql).run(...params);
    } finally {
      db.close();
    }
  },
});
