/**
 * A Delta table's fingerprint, for a step that read it: cheap (one log file
 * hashed, no data file), because a committed version never changes, and a
 * data file is never rewritten in place. Which log file depends on the read:
 *
 * - a pinned version (by `version`, or a timestamp before the latest commit)
 *   is that version's commit file: `delta-v1:<version>:<sha256>`;
 * - the latest version is the `_delta_log` folder itself, whose fingerprint
 *   names its newest commit: `delta-latest-v1:<version>:<sha256>`, so that a
 *   new commit changes it and the step computes again.
 *
 * The sha256 sees a table deleted and written again to the same version.
 */
import { basename, join } from "node:path";
import { fileDigest } from "../../util";
import { commitFileName, listLogFolder, versionOfLogFile } from "./log";

/** The schemes a Delta fingerprint starts with; bump a version if its rule changes. */
const PINNED = "delta-v1:";
const LATEST = "delta-latest-v1:";

/**
 * The fingerprint of a version's log file (its commit, or its checkpoint
 * when the commit was cleaned up): `delta-v1:<version>:<sha256>`.
 *
 * @example
 * ```ts
 * deltaFingerprint("lake/events/_delta_log/00000000000000000003.json"); // "delta-v1:3:9b1e…"
 * ```
 */
export function deltaFingerprint(logFile: string): string {
  return `${PINNED}${versionOfLogFile(basename(logFile)) ?? "?"}:${fileDigest(logFile)}`;
}

/**
 * The fingerprint of a `_delta_log` folder's latest version:
 * `delta-latest-v1:<version>:<sha256 of its commit file>`. Throws the file
 * system's error for a folder that is gone, and ENOENT for one with no commit.
 */
export function deltaLatestFingerprint(logDir: string): string {
  const { commits } = listLogFolder(logDir);
  const latest = [...commits.keys()].pop();
  if (latest === undefined) throw Object.assign(new Error(`no commit in ${logDir}`), { code: "ENOENT" });
  return latestFingerprint(logDir, latest);
}

/** The latest-version fingerprint of a version read: what deltaLatestFingerprint gives while no newer commit lands. */
export function latestFingerprint(logDir: string, version: number): string {
  return `${LATEST}${version}:${fileDigest(join(logDir, commitFileName(version)))}`;
}

/** Whether a recorded fingerprint is a Delta one (what currentFingerprint dispatches on). */
export function isDeltaFingerprint(recorded: string): boolean {
  return recorded.startsWith(PINNED) || recorded.startsWith(LATEST);
}

/** A Delta fingerprint now, by the rule `recorded` was made with. */
export function currentDeltaFingerprint(file: string, recorded: string): string {
  return recorded.startsWith(LATEST) ? deltaLatestFingerprint(file) : deltaFingerprint(file);
}
