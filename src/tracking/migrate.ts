/**
 * What a store file is and how it is brought up to date: its identity
 * (application id, schema version) and the migrations of schema.ts applied
 * in order. schema.ts is the data; this is the runner.
 */
import type Database from "better-sqlite3";
import { TrackingError, messageOf } from "../errors";
import { pipelabVersion } from "../util";
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from "./schema";
import { sqliteCode } from "./sqlite-errors";

/** The schema version of an open file (`PRAGMA user_version`). */
export function userVersion(db: Database.Database): number {
  return db.pragma("user_version", { simple: true }) as number;
}

/**
 * Refuses any SQLite file that is neither empty nor a pipelab store, before
 * anything is written to it. Returns the file's schema version.
 */
export function checkIdentity(db: Database.Database, file: string): number {
  let appId: number;
  let tables: number;
  let version: number;
  try {
    // One statement, so one snapshot: read apart, another process's migration could commit in
    // between (no application id yet, but its tables already there: "not a pipelab store").
    const identity = db
      .prepare("SELECT (SELECT application_id FROM pragma_application_id()) AS appId, (SELECT user_version FROM pragma_user_version()) AS version, (SELECT count(*) FROM sqlite_schema) AS tables")
      .get() as { appId: number; version: number; tables: number };
    ({ appId, version, tables } = identity);
  } catch (error) {
    // A file SQLite cannot read for another reason (a lock, a -shm it cannot create) may well be a store.
    if (/^SQLITE_(READONLY|CANTOPEN|BUSY|IOERR|PERM|AUTH)/.test(sqliteCode(error) ?? "")) {
      throw new TrackingError(`cannot read the experiment store ${file}: ${messageOf(error)} (${sqliteCode(error)})`, { cause: error });
    }
    throw new TrackingError(`${file} is not a SQLite database, so not a pipelab store; it was left untouched (${messageOf(error)})`, {
      cause: error,
    });
  }
  if (appId === APPLICATION_ID || (appId === 0 && tables === 0)) return version;
  throw new TrackingError(
    `${file} is a SQLite database but not a pipelab store (application id ${appId}, ${tables} schema objects); it was left untouched. Point pipelab at another file.`,
  );
}

/** Brings the schema up to date in one transaction; refuses a file from a newer pipelab. */
export function migrate(db: Database.Database, file: string): void {
  const upgrade = db.transaction(() => {
    // Read the version inside the write lock: another process may have migrated meanwhile.
    const version = userVersion(db);
    if (version > SCHEMA_VERSION) return version;
    for (let v = version; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v] as string);
    if (version < SCHEMA_VERSION) {
      db.pragma(`application_id = ${APPLICATION_ID}`);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }
    return version;
  });
  const current = userVersion(db);
  refuseNewer(current === SCHEMA_VERSION ? current : upgrade.immediate(), file);
}

/** Refuses a file whose schema is newer than this pipelab knows, without touching it. */
export function refuseNewer(version: number, file: string): void {
  if (version <= SCHEMA_VERSION) return;
  throw new TrackingError(
    `${file} was written by a newer pipelab (store schema ${version}; this pipelab ${pipelabVersion()} knows up to ${SCHEMA_VERSION}). Upgrade pipelab to open it; the file was left untouched.`,
  );
}
