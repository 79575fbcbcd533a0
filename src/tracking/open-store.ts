/**
 * Opening a store file: for writing (creating it and its folder with the
 * right mode, upgrading its schema) or for reading only (writing nothing, not
 * even a -wal, so that a user who can only read the file can read it). Every
 * failure becomes a TrackingError that says what to do.
 */
import Database from "better-sqlite3";
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { TrackingError, messageOf } from "../errors";
import { pipelabVersion } from "../util";
import { SHARED_ENV, STORE_ENV } from "./location";
import { checkIdentity, migrate, refuseNewer } from "./migrate";
import { READABLE_FROM_SCHEMA } from "./schema";
import { fullStoreError, sqliteCode } from "./sqlite-errors";

/** How to open a store. */
export interface StoreOpenOptions {
  /**
   * Read only: the file must exist; it is neither created, upgraded nor swept
   * for crashed runs, and every write is refused with a TrackingError. For
   * commands that only read (`pipelab runs ls`), so that they work on a store
   * the user can only read. Default false.
   */
  readOnly?: boolean;
  /**
   * Create a new store's files readable by others (0666 less the umask)
   * instead of private to the user (0600). Default: `$PIPELAB_SHARED` is "1".
   * An existing file keeps its mode.
   */
  shared?: boolean;
}

/** How long a writer waits for another process's write lock before giving up. */
const BUSY_TIMEOUT_MS = 15_000;

const LOCATION_HINT = `choose another place with the ${STORE_ENV} environment variable or the \`store\` option`;

/** Opens (creating when missing) and upgrades the store for reading and writing. */
export function openForWriting(file: string, shared: boolean): Database.Database {
  prepareLocation(file);
  createStoreFile(file, shared);
  let db: Database.Database;
  try {
    db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
  } catch (error) {
    throw openError(file, error);
  }
  try {
    refuseNewer(checkIdentity(db, file), file);
    db.pragma("journal_mode = WAL");
    db.pragma("foreign_keys = ON");
    db.pragma("synchronous = NORMAL");
    migrate(db, file);
    return db;
  } catch (error) {
    db.close();
    throw openError(file, error);
  }
}

/** A TrackingError for a failed open, saying what to do when the disk is full. */
export function openError(file: string, error: unknown): TrackingError {
  if (error instanceof TrackingError) return error;
  return fullStoreError(file, "open the experiment store", error) ?? new TrackingError(`cannot open the experiment store ${file}: ${messageOf(error)}`, { cause: error });
}

/**
 * Creates a missing store file with the mode its users should have: SQLite
 * would create it 0644 (less the umask), readable by everyone on the machine,
 * and gives its -wal and -shm the mode of the store file.
 */
