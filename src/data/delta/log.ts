/**
 * The `_delta_log` folder: which commits and checkpoints it holds, which
 * versions they can rebuild, and the actions of one commit file.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DataError } from "../../errors";
import { describeUnreadable } from "../../util";
import { parseActions } from "./actions";
import type { Action } from "./actions";
import { tableName } from "./errors";

export const LOG_FOLDER = "_delta_log";

const COMMIT = /^(\d{20})\.json$/;
const CHECKPOINT = /^(\d{20})\.checkpoint\.parquet$/;
const CHECKPOINT_PART = /^(\d{20})\.checkpoint\.(\d{10})\.(\d{10})\.parquet$/;

/** A complete checkpoint: one file, or every part of a multi-part one. */
export interface Checkpoint {
  readonly version: number;
  readonly files: readonly string[];
}

/** What a table's `_delta_log` holds, listed once. */
export interface DeltaLog {
  /** The table's path as the caller wrote it (for messages). */
  readonly table: string;
  /** The table's folder, absolute. */
  readonly root: string;
  /** Its `_delta_log` folder, absolute. */
  readonly dir: string;
  /** The commit files by version. */
  readonly commits: ReadonlyMap<number, string>;
  /** The complete checkpoints, oldest first. */
  readonly checkpoints: readonly Checkpoint[];
  /** The newest version. */
  readonly latest: number;
}

/** The file name of a version's commit: its number on 20 digits, `.json`. */
export function commitFileName(version: number): string {
  return `${String(version).padStart(20, "0")}.json`;
}

/** The version a log file is for (a commit or a checkpoint), from its name. */
export function versionOfLogFile(name: string): number | undefined {
  const m = /^(\d{20})\./.exec(name);
  return m === null ? undefined : Number(m[1]);
}

/** The commit files and complete checkpoints of a `_delta_log` folder. Throws the file system's error. */
export function listLogFolder(dir: string): { commits: Map<number, string>; checkpoints: Checkpoint[] } {
  const commits = new Map<number, string>();
  const single = new Map<number, string>();
  const parts = new Map<string, { version: number; total: number; files: Map<number, string> }>();
  for (const name of readdirSync(dir)) {
    let m = COMMIT.exec(name);
    if (m !== null) {
      commits.set(Number(m[1]), join(dir, name));
      continue;
    }
    m = CHECKPOINT.exec(name);
    if (m !== null) {
      single.set(Number(m[1]), join(dir, name));
      continue;
    }
    m = CHECKPOINT_PART.exec(name);
    if (m !== null) {
      const [version, part, total] = [Number(m[1]), Number(m[2]), Number(m[3])];
      const key = `${version}/${total}`;
      const entry = parts.get(key) ?? { version, total, files: new Map<number, string>() };
      entry.files.set(part, join(dir, name));
      parts.set(key, entry);
    }
    // Anything else (UUID-named v2 checkpoints, .crc files, temporary files) is not read.
  }
  const checkpoints = new Map<number, Checkpoint>();
  for (const { version, total, files } of parts.values()) {
    // A multi-part checkpoint with a part missing is being written, or was abandoned: the protocol says to ignore it.
    if (files.size !== total || checkpoints.has(version)) continue;
    checkpoints.set(version, { version, files: Array.from({ length: total }, (_, i) => files.get(i + 1) as string) });
  }
  for (const [version, file] of single) checkpoints.set(version, { version, files: [file] });
  return { commits: new Map([...commits].sort((a, b) => a[0] - b[0])), checkpoints: [...checkpoints.values()].sort((a, b) => a.version - b.version) };
}

/**
 * Lists a table's log, or throws a DataError saying why `path` is no Delta
 * table: no such folder, no `_delta_log` in it, nothing committed yet.
 */
