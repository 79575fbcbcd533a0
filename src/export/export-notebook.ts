import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { writeFileAtomic } from "../util";
import { readNotebook } from "./notebook";
import { notebookToScript } from "./script";

/**
 * Exports a notebook to a pipeline script file (what `pipelab export` does)
 * and returns the script's path.
 *
 * @example
 * ```ts
 * exportNotebook("03-compare-runs.ipynb", "../pipelines/compare-runs.ts");
 * ```
 */
export function exportNotebook(notebook: string, script: string): string {
  const path = resolve(script);
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic(path, notebookToScript(readNotebook(resolve(notebook)), { scriptPath: path, exportedAt: new Date() }));
  return path;
}
