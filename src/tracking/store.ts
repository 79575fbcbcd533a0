import Database from "better-sqlite3";
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, statSync, statfsSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, resolve } from "node:path";
import { TrackingError, messageOf } from "../errors";
import { formatBytes, metricMode, pipelabVersion } from "../util";
import { compileFilter } from "./filter";
import type { RunFilter } from "./filter";
import { STORE_ENV, SHARED_ENV, sharedByEnvironment } from "./location";
import { currentProcess, localProbe, ownerIsGone } from "./process-owner";
import { APPLICATION_ID, METRIC_BLOCK_SHIFT, MIGRATIONS, READABLE_FROM_SCHEMA, SCHEMA_VERSION } from "./schema";
import type {
  ExperimentId,
  MetricPoint,
  ParamValue,
  RunDetails,
  RunId,
  RunInit,
  RunRecord,
  RunStatus,
  SourceKind,
  StepExecution,
} from "./types";

/** Which runs: by experiment, by filter, by id, with or without deleted ones, one page of them. */
export interface RunQuery {
  experiment?: string;
  /** An expression (`metrics.accuracy > 0.9 and params.model = "mlp"`) or a filter object. */
  filter?: RunFilter;
  ids?: readonly RunId[];
  includeDeleted?: boolean;
  limit?: number;
  offset?: number;
}

/** A comparison request: which runs, which columns (all when omitted), in which order. */
export interface CompareQuery extends RunQuery {
  params?: readonly string[];
  metrics?: readonly string[];
  /** Sort by a final metric; runs without it come last. Default: newest first. */
  orderBy?: { metric: string; direction?: "asc" | "desc" };
}

/** One run in a comparison. */
export interface ComparedRun {
  id: RunId;
  name: string | null;
  experiment: string;
  status: RunStatus;
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  params: Record<string, ParamValue>;
  metrics: Record<string, number>;
}

/** Runs side by side, with the columns whose values differ across them. */
export interface RunComparison {
  /** All runs the selection matches (the page holds `runs.length` of them, from `offset`). */
  total: number;
  offset: number;
  params: string[];
  metrics: string[];
  differing: { params: string[]; metrics: string[] };
  /** Per metric, the lowest and highest value on this page. */
  ranges: Record<string, { min: number; max: number }>;
  runs: ComparedRun[];
}

/** How to open a store. */
export interface StoreOpenOptions {
  /**
   * Read only: the file must exist; it is neither created, upgraded nor swept
   * for crashed runs, and every write is refused with a TrackingError. For
   * commands that only read (`pipelab runs ls`), so that they work on a store
   * the user can only read. Default false.
   */
  readOnly?: boolean;
  /**
   * Create a new store's files readable by others (0666 less the umask)
   * instead of private to the user (0600). Default: `$PIPELAB_SHARED` is "1".
   * An existing file keeps its mode.
   */
  shared?: boolean;
}

/** Steps a row of metric_blocks covers. */
const METRIC_BLOCK_STEPS = 2 ** METRIC_BLOCK_SHIFT;
/** A thinned history reads metric_blocks while it has at most this many blocks a point asked for; beyond, it queries buckets of the history itself. */
const BLOCKS_PER_POINT_MAX = 32;

/** How long a writer waits for another process's write lock before giving up. */
const BUSY_TIMEOUT_MS = 15_000;

interface RunRow {
  id: number;
  experiment: string;
  name: string | null;
  status: RunStatus;
  source_kind: SourceKind;
  source_path: string | null;
  source_hash: string | null;
  started_at: string;
  ended_at: string | null;
  heartbeat_at: string;
  host: string;
  pid: number;
  node_version: string;
  pipelab_version: string;
  tf_backend: string | null;
  error: string | null;
  failed_step: string | null;
  git_commit: string | null;
  git_dirty: number | null;
  note: string | null;
  deleted_at: string | null;
}

const RUN_COLUMNS = `r.id, e.name AS experiment, r.name, r.status, r.source_kind, r.source_path,
  r.source_hash, r.started_at, r.ended_at, r.heartbeat_at, r.host, r.pid, r.node_version,
  r.pipelab_version, r.tf_backend, r.error, r.failed_step, r.git_commit, r.git_dirty, r.note, r.deleted_at`;

/**
 * A run on another host whose heartbeat is older than this is taken for
 * crashed; so is a local run whose pid lives where /proc cannot tell whether
 * it is still the run's process (see markCrashedRuns).
 */
export const STALE_HEARTBEAT_MS = 10 * 60_000;

function nowIso(): string {
  return new Date().toISOString();
}

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
const STORE_NOT_DATA: unique symbol = Symbol.for("pipelab.notData") as typeof STORE_NOT_DATA;

export class ExperimentStore {
  /** The store is not data: a step that reads it does not depend on it (pipeline's NOT_DATA). */
  readonly [STORE_NOT_DATA] = true;
  readonly path: string;
  /** Opened with `{ readOnly: true }`: writes are refused. */
  readonly readOnly: boolean;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(path: string, db: Database.Database, readOnly: boolean) {
    this.path = path;
    this.db = db;
    this.readOnly = readOnly;
  }

  /**
   * Opens the store at `path`, creating it (and its folder) when missing and
   * upgrading an older schema; runs whose process is gone are marked crashed.
   * Refuses, without writing to it, a file that is not a pipelab store or that
   * a newer pipelab wrote. With `{ readOnly: true }`, opens an existing store
   * for reading only, without writing anything to it.
   *
   * @example
   * ```ts
   * const store = ExperimentStore.open("experiments.db", { readOnly: true });
   * console.log(store.listRuns({ limit: 5 }));
   * ```
   */
  static open(path: string, options: StoreOpenOptions = {}): ExperimentStore {
    const file = resolve(path);
    if (options.readOnly) return new ExperimentStore(file, openForReading(file), true);
    const db = openForWriting(file, options.shared ?? sharedByEnvironment());
    try {
      const store = new ExperimentStore(file, db, false);
      store.markCrashedRuns();
      return store;
    } catch (error) {
      db.close();
      throw openError(file, error);
    }
  }

