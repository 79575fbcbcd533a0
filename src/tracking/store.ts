import { NOT_DATA } from "../util";
import { resolve } from "node:path";
import * as artifacts from "./artifacts";
import * as comparisons from "./compare-runs";
import { StoreConnection } from "./connection";
import * as crashes from "./crash-sweep";
import { sharedByEnvironment } from "./location";
import * as metricHistories from "./metric-history";
import * as metricLog from "./metric-log";
import { userVersion } from "./migrate";
import { openError, openForReading, openForWriting } from "./open-store";
import type { StoreOpenOptions } from "./open-store";
import { storeKey } from "./store-key";
import * as predictions from "./prediction-records";
import type { JsonValue, PredictionInput, PredictionQuery, PredictionRecord, PredictionShapes, PredictionWriteOptions } from "./prediction-records";
import * as annotations from "./run-annotations";
import * as deletion from "./run-deletion";
import * as lifecycle from "./run-lifecycle";
import * as queries from "./run-queries";
import * as runDiffs from "./run-diff";
import type { KeyedStep } from "./run-diff";
import type { BrowsableStore } from "./run-store";
import * as steps from "./step-records";
import type {
  ArtifactInit,
  ArtifactRecord,
  BestRunQuery,
  CompareQuery,
  ExperimentId,
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

// The class is the store's one public face; each responsibility lives in its own module, as
// functions of the open connection: opening and migrating (open-store, migrate), the run's
// lifecycle and the crash sweep, params/tags/notes, deletion, metrics (log, history), steps,
// artifacts, queries and comparisons, served predictions.



/**
 * The experiment store: one SQLite file (`experiments.db` by default) holding
 * experiments, runs, parameters, metric histories, step executions, artifacts
 * and tags. Any SQLite client can read it; the schema is in docs/store.md.
 *
 * Writes are transactions begun IMMEDIATE under WAL with a busy timeout, so
 * several processes can write the same file at once.
 *
 * @example
 * ```ts
 * const store = ExperimentStore.open("experiments.db");
 * const run = store.createRun({ experiment: "penguins", sourceKind: "script" });
 * store.logMetric(run, "accuracy", 0.97);
 * store.endRun(run, "finished");
 * ```
 */
export class ExperimentStore implements BrowsableStore {
  /** The store is not data: a step that reads it does not depend on it (pipeline's NOT_DATA). */
  readonly [NOT_DATA] = true;
  readonly path: string;
  /** Opened with `{ readOnly: true }`: writes are refused. */
  readonly readOnly: boolean;
  private readonly conn: StoreConnection;

  private constructor(conn: StoreConnection) {
    this.conn = conn;
    this.path = conn.path;
    this.readOnly = conn.readOnly;
  }

  /**
   * Opens the store at `path`, creating it (and its folder) when missing and
   * upgrading an older schema; runs whose process is gone are marked crashed.
   * Refuses, without writing to it, a file that is not a pipelab store or that
   * a newer pipelab wrote. With `{ readOnly: true }`, opens an existing store
   * for reading only, without writing anything to it. With a key (`{ key }`,
   * `$PIPELAB_STORE_KEY` or `$PIPELAB_STORE_KEY_FILE`), the store is encrypted.
   *
   * @example
   * ```ts
   * const store = ExperimentStore.open("experiments.db", { readOnly: true });
   * console.log(store.listRuns({ limit: 5 }));
   * ```
   */
  static open(path: string, options: StoreOpenOptions = {}): ExperimentStore {
    const file = resolve(path);
    const key = storeKey(options.key);
    if (options.readOnly) return new ExperimentStore(new StoreConnection(file, openForReading(file, key), true));
    const db = openForWriting(file, options.shared ?? sharedByEnvironment(), key);
    try {
      const store = new ExperimentStore(new StoreConnection(file, db, false));
      store.markCrashedRuns();
      return store;
    } catch (error) {
      db.close();
      throw openError(file, error);
    }
  }

  /** The schema version of the open file. */
  get schemaVersion(): number {
    return userVersion(this.conn.db);
  }

  close(): void {
    if (this.conn.db.open) this.conn.db.close();
  }

  /** The id of the experiment called `name`, created if needed. */
  experimentId(name: string): ExperimentId {
    return lifecycle.experimentId(this.conn, name);
  }

  /** Starts a run in state `running` and returns its id. */
  createRun(init: RunInit): RunId {
    return lifecycle.createRun(this.conn, init);
  }

  /** Records parameters of a run; a key logged again is overwritten. */
  logParams(run: RunId, params: Readonly<Record<string, ParamValue>>): void {
    annotations.logParams(this.conn, run, params);
  }

  /**
   * Appends points to metric histories and updates each metric's final value
   * (the value at the highest step), all in one transaction: a batch of any
   * size costs one commit. Nothing is written if any point is invalid.
   */
  logMetrics(run: RunId, points: readonly MetricPointInput[]): void {
    metricLog.logMetrics(this.conn, run, points);
  }

  /** Logs one value of one metric. */
  logMetric(run: RunId, key: string, value: number, step?: number): void {
    this.logMetrics(run, [{ key, value, ...(step === undefined ? {} : { step }) }]);
  }

  /** Records that a step was computed, served from cache, failed, or was interrupted. */
  recordStep(run: RunId, exec: StepExecution): void {
    steps.recordStep(this.conn, run, exec);
  }

  /**
   * The latest execution of `step` (computed or served from cache) in the
   * experiment of `run`, with the key parts it recorded: what a new process
   * compares a step's key with to say why it recomputes.
   */
  lastStepKey(run: RunId, step: string): StepKey | undefined {
    return steps.lastStepKey(this.conn, run, step);
  }

  /** Records an artifact (a chart, a model, a file) of a run. */
  recordArtifact(run: RunId, artifact: ArtifactInit): void {
    artifacts.recordArtifact(this.conn, run, artifact);
  }

  /** Refreshes a running run's heartbeat, the sign that its process is alive. */
  heartbeat(run: RunId): void {
    lifecycle.heartbeat(this.conn, run);
  }

  /** Sets (or replaces) a tag of a run. */
  setTag(run: RunId, key: string, value: string): void {
    annotations.setTag(this.conn, run, key, value);
  }

  /** Sets a run's free-text note (null clears it). */
  setNote(run: RunId, note: string | null): void {
    annotations.setNote(this.conn, run, note);
  }

  /** Deletes a run: it leaves listings and comparisons but stays in the file until purged, and can be restored. */
  deleteRun(run: RunId): void {
    deletion.deleteRun(this.conn, run);
  }

  /** Brings back a deleted run. */
  restoreRun(run: RunId): void {
    deletion.restoreRun(this.conn, run);
  }

  /** Removes deleted runs for good, with their params, metrics, steps, artifacts, tags and predictions. Returns how many. */
  purgeDeleted(): number {
    return deletion.purgeDeleted(this.conn);
  }

  /** Ends a run. A run that has already ended keeps its first ending. */
  endRun(run: RunId, status: Exclude<RunStatus, "running">, failure?: RunFailure): void {
    lifecycle.endRun(this.conn, run, status, failure);
  }

  /**
   * Marks a run failed after its process ended it: what failed was known only
   * outside it (a notebook cell that raised under `pipelab run`, which the
   * kernel does not see as a step). A running or finished run becomes failed
   * with the error and where; a run already failed, crashed or killed keeps its end.
   */
  failRun(run: RunId, failure: RunFailure): void {
    lifecycle.failRun(this.conn, run, failure);
  }

  /** One run, or undefined when there is no run with that id. */
  getRun(run: RunId): RunRecord | undefined {
    return queries.getRun(this.conn, run);
  }

  /** A run with its parameters and final metrics. */
  runDetails(run: RunId): RunDetails | undefined {
    return queries.runDetails(this.conn, run);
  }

  /**
   * Runs, newest first: of one experiment, matching a filter (an expression
   * such as `metrics.accuracy > 0.9 and params.model = "mlp"`, or an object),
   * paginated. Deleted runs only when asked.
   */
  listRuns(q: RunQuery = {}): RunRecord[] {
    return queries.listRuns(this.conn, q);
  }

  /**
   * The experiments, by name, with how many runs each holds (deleted runs not counted).
   *
   * @example
   * ```ts
   * store.listExperiments(); // [{ name: "penguins", runs: 12 }, { name: "penguins/serving", runs: 2 }]
   * ```
   */
  listExperiments(): { name: string; runs: number }[] {
    return this.conn
      .stmt(
        `SELECT e.name AS name, count(r.id) AS runs FROM experiments e LEFT JOIN runs r ON r.experiment_id = e.id AND r.deleted_at IS NULL
         GROUP BY e.id ORDER BY e.name`,
      )
      .all() as { name: string; runs: number }[];
  }

  /** How many runs a selection holds (for pagination). */
  countRuns(q: RunQuery = {}): number {
    return queries.countRuns(this.conn, q);
  }

  /**
   * The best run by a final metric, among the runs selected: by default the
   * lowest value for a loss or error and the highest otherwise (metricMode,
   * pipelab's one rule for "best"); `mode` says otherwise.
   *
   * @example
   * ```ts
   * store.bestRun("val_loss", { experiment: "penguins" }); // the lowest val_loss
   * ```
   */
  bestRun(metric: string, q: BestRunQuery = {}): RunDetails | undefined {
    return queries.bestRun(this.conn, metric, q);
  }

  /**
   * Runs side by side: their params and final metrics as columns, the
   * columns whose values differ across the runs marked, paginated and with
   * column selection done in SQL, so that ten thousand runs compare fast.
   *
   * @example
   * ```ts
   * store.compareRuns({ experiment: "penguins", metrics: ["accuracy"], orderBy: { metric: "accuracy" }, limit: 20 });
   * ```
   */
  compareRuns(q: CompareQuery = {}): RunComparison {
    return comparisons.compareRuns(this.conn, q);
  }

  /** The artifacts (charts, tables, files) recorded with a run, in order. */
  listArtifacts(run: RunId): ArtifactRecord[] {
    return artifacts.listArtifacts(this.conn, run);
  }

  /** How many steps of each run were computed, came from the cache, failed, or were interrupted. */
  stepCounts(runs: readonly RunId[]): Map<RunId, StepCounts> {
    return steps.stepCounts(this.conn, runs);
  }

  /**
   * The history of one metric of one run, in step order. With `maxPoints`, a
   * longer history is thinned to about that many points, keeping each
   * bucket's lowest and highest point (so spikes survive). It is read from
   * metric_blocks (each 64 steps' extremes, kept as points are logged), so a
   * chart of 100 runs x 100,000 steps reads about 1,600 rows a run, not ten
   * million points; a history of millions of steps is thinned by a query per
   * bucket instead. Thinned points carry no timestamp (tsMs 0).
   */
  metricHistory(run: RunId, key: string, options: HistoryOptions = {}): MetricPoint[] {
    return metricHistories.metricHistory(this.conn, run, key, options);
  }

  /** The step executions of a run, in order. */
  stepExecutions(run: RunId): StepExecution[] {
    return steps.stepExecutions(this.conn, run);
  }

  /** The step executions of a run with the key records the runner wrote with them, in order: what `diffRuns` compares. */
  /** The source text stored for a code hash of a step's key record (the step function's or a helper's), if any. */
  codeSource(hash: string): string | undefined {
    return steps.codeSource(this.conn, hash);
  }

  keyedSteps(run: RunId): KeyedStep[] {
    return runDiffs.keyedSteps(this.conn, run);
  }

  /** The cache keys of the step executions of the newest `runs` runs (any experiment). */
  cacheKeysOfRecentRuns(runs: number): Set<string> {
    return steps.cacheKeysOfRecentRuns(this.conn, runs);
  }

  /**
   * Writes served predictions to serving run `run` in one transaction and
   * returns how many were written. A prediction that cannot be stored (inputs
   * or outputs that are not JSON or over 64 KiB, a bad latency) refuses the
   * batch, unless `skipInvalid`. Servers log through PredictionLog, which
   * samples and batches.
   */
  logPredictions(run: RunId, batch: readonly PredictionInput[], options: PredictionWriteOptions = {}): number {
    return predictions.logPredictions(this.conn, run, batch, options);
  }

  /**
   * Logged predictions, newest first: of a serving run, of a model's run,
   * since a time, at most `limit`; those of deleted runs only when asked.
   * Inputs and outputs come back parsed and checked against `shapes` (by
   * default, any JSON).
   *
   * @example
   * ```ts
   * store.listPredictions({ modelRun: 12, since: "2026-11-01" }).map((p) => p.inputs);
   * ```
   */
  listPredictions<I = JsonValue, O = JsonValue>(q: PredictionQuery = {}, shapes: PredictionShapes<I, O> = {}): PredictionRecord<I, O>[] {
    return predictions.listPredictions(this.conn, q, shapes);
  }

  /** How many predictions each serving run of a selection holds (runs without any are left out). */
  predictionCounts(q: Omit<PredictionQuery, "limit"> = {}): Map<RunId, number> {
    return predictions.predictionCounts(this.conn, q);
  }

  /**
   * Marks as `crashed` the runs left `running` by processes that no longer
   * exist. On this host a run's process is its pid with the start time and
   * boot recorded when the run started, so a pid that another process got
   * since does not keep a dead run `running`; runs recorded before start
   * times were (schema < 6) are judged by their pid alone, and where /proc is
   * missing a live pid with a heartbeat older than STALE_HEARTBEAT_MS is taken
   * for another process. On another host (a shared file), a run is crashed
   * when its heartbeat is older than STALE_HEARTBEAT_MS. A long synchronous
   * step may delay heartbeats, so a local run whose process provably still
   * lives is never marked. Returns how many runs were marked.
   */
  markCrashedRuns(): number {
    return crashes.markCrashedRuns(this.conn);
  }
}
