/**
 * Where the key of an encrypted store comes from: the `key` option of
 * ExperimentStore.open, else `$PIPELAB_STORE_KEY`, else the file named by
 * `$PIPELAB_STORE_KEY_FILE`. The key itself is held by a StoreKey that never
 * prints it: no message, log line or inspected object shows the passphrase.
 */
import { readFileSync, statSync } from "node:fs";
import { inspect } from "node:util";
import { TrackingError, messageOf } from "../errors";

/** The passphrase of an encrypted store. */
export const STORE_KEY_ENV = "PIPELAB_STORE_KEY";
/** A file holding the passphrase (private to its owner, like an ssh key). */
export const STORE_KEY_FILE_ENV = "PIPELAB_STORE_KEY_FILE";
/** The new passphrase for `pipelab store rekey` (or `--new-key-file`). */
export const STORE_NEW_KEY_ENV = "PIPELAB_STORE_NEW_KEY";

const secrets = new WeakMap<StoreKey, string>();

/**
 * A store's passphrase, and where it came from ("$PIPELAB_STORE_KEY", "the
 * key file /home/me/.pipelab-key"). Printing, inspecting or serializing it
 * shows only where it came from.
 */
export class StoreKey {
  constructor(
    passphrase: string,
    /** Where the key came from, for messages. */
    readonly source: string,
  ) {
    if (passphrase === "") throw new TrackingError(`the store key from ${source} is empty; give a passphrase, or unset it to use a store that is not encrypted`);
    secrets.set(this, passphrase);
  }

  /** The passphrase as the cipher takes it. */
  bytes(): Buffer {
    return Buffer.from(secrets.get(this) as string, "utf8");
  }

  /** Whether two keys are the same passphrase. */
  equals(other: StoreKey): boolean {
    return secrets.get(this) === secrets.get(other);
  }

  toString(): string {
    return `[store key from ${this.source}]`;
  }

  toJSON(): string {
    return this.toString();
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * The key to open a store with: `option` when given, else the environment's.
 * Undefined when there is none: the store is not encrypted.
 */
export function storeKey(option?: string, env: NodeJS.ProcessEnv = process.env): StoreKey | undefined {
  if (option !== undefined) return new StoreKey(option, "the `key` option");
  return keyFromEnvironment(env, STORE_KEY_ENV, STORE_KEY_FILE_ENV);
}

/**
 * A key from the variable `name` (the passphrase) or `fileName` (a file
 * holding it); refuses both at once, so that it is clear which one is used.
 */
export function keyFromEnvironment(env: NodeJS.ProcessEnv, name: string, fileName: string): StoreKey | undefined {
  const value = env[name];
  const file = env[fileName];
  const given = (v: string | undefined): v is string => v !== undefined && v !== "";
  if (given(value) && given(file)) throw new TrackingError(`both ${name} and ${fileName} are set; set only one of them`);
  if (given(value)) return new StoreKey(value, `$${name}`);
  if (given(file)) return readKeyFile(file);
  return undefined;
}

/**
 * Reads a key file: its text without a final line ending. Refuses a file
 * that others can read (as ssh refuses such a private key): the key would not
 * be secret.
 */
export function readKeyFile(file: string): StoreKey {
  let mode: number;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new TrackingError(`the store key file ${file} is not a file`);
    mode = stat.mode & 0o777;
  } catch (error) {
    if (error instanceof TrackingError) throw error;
    throw new TrackingError(`cannot read the store key file ${file}: ${messageOf(error)}`, { cause: error });
  }
  if ((mode & 0o077) !== 0) {
    throw new TrackingError(
      `the store key file ${file} is readable by others (mode ${mode.toString(8).padStart(4, "0")}), so the key is not secret; make it private with \`chmod 600 ${file}\``,
    );
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new TrackingError(`cannot read the store key file ${file}: ${messageOf(error)}`, { cause: error });
  }
  return new StoreKey(text.replace(/\r?\n$/, ""), `the key file ${file}`);
}
