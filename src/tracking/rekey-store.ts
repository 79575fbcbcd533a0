/**
 * Changing how a store is encrypted: a new key (`pipelab store rekey`), a key
 * for a plain store (`pipelab store encrypt`), none for an encrypted one
 * (`pipelab store decrypt`).
 *
 * SQLite3 Multiple Ciphers 2.3 (the one in better-sqlite3-multiple-ciphers
 * 12.x) refuses to rekey a database in WAL mode, and a rekey cut short would
 * leave a store that no key opens; so the work is done on a copy, and the
 * store is untouched until the copy is proved good:
 *
 * 1. the store is opened with its key and switched out of WAL mode, which
 *    folds its -wal into the file and fails while any other process has it
 *    open; then an exclusive lock keeps every other process out;
 * 2. it is copied next to itself, and the copy rekeyed and set back to WAL;
 * 3. the copy must open with the new key, pass SQLite's quick_check and hold
 *    as many rows in every table as the store;
 * 4. it is synced to disk and renamed over the store (atomic).
 *
 * On any failure the copy is removed and the store set back to WAL mode. A
 * process that opened the store while it was locked holds the old file once
 * the lock is released: SQLite refuses its writes (SQLITE_READONLY_DBMOVED,
 * its file was replaced), so it fails to open rather than writing into the
 * old file or leaving a -wal beside the new one.
 */
