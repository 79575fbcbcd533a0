/**
 * The modes of the files and folders pipelab creates (the experiment store,
 * `.pipelab/` with the cache, charts and kernelspec): private to the user by
 * default (files 0600, folders 0700), since runs hold parameters, notes, data
 * samples and source paths; shared (0666 and 0777 less the umask) with
 * `PIPELAB_SHARED=1`. One rule, read here by every writer.
 */

/** The environment variable that shares what pipelab creates with the user's group and others (the umask still applies). */
export const SHARED_ENV = "PIPELAB_SHARED";

/** An invalid PIPELAB_SHARED value, quoted, with what to write instead. */
export class SharedValueError extends Error {}

/** Whether `$PIPELAB_SHARED` asks for shared files: "1" or "true" yes; unset, "", "0" or "false" no; anything else an error. */
export function sharedByEnvironment(): boolean {
  const value = process.env[SHARED_ENV];
  if (value === undefined || value === "" || value === "0" || value.toLowerCase() === "false") return false;
  if (value === "1" || value.toLowerCase() === "true") return true;
  throw new SharedValueError(
    `invalid ${SHARED_ENV}: ${JSON.stringify(value)} (use 1 to create pipelab's files readable by others, 0 or unset to keep them private to you)`,
  );
}

/** The mode to create a file with. */
export function fileMode(shared = sharedByEnvironment()): number {
  return shared ? 0o666 : 0o600;
}

/** The mode to create a folder with. */
export function folderMode(shared = sharedByEnvironment()): number {
  return shared ? 0o777 : 0o700;
}
