/**
 * The shared store's step records as read back: the SQL of the rows of
 * step_executions that stepExecutions and diffRuns read, in PostgreSQL's
 * placeholders; the rows are mapped as the SQLite store maps them.
 */
export const STEP_EXECUTIONS_SQL = `SELECT step, cache_key, outcome, tier, source_run_id, duration_ms, output_fingerprint, output_bytes::float8 AS output_bytes, error, reason
  FROM step_executions WHERE run_id = $1 ORDER BY id`;

export const KEYED_STEPS_SQL = "SELECT step, outcome, tier, source_run_id, cache_key, error, key_parts FROM step_executions WHERE run_id = $1 ORDER BY id";
