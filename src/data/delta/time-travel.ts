/**
 * Time travel: which version a read asks for (the latest, a version, or the
 * version current at a time), and when each version was committed.
 */
import { readFileSync, statSync } from "node:fs";
import { DataError } from "../../errors";
import { parseActions } from "./actions";
import type { CommitInfo } from "./actions";
import { tableName } from "./errors";
import { availableVersions } from "./log";
import type { DeltaLog } from "./log";

export interface TimeTravel {
  /** A version number, as `DESCRIBE HISTORY` lists them. */
  version?: number;
  /** The version current at this time: a Date, milliseconds since 1970, or a date string (ISO 8601; add `Z` for UTC). */
  timestamp?: Date | string | number;
}

/** A commit's time, and its provenance when it has any. */
export interface CommitTime {
  readonly version: number;
  /** Milliseconds since 1970: `commitInfo.inCommitTimestamp`, else `commitInfo.timestamp`, else the file's modification time; never before an earlier commit's. */
  readonly timestamp: number;
  readonly commitInfo: CommitInfo | undefined;
}

/** The version a read is for: `version`, the one current at `timestamp`, or the latest. */
export function resolveVersion(log: DeltaLog, travel: TimeTravel): number {
  if (travel.version !== undefined && travel.timestamp !== undefined) {
    throw new DataError(`reading ${tableName(log.table)}: give a version or a timestamp, not both (got version ${travel.version} and timestamp ${JSON.stringify(travel.timestamp)})`);
  }
  if (travel.version !== undefined) return travel.version;
  if (travel.timestamp === undefined) return log.latest;
  const at = timeOf(travel.timestamp, log.table);
  const available = new Set(availableVersions(log));
  const times = commitTimes(log).filter((c) => available.has(c.version));
  const first = times[0];
  if (first === undefined) throw new DataError(`${tableName(log.table)} keeps no commit file with a time, so it cannot be read by timestamp: read it by version`);
  if (at < first.timestamp) {
    throw new DataError(
      `${tableName(log.table)} did not exist yet at ${new Date(at).toISOString()}: its first version${first.version === 0 ? "" : " kept"} (${first.version}) was committed at ${new Date(first.timestamp).toISOString()}; give a later time`,
    );
  }
  let found = first;
  for (const c of times) if (c.timestamp <= at) found = c;
  return found.version;
}

/**
 * The time of every commit the log keeps, oldest first. As Delta does, a
 * commit whose time is not after the one before it (clocks of two writers)
 * is taken as one millisecond after it, so that times order versions.
 */
export function commitTimes(log: DeltaLog): CommitTime[] {
  const times: CommitTime[] = [];
  let previous = -Infinity;
  for (const [version, file] of log.commits) {
    const commitInfo = commitInfoOf(file);
    const own = commitInfo?.inCommitTimestamp ?? commitInfo?.timestamp ?? Math.floor(statSync(file).mtimeMs);
    const timestamp = own > previous ? own : previous + 1;
    times.push({ version, timestamp, commitInfo });
    previous = timestamp;
  }
  return times;
}

/** A commit file's commitInfo, parsing only its line. */
function commitInfoOf(file: string): CommitInfo | undefined {
  const text = readFileSync(file, "utf8");
  const lines = text.split("\n");
  const index = lines.findIndex((l) => /^\s*\{\s*"commitInfo"\s*:/.test(l));
  if (index < 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(lines[index] as string);
  } catch {
    // A damaged line is reported by a read of that version, where it matters; a time is still there (the file's).
    return undefined;
  }
  const action = parseActions(value, `line ${index + 1} of ${file}`).find((a) => a.kind === "commitInfo");
  return action?.kind === "commitInfo" ? action.commitInfo : undefined;
}

function timeOf(timestamp: Date | string | number, table: string): number {
  const ms = timestamp instanceof Date ? timestamp.getTime() : typeof timestamp === "number" ? timestamp : Date.parse(timestamp);
  if (!Number.isFinite(ms)) {
    throw new DataError(`reading ${tableName(table)}: the timestamp ${JSON.stringify(timestamp)} is not a time; give a Date, milliseconds since 1970, or an ISO 8601 string ("2025-03-01T12:00:00Z")`);
  }
  return ms;
}
