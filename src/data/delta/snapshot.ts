/**
 * Log replay: a table's state at one version (protocol, metadata, live
 * files), from the newest complete checkpoint at or before it and the
 * commits after that checkpoint, applied in version order.
 */
import { DataError } from "../../errors";
import type { Action, AddFile, Metadata, Protocol } from "./actions";
import { readCheckpoint } from "./checkpoint";
import { tableName } from "./errors";
import { availableVersions, decodeUri, describeVersions, readCommit } from "./log";
import type { DeltaLog } from "./log";
import { parseSchema } from "./schema";
import type { DeltaField } from "./schema";

/** A table as of one version. */
export interface Snapshot {
  readonly log: DeltaLog;
  readonly version: number;
  readonly protocol: Protocol;
  readonly metadata: Metadata;
  readonly schemaFields: readonly DeltaField[];
  /** The live files, by their decoded path, in the order they were added. */
  readonly files: ReadonlyMap<string, AddFile>;
}

/** Rebuilds `version` of the table (a DataError naming the versions there are, for one the log cannot rebuild). */
export async function loadSnapshot(log: DeltaLog, version: number): Promise<Snapshot> {
  checkAvailable(log, version);
  const checkpoint = [...log.checkpoints].reverse().find((c) => c.version <= version);
  const state = new Replay();
  let start = 0;
  if (checkpoint !== undefined) {
    state.apply(await readCheckpoint(log.table, checkpoint));
    start = checkpoint.version + 1;
  }
  for (let v = start; v <= version; v++) state.apply(readCommit(log, v));
  const { protocol, metadata } = state;
  const at = `${tableName(log.table)} at version ${version}`;
  if (protocol === undefined || metadata === undefined) {
    throw new DataError(`${at} has no ${protocol === undefined ? "protocol" : "metaData"} action in its log: the log is damaged or was not written by a Delta writer`);
  }
  return { log, version, protocol, metadata, schemaFields: parseSchema(metadata.schemaString, at), files: state.files };
}

/** Throws a DataError unless `version` is a whole number the log can rebuild. */
export function checkAvailable(log: DeltaLog, version: number): void {
  const available = availableVersions(log);
  if (Number.isInteger(version) && available.includes(version)) return;
  const why =
    Number.isInteger(version) && version >= 0 && version <= log.latest
      ? ": its commit files were cleaned up, and no checkpoint covers it"
      : Number.isInteger(version) && version > log.latest
        ? `: the latest is ${log.latest}`
        : "";
  throw new DataError(`${tableName(log.table)} has no version ${JSON.stringify(version)}${why}; the versions there are: ${describeVersions(available)}`);
}

class Replay {
  protocol: Protocol | undefined;
  metadata: Metadata | undefined;
  readonly files = new Map<string, AddFile>();

  apply(actions: readonly Action[]): void {
    for (const action of actions) {
      switch (action.kind) {
        case "protocol":
          this.protocol = action.protocol;
          break;
        case "metaData":
          this.metadata = action.metaData;
          break;
        case "add":
          // A file added again (new statistics, same data) keeps its place.
          this.files.set(decodeUri(action.add.path), action.add);
          break;
        case "remove":
          this.files.delete(decodeUri(action.remove.path));
          break;
        default:
          break;
      }
    }
  }
}
