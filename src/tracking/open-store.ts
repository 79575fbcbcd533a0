/**
 * Opening a store file: for writing (creating it and its folder with the
 * right mode, upgrading its schema) or for reading only (writing nothing, not
 * even a -wal, so that a user who can only read the file can read it). Every
 * failure becomes a TrackingError that says what to do. With a key, the same
 * steps run on an encrypted file (encryption.ts); without one, the cipher
 * library is not even loaded.
 */
import Database from "better-sqlite3";
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { PipelabError, TrackingError, messageOf } from "../errors";
import { pipelabVersion } from "../util";
import { encryptedStoreError, fileKind, keyError, openCipherConnection, plainStoreWithKeyError } from "./encryption";
import { SHARED_ENV, STORE_ENV } from "./location";
import { checkIdentity, migrate, refuseNewer } from "./migrate";
import { READABLE_FROM_SCHEMA } from "./schema";
import { fullStoreError, sqliteCode } from "./sqlite-errors";
import type { StoreKey } from "./store-key";

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
  /**
   * The passphrase of an encrypted store: a new store is created encrypted,
   * an existing one must be encrypted with this key. Default:
   * `$PIPELAB_STORE_KEY`, else the file named by `$PIPELAB_STORE_KEY_FILE`,
   * else none (a plain store). Needs the optional dependency
   * better-sqlite3-multiple-ciphers.
   */
  key?: string;
}

/** How long a writer waits for another process's write lock before giving up. */
const BUSY_TIMEOUT_MS = 15_000;

const LOCATION_HINT = `choose another place with the ${STORE_ENV} environment variable or the \`store\` option`;

/** A connection to `file`: plain, or through the cipher library when there is a key. Reads nothing yet. */
export function connect(file: string, options: Database.Options, key: StoreKey | undefined): Database.Database {
  return key ? openCipherConnection(file, options, key) : new Database(file, options);
}

/**
 * The store's schema version (migrate.ts's checkIdentity), where a file that
 * is not a database to SQLite is, when it looks encrypted, a missing or wrong key.
 */
export function identify(db: Database.Database, file: string, key: StoreKey | undefined): number {
  try {
    return checkIdentity(db, file);
  } catch (error) {
    throw keyError(file, key, error) ?? error;
  }
}

/** Opens (creating when missing, encrypted when there is a key) and upgrades the store for reading and writing. */
export function openForWriting(file: string, shared: boolean, key?: StoreKey): Database.Database {
  prepareLocation(file);
  createStoreFile(file, shared);
  // Refused before a connection exists: SQLite is given no chance to touch a store it cannot read.
  const kind = fileKind(file);
  if (key && kind === "plain") throw plainStoreWithKeyError(file, key);
  if (!key && kind === "encrypted") throw encryptedStoreError(file);
  let db: Database.Database;
  try {
    db = connect(file, { timeout: BUSY_TIMEOUT_MS }, key);
  } catch (error) {
    throw openError(file, error);
  }
  try {
    refuseNewer(identify(db, file, key), file);
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

/** The error for a failed open: a TrackingError (saying what to do when the disk is full), or the PipelabError it already is. */
export function openError(file: string, error: unknown): PipelabError {
  // A SetupError (the cipher library missing) says what to do already.
  if (error instanceof PipelabError) return error;
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
export function openForReading(file: string, key?: StoreKey): Database.Database {
  checkReadable(file);
  let db: Database.Database;
  try {
    db = readOnlyConnection(file, key);
  } catch (error) {
    if (error instanceof PipelabError) throw error;
    throw new TrackingError(`cannot read the experiment store ${file}: ${messageOf(error)}`, { cause: error });
  }
  try {
    const version = identify(db, file, key);
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
 * memory and opened from there (this costs memory the size of the file; the
 * cipher cannot read from memory, so an encrypted store is refused there).
 */
function readOnlyConnection(file: string, key: StoreKey | undefined): Database.Database {
  const wal = `${file}-wal`;
  for (let attempt = 0; ; attempt++) {
    const db = connect(file, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS }, key);
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
    if (key) {
      throw new TrackingError(
        `cannot read the encrypted experiment store ${file} read-only here: reading it needs ${file}-shm, which cannot be created in its folder (${messageOf(failure)}); copy the store to a folder you can write and read the copy, or ask its owner for write access to the folder`,
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
