import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { PipelabError, StepError } from "../errors";
import { callerFile } from "./caller";

/** How a pipeline script runs. */
export interface RunMainOptions {
  /**
   * The folder the script's relative paths mean, relative to the script's own
   * folder: an exported script gives its notebook's folder, so that
   * `readCsv("../data/x.csv")` reads the same file in the notebook, under
   * `pipelab run`, `verify` and `sweep`, and with `npx tsx` from anywhere.
   */
  workingDir?: string;
}

/**
 * Runs a pipeline script's body: a failure prints what failed (the step and
 * its error, without a stack trace for pipelab's own errors) and makes the
 * process exit non-zero. Exported scripts end with it.
 *
 * @example
 * ```ts
 * runMain(async () => {
 *   const wb = await Workbench.open({ experiment: "penguins" });
 *   ...
 * }, { workingDir: "../notebooks" });
 * ```
 */
export function runMain(main: () => Promise<void>, options: RunMainOptions = {}): void {
  const started = options.workingDir === undefined ? Promise.resolve() : enterWorkingDir(options.workingDir, callerFile());
  started.then(main).then(
    () => {
      process.exitCode ??= 0;
    },
    (error: unknown) => {
      if (error instanceof StepError) console.error(`pipelab: step "${error.step}" failed: ${error.message}`);
      else if (error instanceof PipelabError) console.error(`pipelab: ${error.message}`);
      else console.error(error);
      process.exitCode = 1;
    },
  );
}

async function enterWorkingDir(workingDir: string, script: string | undefined): Promise<void> {
  const base = script ? dirname(script) : process.cwd();
  const dir = resolve(base, workingDir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new PipelabError(
      `the script's working folder ${JSON.stringify(workingDir)} (${dir}, its notebook's folder, relative to ${base}) does not exist: export the notebook again where the script is to live (pipelab export NOTEBOOK -o PATH)`,
    );
  }
  process.chdir(dir);
}