  /** The schema version of the open file. */
  get schemaVersion(): number {
    return this.db.pragma("user_version", { simple: true }) as number;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** A prepared statement, prepared once per store. */
  private stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * Runs `fn` in a write transaction begun IMMEDIATE, so it never fails
   * half-way on a lock upgrade. `what` names the write for error messages
   * ("log 100 metric points to run 3").
   */
  private write<T>(what: string, fn: () => T): T {
    this.refuseIfReadOnly(what);
    try {
      return this.db.transaction(fn).immediate();
    } catch (error) {
      throw fullStoreError(this.path, what, error) ?? error;
    }
  }

  private refuseIfReadOnly(what: string): void {
    if (!this.readOnly) return;
    throw new TrackingError(
      `cannot ${what}: the experiment store ${this.path} was opened read-only (ExperimentStore.open(path, { readOnly: true })); open it without readOnly to record`,
    );
  }

  /** The id of the experiment called `name`, created if needed. */
  experimentId(name: string): ExperimentId {
    if (name.trim() === "") throw new TrackingError(`invalid experiment name: ${JSON.stringify(name)} (use a non-empty name)`);
    checkName("experiment", name);
    return this.write(`create experiment ${JSON.stringify(name)}`, () => {
      this.db.prepare("INSERT INTO experiments (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING").run(name, nowIso());
      const row = this.db.prepare("SELECT id FROM experiments WHERE name = ?").get(name) as { id: number };
      return row.id as ExperimentId;
    });
  }

  /** Starts a run in state `running` and returns its id. */
  createRun(init: RunInit): RunId {
    if (init.name !== undefined) checkName("run", init.name);
    this.refuseIfReadOnly(`start a run of experiment ${JSON.stringify(init.experiment)}`);
    const experimentId = this.experimentId(init.experiment);
    const now = nowIso();
    const owner = currentProcess();
    const info = this.write(`start a run of experiment ${JSON.stringify(init.experiment)}`, () =>
      this.db
        .prepare(
          `INSERT INTO runs (experiment_id, name, status, source_kind, source_path, source_hash, started_at,
             heartbeat_at, host, pid, pid_start_ticks, boot_id, node_version, pipelab_version, tf_backend, git_commit, git_dirty)
           VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          experimentId,
          init.name ?? null,
          init.sourceKind,
          init.sourcePath ?? null,
          init.sourceHash ?? null,
          now,
          now,
          hostname(),
          owner.pid,
          owner.startTicks,
          owner.bootId,
          process.version,
          pipelabVersion(),
          init.tfBackend ?? null,
          init.git?.commit ?? null,
          init.git === undefined ? null : init.git.dirty ? 1 : 0,
        ),
    );
    return Number(info.lastInsertRowid) as RunId;
  }

  /** Records parameters of a run; a key logged again is overwritten. */
  logParams(run: RunId, params: Readonly<Record<string, ParamValue>>): void {
    const insert = this.db.prepare(
      "INSERT INTO params (run_id, key, type, value) VALUES (?, ?, ?, ?) ON CONFLICT (run_id, key) DO UPDATE SET type = excluded.type, value = excluded.value",
    );
    const rows = Object.entries(params).map(([key, value]) => [key, ...encodeParam(key, value)] as const);
    this.write(`record parameters of run ${run}`, () => {
      for (const [key, type, text] of rows) insert.run(run, key, type, text);
    });
  }

  /**
   * Appends points to metric histories and updates each metric's final value
   * (the value at the highest step), all in one transaction: a batch of any
   * size costs one commit. Nothing is written if any point is invalid.
   */
  logMetrics(run: RunId, points: ReadonlyArray<{ key: string; value: number; step?: number; tsMs?: number }>): void {
    if (points.length === 0) return;
    for (const p of points) checkMetric(p.key, p.value, p.step);
    const now = Date.now();
    const finals = new Map<string, { value: number; step: number; ts: number }>();
    // Each block's lowest and highest point in this batch, merged into metric_blocks below.
    const blocks = new Map<string, Map<number, { n: number; minStep: number; minValue: number; maxStep: number; maxValue: number }>>();
    for (const p of points) {
      const step = p.step ?? 0;
      const last = finals.get(p.key);
      if (!last || step >= last.step) finals.set(p.key, { value: p.value, step, ts: p.tsMs ?? now });
      let ofKey = blocks.get(p.key);
      if (!ofKey) blocks.set(p.key, (ofKey = new Map()));
      const block = Math.floor(step / METRIC_BLOCK_STEPS);
      const b = ofKey.get(block);
      if (!b) ofKey.set(block, { n: 1, minStep: step, minValue: p.value, maxStep: step, maxValue: p.value });
      else {
        b.n += 1;
        if (p.value < b.minValue) {
          b.minStep = step;
          b.minValue = p.value;
        }
        if (p.value > b.maxValue) {
          b.maxStep = step;
          b.maxValue = p.value;
        }
      }
    }
    const insert = this.stmt("INSERT INTO metrics (run_id, key, value, step, ts_ms) VALUES (?, ?, ?, ?, ?)");
    const final = this.stmt(
      `INSERT INTO metric_finals (run_id, key, value, step, ts_ms) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, step = excluded.step, ts_ms = excluded.ts_ms
       WHERE excluded.step >= metric_finals.step`,
    );
    // In an UPDATE, the right-hand sides all read the row as it was: the steps compare with the old extremes.
    const block = this.stmt(
      `INSERT INTO metric_blocks (run_id, key, block, n, min_step, min_value, max_step, max_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, key, block) DO UPDATE SET
         n = n + excluded.n,
         min_step = CASE WHEN excluded.min_value < min_value THEN excluded.min_step ELSE min_step END,
         min_value = min(min_value, excluded.min_value),
         max_step = CASE WHEN excluded.max_value > max_value THEN excluded.max_step ELSE max_step END,
         max_value = max(max_value, excluded.max_value)`,
    );
    this.write(`log ${points.length === 1 ? "a metric point" : `${points.length} metric points`} to run ${run}`, () => {
      for (const p of points) insert.run(run, p.key, p.value, p.step ?? 0, p.tsMs ?? now);
      for (const [key, f] of finals) final.run(run, key, f.value, f.step, f.ts);
      for (const [key, ofKey] of blocks) for (const [n, b] of ofKey) block.run(run, key, n, b.n, b.minStep, b.minValue, b.maxStep, b.maxValue);
    });
  }

  /** Logs one value of one metric. */
  logMetric(run: RunId, key: string, value: number, step?: number): void {
    this.logMetrics(run, [{ key, value, ...(step === undefined ? {} : { step }) }]);
  }

  /** Records that a step was computed, served from cache, or failed. */
  recordStep(run: RunId, exec: StepExecution): void {
    this.write(`record step ${JSON.stringify(exec.step)} of run ${run}`, () =>
      this.db
        .prepare(
          `INSERT INTO step_executions (run_id, step, cache_key, outcome, tier, source_run_id, duration_ms,
             output_fingerprint, output_bytes, error, started_at, reason, key_parts)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          run,
          exec.step,
          exec.cacheKey ?? null,
          exec.outcome,
          exec.tier ?? null,
          exec.sourceRunId ?? null,
          exec.durationMs,
          exec.outputFingerprint ?? null,
          exec.outputBytes ?? null,
          exec.error ?? null,
          nowIso(),
          exec.reason ?? null,
          exec.keyParts ?? null,
        ),
    );
  }

  /**
   * The latest execution of `step` (computed or served from cache) in the
   * experiment of `run`, with the key parts it recorded: what a new process
   * compares a step's key with to say why it recomputes.
   */
  lastStepKey(run: RunId, step: string): { runId: RunId; cacheKey: string; keyParts: string } | undefined {
    const row = this.stmt(
      `SELECT s.run_id, s.cache_key, s.key_parts FROM step_executions s JOIN runs r ON r.id = s.run_id
       WHERE s.step = ? AND s.key_parts IS NOT NULL AND s.cache_key IS NOT NULL AND s.outcome != 'failed' AND r.deleted_at IS NULL
         AND r.experiment_id = (SELECT experiment_id FROM runs WHERE id = ?)
       ORDER BY s.id DESC LIMIT 1`,
    ).get(step, run) as { run_id: number; cache_key: string; key_parts: string } | undefined;
    return row ? { runId: row.run_id as RunId, cacheKey: row.cache_key, keyParts: row.key_parts } : undefined;
  }

  /** Records an artifact (a chart, a model, a file) of a run. */
  recordArtifact(run: RunId, artifact: { name: string; kind: string; cacheKey?: string; path?: string }): void {
    this.write(`record artifact ${JSON.stringify(artifact.name)} of run ${run}`, () =>
      this.db
        .prepare("INSERT INTO artifacts (run_id, name, kind, cache_key, path, created_at) VALUES (?, ?, ?, ?, ?, ?)")
        .run(run, artifact.name, artifact.kind, artifact.cacheKey ?? null, artifact.path ?? null, nowIso()),
    );
  }

  /** Refreshes a running run's heartbeat, the sign that its process is alive. */
  heartbeat(run: RunId): void {
    this.write(`refresh the heartbeat of run ${run}`, () => this.stmt("UPDATE runs SET heartbeat_at = ? WHERE id = ? AND status = 'running'").run(nowIso(), run));
  }

  /** Sets (or replaces) a tag of a run. */
  setTag(run: RunId, key: string, value: string): void {
    if (key === "") throw new TrackingError("invalid tag name: an empty string");
    checkName("tag", key);
    checkValueSize(`tag "${key}"`, String(value));
    this.write(`tag run ${run}`, () => {
      this.requireRun(run);
      this.stmt("INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value").run(run, key, value);
    });
  }

  /** Sets a run's free-text note (null clears it). */
  setNote(run: RunId, note: string | null): void {
    if (note !== null) checkValueSize("the note", note);
    this.write(`set the note of run ${run}`, () => {
      this.requireRun(run);
      this.stmt("UPDATE runs SET note = ? WHERE id = ?").run(note, run);
    });
  }

  /** Deletes a run: it leaves listings and comparisons but stays in the file until purged, and can be restored. */
  deleteRun(run: RunId): void {
    this.write(`delete run ${run}`, () => {
      this.requireRun(run);
      this.stmt("UPDATE runs SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL").run(nowIso(), run);
    });
  }

  /** Brings back a deleted run. */
  restoreRun(run: RunId): void {
    this.write(`restore run ${run}`, () => {
      this.requireRun(run);
      this.stmt("UPDATE runs SET deleted_at = NULL WHERE id = ?").run(run);
    });
  }

  /** Removes deleted runs for good, with their params, metrics, steps, artifacts and tags. Returns how many. */
  purgeDeleted(): number {
    return this.write("purge deleted runs", () => this.stmt("DELETE FROM runs WHERE deleted_at IS NOT NULL").run().changes);
  }

  private requireRun(run: RunId): void {
    if (!this.stmt("SELECT 1 FROM runs WHERE id = ?").get(run)) {
      throw new TrackingError(`no run ${run} in ${this.path}; \`pipelab runs ls\` lists the runs`);
    }
  }

  /** Records the tfjs backend a run computes with. */
  setBackend(run: RunId, backend: string): void {
    this.write(`record the backend of run ${run}`, () => this.db.prepare("UPDATE runs SET tf_backend = ? WHERE id = ?").run(backend, run));
  }

  /** Ends a run. A run that has already ended keeps its first ending. */
  endRun(run: RunId, status: Exclude<RunStatus, "running">, failure?: { error: string; step?: string }): void {
    this.write(`end run ${run} as ${status}`, () =>
      this.db
        .prepare("UPDATE runs SET status = ?, ended_at = ?, error = ?, failed_step = ? WHERE id = ? AND status = 'running'")
        .run(status, nowIso(), failure?.error ?? null, failure?.step ?? null, run),
    );
  }

  /**
   * Marks a run failed after its process ended it: what failed was known only
   * outside it (a notebook cell that raised under `pipelab run`, which the
   * kernel does not see as a step). A running or finished run becomes failed
   * with the error and where; a run already failed, crashed or killed keeps its end.
   */
  failRun(run: RunId, failure: { error: string; step?: string }): void {
    this.write(`mark run ${run} failed`, () =>
      this.db
        .prepare("UPDATE runs SET status = 'failed', ended_at = COALESCE(ended_at, ?), error = ?, failed_step = ? WHERE id = ? AND status IN ('running', 'finished')")
        .run(nowIso(), failure.error, failure.step ?? null, run),
    );
  }

  /** One run, or undefined when there is no run with that id. */
  getRun(run: RunId): RunRecord | undefined {
    const row = this.db
      .prepare(`SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id = ?`)
      .get(run) as RunRow | undefined;
    return row && toRecord(row);
  }

  /** A run with its parameters and final metrics. */
  runDetails(run: RunId): RunDetails | undefined {
    const record = this.getRun(run);
    if (!record) return undefined;
    const params: Record<string, ParamValue> = {};
    for (const p of this.db.prepare("SELECT key, type, value FROM params WHERE run_id = ? ORDER BY key").all(run) as ParamRow[]) {
      params[p.key] = decodeParam(p);
    }
    const metrics: Record<string, number> = {};
    for (const m of this.db.prepare("SELECT key, value FROM metric_finals WHERE run_id = ? ORDER BY key").all(run) as {
      key: string;
      value: number;
    }[]) {
      metrics[m.key] = m.value;
    }
    const tags: Record<string, string> = {};
    for (const t of this.stmt("SELECT key, value FROM tags WHERE run_id = ? ORDER BY key").all(run) as { key: string; value: string }[]) {
      tags[t.key] = t.value;
    }
    return { ...record, params, metrics, tags };
  }

  /** The WHERE clause and its parameters for a selection of runs. */
  private selection(q: RunQuery): { where: string; params: unknown[] } {
    const clauses: string[] = [];
    const params: unknown[] = [];
    if (!q.includeDeleted) clauses.push("r.deleted_at IS NULL");
    if (q.experiment !== undefined) {
      clauses.push("e.name = ?");
      params.push(q.experiment);
    }
    if (q.ids !== undefined) {
      if (q.ids.length === 0) clauses.push("0");
      else {
        clauses.push(`r.id IN (${q.ids.map(() => "?").join(", ")})`);
        params.push(...q.ids);
      }
    }
    if (q.filter !== undefined) {
      const f = compileFilter(q.filter);
      clauses.push(`(${f.where})`);
      params.push(...f.params);
    }
    return { where: clauses.length > 0 ? clauses.join(" AND ") : "1", params };
  }

  /**
   * Runs, newest first: of one experiment, matching a filter (an expression
   * such as `metrics.accuracy > 0.9 and params.model = "mlp"`, or an object),
   * paginated. Deleted runs only when asked.
   */
  listRuns(q: RunQuery = {}): RunRecord[] {
    const { where, params } = this.selection(q);
    const rows = this.db
      .prepare(`SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE ${where} ORDER BY r.id DESC LIMIT ? OFFSET ?`)
      .all(...params, q.limit ?? -1, q.offset ?? 0) as RunRow[];
    return rows.map(toRecord);
  }

  /** How many runs a selection holds (for pagination). */
  countRuns(q: RunQuery = {}): number {
    const { where, params } = this.selection(q);
    return (this.db.prepare(`SELECT count(*) AS n FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE ${where}`).get(...params) as { n: number }).n;
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
  bestRun(metric: string, q: RunQuery & { mode?: "max" | "min" } = {}): RunDetails | undefined {
    const { where, params } = this.selection(q);
    const order = (q.mode ?? metricMode(metric)) === "min" ? "ASC" : "DESC";
    const row = this.db
      .prepare(
        `SELECT r.id FROM runs r JOIN experiments e ON e.id = r.experiment_id
         JOIN metric_finals m ON m.run_id = r.id AND m.key = ?
         WHERE ${where} ORDER BY m.value ${order}, r.id DESC LIMIT 1`,
      )
      .get(metric, ...params) as { id: number } | undefined;
    return row ? this.runDetails(row.id as RunId) : undefined;
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
    const { where, params } = this.selection(q);
    const orderJoin = q.orderBy ? "LEFT JOIN metric_finals ob ON ob.run_id = r.id AND ob.key = ?" : "";
    const orderParams = q.orderBy ? [q.orderBy.metric] : [];
    const order = q.orderBy ? `ob.value ${q.orderBy.direction === "asc" ? "ASC" : "DESC"} NULLS LAST, r.id DESC` : "r.id DESC";
    const keyFilter = (alias: string, keys: readonly string[] | undefined): string =>
      keys === undefined ? "" : keys.length === 0 ? " AND 0" : ` AND ${alias}.key IN (${keys.map(() => "?").join(", ")})`;
    // One row per run, its metrics and params gathered by SQLite into JSON objects: handing
    // JavaScript 10,000 rows instead of 250,000 (one per run and column) is most of the speed.
    const metricsColumn = (id: string): string =>
      `(SELECT json_group_object(m.key, m.value) FROM metric_finals m WHERE m.run_id = ${id}${keyFilter("m", q.metrics)})`;
    const paramsColumn = (id: string): string =>
      `(SELECT json_group_object(p.key, json_array(p.type, p.value)) FROM params p WHERE p.run_id = ${id}${keyFilter("p", q.params)})`;
    const keyParams = [...(q.metrics ?? []), ...(q.params ?? [])];
    // Newest first is the rowid order: SQLite pages through it and gathers each run's JSON as it
    // goes. Sorting by a metric first picks the page's ids, then gathers only for them.
    const sql = q.orderBy
      ? `WITH sel AS MATERIALIZED (
           SELECT r.id AS id, row_number() OVER (ORDER BY ${order}) AS rn
           FROM runs r JOIN experiments e ON e.id = r.experiment_id ${orderJoin}
           WHERE ${where} ORDER BY ${order} LIMIT ? OFFSET ?)
         SELECT r.id, r.name, e.name, r.status, r.started_at, r.ended_at, ${metricsColumn("sel.id")}, ${paramsColumn("sel.id")}
         FROM sel JOIN runs r ON r.id = sel.id JOIN experiments e ON e.id = r.experiment_id
         ORDER BY sel.rn`
      : `SELECT r.id, r.name, e.name, r.status, r.started_at, r.ended_at, ${metricsColumn("r.id")}, ${paramsColumn("r.id")}
         FROM runs r JOIN experiments e ON e.id = r.experiment_id
         WHERE ${where} ORDER BY r.id DESC LIMIT ? OFFSET ?`;
    const args = q.orderBy ? [...orderParams, ...params, q.limit ?? -1, q.offset ?? 0, ...keyParams] : [...keyParams, ...params, q.limit ?? -1, q.offset ?? 0];
    const rows = this.db.prepare(sql).raw().all(...args) as [
      number,
      string | null,
      string,
      RunStatus,
      string,
      string | null,
      string | null,
      string | null,
    ][];

    const paramText = new Map<string, { first: string; same: boolean; count: number }>();
    const metricStats = new Map<string, { min: number; max: number; count: number; first: number; same: boolean }>();
    const runs: ComparedRun[] = rows.map(([id, name, experiment, status, startedAt, endedAt, metricsJson, paramsJson]) => {
      const metrics = (metricsJson ? JSON.parse(metricsJson) : {}) as Record<string, number>;
      for (const key in metrics) {
        const value = metrics[key] as number;
        const st = metricStats.get(key);
        if (!st) metricStats.set(key, { min: value, max: value, count: 1, first: value, same: true });
        else {
          if (value < st.min) st.min = value;
          if (value > st.max) st.max = value;
          st.count += 1;
          if (value !== st.first) st.same = false;
        }
      }
      const typed = (paramsJson ? JSON.parse(paramsJson) : {}) as Record<string, [ParamRow["type"], string]>;
      const runParams: Record<string, ParamValue> = {};
      for (const key in typed) {
        const [type, value] = typed[key] as [ParamRow["type"], string];
        runParams[key] = decodeParam({ key, type, value: String(value) });
        const text = `${type}:${value}`;
        const st = paramText.get(key);
        if (!st) paramText.set(key, { first: text, same: true, count: 1 });
        else {
          st.count += 1;
          if (text !== st.first) st.same = false;
        }
      }
      return {
        id: id as RunId,
        name,
        experiment,
        status,
        startedAt,
        endedAt,
        durationMs: endedAt === null ? null : Date.parse(endedAt) - Date.parse(startedAt),
        params: runParams,
        metrics,
      };
    });
    const paramKeys = q.params ? [...q.params] : [...paramText.keys()].sort();
    const metricKeys = q.metrics ? [...q.metrics] : [...metricStats.keys()].sort();
    return {
      total: this.countRuns(q),
      offset: q.offset ?? 0,
      params: paramKeys,
      metrics: metricKeys,
      differing: {
        params: paramKeys.filter((k) => {
          const st = paramText.get(k);
          return !st || !st.same || st.count !== runs.length;
        }),
        metrics: metricKeys.filter((k) => {
          const st = metricStats.get(k);
          return !st || !st.same || st.count !== runs.length;
        }),
      },
      ranges: Object.fromEntries(
        metricKeys.flatMap((k) => {
          const st = metricStats.get(k);
          return st ? [[k, { min: st.min, max: st.max }]] : [];
        }),
      ),
      runs,
    };
  }

  /** The artifacts (charts, tables, files) recorded with a run, in order. */
  listArtifacts(run: RunId): { name: string; kind: string; cacheKey: string | null; path: string | null; createdAt: string }[] {
    return (
      this.stmt("SELECT name, kind, cache_key, path, created_at FROM artifacts WHERE run_id = ? ORDER BY id").all(run) as {
        name: string;
        kind: string;
        cache_key: string | null;
        path: string | null;
        created_at: string;
      }[]
    ).map((a) => ({ name: a.name, kind: a.kind, cacheKey: a.cache_key, path: a.path, createdAt: a.created_at }));
  }

  /** How many steps of each run were computed and how many came from the cache. */
  stepCounts(runs: readonly RunId[]): Map<RunId, { computed: number; cached: number; failed: number }> {
    const out = new Map<RunId, { computed: number; cached: number; failed: number }>();
    if (runs.length === 0) return out;
    const rows = this.db
      .prepare(
        `SELECT run_id, sum(outcome = 'miss') AS computed, sum(outcome = 'hit') AS cached, sum(outcome = 'failed') AS failed
         FROM step_executions WHERE run_id IN (${runs.map(() => "?").join(", ")}) GROUP BY run_id`,
      )
      .all(...runs) as { run_id: number; computed: number; cached: number; failed: number }[];
    for (const r of rows) out.set(r.run_id as RunId, { computed: r.computed, cached: r.cached, failed: r.failed });
    return out;
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
  metricHistory(run: RunId, key: string, options: { maxPoints?: number } = {}): MetricPoint[] {
    const max = options.maxPoints;
    if (max !== undefined) {
      const summary = this.stmt("SELECT sum(n) AS n, count(*) AS blocks FROM metric_blocks WHERE run_id = ? AND key = ?").get(run, key) as { n: number | null; blocks: number };
      if ((summary.n ?? 0) <= max) return this.fullHistory(run, key);
      if (summary.blocks <= BLOCKS_PER_POINT_MAX * max) {
        // Each block's extremes, kept as the points were logged: one small read, however long the history.
        const blocks = this.stmt("SELECT min_step, min_value, max_step, max_value FROM metric_blocks WHERE run_id = ? AND key = ? ORDER BY block").all(run, key) as BlockRow[];
        return thinBlocks(blocks, max);
      }
      const span = this.stmt("SELECT count(*) AS n, min(step) AS lo, max(step) AS hi FROM metrics WHERE run_id = ? AND key = ?").get(run, key) as {
        n: number;
        lo: number | null;
        hi: number | null;
      };
      if (span.n > max && span.lo !== null && span.hi !== null) {
        // One small query per bucket for its lowest and one for its highest point: each reads its
        // slice of the covering index (run_id, key, step, value) and nothing else. SQLite returns the
        // other columns of the row that holds a min() or max().
        const buckets = Math.max(1, Math.floor(max / 2));
        const width = (span.hi - span.lo + 1) / buckets;
        const lowest = this.stmt("SELECT step, min(value) AS value FROM metrics WHERE run_id = ? AND key = ? AND step >= ? AND step < ?");
        const highest = this.stmt("SELECT step, max(value) AS value FROM metrics WHERE run_id = ? AND key = ? AND step >= ? AND step < ?");
        const points: MetricPoint[] = [];
        for (let b = 0; b < buckets; b++) {
          const from = span.lo + Math.ceil(b * width);
          const to = b === buckets - 1 ? span.hi + 1 : span.lo + Math.ceil((b + 1) * width);
          const lo = lowest.get(run, key, from, to) as { step: number | null; value: number | null };
          const hi = highest.get(run, key, from, to) as { step: number | null; value: number | null };
          if (lo.step === null || hi.step === null) continue;
          const pair = lo.step <= hi.step ? [lo, hi] : [hi, lo];
          for (const p of pair) if (points.at(-1)?.step !== p.step) points.push({ step: p.step as number, value: p.value as number, tsMs: 0 });
        }
        return points;
      }
    }
    return this.fullHistory(run, key);
  }

  private fullHistory(run: RunId, key: string): MetricPoint[] {
    return (
      this.stmt("SELECT step, value, ts_ms FROM metrics WHERE run_id = ? AND key = ? ORDER BY step, rowid").all(run, key) as {
        step: number;
        value: number;
        ts_ms: number;
      }[]
    ).map((r) => ({ step: r.step, value: r.value, tsMs: r.ts_ms }));
  }

  /** The step executions of a run, in order. */
  stepExecutions(run: RunId): StepExecution[] {
    const rows = this.db
      .prepare(
        "SELECT step, cache_key, outcome, tier, source_run_id, duration_ms, output_fingerprint, output_bytes, error, reason FROM step_executions WHERE run_id = ? ORDER BY id",
      )
      .all(run) as {
      step: string;
      cache_key: string | null;
      outcome: StepExecution["outcome"];
      tier: "memory" | "disk" | null;
      source_run_id: number | null;
      duration_ms: number;
      output_fingerprint: string | null;
      output_bytes: number | null;
      error: string | null;
      reason: string | null;
    }[];
    return rows.map((r) => ({
      step: r.step,
      outcome: r.outcome,
      durationMs: r.duration_ms,
      ...(r.cache_key === null ? {} : { cacheKey: r.cache_key }),
      ...(r.tier === null ? {} : { tier: r.tier }),
      ...(r.source_run_id === null ? {} : { sourceRunId: r.source_run_id as RunId }),
      ...(r.output_fingerprint === null ? {} : { outputFingerprint: r.output_fingerprint }),
      ...(r.output_bytes === null ? {} : { outputBytes: r.output_bytes }),
      ...(r.error === null ? {} : { error: r.error }),
      ...(r.reason === null ? {} : { reason: r.reason }),
    }));
  }

  /** The cache keys of the step executions of the newest `runs` runs (any experiment). */
  cacheKeysOfRecentRuns(runs: number): Set<string> {
    const rows = this.db
      .prepare(
        `SELECT DISTINCT cache_key FROM step_executions
         WHERE cache_key IS NOT NULL AND run_id IN (SELECT id FROM runs ORDER BY id DESC LIMIT ?)`,
      )
      .all(runs) as { cache_key: string }[];
    return new Set(rows.map((r) => r.cache_key));
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
    const candidates = this.db
      .prepare("SELECT id, pid, host, heartbeat_at, pid_start_ticks, boot_id FROM runs WHERE status = 'running'")
      .all() as { id: number; pid: number; host: string; heartbeat_at: string; pid_start_ticks: number | null; boot_id: string | null }[];
    const probe = localProbe();
    const dead = candidates.filter((r) =>
      ownerIsGone({ pid: r.pid, host: r.host, heartbeatAt: r.heartbeat_at, startTicks: r.pid_start_ticks, bootId: r.boot_id }, probe, STALE_HEARTBEAT_MS),
    );
    if (dead.length === 0) return 0;
    const mark = this.db.prepare(
      "UPDATE runs SET status = 'crashed', ended_at = heartbeat_at, error = 'the process running it ended without closing the run' WHERE id = ? AND status = 'running'",
    );
    this.write("mark crashed runs", () => {
      for (const r of dead) mark.run(r.id);
    });
    return dead.length;
  }
}

interface ParamRow {
  key: string;
  type: "number" | "string" | "boolean" | "json";
  value: string;
}

/** The largest parameter or tag value the store takes: bigger things are artifacts, not parameters. */
export const MAX_VALUE_BYTES = 64 * 1024;
/** The longest name (of an experiment, run, parameter, metric or tag) the store takes. */
export const MAX_NAME_LENGTH = 256;

function checkName(what: string, name: string): void {
  if (name.length > MAX_NAME_LENGTH) {
    throw new TrackingError(`${what} name is ${name.length} characters long, over the ${MAX_NAME_LENGTH} the store takes: "${name.slice(0, 40)}..."`);
  }
}

function checkValueSize(what: string, text: string): void {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_VALUE_BYTES) {
    throw new TrackingError(
      `${what} is ${bytes} bytes, over the ${MAX_VALUE_BYTES} the store takes for one value: keep big values (data, models, texts) as step outputs or artifacts`,
    );
  }
}

function encodeParam(key: string, value: ParamValue): ["number" | "string" | "boolean" | "json", string] {
  checkName("parameter", key);
  const [type, text] = encodeParamValue(key, value);
  checkValueSize(`parameter "${key}"`, text);
  return [type, text];
}

function encodeParamValue(key: string, value: ParamValue): ["number" | "string" | "boolean" | "json", string] {
  switch (typeof value) {
    case "number":
      if (!Number.isFinite(value)) return ["json", String(value)];
      return ["number", String(value)];
    case "string":
      return ["string", value];
    case "boolean":
      return ["boolean", value ? "true" : "false"];
    default: {
      let text: string | undefined;
      try {
        text = JSON.stringify(value);
      } catch (error) {
        throw new TrackingError(`cannot record parameter "${key}": its value is not JSON (${messageOf(error)})`, { cause: error });
      }
      if (text === undefined) throw new TrackingError(`cannot record parameter "${key}": a ${typeof value} is not a parameter value`);
      return ["json", text];
    }
  }
}

function decodeParam(row: ParamRow): ParamValue {
  switch (row.type) {
    case "number":
      return Number(row.value);
    case "boolean":
      return row.value === "true";
    case "string":
      return row.value;
    case "json":
      // NaN and Infinity are stored by name since JSON has no words for them.
      if (row.value === "NaN" || row.value === "Infinity" || row.value === "-Infinity") return Number(row.value);
      return JSON.parse(row.value) as ParamValue;
  }
}

/** A row of metric_blocks: a block's lowest and highest point. */
interface BlockRow {
  min_step: number;
  min_value: number;
  max_step: number;
  max_value: number;
}

/**
 * A history of at most about `max` points from its blocks' extremes: the
 * blocks are grouped, in step order, into max / 2 buckets, and each bucket
 * gives its lowest and its highest point, in step order.
 */
function thinBlocks(blocks: readonly BlockRow[], max: number): MetricPoint[] {
  const perBucket = Math.max(1, Math.ceil(blocks.length / Math.max(1, Math.floor(max / 2))));
  const points: MetricPoint[] = [];
  for (let start = 0; start < blocks.length; start += perBucket) {
    let lo = blocks[start] as BlockRow;
    let hi = lo;
    for (let i = start + 1; i < Math.min(blocks.length, start + perBucket); i++) {
      const b = blocks[i] as BlockRow;
      if (b.min_value < lo.min_value) lo = b;
      if (b.max_value > hi.max_value) hi = b;
    }
    const pair = lo.min_step <= hi.max_step ? [[lo.min_step, lo.min_value], [hi.max_step, hi.max_value]] : [[hi.max_step, hi.max_value], [lo.min_step, lo.min_value]];
    for (const [step, value] of pair as [number, number][]) if (points.at(-1)?.step !== step) points.push({ step, value, tsMs: 0 });
  }
  return points;
}

/** Throws a TrackingError naming the metric when a point cannot be recorded. */
export function checkMetric(key: string, value: unknown, step?: number): void {
  if (typeof key !== "string" || key === "") throw new TrackingError(`invalid metric name: ${JSON.stringify(key)}`);
  checkName("metric", key);
  if (typeof value !== "number") {
    throw new TrackingError(`metric "${key}" must be a number, got ${typeof value} ${JSON.stringify(value)}`);
  }
  if (!Number.isFinite(value)) {
    throw new TrackingError(`metric "${key}" is ${value}: only finite numbers are recorded (check the loss for a divergence)`);
  }
  if (step !== undefined && !Number.isSafeInteger(step)) {
    throw new TrackingError(`metric "${key}": step ${step} is not a whole number (steps count epochs or batches)`);
  }
}

function toRecord(row: RunRow): RunRecord {
  return {
    id: row.id as RunId,
    experiment: row.experiment,
    name: row.name,
    status: row.status,
    sourceKind: row.source_kind,
    sourcePath: row.source_path,
    sourceHash: row.source_hash,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    heartbeatAt: row.heartbeat_at,
    host: row.host,
    pid: row.pid,
    nodeVersion: row.node_version,
    pipelabVersion: row.pipelab_version,
    tfBackend: row.tf_backend,
    error: row.error,
    failedStep: row.failed_step,
    gitCommit: row.git_commit,
    gitDirty: row.git_dirty === null ? null : row.git_dirty === 1,
    note: row.note,
    deletedAt: row.deleted_at,
  };
}

const LOCATION_HINT = `choose another place with the ${STORE_ENV} environment variable or the \`store\` option`;

/** Opens (creating when missing) and upgrades the store for reading and writing. */
function openForWriting(file: string, shared: boolean): Database.Database {
  prepareLocation(file);
  createStoreFile(file, shared);
  let db: Database.Database;
  try {
    db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
  } catch (error) {
    throw openError(file, error);
  }
  try {
    refuseNewer(checkIdentity(db, file), file);
    db.pragma("journal_mode = WAL");
    db.pragma("foreign_keys = ON");
    db.pragma("synchronous = NORMAL");
    migrate(db, file);
    return db;
  } catch (error) {
    db.close();
    throw openError(file, error);
  }
}

/** A TrackingError for a failed open, saying what to do when the disk is full. */
function openError(file: string, error: unknown): TrackingError {
  if (error instanceof TrackingError) return error;
  return fullStoreError(file, "open the experiment store", error) ?? new TrackingError(`cannot open the experiment store ${file}: ${messageOf(error)}`, { cause: error });
}

/**
 * Creates a missing store file with the mode its users should have: SQLite
 * would create it 0644 (less the umask), readable by everyone on the machine,
 * and gives its -wal and -shm the mode of the store file.
 */
function createStoreFile(file: string, shared: boolean): void {
  // An empty file is an empty SQLite database; "wx" leaves alone a file another process has just created.
  try {
    closeSync(openSync(file, "wx", shared ? 0o666 : 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return;
    throw new TrackingError(`cannot create the experiment store ${file}: ${messageOf(error)}; ${LOCATION_HINT}`, { cause: error });
  }
}

/**
 * Opens an existing store for reading only, writing nothing: no -wal or -shm
 * is created when the folder is read-only, no schema upgrade, no crash sweep.
 */
function openForReading(file: string): Database.Database {
  checkReadable(file);
  let db: Database.Database;
  try {
    db = readOnlyConnection(file);
  } catch (error) {
    if (error instanceof TrackingError) throw error;
    throw new TrackingError(`cannot read the experiment store ${file}: ${messageOf(error)}`, { cause: error });
  }
  try {
    const version = checkIdentity(db, file);
    refuseNewer(version, file);
    if (version < READABLE_FROM_SCHEMA) {
      throw new TrackingError(
        version === 0
          ? `the experiment store ${file} is empty: nothing has been recorded in it yet`
          : `the experiment store ${file} has schema ${version}, older than pipelab ${pipelabVersion()} reads without upgrading it (${READABLE_FROM_SCHEMA} or newer), and it was opened read-only; open it once with write access (any pipelab command that records a run, as a user who can write it) to upgrade it`,
      );
    }
    return db;
  } catch (error) {
    db.close();
    if (error instanceof TrackingError) throw error;
    throw new TrackingError(`cannot read the experiment store ${file}: ${messageOf(error)}`, { cause: error });
  }
}

/**
 * A read-only connection to the store. A WAL-mode file is read through its
 * -wal and -shm; when they are missing (no process has the store open) and
 * cannot be created (the folder is read-only to this user, or a read-only
 * mount), the file alone holds every committed change, so it is read into
 * memory and opened from there (this costs memory the size of the file).
 */
function readOnlyConnection(file: string): Database.Database {
  const wal = `${file}-wal`;
  for (let attempt = 0; ; attempt++) {
    const db = new Database(file, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
    let failure: unknown;
    try {
      db.prepare("SELECT count(*) FROM sqlite_schema").get();
      return db;
    } catch (error) {
      failure = error;
    }
    // Not a database, or some other failure: checkIdentity says what it is.
    if (!/^SQLITE_(READONLY|CANTOPEN)/.test(sqliteCode(failure) ?? "") || attempt === 2) return db;
    db.close();
    if (existsSync(wal)) {
      throw new TrackingError(
        `cannot read the experiment store ${file}: its write-ahead log ${wal} holds changes that reading needs ${file}-shm for, which cannot be created here (${messageOf(failure)}); open the store once with write access, which folds the log into the file`,
        { cause: failure },
      );
    }
    const bytes = readFileSync(file);
    // A writer that started while the file was read may have changed it under us: read again, through its -wal.
    if (existsSync(wal)) continue;
    // Header bytes 18-19 say "WAL mode": a copy in memory would look for a -wal it cannot have, so mark it a rollback-journal file.
    if (bytes.length >= 20) bytes.fill(1, 18, 20);
    return new Database(bytes, { readonly: true });
  }
}

/** Makes sure the store file exists and is readable, with a message that says what to do if not. */
function checkReadable(file: string): void {
  if (!existsSync(file)) {
    throw new TrackingError(
      `no experiment store at ${file}: nothing has been recorded there yet (a run is recorded when a script, notebook or pipeline runs); to read another store, give its path with --store or ${STORE_ENV}`,
    );
  }
  if (statSync(file).isDirectory()) {
    throw new TrackingError(`the experiment store path ${file} is a folder; give a file path such as ${resolve(file, "experiments.db")}`);
  }
  try {
    accessSync(file, constants.R_OK);
  } catch (error) {
    throw new TrackingError(
      `the experiment store ${file} is not readable (${(error as NodeJS.ErrnoException).code ?? messageOf(error)}); its owner can share it (chmod g+r or o+r, or create it with ${SHARED_ENV}=1), or read a copy`,
      { cause: error },
    );
  }
}

/** The SQLite error code of a better-sqlite3 error ("SQLITE_FULL"), if it is one. */
function sqliteCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_") ? code : undefined;
}

/** A TrackingError for a write that failed because the store's disk is full; undefined for any other failure. */
function fullStoreError(file: string, what: string, error: unknown): TrackingError | undefined {
  if (sqliteCode(error) !== "SQLITE_FULL") return undefined;
  let free = "";
  try {
    const fs = statfsSync(dirname(file));
    free = `${formatBytes(fs.bavail * fs.bsize)} free; `;
  } catch {
    // The free space is a courtesy: the message stands without it.
  }
  return new TrackingError(
    `cannot ${what}: the disk of the experiment store ${file} is full (${free}${messageOf(error)}). ` +
      `What was recorded before is kept, earlier metric points included; this write was not. ` +
      `Free space on that disk, or move the store to a disk with room with ${STORE_ENV}=/path/to/experiments.db`,
    { cause: error },
  );
}

/** Makes sure the store's folder exists and is writable, with a message that says what to do if not. */
function prepareLocation(file: string): void {
  const dir = dirname(file);
  const hint = LOCATION_HINT;
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new TrackingError(`cannot create the folder ${dir} for the experiment store: ${messageOf(error)}; ${hint}`, { cause: error });
  }
  if (existsSync(file) && statSync(file).isDirectory()) {
    throw new TrackingError(`the experiment store path ${file} is a folder; give a file path such as ${resolve(file, "experiments.db")}`);
  }
  try {
    accessSync(dir, constants.W_OK);
    if (existsSync(file)) accessSync(file, constants.R_OK | constants.W_OK);
  } catch (error) {
    throw new TrackingError(`the experiment store ${file} is not writable (${(error as NodeJS.ErrnoException).code ?? messageOf(error)}); ${hint}`, {
      cause: error,
    });
  }
}

/**
 * Refuses any SQLite file that is neither empty nor a pipelab store, before
 * anything is written to it. Returns the file's schema version.
 */
function checkIdentity(db: Database.Database, file: string): number {
  let appId: number;
  let tables: number;
  let version: number;
  try {
    appId = db.pragma("application_id", { simple: true }) as number;
    version = db.pragma("user_version", { simple: true }) as number;
    tables = (db.prepare("SELECT count(*) AS n FROM sqlite_schema").get() as { n: number }).n;
  } catch (error) {
    // A file SQLite cannot read for another reason (a lock, a -shm it cannot create) may well be a store.
    if (/^SQLITE_(READONLY|CANTOPEN|BUSY|IOERR|PERM|AUTH)/.test(sqliteCode(error) ?? "")) {
      throw new TrackingError(`cannot read the experiment store ${file}: ${messageOf(error)} (${sqliteCode(error)})`, { cause: error });
    }
    throw new TrackingError(`${file} is not a SQLite database, so not a pipelab store; it was left untouched (${messageOf(error)})`, {
      cause: error,
    });
  }
  if (appId === APPLICATION_ID || (appId === 0 && tables === 0)) return version;
  throw new TrackingError(
    `${file} is a SQLite database but not a pipelab store (application id ${appId}, ${tables} schema objects); it was left untouched. Point pipelab at another file.`,
  );
}

/** Brings the schema up to date in one transaction; refuses a file from a newer pipelab. */
function migrate(db: Database.Database, file: string): void {
  const upgrade = db.transaction(() => {
    // Read the version inside the write lock: another process may have migrated meanwhile.
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version > SCHEMA_VERSION) return version;
    for (let v = version; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v] as string);
    if (version < SCHEMA_VERSION) {
      db.pragma(`application_id = ${APPLICATION_ID}`);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }
    return version;
  });
  const current = db.pragma("user_version", { simple: true }) as number;
  refuseNewer(current === SCHEMA_VERSION ? current : upgrade.immediate(), file);
}

function refuseNewer(version: number, file: string): void {
  if (version <= SCHEMA_VERSION) return;
  throw new TrackingError(
    `${file} was written by a newer pipelab (store schema ${version}; this pipelab ${pipelabVersion()} knows up to ${SCHEMA_VERSION}). Upgrade pipelab to open it; the file was left untouched.`,
  );
}
