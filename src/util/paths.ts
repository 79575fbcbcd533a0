import { isAbsolute, resolve } from "node:path";

/**
 * The one rule for relative paths, as users read it in errors and the README.
 * Readers, `files:` and fs all resolve a relative path against the working
 * folder; pipelab makes that folder the same wherever a notebook's code runs.
 */
export const PATH_RULE =
  "relative paths resolve against the working folder: in a notebook, the notebook's own folder; an exported script runs in its notebook's folder too (pipelab run, verify, sweep)";

/**
 * Why a file could not be read, naming the path as written, what it resolved
 * to, the folder it was resolved against and the rule.
 *
 * @example
 * ```ts
 * describeUnreadable("../data/x.csv", error);
 * // no such file: /p/data/x.csv, resolved against the working folder /p/notebooks (relative paths resolve ...)
 * ```
 */
export function describeUnreadable(path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const why =
    code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a folder" : code === "EACCES" ? "permission denied" : error instanceof Error ? error.message : String(error);
  const file = resolve(path);
  if (isAbsolute(path)) return `${why} (${file})`;
  return `${why}: ${file}, resolved against the working folder ${process.cwd()} (${PATH_RULE})`;
}
