/**
 * SQLite's failures, as pipelab reports them: the error code of a
 * better-sqlite3 error, and the one failure worth its own message, a full disk.
 */
import { statfsSync } from "node:fs";
import { dirname } from "node:path";
import { TrackingError, messageOf } from "../errors";
import { formatBytes } from "../util";
import { STORE_ENV } from "./location";

/** The SQLite error code of a better-sqlite3 error ("SQLITE_FULL"), if it is one. */
export function sqliteCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_") ? code : undefined;
}

/** A TrackingError for a write that failed because the store's disk is full; undefined for any other failure. */
export function fullStoreError(file: string, what: string, error: unknown): TrackingError | undefined {
  if (sqliteCode(error) !== "SQLITE_FULL") return undefined;
  let free = "";
  try {
    const fs = statfsSync(dirname(file));
    free = `${formatBytes(fs.bavail * fs.bsize)} free; `;
  } catch {
    // The free space is a courtesy: the message stands without it.
  }
  return new TrackingError(
    `cannot ${what}: the disk of the experiment store ${file} is full (${free}${messageOf(error)}). ` +
      `What was recorded before is kept, earlier metric points included; this write was not. ` +
      `Free space on that disk, or move the store to a disk with room with ${STORE_ENV}=/path/to/experiments.db`,
    { cause: error },
  );
}
