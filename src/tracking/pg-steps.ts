/**
 * The shared store's step records as read back: the rows of step_executions
 * (what stepExecutions and diffRuns read), their SQL, and their mapping to
 * the shapes the SQLite store gives, NULL columns left out.
 */
import type { KeyedStep } from "./run-diff";
import type { RunId, StepExecution } from "./types";

/** A row of step_executions as stepExecutions reads it. */
export interface StepRow {
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
}

export const STEP_EXECUTIONS_SQL = `SELECT step, cache_key, outcome, tier, source_run_id, duration_ms, output_fingerprint, output_bytes::float8 AS output_bytes, error, reason
  FROM step_executions WHERE run_id = $1 ORDER BY id`;

/** Step executions as the runner reported them. */
export function stepExecutionsOf(rows: readonly StepRow[]): StepExecution[] {
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

/** A row of step_executions with its key record, as diffRuns reads it. */
export interface KeyedRow {
  step: string;
  outcome: StepExecution["outcome"];
  tier: "memory" | "disk" | null;
  source_run_id: number | null;
  cache_key: string | null;
  error: string | null;
  key_parts: string | null;
}

export const KEYED_STEPS_SQL = "SELECT step, outcome, tier, source_run_id, cache_key, error, key_parts FROM step_executions WHERE run_id = $1 ORDER BY id";

export function keyedStepsOf(rows: readonly KeyedRow[]): KeyedStep[] {
  return rows.map((r) => ({
    step: r.step,
    outcome: r.outcome,
    ...(r.tier === null ? {} : { tier: r.tier }),
    ...(r.source_run_id === null ? {} : { sourceRunId: r.source_run_id as RunId }),
    ...(r.cache_key === null ? {} : { cacheKey: r.cache_key }),
    ...(r.error === null ? {} : { error: r.error }),
    ...(r.key_parts === null ? {} : { keyParts: r.key_parts }),
  }));
}
