import { postgresOrSkip } from "../helpers/postgres";
import { tempDir } from "../helpers/tmp";
import { describeRunDiff } from "./run-diff-cases";

const pg = postgresOrSkip();

describeRunDiff(
  "the PostgreSQL store",
  tempDir("run-diff-pg-"),
  () => pg.server.newDatabase("diff"),
  { skip: pg.skip },
);
