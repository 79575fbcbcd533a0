/**
 * The store's schema, as a list of migrations. Migration N (1-based) takes a
 * store from schema version N-1 to N; `PRAGMA user_version` holds the version
 * and `PRAGMA application_id` marks the file as a pipelab store, so that a
 * SQLite file of anyone else's is recognised and left untouched.
 *
 * Never edit a migration that has shipped: add a new one.
 */

/** "plab" in ASCII: the SQLite application id of a pipelab store. */
export const APPLICATION_ID = 0x706c6162;

export const MIGRATIONS: readonly string[] = [
  // 1: the first schema.
  `
  CREATE TABLE experiments (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL                      -- ISO 8601, UTC
  );

  CREATE TABLE runs (
    id               INTEGER PRIMARY KEY,
    experiment_id    INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    name             TEXT,
    status           TEXT NOT NULL
                     CHECK (status IN ('running', 'finished', 'failed', 'killed', 'crashed')),
    source_kind      TEXT NOT NULL CHECK (source_kind IN ('notebook', 'script', 'interactive')),
    source_path      TEXT,
    source_hash      TEXT,
    started_at       TEXT NOT NULL,
    ended_at         TEXT,
    heartbeat_at     TEXT NOT NULL,
    host             TEXT NOT NULL,
    pid              INTEGER NOT NULL,
    node_version     TEXT NOT NULL,
    pipelab_version  TEXT NOT NULL,
    tf_backend       TEXT,
    error            TEXT,
    failed_step      TEXT,
    note             TEXT
  );
  CREATE INDEX runs_by_experiment ON runs (experiment_id, id);
  CREATE INDEX runs_by_status ON runs (status);

  -- One row a parameter; value is the text form of the typed value.
  CREATE TABLE params (
    run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key     TEXT NOT NULL,
    type    TEXT NOT NULL CHECK (type IN ('number', 'string', 'boolean', 'json')),
    value   TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
  ) WITHOUT ROWID;
  CREATE INDEX params_by_key ON params (key, value);

  -- Every logged point of every metric: the history behind learning curves.
  CREATE TABLE metrics (
    run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key     TEXT NOT NULL,
    value   REAL NOT NULL,
    step    INTEGER NOT NULL,                      -- epoch, batch or 0 for a single value
    ts_ms   INTEGER NOT NULL                       -- Unix time, milliseconds
  );
  CREATE INDEX metrics_by_run_key ON metrics (run_id, key, step);

  -- The last logged value of each metric of a run: what comparisons read.
  CREATE TABLE metric_finals (
    run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key     TEXT NOT NULL,
    value   REAL NOT NULL,
    step    INTEGER NOT NULL,
    ts_ms   INTEGER NOT NULL,
    PRIMARY KEY (run_id, key)
  ) WITHOUT ROWID;
  CREATE INDEX metric_finals_by_key ON metric_finals (key, value);

  -- One row a step execution: computed ('miss') or served from a cache ('hit').
  CREATE TABLE step_executions (
    id                  INTEGER PRIMARY KEY,
    run_id              INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step                TEXT NOT NULL,
    cache_key           TEXT,
    outcome             TEXT NOT NULL CHECK (outcome IN ('miss', 'hit', 'failed')),
    tier                TEXT CHECK (tier IN ('memory', 'disk')),
    source_run_id       INTEGER,                   -- for a hit: the run that computed it
    duration_ms         REAL NOT NULL,
    output_fingerprint  TEXT,
    output_bytes        INTEGER,
    error               TEXT,
    started_at          TEXT NOT NULL
  );
  CREATE INDEX step_executions_by_run ON step_executions (run_id, id);
  CREATE INDEX step_executions_by_key ON step_executions (cache_key);

  CREATE TABLE artifacts (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,                     -- 'chart', 'model', 'report', 'file', ...
    cache_key   TEXT,
    path        TEXT,
    created_at  TEXT NOT NULL
  );
  CREATE INDEX artifacts_by_run ON artifacts (run_id);

  CREATE TABLE tags (
    run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
  ) WITHOUT ROWID;
  `,
  // 2: where the code came from (git), soft deletion, indexes for time and tag queries.
  `
  ALTER TABLE runs ADD COLUMN git_commit TEXT;
  ALTER TABLE runs ADD COLUMN git_dirty INTEGER;     -- 1 when the work tree had uncommitted changes
  ALTER TABLE runs ADD COLUMN deleted_at TEXT;       -- set by \`pipelab runs rm\`; cleared by restore
  CREATE INDEX runs_by_started ON runs (started_at);
  CREATE INDEX tags_by_key ON tags (key, value);
  `,
  // 3: the history index covers the values, so a long history is thinned without reading the table.
  `
  DROP INDEX metrics_by_run_key;
  CREATE INDEX metrics_by_run_key ON metrics (run_id, key, step, value);
  `,
  // 4: why a step recomputed, and what its key was made of, so that a new process can explain the next recompute.
  `
  ALTER TABLE step_executions ADD COLUMN reason TEXT;      -- e.g. "param lr changed (0.01 -> 0.1)"
  ALTER TABLE step_executions ADD COLUMN key_parts TEXT;   -- JSON, written and read by the runner only
  CREATE INDEX step_executions_by_step ON step_executions (step, id);
  `,
  // 5: per metric, the lowest and the highest point of each block of 64 steps, kept as points are
  // logged: a chart of a long history reads these instead of the history's index.
  `
  CREATE TABLE metric_blocks (
    run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    block      INTEGER NOT NULL,                   -- step >> 6: steps 64 * block to 64 * block + 63
    n          INTEGER NOT NULL,                   -- points in the block
    min_step   INTEGER NOT NULL,
    min_value  REAL NOT NULL,
    max_step   INTEGER NOT NULL,
    max_value  REAL NOT NULL,
    PRIMARY KEY (run_id, key, block)
  ) WITHOUT ROWID;
  -- SQLite gives a min() or max() query the other columns of the row holding the extreme.
  INSERT INTO metric_blocks (run_id, key, block, n, min_step, min_value, max_step, max_value)
    SELECT run_id, key, step >> 6, count(*), step, min(value), step, min(value) FROM metrics GROUP BY run_id, key, step >> 6;
  UPDATE metric_blocks SET (max_step, max_value) = (
    SELECT step, max(value) FROM metrics m
    WHERE m.run_id = metric_blocks.run_id AND m.key = metric_blocks.key AND m.step >= metric_blocks.block * 64 AND m.step < metric_blocks.block * 64 + 64
  );
  `,
  // 6: which process owns a run beyond its pid, which another process may get after a power loss or a
  // container restart. Runs of older stores keep NULL here and are judged by their pid alone.
  `
  ALTER TABLE runs ADD COLUMN pid_start_ticks INTEGER;  -- field 22 of /proc/<pid>/stat (clock ticks since boot); NULL without /proc
  ALTER TABLE runs ADD COLUMN boot_id TEXT;             -- /proc/sys/kernel/random/boot_id when the run started; NULL without /proc
  `,
  // 7: a step the user stopped (Jupyter's interrupt) is recorded as 'interrupted'. SQLite cannot change a CHECK, so
  // step_executions is rebuilt as https://www.sqlite.org/lang_altertable.html#otheralter says: a new table, the rows
  // copied with their ids, the old table dropped, the new one renamed, then the indexes of migrations 1 and 4 again.
  // foreign_keys stays on (it cannot change inside the migration's transaction), which is safe: no table, trigger or
  // view refers to step_executions, so dropping it cascades nowhere and the rename has no reference to rewrite, and
  // the copy checks each row's run. A row of a run that is gone (only a store edited with foreign keys off has one)
  // would fail that check and the whole upgrade, so it is left behind, as deleting its run would have done.
  `
  CREATE TABLE step_executions_new (
    id                  INTEGER PRIMARY KEY,
    run_id              INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step                TEXT NOT NULL,
    cache_key           TEXT,
    outcome             TEXT NOT NULL CHECK (outcome IN ('miss', 'hit', 'failed', 'interrupted')),
    tier                TEXT CHECK (tier IN ('memory', 'disk')),
    source_run_id       INTEGER,                   -- for a hit: the run that computed it
    duration_ms         REAL NOT NULL,
    output_fingerprint  TEXT,
    output_bytes        INTEGER,
    error               TEXT,
    started_at          TEXT NOT NULL,
    reason              TEXT,                      -- e.g. "param lr changed (0.01 -> 0.1)"
    key_parts           TEXT                       -- JSON, written and read by the runner only
  );
  INSERT INTO step_executions_new (id, run_id, step, cache_key, outcome, tier, source_run_id, duration_ms,
      output_fingerprint, output_bytes, error, started_at, reason, key_parts)
    SELECT id, run_id, step, cache_key, outcome, tier, source_run_id, duration_ms,
      output_fingerprint, output_bytes, error, started_at, reason, key_parts
    FROM step_executions WHERE run_id IN (SELECT id FROM runs);
  DROP TABLE step_executions;
  ALTER TABLE step_executions_new RENAME TO step_executions;
  CREATE INDEX step_executions_by_run ON step_executions (run_id, id);
  CREATE INDEX step_executions_by_key ON step_executions (cache_key);
  CREATE INDEX step_executions_by_step ON step_executions (step, id);
  `,
  // 8: predictions served by `pipelab serve`, sampled, each in the serving run (a run of its own) that served it.
  // model_run_id has no foreign key: a packaged model names the run it was trained in, which may be in another store.
  `
  CREATE TABLE predictions (
    id            INTEGER PRIMARY KEY,
    run_id        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,  -- the serving run
    model_run_id  INTEGER,                     -- the run the model was trained in, when known
    ts_ms         INTEGER NOT NULL,            -- when it was served: Unix time, milliseconds
    latency_ms    REAL NOT NULL,
    inputs        TEXT NOT NULL,               -- JSON of the input record
    outputs       TEXT NOT NULL                -- JSON of the prediction
  );
  CREATE INDEX predictions_by_run ON predictions (run_id, id);
  CREATE INDEX predictions_by_model_run ON predictions (model_run_id, ts_ms);
  `,
  // 9: the source text of step functions and helpers, by the hash that stands for it in a key
  // (key_parts' code and helpers), stored once however many runs use it: a diff of two runs shows it.
  `
  CREATE TABLE code_sources (
    hash    TEXT PRIMARY KEY,
    source  TEXT NOT NULL
  ) WITHOUT ROWID;
  `,
];

/** The first schema with the predictions table: a store older than this has logged none. */
export const PREDICTIONS_SCHEMA = 8;

/** The first schema with the code_sources table: a store older than this kept no step source. */
export const CODE_SOURCES_SCHEMA = 9;

/** Steps per row of metric_blocks (a power of two: the block of a step is step >> METRIC_BLOCK_SHIFT). */
export const METRIC_BLOCK_SHIFT = 6;

/** The schema version this pipelab writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * The oldest schema this pipelab reads as it is. A store opened read-only
 * cannot be upgraded, so one older than this is refused; raise it when a
 * migration adds a table or column that a read (not only a write, nor the
 * crash sweep) uses. Migration 6 adds columns only the crash sweep reads;
 * migration 7 only widens a CHECK, so a store of schema 5 or 6 reads as before.
 * Migration 8 adds predictions, which the store reads only at PREDICTIONS_SCHEMA
 * or newer (an older store has logged none), so a store of schema 5 to 7 still reads.
 */
export const READABLE_FROM_SCHEMA = 5;
