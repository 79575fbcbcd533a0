/**
 * The predictions table: predictions served by `pipelab serve`, each with
 * the serving run it belongs to, the run its model was trained in, when it
 * was served, how long it took, and its inputs and outputs as JSON. Written
 * in batches (PredictionLog), read back with their JSON checked, for
 * `pipelab monitor`'s drift over what was served.
 */
import { TrackingError, messageOf } from "../errors";
import type { StoreConnection } from "./connection";
import { userVersion } from "./migrate";
import { PREDICTIONS_SCHEMA } from "./schema";
import { sqliteCode } from "./sqlite-errors";
import { parseStoredJson } from "./stored-json";
import type { Shape } from "./stored-json";
import type { RunId } from "./types";
import { MAX_VALUE_BYTES } from "./value-checks";

/** Any JSON value: what a prediction's inputs and outputs are read back as, unless a shape narrows them. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A served prediction on its way to the store. */
export interface PredictionInput {
  /** The input record, stored as JSON. */
  inputs: unknown;
  /** The prediction, stored as JSON. */
  outputs: unknown;
  /** How long serving it took; a finite number, 0 or more. */
  latencyMs: number;
  /** When it was served, Unix time in milliseconds. Default: the time of the write. */
  tsMs?: number;
  /** The run the model was trained in, when known. */
  modelRunId?: number | null;
}

/** How to write a batch of predictions. */
export interface PredictionWriteOptions {
  /**
   * Skip the predictions that cannot be stored (inputs or outputs that are not
   * JSON, such as a BigInt or a cycle, or over 64 KiB; a latency that is not a
   * finite number, 0 or more) instead of refusing the whole batch. Default false.
   */
  skipInvalid?: boolean;
  /** How long to wait for another process's write lock before failing (default: the store's 15 s). */
  busyTimeoutMs?: number;
}

/** A logged prediction, as the store reads it back. */
export interface PredictionRecord<I = JsonValue, O = JsonValue> {
  id: number;
  /** The serving run. */
  runId: RunId;
  modelRunId: number | null;
  tsMs: number;
  latencyMs: number;
  inputs: I;
  outputs: O;
}

/** Which predictions: of a serving run, of a model's run, since when; the newest `limit` of them. */
export interface PredictionQuery {
  /** The serving run. */
  run?: RunId;
  /** The run the model was trained in. */
  modelRun?: number;
  /** Served at or after this time (a Date, or a date as `Date.parse` reads it: "2026-11-29", "2026-11-29T12:00:00Z"). */
  since?: Date | string;
  /** At most this many, the newest. */
  limit?: number;
  /** Include the predictions of deleted serving runs. Default false. */
  includeDeleted?: boolean;
}

/** Shapes the inputs and outputs of each prediction read back must have (default: any JSON). */
export interface PredictionShapes<I, O> {
  inputs?: Shape<I>;
  outputs?: Shape<O>;
}

/** A prediction as one row of the table: the JSON already made. */
interface EncodedPrediction {
  modelRunId: number | null;
  tsMs: number;
  latencyMs: number;
  inputs: string;
  outputs: string;
}

/** JSON.parse makes nothing but JSON values: the check tells the compiler so. */
const anyJson: Shape<JsonValue> = { name: "a JSON value", is: (value): value is JsonValue => value !== undefined };

/**
 * Writes predictions to serving run `run` in one transaction, and returns how
 * many were written. Every prediction is checked first: one that cannot be
 * stored refuses the whole batch, saying which and why, unless `skipInvalid`.
 */