function createStoreFile(file: string, shared: boolean): void {
  // An empty file is an empty SQLite database; "wx" leaves alone a file another process has just created.
  try {
    closeSync(openSync(file, "wx", shared ? 0o666 : 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return;
    throw new TrackingError(`cannot create the experiment store ${file}: ${messageOf(error)}; ${LOCATION_HINT}`, { cause: error });
  }
}

/**
 * Opens an existing store for reading only, writing nothing: no -wal or -shm
 * is created when the folder is read-only, no schema upgrade, no crash sweep.
 */
export function openForReading(file: string): Database.Database {
  checkReadable(file);
  let db: Database.Database;
  try {
    db = readOnlyConnection(file);
  } catch (error) {
    if (error instanceof TrackingError) throw error;
    throw new TrackingError(`cannot read the experiment store ${file}: ${messageOf(error)}`, { cause: error });
  }
  try {
    const version = checkIdentity(db, file);
    refuseNewer(version, file);
    if (version < READABLE_FROM_SCHEMA) {
      throw new TrackingError(
        version === 0
          ? `the experiment store ${file} is empty: nothing has been recorded in it yet`
          : `the experiment store ${file} has schema ${version}, older than pipelab ${pipelabVersion()} reads without upgrading it (${READABLE_FROM_SCHEMA} or newer), and it was opened read-only; open it once with write access (any pipelab command that records a run, as a user who can write it) to upgrade it`,
      );
    }
    return db;
  } catch (error) {
    db.close();
    if (error instanceof TrackingError) throw error;
    throw new TrackingError(`cannot read the experiment store ${file}: ${messageOf(error)}`, { cause: error });
  }
}

/**
 * A read-only connection to the store. A WAL-mode file is read through its
 * -wal and -shm; when they are missing (no process has the store open) and
 * cannot be created (the folder is read-only to this user, or a read-only
 * mount), the file alone holds every committed change, so it is read into
 * memory and opened from there (this costs memory the size of the file).
 */
function readOnlyConnection(file: string): Database.Database {
  const wal = `${file}-wal`;
  for (let attempt = 0; ; attempt++) {
    const db = new Database(file, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
    let failure: unknown;
    try {
      db.prepare("SELECT count(*) FROM sqlite_schema").get();
      return db;
    } catch (error) {
      failure = error;
    }
    // Not a database, or some other failure: checkIdentity says what it is.
    if (!/^SQLITE_(READONLY|CANTOPEN)/.test(sqliteCode(failure) ?? "") || attempt === 2) return db;
    db.close();
    if (existsSync(wal)) {
      throw new TrackingError(
        `cannot read the experiment store ${file}: its write-ahead log ${wal} holds changes that reading needs ${file}-shm for, which cannot be created here (${messageOf(failure)}); open the store once with write access, which folds the log into the file`,
        { cause: failure },
      );
    }
    const bytes = readFileSync(file);
    // A writer that started while the file was read may have changed it under us: read again, through its -wal.
    if (existsSync(wal)) continue;
    // Header bytes 18-19 say "WAL mode": a copy in memory would look for a -wal it cannot have, so mark it a rollback-journal file.
    if (bytes.length >= 20) bytes.fill(1, 18, 20);
    return new Database(bytes, { readonly: true });
  }
}

/** Makes sure the store file exists and is readable, with a message that says what to do if not. */
function checkReadable(file: string): void {
  if (!existsSync(file)) {
    throw new TrackingError(
      `no experiment store at ${file}: nothing has been recorded there yet (a run is recorded when a script, notebook or pipeline runs); to read another store, give its path with --store or ${STORE_ENV}`,
    );
  }
  if (statSync(file).isDirectory()) {
    throw new TrackingError(`the experiment store path ${file} is a folder; give a file path such as ${resolve(file, "experiments.db")}`);
  }
  try {
    accessSync(file, constants.R_OK);
  } catch (error) {
    throw new TrackingError(
      `the experiment store ${file} is not readable (${(error as NodeJS.ErrnoException).code ?? messageOf(error)}); its owner can share it (chmod g+r or o+r, or create it with ${SHARED_ENV}=1), or read a copy`,
      { cause: error },
    );
  }
}

/** Makes sure the store's folder exists and is writable, with a message that says what to do if not. */
function prepareLocation(file: string): void {
  const dir = dirname(file);
  const hint = LOCATION_HINT;
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new TrackingError(`cannot create the folder ${dir} for the experiment store: ${messageOf(error)}; ${hint}`, { cause: error });
  }
  if (existsSync(file) && statSync(file).isDirectory()) {
    throw new TrackingError(`the experiment store path ${file} is a folder; give a file path such as ${resolve(file, "experiments.db")}`);
  }
  try {
    accessSync(dir, constants.W_OK);
    if (existsSync(file)) accessSync(file, constants.R_OK | constants.W_OK);
  } catch (error) {
    throw new TrackingError(`the experiment store ${file} is not writable (${(error as NodeJS.ErrnoException).code ?? messageOf(error)}); ${hint}`, {
      cause: error,
    });
  }
}
