import { PipelabError, StepError } from "../errors";

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
 * });
 * ```
 */
export function runMain(main: () => Promise<void>): void {
  main().then(
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
