/**
 * The step_executions table: one row each time the runner computed a step,
 * served it from a cache, saw it fail, or saw the user interrupt it. The
 * cache reads it back (which run computed an entry, which keys recent runs
 * used, why a step recomputes); listings count it.
 */
import { nowIso } from "./connection";
import { STEP_INSERT_COLUMNS, placeholders, stepValues } from "./row-values";
import { userVersion } from "./migrate";
import { CODE_SOURCES_SCHEMA } from "./schema";
import type { StoreConnection } from "./connection";
import type { RunId, StepCounts, StepExecution, StepKey } from "./types";

export function recordStep(conn: StoreConnection, run: RunId, exec: StepExecution): void {
  conn.write(`record step ${JSON.stringify(exec.step)} of run ${run}`, () => {
    const insertSource = conn.stmt("INSERT OR IGNORE INTO code_sources (hash, source) VALUES (?, ?)");
    for (const [hash, source] of Object.entries(exec.codeSources ?? {})) insertSource.run(hash, source);
    const values = stepValues(run, exec, nowIso());
    conn.stmt(`INSERT INTO step_executions (${STEP_INSERT_COLUMNS.join(", ")}) VALUES (${placeholders(values.length, "sqlite")})`).run(...values);
  });
}

/** The source text stored for a code hash, or undefined (none stored, or a store older than schema 9). */
export function codeSource(conn: StoreConnection, hash: string): string | undefined {
  if (userVersion(conn.db) < CODE_SOURCES_SCHEMA) return undefined;
  const row = conn.stmt("SELECT source FROM code_sources WHERE hash = ?").get(hash) as { source: string } | undefined;
  return row?.source;
}

export function lastStepKey(conn: StoreConnection, run: RunId, step: string): StepKey | undefined {
  // Only an execution that produced a value (computed or cached) is what the next key is compared with:
  // a failed or interrupted one cached nothing.
  const row = conn
    .stmt(
      `SELECT s.run_id, s.cache_key, s.key_parts FROM step_executions s JOIN runs r ON r.id = s.run_id
       WHERE s.step = ? AND s.key_parts IS NOT NULL AND s.cache_key IS NOT NULL AND s.outcome IN ('miss', 'hit') AND r.deleted_at IS NULL
         AND r.experiment_id = (SELECT experiment_id FROM runs WHERE id = ?)
       ORDER BY s.id DESC LIMIT 1`,
    )
    .get(step, run) as { run_id: number; cache_key: string; key_parts: string } | undefined;
  return row ? { runId: row.run_id as RunId, cacheKey: row.cache_key, keyParts: row.key_parts } : undefined;
}

/** A row of step_executions, as stepExecutions reads it (key_parts is the runner's alone), from either store. */
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

export function stepExecutions(conn: StoreConnection, run: RunId): StepExecution[] {
  const rows = conn.db
    .prepare(
      "SELECT step, cache_key, outcome, tier, source_run_id, duration_ms, output_fingerprint, output_bytes, error, reason FROM step_executions WHERE run_id = ? ORDER BY id",
    )
    .all(run) as StepRow[];
  return rows.map(toStepExecution);
}

/** A step execution with its NULL columns left out, as the runner reported it. */
export function toStepExecution(r: StepRow): StepExecution {
  return {
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
  };
}

export function stepCounts(conn: StoreConnection, runs: readonly RunId[]): Map<RunId, StepCounts> {
  const out = new Map<RunId, StepCounts>();
  if (runs.length === 0) return out;
  const rows = conn.db
    .prepare(
      `SELECT run_id, sum(outcome = 'miss') AS computed, sum(outcome = 'hit') AS cached, sum(outcome = 'failed') AS failed,
         sum(outcome = 'interrupted') AS interrupted
       FROM step_executions WHERE run_id IN (${runs.map(() => "?").join(", ")}) GROUP BY run_id`,
    )
    .all(...runs) as ({ run_id: number } & StepCounts)[];
  for (const r of rows) out.set(r.run_id as RunId, { computed: r.computed, cached: r.cached, failed: r.failed, interrupted: r.interrupted });
  return out;
}

export function cacheKeysOfRecentRuns(conn: StoreConnection, runs: number): Set<string> {
  const rows = conn.db
    .prepare(
      `SELECT DISTINCT cache_key FROM step_executions
       WHERE cache_key IS NOT NULL AND run_id IN (SELECT id FROM runs ORDER BY id DESC LIMIT ?)`,
    )
    .all(runs) as { cache_key: string }[];
  return new Set(rows.map((r) => r.cache_key));
}