export function openLog(path: string): DeltaLog {
  const root = resolve(path);
  const dir = join(root, LOG_FOLDER);
  try {
    if (!statSync(root).isDirectory()) throw new DataError(`${tableName(path)} is a file, not a folder (${root}): a Delta table is a folder with a ${LOG_FOLDER} folder in it`);
  } catch (error) {
    if (error instanceof DataError) throw error;
    throw new DataError(`cannot read ${tableName(path)}: ${describeUnreadable(path, error)}`, { cause: error });
  }
  let listed: ReturnType<typeof listLogFolder>;
  try {
    listed = listLogFolder(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new DataError(`${tableName(path)} (${root}) is not a Delta table: it has no ${LOG_FOLDER} folder; check the path, or read plain Parquet files with readParquet`, { cause: error });
    }
    throw new DataError(`cannot list the ${LOG_FOLDER} folder of ${tableName(path)}: ${describeUnreadable(dir, error)}`, { cause: error });
  }
  const versions = [...listed.commits.keys(), ...listed.checkpoints.map((c) => c.version)];
  if (versions.length === 0) throw new DataError(`${tableName(path)} has no version yet: its ${LOG_FOLDER} folder (${dir}) holds no commit; write one with writeDelta`);
  return { table: path, root, dir, ...listed, latest: Math.max(...versions) };
}

/**
 * The versions the log can rebuild: each from a checkpoint at or before it
 * and every commit after that, or from every commit since version 0.
 */
export function availableVersions(log: DeltaLog): number[] {
  const checkpointed = new Set(log.checkpoints.map((c) => c.version));
  const available: number[] = [];
  let previous = false;
  for (let v = 0; v <= log.latest; v++) {
    previous = checkpointed.has(v) || (log.commits.has(v) && (v === 0 || previous));
    if (previous) available.push(v);
  }
  return available;
}

/** Versions as ranges: "0–4, 7–9". */
export function describeVersions(versions: readonly number[]): string {
  if (versions.length === 0) return "none";
  const ranges: string[] = [];
  let start = versions[0] as number;
  let end = start;
  for (const v of versions.slice(1)) {
    if (v === end + 1) {
      end = v;
      continue;
    }
    ranges.push(start === end ? `${start}` : `${start}–${end}`);
    start = end = v;
  }
  ranges.push(start === end ? `${start}` : `${start}–${end}`);
  return ranges.join(", ");
}

/** The actions of a commit file, with a DataError naming the file and line of a line that is not JSON. */
export function readCommit(log: DeltaLog, version: number): Action[] {
  const file = log.commits.get(version);
  if (file === undefined) throw new DataError(`${tableName(log.table)} has no commit file for version ${version} (${join(log.dir, commitFileName(version))})`);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new DataError(`cannot read the commit file of version ${version} of ${tableName(log.table)}: ${describeUnreadable(file, error)}`, { cause: error });
  }
  return parseCommit(text, file);
}

/** The actions of a commit's text (newline-delimited JSON); `file` names it in errors. */
export function parseCommit(text: string, file: string): Action[] {
  const actions: Action[] = [];
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      const shown = line.length > 60 ? `${line.slice(0, 57)}...` : line;
      throw new DataError(
        `line ${i + 1} of the Delta commit file ${file} is not valid JSON (${(error as Error).message}): ${JSON.stringify(shown)}; the commit is damaged: restore it from a copy (a commit file must never be edited), or read a version before it`,
        { cause: error },
      );
    }
    actions.push(...parseActions(value, `line ${i + 1} of ${file}`));
  });
  return actions;
}

/**
 * A file's path on disk from its `add`/`remove` path: a URI relative to the
 * table's folder (percent-decoded), a `file:` URI, or an absolute path.
 * Undefined for a URI of another scheme (s3:, abfss:): not a local file.
 */
export function filePath(root: string, uri: string): string | undefined {
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(uri)) {
    if (!uri.startsWith("file:")) return undefined;
    try {
      return fileURLToPath(uri);
    } catch {
      return undefined;
    }
  }
  const decoded = decodeUri(uri);
  return isAbsolute(decoded) ? decoded : join(root, decoded);
}

/** RFC 2396 percent-decoding; a stray % (not an escape) is kept as written. */
export function decodeUri(uri: string): string {
  try {
    return decodeURIComponent(uri);
  } catch {
    return uri;
  }
}
