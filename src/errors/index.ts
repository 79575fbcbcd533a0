/**
 * pipelab's errors: one base class and one subclass per layer.
 *
 * A message says what failed, quotes the offending value and says what to do.
 * The original error, when there is one, is kept as `cause`. The CLI prints a
 * `PipelabError` as its message alone, without a stack trace.
 *
 * @example
 * ```ts
 * try { await wb.step("load", () => loadDataset("pengiuns")); }
 * catch (e) { if (e instanceof DataError) console.log(e.message); }
 * ```
 */
export class PipelabError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Installing or starting pipelab: Node, Python, Jupyter, the kernelspec. */
export class SetupError extends PipelabError {}

/** A pipeline step failed or was declared wrongly. `step` names it. */
export class StepError extends PipelabError {
  readonly step: string;
  constructor(step: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.step = step;
  }
}

/** The steps' inputs form a cycle. */
export class CycleError extends PipelabError {}

/** Reading or writing the step cache. */
export class CacheError extends PipelabError {}

/** Reading or writing the experiment store (experiments.db). */
export class TrackingError extends PipelabError {}

/** Turning a notebook into a script. */
export class ExportError extends PipelabError {}

/** Loading or preparing data: unknown data sets, missing columns, bad values. */
export class DataError extends PipelabError {}

/** Distributed sweeps: the job queue, its workers and their jobs. */
export class SweepError extends PipelabError {}

/** The message of anything thrown, for embedding in our own messages. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Work stopped because the user interrupted it (Jupyter's stop button,
 * Ctrl-C): neither a failure nor a result. `step` names the step it stopped,
 * when it stopped one.
 */
export class InterruptedError extends PipelabError {
  readonly step: string | undefined;
  constructor(message: string, step?: string) {
    super(message);
    this.step = step;
  }
}
