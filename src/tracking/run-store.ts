/**
 * The experiment store as the rest of pipelab uses it: the workbench, the
 * runner, the CLI and the charts. ExperimentStore (SQLite) implements it; a
 * PostgreSQL store will too.
 *
 * ## Decision: the interface stays synchronous
 *
 * Notebooks log metrics and draw charts from the store in plain synchronous
 * calls (`wb.log(...)`, `charts.learningCurves(store, ...)`, a cell's last
 * value), and SQLite through better-sqlite3 is synchronous and fast, so
 * nothing here returns a Promise. A network store (PostgreSQL through `pg`,
 * whose driver is async) will run its driver in a worker thread and block on
 * `Atomics.wait` for each call, batching writes (metric points already come
 * in batches through MetricBuffer), so that no caller changes.
 *
 * The members are exactly those that code outside src/tracking uses (and
 * logMetrics, which the workbench reaches through MetricBuffer); tests and
 * scripts that need more (getRun, logMetric, purgeDeleted, listArtifacts)
 * use ExperimentStore. An implementation is not data: like ExperimentStore,
 * it should carry util's NOT_DATA marker, so that a step that reads the
 * store does not depend on it.
 *
 * @example
 * ```ts
 * function lastLoss(store: RunStore, run: RunId): number | undefined {
 *   return store.metricHistory(run, "loss").at(-1)?.value;
 * }
 * ```
 */
import type { RunDiffSource } from "./run-diff";
import type {
  ArtifactInit,
  ArtifactRecord,
  BestRunQuery,
  CompareQuery,
  HistoryOptions,
  MetricPoint,
  MetricPointInput,
  ParamValue,
  RunComparison,
  RunDetails,
  RunFailure,
  RunId,
  RunInit,
  RunQuery,
  RunRecord,
  RunStatus,
  StepCounts,
  StepExecution,
  StepKey,
} from "./types";

export interface RunStore {
  /** Where the store is, for messages (a file path for SQLite). */
  readonly path: string;
  /** Whether writes are refused (the store was opened read-only). */
  readonly readOnly: boolean;
  /** The schema version of the open store. */
  readonly schemaVersion: number;
  /** Releases the store's connection; further calls fail. */
  close(): void;

  /** Starts a run in state `running` and returns its id. */
  createRun(init: RunInit): RunId;
  /** Records parameters of a run; a key logged again is overwritten. */
  logParams(run: RunId, params: Readonly<Record<string, ParamValue>>): void;
  /** Appends a batch of metric points and updates final values, all or nothing. */
  logMetrics(run: RunId, points: readonly MetricPointInput[]): void;
  /** Records that a step was computed, served from cache, failed, or was interrupted. */
  recordStep(run: RunId, exec: StepExecution): void;
  /** The latest key recorded for `step` in the experiment of `run`, to explain a recompute. */
  lastStepKey(run: RunId, step: string): StepKey | undefined;
  /** Records an artifact (a chart, a model, a file) of a run. */
  recordArtifact(run: RunId, artifact: ArtifactInit): void;
  /** Refreshes a running run's heartbeat, the sign that its process is alive. */
  heartbeat(run: RunId): void;
  /** Sets (or replaces) a tag of a run. */
  setTag(run: RunId, key: string, value: string): void;
  /** Sets a run's free-text note (null clears it). */
  setNote(run: RunId, note: string | null): void;
  /** Ends a run; a run that has already ended keeps its first ending. */
  endRun(run: RunId, status: Exclude<RunStatus, "running">, failure?: RunFailure): void;
  /** Marks a running or finished run failed, after its process ended it. */
  failRun(run: RunId, failure: RunFailure): void;
  /** Deletes a run, which can be restored until purged. */
  deleteRun(run: RunId): void;
  /** Brings back a deleted run. */
  restoreRun(run: RunId): void;

  /** A run with its parameters, final metrics and tags, or undefined. */
  runDetails(run: RunId): RunDetails | undefined;
  /** Runs, newest first, of a selection and page. */
  listRuns(q?: RunQuery): RunRecord[];
  /** How many runs a selection holds (for pagination). */
  countRuns(q?: RunQuery): number;
  /** The best run of a selection by a final metric (metricMode's rule unless `mode` says). */
  bestRun(metric: string, q?: BestRunQuery): RunDetails | undefined;
  /** Runs side by side: params and final metrics as columns, which differ, each metric's range. */
  compareRuns(q?: CompareQuery): RunComparison;
  /** How many steps of each run were computed, cached, failed, or interrupted. */
  stepCounts(runs: readonly RunId[]): Map<RunId, StepCounts>;
  /** The history of one metric of one run in step order, thinned to about `maxPoints`. */
  metricHistory(run: RunId, key: string, options?: HistoryOptions): MetricPoint[];
  /** The step executions of a run, in order. */
  stepExecutions(run: RunId): StepExecution[];
  /** The cache keys of the step executions of the newest `runs` runs (any experiment). */
  cacheKeysOfRecentRuns(runs: number): Set<string>;
}

/**
 * A store as the runs page and `pipelab runs diff` read it: a RunStore with
 * its experiments, each run's artifacts and the key records of its steps.
 * ExperimentStore and PostgresStore are both one.
 */
export interface BrowsableStore extends RunStore, RunDiffSource {
  /** The experiments by name, with how many runs each has (deleted ones not counted). */
  listExperiments(): { name: string; runs: number }[];
  /** A run's artifacts, in the order they were recorded. */
  listArtifacts(run: RunId): ArtifactRecord[];
}