export function logPredictions(conn: StoreConnection, run: RunId, predictions: readonly PredictionInput[], options: PredictionWriteOptions = {}): number {
  const now = Date.now();
  const rows: EncodedPrediction[] = [];
  for (let i = 0; i < predictions.length; i++) {
    const encoded = encodePrediction(predictions[i] as PredictionInput, now);
    if (typeof encoded !== "string") rows.push(encoded);
    else if (!options.skipInvalid) {
      throw new TrackingError(`cannot log prediction ${i + 1} of ${predictions.length} to run ${run}: ${encoded}; nothing of this batch was written`);
    }
  }
  if (rows.length === 0) return 0;
  const what = `log ${rows.length === 1 ? "a prediction" : `${rows.length} predictions`} to run ${run}`;
  try {
    const insert = conn.stmt("INSERT INTO predictions (run_id, model_run_id, ts_ms, latency_ms, inputs, outputs) VALUES (?, ?, ?, ?, ?, ?)");
    withBusyTimeout(conn, options.busyTimeoutMs, () =>
      conn.write(what, () => {
        for (const r of rows) insert.run(run, r.modelRunId, r.tsMs, r.latencyMs, r.inputs, r.outputs);
      }),
    );
  } catch (error) {
    throw writeError(conn, what, run, error);
  }
  return rows.length;
}

/** The row of a prediction, or why it cannot be stored. */
function encodePrediction(p: PredictionInput, now: number): EncodedPrediction | string {
  const { latencyMs, tsMs = now, modelRunId = null } = p;
  if (typeof latencyMs !== "number" || !Number.isFinite(latencyMs) || latencyMs < 0) return `invalid latencyMs: ${String(latencyMs)} (a finite number of milliseconds, 0 or more)`;
  if (!Number.isSafeInteger(tsMs)) return `invalid tsMs: ${String(tsMs)} (Unix time in whole milliseconds)`;
  if (modelRunId !== null && !Number.isSafeInteger(modelRunId)) return `invalid modelRunId: ${String(modelRunId)} (a run id or null)`;
  const inputs = jsonOf("inputs", p.inputs);
  if (inputs.problem !== undefined) return inputs.problem;
  const outputs = jsonOf("outputs", p.outputs);
  if (outputs.problem !== undefined) return outputs.problem;
  return { modelRunId, tsMs, latencyMs, inputs: inputs.text, outputs: outputs.text };
}

/** The JSON text of a value, or why it has none the store takes. */
function jsonOf(what: string, value: unknown): { text: string; problem?: undefined } | { problem: string } {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    return { problem: `its ${what} are not JSON (${messageOf(error)})` };
  }
  if (text === undefined) return { problem: `its ${what} are ${typeof value}, not JSON` };
  // A character is 1 to 3 bytes of UTF-8: only a text that may be too long is measured.
  if (text.length * 3 > MAX_VALUE_BYTES && Buffer.byteLength(text) > MAX_VALUE_BYTES) {
    return { problem: `its ${what} are ${Buffer.byteLength(text)} bytes of JSON, over the ${MAX_VALUE_BYTES} the store takes for one value` };
  }
  return { text };
}

/** Runs `fn` with the connection's busy timeout set to `ms`, then restores it (better-sqlite3 is synchronous: nothing else writes meanwhile). */
function withBusyTimeout<T>(conn: StoreConnection, ms: number | undefined, fn: () => T): T {
  if (ms === undefined) return fn();
  const before = conn.db.pragma("busy_timeout", { simple: true }) as number;
  conn.db.pragma(`busy_timeout = ${Math.max(0, Math.round(ms))}`);
  try {
    return fn();
  } finally {
    conn.db.pragma(`busy_timeout = ${before}`);
  }
}

/** A failed write as a TrackingError that names the store and the run (a full disk is already one). */
function writeError(conn: StoreConnection, what: string, run: RunId, error: unknown): TrackingError {
  if (error instanceof TrackingError) return error;
  const code = sqliteCode(error);
  const hint =
    code === "SQLITE_BUSY"
      ? "another process held the store's write lock for longer than this write waits"
      : code === "SQLITE_CONSTRAINT_FOREIGNKEY"
        ? `run ${run} is not in the store (purged?); start a new serving run`
        : undefined;
  return new TrackingError(`cannot ${what} in ${conn.path}: ${messageOf(error)}${code ? ` (${code})` : ""}${hint ? `: ${hint}` : ""}`, { cause: error });
}

interface PredictionRow {
  id: number;
  run_id: number;
  model_run_id: number | null;
  ts_ms: number;
  latency_ms: number;
  inputs: string;
  outputs: string;
}

