import { isAbsolute, join, resolve } from "node:path";
import { TrackingError } from "../errors";
import { SHARED_ENV, SharedValueError, findProjectRoot, sharedByEnvironment as sharedFiles } from "../util";

/** The environment variable that moves the store. */
export const STORE_ENV = "PIPELAB_STORE";

/**
 * Where the store lives unless told otherwise: `$PIPELAB_STORE` when set
 * (a file relative to the project root, or a PostgreSQL URL), else
 * `experiments.db` at the project root, the nearest folder with a
 * package.json above `cwd`.
 */
export function defaultStorePath(cwd: string = process.cwd()): string {
  const root = findProjectRoot(cwd);
  const fromEnv = process.env[STORE_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return isPostgresUrl(fromEnv) ? fromEnv.trim() : isAbsolute(fromEnv) ? fromEnv : resolve(root, fromEnv);
  return join(root, "experiments.db");
}

/**
 * Whether `$PIPELAB_SHARED` asks for shared store files (util's one rule for
 * every file pipelab creates: 0600 by default, 0666 less the umask when
 * shared), as a TrackingError when its value is not understood.
 */
export function sharedByEnvironment(): boolean {
  try {
    return sharedFiles();
  } catch (error) {
    if (error instanceof SharedValueError) throw new TrackingError(error.message);
    throw error;
  }
}

export { SHARED_ENV };

/** Whether a store location is a PostgreSQL URL (`postgres://` or `postgresql://`) rather than a file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location.trim());
}

/** A store location as given (a file path, resolved from `cwd`; a PostgreSQL URL, as it is). */
export function storeLocation(location: string, cwd: string = process.cwd()): string {
  return isPostgresUrl(location) ? location.trim() : resolve(cwd, location);
}
