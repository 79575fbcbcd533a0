/**
 * `pipelab store`: what is done to the store file as a whole. Its actions
 * encrypt a plain store, change an encrypted store's key, or decrypt it,
 * each on a verified copy renamed into place.
 */
import { TrackingError } from "../errors";
import { STORE_KEY_ENV, STORE_KEY_FILE_ENV, STORE_NEW_KEY_ENV, StoreKey, changeStoreKey, defaultStorePath, readKeyFile, storeKey } from "../tracking";
import type { KeyChange, KeyChangeReport } from "../tracking";
import { CliUsageError, parse } from "./args";
import type { Command } from "./command";

const log = (line: string): void => console.log(line);

interface KeyOptions {
  "new-key-file"?: string | undefined;
}

/** The store's key now, which rekey and decrypt need. */
function currentKey(): StoreKey {
  const key = storeKey();
  if (!key) throw new TrackingError(`set ${STORE_KEY_ENV} or ${STORE_KEY_FILE_ENV} to the store's current key`);
  return key;
}

/** The new key: --new-key-file, else $PIPELAB_STORE_NEW_KEY. */
function newKey(values: KeyOptions): StoreKey | undefined {
  const file = values["new-key-file"];
  const value = process.env[STORE_NEW_KEY_ENV];
  if (file !== undefined && value !== undefined && value !== "") throw new CliUsageError(`give the new key either with --new-key-file or with ${STORE_NEW_KEY_ENV}, not both`);
  if (file !== undefined) return readKeyFile(file);
  if (value !== undefined && value !== "") return new StoreKey(value, `$${STORE_NEW_KEY_ENV}`);
  return undefined;
}

/** Each action: the change it makes, and what to tell the user after. */
const ACTIONS: Record<string, { change(values: KeyOptions): KeyChange; done(r: KeyChangeReport): string }> = {
  rekey: {
    change(values) {
      const to = newKey(values);
      if (!to) throw new CliUsageError(`store rekey: give the new key with --new-key-file FILE or ${STORE_NEW_KEY_ENV}`);
      return { from: currentKey(), to };
    },
    done: (r) => `changed the key of ${r.file} (${summary(r)}); open it with the new key from now on`,
  },
  encrypt: {
    change(values) {
      const to = newKey(values) ?? storeKey();
      if (!to) throw new CliUsageError(`store encrypt: give the key with ${STORE_KEY_ENV}, ${STORE_KEY_FILE_ENV}, --new-key-file FILE or ${STORE_NEW_KEY_ENV}`);
      return { to };
    },
    done: (r) => `encrypted ${r.file} (${summary(r)}); set ${STORE_KEY_ENV} or ${STORE_KEY_FILE_ENV} to its key to open it`,
  },
  decrypt: {
    change: () => ({ from: currentKey() }),
    done: (r) => `decrypted ${r.file} (${summary(r)}); unset ${STORE_KEY_ENV} and ${STORE_KEY_FILE_ENV} to open it`,
  },
};

function summary(r: KeyChangeReport): string {
  return `${r.tables} tables, ${r.rows} rows verified`;
}

export const storeCommand: Command = {
  summary: "encrypt the experiment store, change its key, or decrypt it (stop other processes using it first)",
  usage: `pipelab store rekey|encrypt|decrypt [--store FILE] [--new-key-file FILE]   (current key: ${STORE_KEY_ENV} or ${STORE_KEY_FILE_ENV}; new key: --new-key-file or ${STORE_NEW_KEY_ENV})`,
  async run(args) {
    const [action, ...rest] = args;
    const spec = ACTIONS[action ?? ""];
    if (!spec) throw new CliUsageError(`store: expected ${Object.keys(ACTIONS).join(", ")}, got ${JSON.stringify(action ?? "")}`);
    const { values } = parse(rest, { store: { type: "string" }, "new-key-file": { type: "string" } });
    const report = changeStoreKey(values.store ?? defaultStorePath(), spec.change(values));
    log(spec.done(report));
    return 0;
  },
};