/** The predictions a query selects, newest first. A store older than the predictions table has none. */
export function listPredictions<I = JsonValue, O = JsonValue>(conn: StoreConnection, q: PredictionQuery = {}, shapes: PredictionShapes<I, O> = {}): PredictionRecord<I, O>[] {
  const limit = q.limit ?? -1;
  if (q.limit !== undefined && !(Number.isSafeInteger(q.limit) && q.limit >= 0)) throw new TrackingError(`invalid limit: ${String(q.limit)} (a whole number, 0 or more)`);
  const { where, params } = predictionSelection(q);
  if (!hasPredictions(conn)) return [];
  const rows = conn.db
    .prepare(
      `SELECT p.id, p.run_id, p.model_run_id, p.ts_ms, p.latency_ms, p.inputs, p.outputs
       FROM predictions p JOIN runs r ON r.id = p.run_id WHERE ${where} ORDER BY p.id DESC LIMIT ?`,
    )
    .all(...params, limit) as PredictionRow[];
  const inputs = (shapes.inputs ?? anyJson) as Shape<I>;
  const outputs = (shapes.outputs ?? anyJson) as Shape<O>;
  return rows.map((r) => ({
    id: r.id,
    runId: r.run_id as RunId,
    modelRunId: r.model_run_id,
    tsMs: r.ts_ms,
    latencyMs: r.latency_ms,
    inputs: parseLogged(r, "inputs", inputs),
    outputs: parseLogged(r, "outputs", outputs),
  }));
}

/** How many predictions each serving run of a selection holds (runs without any are left out). */
export function predictionCounts(conn: StoreConnection, q: Omit<PredictionQuery, "limit"> = {}): Map<RunId, number> {
  const { where, params } = predictionSelection(q);
  const out = new Map<RunId, number>();
  if (!hasPredictions(conn)) return out;
  const rows = conn.db
    .prepare(`SELECT p.run_id, count(*) AS n FROM predictions p JOIN runs r ON r.id = p.run_id WHERE ${where} GROUP BY p.run_id ORDER BY p.run_id`)
    .all(...params) as { run_id: number; n: number }[];
  for (const r of rows) out.set(r.run_id as RunId, r.n);
  return out;
}

/** Whether the store has the predictions table (a read-only store is not upgraded). */
function hasPredictions(conn: StoreConnection): boolean {
  return userVersion(conn.db) >= PREDICTIONS_SCHEMA;
}

/** The WHERE clause over `predictions p JOIN runs r` and its parameters, for a query. */
function predictionSelection(q: PredictionQuery): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (!q.includeDeleted) clauses.push("r.deleted_at IS NULL");
  if (q.run !== undefined) {
    clauses.push("p.run_id = ?");
    params.push(q.run);
  }
  if (q.modelRun !== undefined) {
    clauses.push("p.model_run_id = ?");
    params.push(q.modelRun);
  }
  if (q.since !== undefined) {
    clauses.push("p.ts_ms >= ?");
    params.push(sinceMs(q.since));
  }
  return { where: clauses.length > 0 ? clauses.join(" AND ") : "1", params };
}

function sinceMs(since: Date | string): number {
  const ms = since instanceof Date ? since.getTime() : typeof since === "string" ? Date.parse(since) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new TrackingError(`invalid since: ${since instanceof Date ? "an invalid Date" : JSON.stringify(since)} (use a Date or a date such as "2026-11-29" or "2026-11-29T12:00:00Z")`);
  }
  return ms;
}

/** The inputs or outputs of a logged prediction, parsed and checked against `shape`. */
function parseLogged<T>(row: PredictionRow, column: "inputs" | "outputs", shape: Shape<T>): T {
  const text = row[column];
  const value = parseStoredJson(text, anyJson, `the ${column} of prediction ${row.id}`);
  if (!shape.is(value)) {
    const shown = text.length > 80 ? `${text.slice(0, 80)}...` : text;
    throw new TrackingError(
      `prediction ${row.id} of serving run ${row.run_id} has ${column} ${shown}, where ${shape.name} was expected: the server logged something else; select other runs, or read them without a shape`,
    );
  }
  return value;
}
