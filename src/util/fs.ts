import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileMode, folderMode } from "./modes";

/**
 * Writes a file atomically: into a temporary file beside it, then renamed
 * over it, so a reader never sees half a file and a crash leaves the old one.
 */
export function writeFileAtomic(file: string, content: string | Uint8Array, options: { mode?: number } = {}): void {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    writeFileSync(temp, content, options.mode === undefined ? {} : { mode: options.mode });
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/**
 * A folder of pipelab's own (under `.pipelab/`: the cache, charts, the
 * kernelspec, verify scripts), created with the mode of pipelab's files:
 * private to the user unless PIPELAB_SHARED=1 (see modes.ts).
 */
export function makeOwnFolder(path: string): void {
  mkdirSync(path, { recursive: true, mode: folderMode() });
}

/** Writes a file of pipelab's own, atomically, with the mode of pipelab's files (see modes.ts). */
export function writeOwnFile(file: string, content: string | Uint8Array): void {
  writeFileAtomic(file, content, { mode: fileMode() });
}

/**
 * Moves a finished file or folder `temp` to `target` (on the same file
 * system), replacing what is there: a reader sees the old one or the new one
 * whole. An old folder is moved aside first, then removed.
 */
export function publishReplacing(temp: string, target: string): void {
  if (!existsSync(target) || !statSync(temp).isDirectory()) {
    renameSync(temp, target);
    return;
  }
  const old = `${temp}.old`;
  renameSync(target, old);
  try {
    renameSync(temp, target);
  } catch (error) {
    renameSync(old, target);
    throw error;
  }
  rmSync(old, { recursive: true, force: true });
}
