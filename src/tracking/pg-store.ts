/**
 * The shared experiment store: the same store as the SQLite file, in a
 * PostgreSQL database, for a team or for sweeps on many machines
 * (`PIPELAB_STORE=postgres://user@host/db`). It implements RunStore as
 * ExperimentStore does, with the same behaviour: runs and their lifecycle,
 * heartbeats and crash detection across machines (host, pid, start time and
 * boot; a run of another host by its heartbeat), the filter language (in
 * PostgreSQL's dialect, every value bound), metric histories with their
 * 64-step extremes, comparisons and orders.
 *
 * The interface is synchronous: `pg` runs in a worker thread (SyncPostgres),
 * and each call blocks until the server answers. A batch of metric points is
 * one transaction of three statements, whatever its size (arrays bound with
 * unnest).
 */
import { TrackingError, messageOf } from "../errors";
import { PostgresError, SyncPostgres, redactUrl } from "../postgres";
import type { PostgresParam, PostgresQueryable } from "../postgres";
import { NOT_DATA, metricMode } from "../util";
import { comparisonOf, comparisonSql } from "./compare-runs";
import type { ComparisonRow } from "./compare-runs";
import { STALE_HEARTBEAT_MS } from "./crash-sweep";
import { thinBlocks } from "./metric-history";
import type { BlockRow } from "./metric-history";
import { summarize } from "./metric-log";
import { decodeParam, encodeParam } from "./param-codec";
import type { ParamType } from "./param-codec";
import { readAudit } from "./pg-access";
import type { AuditEntry, AuditQuery } from "./pg-access";
import { PG_SCHEMA_VERSION, migratePostgres, schemaVersion } from "./pg-schema";
import { localProbe, ownerIsGone } from "./process-owner";
import { RUN_INSERT_COLUMNS, STEP_INSERT_COLUMNS, placeholders, runValues, stepValues } from "./row-values";
import { toKeyedStep } from "./run-diff";
import type { KeyedRow, KeyedStep } from "./run-diff";
import { toStepExecution } from "./step-records";
import type { StepRow } from "./step-records";
import { selection } from "./run-queries";
import { RUN_COLUMNS, toRecord } from "./run-row";
import type { RunRow } from "./run-row";
import type { BrowsableStore } from "./run-store";
import { checkMetric, checkName, checkValueSize } from "./value-checks";
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

/** How a shared store is opened. */
export interface PostgresStoreOptions {
  /** Read only: no schema is created or upgraded, no run marked crashed, every write refused. */
  readOnly?: boolean;
}

