/**
 * The context of the step being computed, reachable from code the step calls
 * (a training loop, an evaluation helper) without passing the workbench in.
 *
 * The workbench provides it around each step function; library code reads
 * it with `currentStep()`, and gets undefined outside a step.
 */
import { AsyncLocalStorage } from "node:async_hooks";

/** A metric point as steps log it. */
export interface LoggedPoint {
  key: string;
  value: number;
  step: number;
}

/** Something that shows progress in place: a cell's output entry, or a terminal line. */
export interface ProgressSink {
  update(text: string): void;
  done(text?: string): void;
}

export interface StepContext {
  /** The name of the step being computed. */
  readonly step: string;
  /** Logs metric points to the run (batched); they are also kept with the step's cached output. */
  log(points: readonly LoggedPoint[]): void;
  /** A progress display for long work: updated in place under the cell, or on one terminal line. */
  progress(title: string): ProgressSink;
  /** Notes that the step read `file` (an absolute path) with content hash `hash`: the file becomes part of its key. */
  fileRead(file: string, hash: string): void;
}

const storage = new AsyncLocalStorage<StepContext>();

/** Runs `fn` with `context` as the current step's. */
export function withStepContext<T>(context: StepContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The step being computed, or undefined outside a step. */
export function currentStep(): StepContext | undefined {
  return storage.getStore();
}

/**
 * Called by readers (readCsv, readJson, loadDataset): inside a step, the file
 * read becomes part of the step's cache key; outside one, nothing happens.
 */
export function noteFileRead(file: string, hash: string): void {
  storage.getStore()?.fileRead(file, hash);
}

export { asRunningStep, checkInterrupt, clearInterrupt, enableSigintBreaks, interruptibly, requestInterrupt, runningSteps } from "./interrupt";
