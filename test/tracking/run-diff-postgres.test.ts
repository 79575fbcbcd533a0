import { postgresOrSkip } from "../helpers/postgres";
import { tempDir } from "../helpers/tmp";
import { describeRunDiff } from "./run-diff-cases";

const pg = postgresOrSkip();

describeRunDiff(
  "the PostgreSQL store",
  tempDir("run-diff-pg-"),
  () => {
    pg.server.query(`CREATE DATABASE diff_${process.pid}`);
    return pg.server.urlFor({ database: `diff_${process.pid}` });
  },
  { skip: pg.skip },
);
