import { isAbsolute, join, resolve } from "node:path";
import { findProjectRoot } from "../util";

/** The environment variable that moves the store. */
export const STORE_ENV = "PIPELAB_STORE";

/**
 * Where the store lives unless told otherwise: `$PIPELAB_STORE` when set
 * (relative to the project root), else `experiments.db` at the project root,
 * the nearest folder with a package.json above `cwd`.
 */
export function defaultStorePath(cwd: string = process.cwd()): string {
  const root = findProjectRoot(cwd);
  const fromEnv = process.env[STORE_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return isAbsolute(fromEnv) ? fromEnv : resolve(root, fromEnv);
  return join(root, "experiments.db");
}
