/**
 * `pipelab store`: what is done to the store file as a whole. Its actions
 * encrypt a plain store, change an encrypted store's key, or decrypt it,
 * each on a verified copy renamed into place.
 */
import { TrackingError } from "../errors";
import { STORE_KEY_ENV, STORE_KEY_FILE_ENV, STORE_NEW_KEY_ENV, StoreKey, changeStoreKey, defaultStorePath, initSharedStore, isPostgresUrl, readKeyFile, storeKey } from "../tracking";
import type { KeyChange, KeyChangeReport } from "../tracking";
import { CliUsageError, parse } from "./args";
import type { Command } from "./command";
import { STORE_PUSH_USAGE, storePush } from "./store-push";

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

/**
 * `pipelab store init postgres://...`: the shared store for a team, set up as
 * the role that will own it (the schema, the project's role and members, the
 * grants, row-level security), saying what it did; again, it changes nothing.
 */
function storeInit(args: string[]): number {
  const { values, positionals } = parse(args, { "project-role": { type: "string" }, member: { type: "string", multiple: true } }, true);
  const url = positionals[0];
  if (positionals.length !== 1 || url === undefined || !isPostgresUrl(url)) throw new CliUsageError("store init: give the PostgreSQL store's URL, e.g. pipelab store init postgres://admin@db/pipelab --member alice --member bob");
  const report = initSharedStore(url, { ...(values["project-role"] === undefined ? {} : { projectRole: values["project-role"] }), members: values.member ?? [] });
  for (const line of report.done) log(`set up: ${line}`);
  for (const line of report.already) log(`already so: ${line}`);
  log(report.done.length === 0 ? "nothing to do: the store was already set up" : "members now share runs through PIPELAB_STORE=postgres://MEMBER@HOST/DB");
  return 0;
}

export const storeCommand: Command = {
  summary: "set up the shared PostgreSQL store; encrypt the SQLite store, change its key, or decrypt it (stop other processes using it first)",
  usage: [
    "pipelab store init postgres://ADMIN@HOST/DB [--member ROLE ...] [--project-role ROLE]   (schema, roles, row-level security, audit; idempotent)",
    `            ${STORE_PUSH_USAGE}   (copies this project's runs into the shared store, once each)`,
    `            pipelab store rekey|encrypt|decrypt [--store FILE] [--new-key-file FILE]   (current key: ${STORE_KEY_ENV} or ${STORE_KEY_FILE_ENV}; new key: --new-key-file or ${STORE_NEW_KEY_ENV})`,
  ].join("\n"),
  async run(args) {
    const [action, ...rest] = args;
    if (action === "init") return storeInit(rest);
    if (action === "push") return storePush(rest);
    const spec = ACTIONS[action ?? ""];
    if (!spec) throw new CliUsageError(`store: expected init, push, ${Object.keys(ACTIONS).join(", ")}, got ${JSON.stringify(action ?? "")}`);
    const { values } = parse(rest, { store: { type: "string" }, "new-key-file": { type: "string" } });
    const report = changeStoreKey(values.store ?? defaultStorePath(), spec.change(values));
    log(spec.done(report));
    return 0;
  },
};
