import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/**
 * The project root: the nearest folder at or above `start` that holds a
 * package.json. Notebooks in notebooks/ and scripts elsewhere in a project so
 * share one store and one cache. Falls back to `start` itself.
 */
export function findProjectRoot(start: string = process.cwd()): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, "package.json"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve(start);
    dir = parent;
  }
}