/** `?` placeholders (the SQL shared with SQLite) as PostgreSQL's `$1`, `$2`...: pipelab's SQL has no `?` of its own. */
function positional(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

const nowIso = (): string => new Date().toISOString();

/**
 * The experiment store in a PostgreSQL database.
 *
 * @example
 * ```ts
 * const store = PostgresStore.open("postgres://lab@db.internal/pipelab");
 * const run = store.createRun({ experiment: "penguins", sourceKind: "script" });
 * store.logMetrics(run, [{ key: "accuracy", value: 0.97 }]);
 * store.endRun(run, "finished");
 * store.close();
 * ```
 */
export class PostgresStore implements BrowsableStore {
  /** The store is not data: a step that reads it does not depend on it. */
  readonly [NOT_DATA] = true;
  /** The URL without its password. */
  readonly path: string;
  readonly readOnly: boolean;
  private readonly db: SyncPostgres;
  private version: number;

  private constructor(db: SyncPostgres, path: string, readOnly: boolean, version: number) {
    this.db = db;
    this.path = path;
    this.readOnly = readOnly;
    this.version = version;
  }

  /**
   * Connects to the database at `url`, creating or upgrading the store's
   * schema (once, however many processes open it at the same time), then
   * marks crashed the running runs whose process is gone. Refuses a database
   * from a newer pipelab, or one holding someone else's tables, untouched.
   */
  static open(url: string, options: PostgresStoreOptions = {}): PostgresStore {
    let db: SyncPostgres;
    try {
      // No JIT: the store's queries are short, and compiling them costs more than it saves (a comparison of
      // 10,000 runs took 0.55 s with it, most of it compiling).
      db = SyncPostgres.connect(url, { applicationName: "pipelab store", serverSettings: { jit: "off" } });
    } catch (error) {
      throw new TrackingError(`cannot open the experiment store ${redactUrl(url)}: ${messageOf(error)}`, { cause: error });
    }
    const where = `the experiment store ${redactUrl(url)}`;
    try {
      const version = options.readOnly ? readableVersion(db, where) : migratePostgres(db, where);
      const store = new PostgresStore(db, redactUrl(url), options.readOnly ?? false, version);
      if (!store.readOnly) store.markCrashedRuns();
      return store;
    } catch (error) {
      db.close();
      if (error instanceof TrackingError) throw error;
      throw new TrackingError(`cannot open ${where}: ${messageOf(error)}`, { cause: error });
    }
  }

  get schemaVersion(): number {
    return this.version;
  }

  close(): void {
    this.db.close();
  }

  // -------------------------------------------------------------------------
  // Writes.

  createRun(init: RunInit): RunId {
    if (init.name !== undefined) checkName("run", init.name);
    const what = `start a run of experiment ${JSON.stringify(init.experiment)}`;
    const experiment = this.experimentId(init.experiment);
    const values = runValues(experiment, init, nowIso());
    return this.write(what, (tx) => {
      const row = tx.query<{ id: number }>(
        `INSERT INTO runs (status, ${RUN_INSERT_COLUMNS.join(", ")}) VALUES ('running', ${placeholders(values.length, "postgres")}) RETURNING id`,
        values,
      ).rows[0];
      return (row as { id: number }).id as RunId;
    });
  }

  /** The id of the experiment called `name`, created if needed. */
  private experimentId(name: string): number {
    if (name.trim() === "") throw new TrackingError(`invalid experiment name: ${JSON.stringify(name)} (use a non-empty name)`);
    checkName("experiment", name);
    return this.write(`create experiment ${JSON.stringify(name)}`, (tx) => {
      tx.query("INSERT INTO experiments (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING", [name, nowIso()]);
      return (tx.query<{ id: number }>("SELECT id FROM experiments WHERE name = $1", [name]).rows[0] as { id: number }).id;
    });
  }

  logParams(run: RunId, params: Readonly<Record<string, ParamValue>>): void {
    const rows = Object.entries(params).map(([key, value]) => [key, ...encodeParam(key, value)] as const);
    if (rows.length === 0) return;
    this.write(`record parameters of run ${run}`, (tx) =>
      tx.query(
        `INSERT INTO params (run_id, key, type, value) SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[])
         ON CONFLICT (run_id, key) DO UPDATE SET type = excluded.type, value = excluded.value`,
        [run, rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])],
      ),
    );
  }

  logMetrics(run: RunId, points: readonly MetricPointInput[]): void {
    if (points.length === 0) return;
    for (const p of points) checkMetric(p.key, p.value, p.step);
    const now = Date.now();
    const { finals, blocks } = summarize(points, now);
    const blockRows = [...blocks].flatMap(([key, ofKey]) => [...ofKey].map(([block, b]) => ({ key, block, ...b })));
    const count = points.length === 1 ? "a metric point" : `${points.length} metric points`;
    this.write(`log ${count} to run ${run}`, (tx) => {
      tx.query("INSERT INTO metrics (run_id, key, value, step, ts_ms) SELECT $1, * FROM unnest($2::text[], $3::float8[], $4::int8[], $5::int8[])", [
        run,
        points.map((p) => p.key),
        points.map((p) => p.value),
        points.map((p) => p.step ?? 0),
        points.map((p) => p.tsMs ?? now),
      ]);
      const f = [...finals];
      tx.query(
        `INSERT INTO metric_finals AS m (run_id, key, value, step, ts_ms) SELECT $1, * FROM unnest($2::text[], $3::float8[], $4::int8[], $5::int8[])
         ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, step = excluded.step, ts_ms = excluded.ts_ms WHERE excluded.step >= m.step`,
        [run, f.map(([k]) => k), f.map(([, x]) => x.value), f.map(([, x]) => x.step), f.map(([, x]) => x.ts)],
      );
      // In an UPDATE, the right-hand sides all read the row as it was: the steps compare with the old extremes.
      tx.query(
        `INSERT INTO metric_blocks AS b (run_id, key, block, n, min_step, min_value, max_step, max_value)
         SELECT $1, * FROM unnest($2::text[], $3::int8[], $4::int8[], $5::int8[], $6::float8[], $7::int8[], $8::float8[])
         ON CONFLICT (run_id, key, block) DO UPDATE SET
           n = b.n + excluded.n,
           min_step = CASE WHEN excluded.min_value < b.min_value THEN excluded.min_step ELSE b.min_step END,
           min_value = LEAST(b.min_value, excluded.min_value),
           max_step = CASE WHEN excluded.max_value > b.max_value THEN excluded.max_step ELSE b.max_step END,
           max_value = GREATEST(b.max_value, excluded.max_value)`,
        [
          run,
          blockRows.map((b) => b.key),
          blockRows.map((b) => b.block),
          blockRows.map((b) => b.n),
          blockRows.map((b) => b.minStep),
          blockRows.map((b) => b.minValue),
          blockRows.map((b) => b.maxStep),
          blockRows.map((b) => b.maxValue),
        ],
      );
    });
  }

  recordStep(run: RunId, exec: StepExecution): void {
    this.write(`record step ${JSON.stringify(exec.step)} of run ${run}`, (tx) => {
      const sources = Object.entries(exec.codeSources ?? {});
      if (sources.length > 0) {
        tx.query("INSERT INTO code_sources (hash, source) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (hash) DO NOTHING", [
          sources.map(([hash]) => hash),
          sources.map(([, source]) => source),
        ]);
      }
      const values = stepValues(run, exec, nowIso());
      tx.query(`INSERT INTO step_executions (${STEP_INSERT_COLUMNS.join(", ")}) VALUES (${placeholders(values.length, "postgres")})`, values);
    });
  }

  recordArtifact(run: RunId, artifact: ArtifactInit): void {
    this.write(`record artifact ${JSON.stringify(artifact.name)} of run ${run}`, (tx) =>
      tx.query("INSERT INTO artifacts (run_id, name, kind, cache_key, path, created_at) VALUES ($1, $2, $3, $4, $5, $6)", [
        run,
        artifact.name,
        artifact.kind,
        artifact.cacheKey ?? null,
        artifact.path ?? null,
        nowIso(),
      ]),
    );
  }

  heartbeat(run: RunId): void {
    this.write(`refresh the heartbeat of run ${run}`, (tx) => tx.query("UPDATE runs SET heartbeat_at = $1 WHERE id = $2 AND status = 'running'", [nowIso(), run]));
  }

  setTag(run: RunId, key: string, value: string): void {
    if (key === "") throw new TrackingError("invalid tag name: an empty string");
    checkName("tag", key);
    checkValueSize(`tag "${key}"`, String(value));
    this.write(`tag run ${run}`, (tx) => {
      this.requireRun(tx, run);
      tx.query("INSERT INTO tags (run_id, key, value) VALUES ($1, $2, $3) ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value", [run, key, value]);
    });
  }

  setNote(run: RunId, note: string | null): void {
    if (note !== null) checkValueSize("the note", note);
    this.write(`set the note of run ${run}`, (tx) => {
      this.requireRun(tx, run);
      this.requireChanged(tx, run, tx.query("UPDATE runs SET note = $1 WHERE id = $2", [note, run]).rowCount);
    });
  }

  /**
   * Makes a run private to its owner, or visible to the project again (the
   * default): what members of the project's role may read, when the store
   * was set up for a team (`pipelab store init`).
   */
  setVisibility(run: RunId, visibility: "private" | "project"): void {
    this.write(`make run ${run} ${visibility === "private" ? "private" : "visible to the project"}`, (tx) => {
      this.requireRun(tx, run);
      this.requireChanged(tx, run, tx.query("UPDATE runs SET visibility = $1 WHERE id = $2", [visibility, run]).rowCount);
    });
  }

  /** The audit log: who changed which run, its params, tags or artifacts, and how; oldest first, the runs this role may read. */
  audit(q: AuditQuery = {}): AuditEntry[] {
    try {
      return readAudit(this.db, q);
    } catch (error) {
      throw new TrackingError(`cannot read the audit log of ${this.path}: ${messageOf(error)}`, { cause: error });
    }
  }

  endRun(run: RunId, status: Exclude<RunStatus, "running">, failure?: RunFailure): void {
    this.write(`end run ${run} as ${status}`, (tx) =>
      tx.query("UPDATE runs SET status = $1, ended_at = $2, error = $3, failed_step = $4 WHERE id = $5 AND status = 'running'", [
        status,
        nowIso(),
        failure?.error ?? null,
        failure?.step ?? null,
        run,
      ]),
    );
  }

  failRun(run: RunId, failure: RunFailure): void {
    this.write(`mark run ${run} failed`, (tx) =>
      tx.query("UPDATE runs SET status = 'failed', ended_at = COALESCE(ended_at, $1), error = $2, failed_step = $3 WHERE id = $4 AND status IN ('running', 'finished')", [
        nowIso(),
        failure.error,
        failure.step ?? null,
        run,
      ]),
    );
  }

  deleteRun(run: RunId): void {
    this.write(`delete run ${run}`, (tx) => {
      this.requireRun(tx, run);
      const changed = tx.query("UPDATE runs SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL", [nowIso(), run]).rowCount;
      if (changed === 0 && !this.owns(tx, run)) this.refuseNotOwner(tx, run);
    });
  }

  restoreRun(run: RunId): void {
    this.write(`restore run ${run}`, (tx) => {
      this.requireRun(tx, run);
      this.requireChanged(tx, run, tx.query("UPDATE runs SET deleted_at = NULL WHERE id = $1", [run]).rowCount);
    });
  }

  /** Marks as crashed the running runs whose process is gone (by host, pid, start time and boot; another host's by its heartbeat); returns how many. */
  markCrashedRuns(): number {
    const candidates = this.read<{ id: number; pid: number; host: string; heartbeat_at: string; pid_start_ticks: number | null; boot_id: string | null }>(
      "SELECT id, pid, host, heartbeat_at, pid_start_ticks::float8 AS pid_start_ticks, boot_id FROM runs WHERE status = 'running'",
    );
    const probe = localProbe();
    const dead = candidates.filter((r) =>
      ownerIsGone({ pid: r.pid, host: r.host, heartbeatAt: r.heartbeat_at, startTicks: r.pid_start_ticks, bootId: r.boot_id }, probe, STALE_HEARTBEAT_MS),
    );
    if (dead.length === 0) return 0;
    // Through the store's function: another user's run is marked only once its heartbeat is stale by the server's clock.
    return this.write("mark crashed runs", (tx) =>
      tx.query<{ n: number }>("SELECT pipelab_mark_crashed($1::integer[], $2) AS n", [dead.map((r) => r.id), STALE_HEARTBEAT_MS]).rows[0]?.n ?? 0,
    );
  }

  // -------------------------------------------------------------------------
  // Reads.

  runDetails(run: RunId): RunDetails | undefined {
    const row = this.read<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id = $1`, [run])[0];
    if (!row) return undefined;
    const params: Record<string, ParamValue> = {};
    for (const p of this.read<{ key: string; type: ParamType; value: string }>("SELECT key, type, value FROM params WHERE run_id = $1 ORDER BY key COLLATE \"C\"", [run])) {
      params[p.key] = decodeParam(p);
    }
    const metrics: Record<string, number> = {};
    for (const m of this.read<{ key: string; value: number }>("SELECT key, value FROM metric_finals WHERE run_id = $1 ORDER BY key COLLATE \"C\"", [run])) metrics[m.key] = m.value;
    const tags: Record<string, string> = {};
    for (const t of this.read<{ key: string; value: string }>("SELECT key, value FROM tags WHERE run_id = $1 ORDER BY key COLLATE \"C\"", [run])) tags[t.key] = t.value;
    return { ...toRecord(row), params, metrics, tags };
  }

  listRuns(q: RunQuery = {}): RunRecord[] {
    const { where, params } = selection(q, "postgres");
    const sql = `SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE ${where} ORDER BY r.id DESC LIMIT ? OFFSET ?`;
    return this.read<RunRow>(positional(sql), [...(params as PostgresParam[]), q.limit ?? null, q.offset ?? 0]).map(toRecord);
  }

  countRuns(q: RunQuery = {}): number {
    const { where, params } = selection(q, "postgres");
    const sql = `SELECT count(*)::float8 AS n FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE ${where}`;
    return (this.read<{ n: number }>(positional(sql), params as PostgresParam[])[0] as { n: number }).n;
  }

  bestRun(metric: string, q: BestRunQuery = {}): RunDetails | undefined {
    const { where, params } = selection(q, "postgres");
    const order = (q.mode ?? metricMode(metric)) === "min" ? "ASC" : "DESC";
    const sql = `SELECT r.id FROM runs r JOIN experiments e ON e.id = r.experiment_id JOIN metric_finals m ON m.run_id = r.id AND m.key = ?
       WHERE ${where} ORDER BY m.value ${order}, r.id DESC LIMIT 1`;
    const row = this.read<{ id: number }>(positional(sql), [metric, ...(params as PostgresParam[])])[0];
    return row ? this.runDetails(row.id as RunId) : undefined;
  }

  compareRuns(q: CompareQuery = {}): RunComparison {
    const { sql, args } = comparisonSql(q, "postgres");
    const rows = this.read<Record<string, unknown>>(positional(sql), args as PostgresParam[]).map((r) => Object.values(r) as ComparisonRow);
    return comparisonOf(rows, q, this.countRuns(q));
  }

  stepCounts(runs: readonly RunId[]): Map<RunId, StepCounts> {
    const out = new Map<RunId, StepCounts>();
    if (runs.length === 0) return out;
    const rows = this.read<{ run_id: number } & StepCounts>(
      `SELECT run_id, count(*) FILTER (WHERE outcome = 'miss')::float8 AS computed, count(*) FILTER (WHERE outcome = 'hit')::float8 AS cached,
         count(*) FILTER (WHERE outcome = 'failed')::float8 AS failed, count(*) FILTER (WHERE outcome = 'interrupted')::float8 AS interrupted
       FROM step_executions WHERE run_id = ANY($1::integer[]) GROUP BY run_id`,
      [[...runs]],
    );
    for (const r of rows) out.set(r.run_id as RunId, { computed: r.computed, cached: r.cached, failed: r.failed, interrupted: r.interrupted });
    return out;
  }

  metricHistory(run: RunId, key: string, options: HistoryOptions = {}): MetricPoint[] {
    const max = options.maxPoints;
    if (max !== undefined) {
      const n = (this.read<{ n: number | null }>("SELECT sum(n)::float8 AS n FROM metric_blocks WHERE run_id = $1 AND key = $2", [run, key])[0]?.n ?? 0) as number;
      if (n > max) {
        // The blocks' extremes, kept as the points were logged: a 64th of the history, its spikes kept.
        const blocks = this.read<BlockRow>(
          "SELECT min_step::float8 AS min_step, min_value, max_step::float8 AS max_step, max_value FROM metric_blocks WHERE run_id = $1 AND key = $2 ORDER BY block",
          [run, key],
        );
        return thinBlocks(blocks, max);
      }
    }
    return this.read<{ step: number; value: number; ts_ms: number }>(
      "SELECT step::float8 AS step, value, ts_ms::float8 AS ts_ms FROM metrics WHERE run_id = $1 AND key = $2 ORDER BY step, id",
      [run, key],
    ).map((r) => ({ step: r.step, value: r.value, tsMs: r.ts_ms }));
  }

  stepExecutions(run: RunId): StepExecution[] {
    return this.read<StepRow>(STEP_EXECUTIONS_SQL, [run]).map(toStepExecution);
  }

  /** The step executions of a run with their key records, in order (what diffRuns reads). */
  keyedSteps(run: RunId): KeyedStep[] {
    return this.read<KeyedRow>(KEYED_STEPS_SQL, [run]).map(toKeyedStep);
  }

  lastStepKey(run: RunId, step: string): StepKey | undefined {
    // Only an execution that produced a value (computed or cached) is what the next key is compared with.
    const row = this.read<{ run_id: number; cache_key: string; key_parts: string }>(
      `SELECT s.run_id, s.cache_key, s.key_parts FROM step_executions s JOIN runs r ON r.id = s.run_id
       WHERE s.step = $1 AND s.key_parts IS NOT NULL AND s.cache_key IS NOT NULL AND s.outcome IN ('miss', 'hit') AND r.deleted_at IS NULL
         AND r.experiment_id = (SELECT experiment_id FROM runs WHERE id = $2)
       ORDER BY s.id DESC LIMIT 1`,
      [step, run],
    )[0];
    return row ? { runId: row.run_id as RunId, cacheKey: row.cache_key, keyParts: row.key_parts } : undefined;
  }

  cacheKeysOfRecentRuns(runs: number): Set<string> {
    const rows = this.read<{ cache_key: string }>(
      "SELECT DISTINCT cache_key FROM step_executions WHERE cache_key IS NOT NULL AND run_id IN (SELECT id FROM runs ORDER BY id DESC LIMIT $1)",
      [runs],
    );
    return new Set(rows.map((r) => r.cache_key));
  }

  /** The experiments by name, with how many runs each has (deleted ones not counted). */
  listExperiments(): { name: string; runs: number }[] {
    return this.read<{ name: string; runs: number }>(
      `SELECT e.name AS name, count(r.id)::float8 AS runs FROM experiments e LEFT JOIN runs r ON r.experiment_id = e.id AND r.deleted_at IS NULL
       GROUP BY e.id, e.name ORDER BY e.name COLLATE "C"`,
    );
  }

  /** A run's artifacts, in the order they were recorded. */
  listArtifacts(run: RunId): ArtifactRecord[] {
    return this.read<{ name: string; kind: string; cache_key: string | null; path: string | null; created_at: string }>(
      "SELECT name, kind, cache_key, path, created_at FROM artifacts WHERE run_id = $1 ORDER BY id",
      [run],
    ).map((a) => ({ name: a.name, kind: a.kind, cacheKey: a.cache_key, path: a.path, createdAt: a.created_at }));
  }

  /** The source text stored for a code hash of a step's key record, if any. */
  codeSource(hash: string): string | undefined {
    return this.read<{ source: string }>("SELECT source FROM code_sources WHERE hash = $1", [hash])[0]?.source;
  }

  // -------------------------------------------------------------------------
  // The one way to read and to write.

  private read<T>(sql: string, params: readonly PostgresParam[] = []): T[] {
    try {
      return this.db.query<T>(sql, params).rows;
    } catch (error) {
      throw new TrackingError(`cannot read ${this.path}: ${messageOf(error)}`, { cause: error });
    }
  }

  /** Runs `fn` in a transaction; `what` names the write for messages ("log 100 metric points to run 3"). */
  private write<T>(what: string, fn: (tx: PostgresQueryable) => T): T {
    if (this.readOnly) {
      throw new TrackingError(`cannot ${what}: the experiment store ${this.path} was opened read-only (PostgresStore.open(url, { readOnly: true })); open it without readOnly to record`);
    }
    try {
      return this.db.transaction(fn);
    } catch (error) {
      if (error instanceof TrackingError) throw error;
      throw new TrackingError(`cannot ${what} in ${this.path}: ${writeProblem(error)}`, { cause: error });
    }
  }

  /** An update of a run the caller may read that changed nothing: row-level security kept it, as the run is another role's. */
  private requireChanged(tx: PostgresQueryable, run: RunId, changed: number): void {
    if (changed === 0) this.refuseNotOwner(tx, run);
  }

  private owns(tx: PostgresQueryable, run: RunId): boolean {
    return tx.query("SELECT 1 FROM runs WHERE id = $1 AND owner = current_user", [run]).rows.length > 0;
  }

  private refuseNotOwner(tx: PostgresQueryable, run: RunId): never {
    const owner = tx.query<{ owner: string }>("SELECT owner FROM runs WHERE id = $1", [run]).rows[0]?.owner;
    throw new TrackingError(`run ${run} belongs to ${owner ?? "another role"}: only its owner can change it (row-level security of ${this.path})`);
  }

  private requireRun(tx: PostgresQueryable, run: RunId): void {
    if (tx.query("SELECT 1 FROM runs WHERE id = $1", [run]).rows.length === 0) {
      throw new TrackingError(`no run ${run} in ${this.path}; \`pipelab runs ls\` lists the runs`);
    }
  }
}

