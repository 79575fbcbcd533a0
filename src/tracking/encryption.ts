/**
 * Encrypted stores: the one adapter to better-sqlite3-multiple-ciphers (an
 * optional dependency, loaded only when a key is given), and what to say when
 * a file cannot be read as a database, which for an encrypted file means a
 * missing or wrong key.
 *
 * The cipher is ChaCha20-Poly1305 (SQLite3 Multiple Ciphers' "chacha20", the
 * sqleet scheme): every page is authenticated, so a wrong key or a changed
 * byte is an error, never garbage; it needs no AES instructions to be fast;
 * and deriving the key (PBKDF2-SHA256, 64,007 rounds) costs about 25 ms an
 * open, where SQLCipher 4's scheme costs about 115 ms, which every CLI command
 * and notebook would pay. The price: the sqlcipher tool and DB Browser for
 * SQLite cannot open the file (SQLiteStudio, built on SQLite3 Multiple
 * Ciphers, can). The cipher is named at every open, not left to the library's
 * default, so that a new library version cannot change it under a store.
 */
import type Database from "better-sqlite3";
import { closeSync, openSync, readSync } from "node:fs";
import { SetupError, TrackingError, messageOf } from "../errors";
import { sqliteCode } from "./sqlite-errors";
import { STORE_KEY_ENV, STORE_KEY_FILE_ENV } from "./store-key";
import type { StoreKey } from "./store-key";

/** The optional dependency that encrypts stores, and the line of it this pipelab is built for. */
export const CIPHER_MODULE = "better-sqlite3-multiple-ciphers";
const CIPHER_MODULE_LINE = "12.x";
/** The cipher of every encrypted store (see above for why). */
export const STORE_CIPHER = "chacha20";

/** The first 16 bytes of every SQLite file that is not encrypted. */
const SQLITE_MAGIC = Buffer.from("SQLite format 3\0", "latin1");

type CipherDatabase = Database.Database & { key(key: Buffer): number; rekey(key: Buffer): number };
type CipherConstructor = new (filename: string | Buffer, options?: Database.Options) => CipherDatabase;

let cipherModule: CipherConstructor | undefined;

/**
 * The Database class of better-sqlite3-multiple-ciphers, loaded on first use
 * (a store without a key never loads it) and checked for the key methods.
 */
function cipherDatabase(): CipherConstructor {
  if (cipherModule) return cipherModule;
  let loaded: unknown;
  try {
    loaded = require(CIPHER_MODULE);
  } catch (error) {
    throw new SetupError(
      `encryption needs the optional dependency ${CIPHER_MODULE}, which did not build here: ${messageOf(error)}. ` +
        `Install it with \`npm install ${CIPHER_MODULE}@12\` (it builds from source, about a minute), or unset ${STORE_KEY_ENV} and ${STORE_KEY_FILE_ENV} to use a store that is not encrypted`,
      { cause: error },
    );
  }
  const prototype = typeof loaded === "function" ? (loaded.prototype as { key?: unknown; rekey?: unknown } | undefined) : undefined;
  if (typeof prototype?.key !== "function" || typeof prototype.rekey !== "function") {
    throw new SetupError(`${CIPHER_MODULE} does not look like its ${CIPHER_MODULE_LINE} line (no Database with key() and rekey()); install ${CIPHER_MODULE}@12`);
  }
  cipherModule = loaded as CipherConstructor;
  return cipherModule;
}

/**
 * A connection to `file` through the cipher library, keyed with `key` (none:
 * a plain file, read through the same library). Nothing is read yet: a wrong
 * key shows at the first statement, as SQLITE_NOTADB.
 */
export function openCipherConnection(file: string, options: Database.Options, key: StoreKey | undefined): CipherDatabase {
  const Cipher = cipherDatabase();
  const db = new Cipher(file, options);
  if (!key) return db;
  try {
    db.pragma(`cipher = '${STORE_CIPHER}'`);
    db.key(key.bytes());
    return db;
  } catch (error) {
    db.close();
    // The library's message names no key; ours names where it came from.
    throw new TrackingError(`cannot set the key (from ${key.source}) of the experiment store ${file}: ${messageOf(error)}`, { cause: error });
  }
}

/** Sets the key a keyed connection writes with from now on; no key: writes plain pages. */
export function changeKey(db: CipherDatabase, to: StoreKey | undefined): void {
  if (to) db.pragma(`cipher = '${STORE_CIPHER}'`);
  db.rekey(to ? to.bytes() : Buffer.alloc(0));
}

/**
 * What the first bytes of `file` say: "plain" (a SQLite file), "empty" (a new
 * store), "encrypted" (SQLite3 Multiple Ciphers replaces the first 16 bytes
 * with a random salt but keeps bytes 16-23 in clear, where SQLite requires
 * bytes 21-23 to be 64, 32, 32), "other" (not SQLite at all, as far as can be
 * told), undefined when it cannot be read.
 */
export function fileKind(file: string): "plain" | "empty" | "encrypted" | "other" | undefined {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return undefined;
  }
  try {
    const head = Buffer.alloc(24);
    const n = readSync(fd, head, 0, head.length, 0);
    if (n === 0) return "empty";
    if (n < head.length) return "other";
    if (head.subarray(0, 16).equals(SQLITE_MAGIC)) return "plain";
    const versions = [head[18], head[19]].every((v) => v === 1 || v === 2);
    return versions && head[21] === 64 && head[22] === 32 && head[23] === 32 ? "encrypted" : "other";
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * The error for a key given for a store that is not encrypted: refused, so
 * that a user who believes the store is encrypted learns that it is not.
 */
export function plainStoreWithKeyError(file: string, key: StoreKey): TrackingError {
  return new TrackingError(
    `the experiment store ${file} is not encrypted, but a key was given (from ${key.source}); it was left untouched. ` +
      `To encrypt it with that key, run \`pipelab store encrypt --store ${file}\`; to use it as it is, unset ${STORE_KEY_ENV} and ${STORE_KEY_FILE_ENV}`,
  );
}

/** The error for an encrypted store opened without a key. */
export function encryptedStoreError(file: string, cause?: unknown): TrackingError {
  return new TrackingError(
    `the experiment store ${file} is encrypted: set ${STORE_KEY_ENV} or ${STORE_KEY_FILE_ENV} to its key; it was left untouched`,
    { cause },
  );
}

/** The error for an encrypted store opened with a key that does not open it. */
export function wrongKeyError(file: string, key: StoreKey, cause?: unknown): TrackingError {
  return new TrackingError(
    `wrong key for the experiment store ${file} (the key from ${key.source}); it was left untouched`,
    { cause },
  );
}

/**
 * What to say when SQLite could not read `file` as a database (SQLITE_NOTADB,
 * here or as the cause): for an encrypted file, that the key is missing or
 * wrong; for a plain file opened with a key, that it is not encrypted.
 * Undefined for any other failure, and for a file that is neither (the
 * caller says it is not a SQLite database).
 */
export function keyError(file: string, key: StoreKey | undefined, error: unknown): TrackingError | undefined {
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (sqliteCode(error) !== "SQLITE_NOTADB" && sqliteCode(cause) !== "SQLITE_NOTADB") return undefined;
  const kind = fileKind(file);
  if (kind === "encrypted") return key ? wrongKeyError(file, key, error) : encryptedStoreError(file, error);
  return key && kind === "plain" ? plainStoreWithKeyError(file, key) : undefined;
}