import Database from "better-sqlite3";
import { chmodSync, closeSync, constants, copyFileSync, existsSync, fsyncSync, openSync, readSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { PipelabError, TrackingError, messageOf } from "../errors";
import { changeKey, fileKind, openCipherConnection } from "./encryption";
import { connect, identify } from "./open-store";
import { sqliteCode } from "./sqlite-errors";
import type { StoreKey } from "./store-key";

/** A change of key: `from` none is a plain store, `to` none makes one. */
export interface KeyChange {
  /** The store's key now; none: it is not encrypted. */
  from?: StoreKey;
  /** The key it will have; none: decrypt it. */
  to?: StoreKey;
}

/** What a key change did. */
export interface KeyChangeReport {
  file: string;
  /** Tables copied and verified. */
  tables: number;
  /** Rows in them, the same before and after. */
  rows: number;
}

/** How long to wait for another process's transaction to end before saying the store is in use. */
const LOCK_WAIT_MS = 2_000;

/**
 * Re-encrypts the store at `path` as `change` says, atomically: the store is
 * either as it was or wholly under the new key. Refuses while another process
 * has the store open.
 *
 * @example
 * ```ts
 * changeStoreKey("experiments.db", { from: storeKey(), to: readKeyFile("new.key") });
 * ```
 */
export function changeStoreKey(path: string, change: KeyChange): KeyChangeReport {
  const file = resolve(path);
  checkChange(file, change);
  const source = openCipherConnection(file, { timeout: LOCK_WAIT_MS }, change.from);
  const copy = `${file}.rekey-${process.pid}.tmp`;
  let replaced = false;
  let locked = false;
  try {
    const version = identify(source, file, change.from);
    takeOver(source, file);
    locked = true;
    const counts = rowCounts(source);
    copyFileSync(file, copy, constants.COPYFILE_EXCL);
    chmodSync(copy, statSync(file).mode & 0o777);
    rekeyCopy(copy, change);
    verifyCopy(copy, file, change.to, version, counts);
    syncFile(copy);
    renameSync(copy, file);
    replaced = true;
    syncFile(dirname(file));
    return { file, tables: counts.size, rows: [...counts.values()].reduce((a, b) => a + b, 0) };
  } catch (error) {
    if (error instanceof PipelabError) throw error;
    throw new TrackingError(`cannot change the key of the experiment store ${file}: ${messageOf(error)}; the store was left as it was`, { cause: error });
  } finally {
    if (locked) tryQuietly(() => source.exec("ROLLBACK"));
    // Back to WAL, as every open sets it; after the rename this connection holds the old file, which is gone.
    if (!replaced) tryQuietly(() => source.pragma("journal_mode = WAL"));
    source.close();
    for (const leftover of [copy, `${copy}-journal`, `${copy}-wal`, `${copy}-shm`]) rmSync(leftover, { force: true });
  }
}

/** Refuses a change that does not fit the store, before opening it. */
function checkChange(file: string, { from, to }: KeyChange): void {
  if (!existsSync(file)) throw new TrackingError(`no experiment store at ${file}; give its path with --store or PIPELAB_STORE`);
  if (!from && !to) throw new TrackingError(`no key given for the experiment store ${file}: nothing to change`);
  if (from && to && from.equals(to)) throw new TrackingError(`the new key (from ${to.source}) is the store's key now (from ${from.source}); give a different one`);
  const kind = fileKind(file);
  if (kind === "empty") throw new TrackingError(`the experiment store ${file} is empty: with a key set, pipelab creates it encrypted on first use`);
  if (!from && kind === "encrypted") {
    throw new TrackingError(`the experiment store ${file} is already encrypted; to change its key, run \`pipelab store rekey\`; to decrypt it, \`pipelab store decrypt\``);
  }
  if (from && kind === "plain") {
    throw new TrackingError(`the experiment store ${file} is not encrypted, but its key was given (from ${from.source}); to encrypt it, run \`pipelab store encrypt\``);
  }
}

/**
 * Makes this connection the store's only one: out of WAL mode (which
 * checkpoints the -wal into the file, and needs every other connection
 * closed), then an exclusive lock that keeps readers and writers out.
 */
function takeOver(db: Database.Database, file: string): void {
  const inUse = (error: unknown): TrackingError =>
    new TrackingError(
      `the experiment store ${file} is open in another process (a notebook kernel, \`pipelab ui\`, \`pipelab serve\`, a running pipeline): close it and run this again; nothing was changed (${messageOf(error)})`,
      { cause: error },
    );
  try {
    db.pragma("wal_checkpoint(TRUNCATE)");
    db.pragma("journal_mode = DELETE");
    db.exec("BEGIN EXCLUSIVE");
  } catch (error) {
    if (sqliteCode(error)?.startsWith("SQLITE_BUSY") || sqliteCode(error)?.startsWith("SQLITE_LOCKED")) throw inUse(error);
    throw error;
  }
  // Bytes 18 and 19 of the header (plain even in an encrypted file) are 2 in WAL mode: another process switched it back.
  const header = Buffer.alloc(20);
  const fd = openSync(file, "r");
  try {
    readSync(fd, header, 0, 20, 0);
  } finally {
    closeSync(fd);
  }
  if (header[18] !== 1 || header[19] !== 1) throw inUse(new Error("it was switched back to WAL mode"));
}

/** The number of rows in each table. */
function rowCounts(db: Database.Database): Map<string, number> {
  const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all() as string[];
  return new Map(tables.map((name) => [name, db.prepare(`SELECT count(*) FROM "${name.replace(/"/g, '""')}"`).pluck().get() as number]));
}

/** Rekeys the copy (out of WAL mode, as it was copied), then sets it back to WAL. */
function rekeyCopy(copy: string, { from, to }: KeyChange): void {
  const db = openCipherConnection(copy, { timeout: 0 }, from);
  try {
    changeKey(db, to);
    db.pragma("journal_mode = WAL");
  } finally {
    db.close();
  }
}

/** Proves the copy good: it opens with the new key (without one, with plain better-sqlite3), is intact, and holds every row. */
function verifyCopy(copy: string, file: string, to: StoreKey | undefined, version: number, counts: Map<string, number>): void {
  const fail = (why: string): TrackingError => new TrackingError(`the re-encrypted copy of ${file} did not verify (${why}); the store was left as it was`);
  if (fileKind(copy) !== (to ? "encrypted" : "plain")) throw fail(to ? "it is not encrypted" : "it is still encrypted");
  const db = to ? connect(copy, { fileMustExist: true }, to) : new Database(copy, { fileMustExist: true });
  try {
    const copied = identify(db, copy, to);
    if (copied !== version) throw fail(`schema ${copied}, not ${version}`);
    const check = db.pragma("quick_check", { simple: true });
    if (check !== "ok") throw fail(`quick_check: ${String(check)}`);
    const after = rowCounts(db);
    for (const [table, n] of counts) {
      if (after.get(table) !== n) throw fail(`table ${table} has ${after.get(table) ?? "no"} rows, not ${n}`);
    }
  } finally {
    db.close();
  }
}

function syncFile(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function tryQuietly(fn: () => unknown): void {
  try {
    fn();
  } catch {
    // Cleaning up after a failure that is already being reported: the next open sets WAL anyway.
  }
}