/** The rows stepExecutions reads (mapped as the SQLite store maps them). */
const STEP_EXECUTIONS_SQL = `SELECT step, cache_key, outcome, tier, source_run_id, duration_ms, output_fingerprint, output_bytes::float8 AS output_bytes, error, reason
  FROM step_executions WHERE run_id = $1 ORDER BY id`;

/** The rows diffRuns reads, with their key records. */
const KEYED_STEPS_SQL = "SELECT step, outcome, tier, source_run_id, cache_key, error, key_parts FROM step_executions WHERE run_id = $1 ORDER BY id";

/** What a failed write means, in the user's words where the server's code tells. */
function writeProblem(error: unknown): string {
  if (error instanceof PostgresError) {
    // 23503: a row refers to a run that is not there.
    if (error.code === "23503") return "the run is not in the store (it was purged, or the id is wrong)";
    if (error.code === "42501") {
      return /row-level security/.test(error.message)
        ? "only a run's owner can change it or add to it (row-level security refused the row)"
        : `permission denied: ${error.message}`;
    }
  }
  return messageOf(error);
}

/** The version of an existing store, opened read-only: nothing is created or upgraded. */
function readableVersion(db: SyncPostgres, where: string): number {
  const version = schemaVersion(db);
  if (version === 0) throw new TrackingError(`${where} has no pipelab store yet, and it was opened read-only: open it once with write access to create it`);
  if (version > PG_SCHEMA_VERSION) {
    throw new TrackingError(`${where} was written by a newer pipelab (store schema ${version}; this pipelab knows up to ${PG_SCHEMA_VERSION}). Upgrade pipelab to read it.`);
  }
  return version;
}
