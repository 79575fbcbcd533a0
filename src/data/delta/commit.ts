/**
 * The atomic, exclusive commit: a version's commit file appears whole, and
 * only once. Written under a temporary name in `_delta_log`, flushed, then
 * hard-linked to the version's name, which fails (EEXIST) when another
 * writer's link got there first; the temporary name is removed either way.
 * A reader lists only `NNN.json` names, so it never sees a partial commit.
 */
import { randomUUID } from "node:crypto";
import { closeSync, fsyncSync, linkSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { DataError } from "../../errors";
import type { Action } from "./actions";
import { commitFileName } from "./log";

/** A commit's text: one action a line, each an object of one key, as the protocol writes them. */
export function commitText(actions: readonly Action[]): string {
  return actions
    .map((a) => {
      const { kind, ...body } = a as { kind: string } & Record<string, unknown>;
      return `${JSON.stringify({ [kind]: body[kind] })}\n`;
    })
    .join("");
}

/** Writes `text` as the commit file of `version`: true if it did, false if that version was already committed. */
export function tryCommit(logDir: string, version: number, text: string): boolean {
  const final = join(logDir, commitFileName(version));
  const temp = join(logDir, `.${commitFileName(version)}.${randomUUID()}.tmp`);
  const fd = openSync(temp, "wx");
  try {
    writeSync(fd, text);
    // On disk before it has its name: a crash never leaves a named commit that is empty.
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, final);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP" || code === "ENOSYS") {
      throw new DataError(
        `cannot commit to ${logDir}: its file system does not support hard links (${code}), which pipelab's Delta writer needs to commit a version exclusively; write the table on a local disk`,
        { cause: error },
      );
    }
    throw error;
  } finally {
    rmSync(temp, { force: true });
  }
}
