/**
 * `pipelab store push`: copies the runs of a local store file (experiments.db)
 * into a shared PostgreSQL store, once each. A user who outgrows one machine
 * keeps the history they made on it.
 *
 * What a run takes along: its row (status, times, host, pid, git, note, error,
 * deleted_at: a run deleted locally arrives deleted, and can be restored
 * there), params, tags, its whole metric history in the order it was logged,
 * the finals and 64-step blocks, step executions and artifact records (the
 * records: artifact files stay where their paths say). The code sources its
 * steps hashed go once per store (content-addressed). Experiments are matched
 * by name. A run still `running` is skipped and copied by the push after it
 * ends: the copy would never see its end.
 *
 * Once each: the shared store's `pushed_runs` holds, for each copied run, the
 * store it came from, its id there and its id here. A run is copied in one
 * transaction together with its row in `pushed_runs`, under an advisory lock
 * of its store: a push that is killed leaves whole runs only, the next one
 * copies the rest, and two pushes of one store at once copy each run once.
 *
 * Which store a run came from: the SQLite file has no id of its own, and
 * pushing reads it without writing to it. Its path is no identity (files
 * move, and are copied to other machines), nor its host. Its first experiment
 * is: pipelab never deletes an experiment (runs are deleted and purged,
 * experiments are not), and its name and creation time (in milliseconds) do
 * not change when the file moves, is copied or re-encrypted. The limits: two
 * stores whose first experiments have the same name and were created in the
 * same millisecond are taken for one, and so are a store and a copy of it
 * that went on separately. Each mapped run therefore also keeps its host and
 * start time; a local run whose id is mapped to a different run is reported
 * as a conflict and not copied, never merged. An experiment row deleted by
 * hand (sqlite3) gives the file a new identity: its runs would be copied again.
 *
 * A step served from the cache names the run that computed it
 * (source_run_id): that id is mapped to the copy of that run, when it is in
 * the shared store, else it is null there.
 */
import type Database from "better-sqlite3";
import { resolve } from "node:path";
import { TrackingError, messageOf } from "../errors";
import { PostgresError, SyncPostgres, redactUrl } from "../postgres";
import type { PostgresParam, PostgresQueryable } from "../postgres";
import { sha256 } from "../util";
import { STALE_HEARTBEAT_MS } from "./crash-sweep";
import { isPostgresUrl } from "./location";
import { openForReading } from "./open-store";
import { PG_SCHEMA_VERSION, migratePostgres, schemaVersion } from "./pg-schema";
import { localProbe, ownerIsGone } from "./process-owner";
import { storeKey } from "./store-key";
import type { RunId, RunStatus } from "./types";

/** How a push runs. */
export interface PushOptions {
  /** Called with a line of text as the push goes (after each run is committed). A throw stops the push there. */
  onProgress?(line: string): void;
  /** Say what would be copied, and write nothing (the shared store's schema is not even created). */
  dryRun?: boolean;
}

/** A run of the local store and its copy in the shared store. */
export interface PushedRun {
  /** Its id in the local file. */
  local: RunId;
  /** Its id in the shared store; null in a dry run. */
  shared: RunId | null;
  experiment: string;
  /** Metric points copied with it (would be, in a dry run; 0 for a run that was already there). */
  points: number;
}

/** A run that was not copied, and why. */
export interface SkippedRun {
  local: RunId;
  experiment: string;
  /** `running`: still running (or its process died and no one has marked it crashed yet): the next push copies it once it has ended. `conflict`: its id is mapped to another run (see the file's comment). */
  reason: "running" | "conflict";
  /** The reason in words, with what to do. */
  detail: string;
}

/** What a push did (or, in a dry run, would do). */
export interface PushReport {
  /** The local file, as an absolute path. */
  from: string;
  /** The shared store's URL, without its password. */
  to: string;
  /** The local store's identity in `pushed_runs.source_store`; null for a store without runs. */
  storeId: string | null;
  dryRun: boolean;
  /** Runs copied by this push, in the order of their local ids, with their new ids: the id mapping of this push. */
  copied: PushedRun[];
  /** Runs copied before (by an earlier push, or by another push at the same time): not copied again. */
  alreadyThere: PushedRun[];
  skipped: SkippedRun[];
  /** Metric points copied, all runs together. */
  points: number;
  /** Step source texts copied (those the shared store lacked). */
  codeSources: number;
}

/**
 * Copies the runs of the local store file `fromFile` that the shared store at
 * `toUrl` does not have yet, creating or upgrading its schema first. Reads the
 * file without writing to it (an encrypted one with the key of
 * `$PIPELAB_STORE_KEY` or `$PIPELAB_STORE_KEY_FILE`).
 *
 * @example
 * ```ts
 * const report = pushStore("experiments.db", "postgres://lab@db.internal/pipelab", { onProgress: console.log });
 * for (const run of report.copied) console.log(`local run ${run.local} is run ${run.shared} of the team's store`);
 * pushStore("experiments.db", "postgres://lab@db.internal/pipelab").copied.length; // 0: all already there
 * ```
 */
export function pushStore(fromFile: string, toUrl: string, options: PushOptions = {}): PushReport {
  if (isPostgresUrl(fromFile)) {
    throw new TrackingError(`cannot push from ${redactUrl(fromFile)}: it is a PostgreSQL store; push copies a local store file (experiments.db) into one`);
  }
  if (!isPostgresUrl(toUrl)) throw new TrackingError(`invalid store to push to: ${JSON.stringify(toUrl)} (a PostgreSQL URL: postgres://user@host/database)`);
  const from = resolve(fromFile);
  const to = redactUrl(toUrl);
  const local = openForReading(from, storeKey());
  try {
    const source = readSource(local, from);
    const shared = connect(toUrl, to);
    try {
      return new Push(source, shared, to, options).run();
    } finally {
      shared.close();
    }
  } finally {
    local.close();
  }
}

// ---------------------------------------------------------------------------
// The local file.

/** The columns of a run copied as they are, in both stores' names (pid_start_ticks and boot_id are null in a store older than schema 6). */
const RUN_FIELDS = [
  "name", "status", "source_kind", "source_path", "source_hash", "started_at", "ended_at", "heartbeat_at", "host", "pid", "pid_start_ticks",
  "boot_id", "node_version", "pipelab_version", "tf_backend", "error", "failed_step", "note", "git_commit", "git_dirty", "deleted_at",
] as const;

type Cell = string | number | null;

/** A run of the local file. */
interface SourceRun {
  id: RunId;
  experiment: string;
  experimentCreatedAt: string;
  status: RunStatus;
  host: string;
  startedAt: string;
  /** The row's values, in RUN_FIELDS order. */
  values: Cell[];
  row: Record<string, Cell>;
}

interface Source {
  file: string;
  db: Database.Database;
  id: string | null;
  runs: SourceRun[];
  hasCodeSources: boolean;
}

function readSource(db: Database.Database, file: string): Source {
  const first = db.prepare("SELECT name, created_at FROM experiments ORDER BY id LIMIT 1").get() as { name: string; created_at: string } | undefined;
  const rows = db
    .prepare("SELECT r.*, e.name AS experiment__name, e.created_at AS experiment__created_at FROM runs r JOIN experiments e ON e.id = r.experiment_id ORDER BY r.id")
    .all() as Record<string, Cell>[];
  const runs = rows.map((row): SourceRun => ({
    id: row.id as RunId,
    experiment: row.experiment__name as string,
    experimentCreatedAt: row.experiment__created_at as string,
    status: row.status as RunStatus,
    host: row.host as string,
    startedAt: row.started_at as string,
    values: RUN_FIELDS.map((f) => row[f] ?? null),
    row,
  }));
  const hasCodeSources = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'code_sources'").get() !== undefined;
  return { file, db, id: first ? storeIdentity(first.name, first.created_at) : null, runs, hasCodeSources };
}

/** The local store's identity: its first experiment, which pipelab never deletes (the file's comment says why and its limits). */
function storeIdentity(name: string, createdAt: string): string {
  return `sqlite:${sha256(`${createdAt}\n${name}`).slice(0, 32)}`;
}

/** A table copied with its runs: the columns of both stores (same names) with their PostgreSQL types, and the order rows are read in. */
interface CopiedTable {
  table: string;
  columns: readonly (readonly [name: string, type: "text" | "float8" | "int8" | "integer"])[];
  order: string;
}

const TABLES: readonly CopiedTable[] = [
  { table: "params", columns: [["key", "text"], ["type", "text"], ["value", "text"]], order: "key" },
  { table: "tags", columns: [["key", "text"], ["value", "text"]], order: "key" },
  // In the order logged: points of one step keep their order in the shared store's history (ORDER BY step, id).
  { table: "metrics", columns: [["key", "text"], ["value", "float8"], ["step", "int8"], ["ts_ms", "int8"]], order: "rowid" },
  { table: "metric_finals", columns: [["key", "text"], ["value", "float8"], ["step", "int8"], ["ts_ms", "int8"]], order: "key" },
  {
    table: "metric_blocks",
    columns: [["key", "text"], ["block", "int8"], ["n", "int8"], ["min_step", "int8"], ["min_value", "float8"], ["max_step", "int8"], ["max_value", "float8"]],
    order: "key, block",
  },
  {
    table: "step_executions",
    columns: [
      ["step", "text"], ["cache_key", "text"], ["outcome", "text"], ["tier", "text"], ["source_run_id", "integer"], ["duration_ms", "float8"],
      ["output_fingerprint", "text"], ["output_bytes", "int8"], ["error", "text"], ["started_at", "text"], ["reason", "text"], ["key_parts", "text"],
    ],
    order: "id",
  },
  { table: "artifacts", columns: [["name", "text"], ["kind", "text"], ["cache_key", "text"], ["path", "text"], ["created_at", "text"]], order: "id" },
];

/** Rows a statement binds at most: a long history goes in several statements of one transaction. */
const BATCH_ROWS = 20_000;

/** The rows of a run in one table, in batches, read as its values (columns in the table's order). */
function* localRows(db: Database.Database, spec: CopiedTable, run: RunId): Generator<Cell[][]> {
  const statement = db.prepare(`SELECT ${spec.columns.map(([name]) => name).join(", ")} FROM ${spec.table} WHERE run_id = ? ORDER BY ${spec.order}`).raw(true);
  let batch: Cell[][] = [];
  for (const row of statement.iterate(run) as IterableIterator<Cell[]>) {
    batch.push(row);
    if (batch.length === BATCH_ROWS) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

function countPoints(db: Database.Database, run: RunId): number {
  return (db.prepare("SELECT count(*) AS n FROM metrics WHERE run_id = ?").get(run) as { n: number }).n;
}

// ---------------------------------------------------------------------------
// The shared store.

function connect(url: string, to: string): SyncPostgres {
  try {
    return SyncPostgres.connect(url, { applicationName: "pipelab store push" });
  } catch (error) {
    throw new TrackingError(`cannot open the experiment store ${to} to push to: ${messageOf(error)}`, { cause: error });
  }
}

/** A run already in the shared store, as pushed_runs has it. */
interface Mapped {
  shared: RunId;
  host: string;
  startedAt: string;
}

/** The advisory lock a run's copy holds, with its store's hash as the second key: "push" in ASCII. */
const PUSH_LOCK = 0x70757368;

class Push {
  private readonly report: PushReport;
  /** Local run ids to shared ones, for the source runs of cached steps: those pushed before, and by this push. */
  private readonly ids = new Map<RunId, RunId>();

  constructor(
    private readonly source: Source,
    private readonly db: SyncPostgres,
    to: string,
    private readonly options: PushOptions,
  ) {
    const dryRun = options.dryRun ?? false;
    this.report = { from: source.file, to, storeId: source.id, dryRun, copied: [], alreadyThere: [], skipped: [], points: 0, codeSources: 0 };
  }

  run(): PushReport {
    const { source, report } = this;
    const mapped = this.prepare();
    const pending: SourceRun[] = [];
    const probe = localProbe();
    for (const run of source.runs) {
      const there = mapped.get(run.id);
      if (there !== undefined && there.host === run.host && there.startedAt === run.startedAt) {
        this.ids.set(run.id, there.shared);
        report.alreadyThere.push({ local: run.id, shared: there.shared, experiment: run.experiment, points: 0 });
      } else if (there !== undefined) {
        report.skipped.push({ local: run.id, experiment: run.experiment, reason: "conflict", detail: conflict(run, there) });
      } else if (run.status === "running") {
        report.skipped.push({ local: run.id, experiment: run.experiment, reason: "running", detail: stillRunning(run, probe, source.file) });
      } else {
        pending.push(run);
      }
    }
    this.say(
      `${report.dryRun ? "would push" : "pushing"} ${source.file} to ${report.to}: ${plural(source.runs.length, "run")}, ${count(pending.length)} to copy, ` +
        `${count(report.alreadyThere.length)} already there, ${count(report.skipped.length)} skipped`,
    );
    for (const s of report.skipped) this.say(`  skipped run ${s.local} (${s.experiment}): ${s.detail}`);
    this.copyCodeSources();
    for (const run of pending) {
      if (report.dryRun) {
        const points = countPoints(source.db, run.id);
        report.copied.push({ local: run.id, shared: null, experiment: run.experiment, points });
        report.points += points;
        this.say(`  would copy run ${run.id} (${run.experiment}, ${plural(points, "metric point")})`);
        continue;
      }
      const { pushed, meanwhile } = this.copyRun(run);
      this.ids.set(run.id, pushed.shared as RunId);
      if (meanwhile) {
        report.alreadyThere.push(pushed);
        this.say(`  run ${run.id} (${run.experiment}) was copied meanwhile by another push, as run ${pushed.shared}`);
      } else {
        report.copied.push(pushed);
        report.points += pushed.points;
        this.say(`  run ${run.id} -> ${pushed.shared} (${run.experiment}, ${plural(pushed.points, "metric point")})`);
      }
    }
    return report;
  }

  /** Brings the shared store's schema up to date (only reads it in a dry run) and returns the runs of this store it has. */
  private prepare(): Map<RunId, Mapped> {
    const where = `the experiment store ${this.report.to}`;
    const mapped = new Map<RunId, Mapped>();
    try {
      if (this.report.dryRun) {
        const version = schemaVersion(this.db);
        if (version > PG_SCHEMA_VERSION) {
          throw new TrackingError(`${where} was written by a newer pipelab (store schema ${version}; this pipelab knows up to ${PG_SCHEMA_VERSION}). Upgrade pipelab to push to it.`);
        }
        if (this.db.query<{ t: string | null }>("SELECT to_regclass('pushed_runs')::text AS t").rows[0]?.t == null) return mapped;
      } else {
        migratePostgres(this.db, where);
      }
      if (this.source.id === null) return mapped;
      const rows = this.db.query<{ source_run_id: number; run_id: number; source_host: string; source_started_at: string }>(
        "SELECT source_run_id, run_id, source_host, source_started_at FROM pushed_runs WHERE source_store = $1",
        [this.source.id],
      ).rows;
      for (const r of rows) mapped.set(r.source_run_id as RunId, { shared: r.run_id as RunId, host: r.source_host, startedAt: r.source_started_at });
      return mapped;
    } catch (error) {
      if (error instanceof TrackingError) throw error;
      throw new TrackingError(`cannot push to ${where}: ${messageOf(error)}`, { cause: error });
    }
  }

  /** The step sources the shared store lacks, in one transaction (the same text under the same hash: never copied twice). */
  private copyCodeSources(): void {
    if (!this.source.hasCodeSources) return;
    const all = this.source.db.prepare("SELECT hash, source FROM code_sources ORDER BY hash").raw(true).all() as [string, string][];
    if (all.length === 0) return;
    const hashes = all.map(([hash]) => hash);
    const present = this.report.dryRun && !this.hasTable("code_sources") ? new Set<string>() : this.presentHashes(hashes);
    const missing = all.filter(([hash]) => !present.has(hash));
    if (missing.length === 0) return;
    if (this.report.dryRun) {
      this.report.codeSources = missing.length;
      return;
    }
    this.write("copy step sources", (tx) => {
      for (let i = 0; i < missing.length; i += BATCH_ROWS) {
        const batch = missing.slice(i, i + BATCH_ROWS);
        this.report.codeSources += tx.query("INSERT INTO code_sources (hash, source) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (hash) DO NOTHING", [
          batch.map(([hash]) => hash),
          batch.map(([, text]) => text),
        ]).rowCount;
      }
    });
  }

  private presentHashes(hashes: string[]): Set<string> {
    const rows = this.db.query<{ hash: string }>("SELECT hash FROM code_sources WHERE hash = ANY($1::text[])", [hashes]).rows;
    return new Set(rows.map((r) => r.hash));
  }

  private hasTable(name: string): boolean {
    return this.db.query<{ t: string | null }>("SELECT to_regclass($1)::text AS t", [name]).rows[0]?.t != null;
  }

  /**
   * Copies one run in one transaction, reading it from the local file in one
   * read transaction. Returns its copy; `meanwhile` when another push copied
   * it since this one began (then nothing was written).
   */
  private copyRun(run: SourceRun): { pushed: PushedRun; meanwhile: boolean } {
    const storeId = this.source.id as string;
    return this.source.db.transaction(() =>
      this.write(`copy run ${run.id}`, (tx) => {
        tx.query("SELECT pg_advisory_xact_lock($1::integer, hashtext($2))", [PUSH_LOCK, storeId]);
        const there = tx.query<{ run_id: number }>("SELECT run_id FROM pushed_runs WHERE source_store = $1 AND source_run_id = $2", [storeId, run.id]).rows[0];
        if (there) return { pushed: { local: run.id, shared: there.run_id as RunId, experiment: run.experiment, points: 0 }, meanwhile: true };
        tx.query("INSERT INTO experiments (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING", [run.experiment, run.experimentCreatedAt]);
        const experiment = (tx.query<{ id: number }>("SELECT id FROM experiments WHERE name = $1", [run.experiment]).rows[0] as { id: number }).id;
        const placeholders = RUN_FIELDS.map((_, i) => `$${i + 2}`).join(", ");
        const shared = (
          tx.query<{ id: number }>(`INSERT INTO runs (experiment_id, ${RUN_FIELDS.join(", ")}) VALUES ($1, ${placeholders}) RETURNING id`, [experiment, ...run.values])
            .rows[0] as { id: number }
        ).id as RunId;
        // A step of this run served from its own earlier computation names the run itself.
        const sharedId = (id: RunId): RunId | null => (id === run.id ? shared : (this.ids.get(id) ?? null));
        let points = 0;
        for (const spec of TABLES) {
          const remap = spec.table === "step_executions" ? spec.columns.findIndex(([name]) => name === "source_run_id") : -1;
          for (const batch of localRows(this.source.db, spec, run.id)) {
            if (remap >= 0) for (const row of batch) row[remap] = row[remap] === null ? null : sharedId(row[remap] as RunId);
            insertRows(tx, spec, shared, batch);
            if (spec.table === "metrics") points += batch.length;
          }
        }
        tx.query(
          `INSERT INTO pushed_runs (source_store, source_run_id, run_id, source_host, source_started_at, source_file, pushed_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [storeId, run.id, shared, run.host, run.startedAt, this.source.file, new Date().toISOString()],
        );
        return { pushed: { local: run.id, shared, experiment: run.experiment, points }, meanwhile: false };
      }),
    )();
  }

  private write<T>(what: string, fn: (tx: PostgresQueryable) => T): T {
    try {
      return this.db.transaction(fn);
    } catch (error) {
      if (error instanceof TrackingError) throw error;
      const copied = this.report.copied.length;
      throw new TrackingError(
        `cannot ${what} of ${this.source.file} to ${this.report.to}: ${problem(error)}. ` +
          `${copied === 0 ? "Nothing was copied" : `The ${plural(copied, "run")} before it ${copied === 1 ? "was" : "were"} copied`}, and nothing of this run: push again to go on`,
        { cause: error },
      );
    }
  }

  private say(line: string): void {
    this.options.onProgress?.(line);
  }
}

/** A batch of a run's rows into its table of the shared store, in the order given (unnest WITH ORDINALITY: ids follow it). */
function insertRows(tx: PostgresQueryable, spec: CopiedTable, run: RunId, rows: readonly Cell[][]): void {
  const names = spec.columns.map(([name]) => name);
  const arrays = spec.columns.map((_, i) => rows.map((row) => row[i] ?? null));
  const unnest = spec.columns.map(([, type], i) => `$${i + 2}::${type}[]`).join(", ");
  tx.query(
    `INSERT INTO ${spec.table} (run_id, ${names.join(", ")})
     SELECT $1, ${names.map((n) => `u.${n}`).join(", ")} FROM unnest(${unnest}) WITH ORDINALITY AS u(${names.join(", ")}, push_order) ORDER BY u.push_order`,
    [run, ...(arrays as PostgresParam[])],
  );
}

function conflict(run: SourceRun, there: Mapped): string {
  return (
    `its id is mapped to run ${there.shared} of the shared store, which came from a run started ${there.startedAt} on ${there.host}, ` +
    `not from this one (started ${run.startedAt} on ${run.host}): another store with the same identity (a copy of this file that went on separately?) pushed it; it is left out rather than mixed up`
  );
}

function stillRunning(run: SourceRun, probe: ReturnType<typeof localProbe>, file: string): string {
  const owner = {
    pid: run.row.pid as number,
    host: run.host,
    heartbeatAt: run.row.heartbeat_at as string,
    startTicks: (run.row.pid_start_ticks ?? null) as number | null,
    bootId: (run.row.boot_id ?? null) as string | null,
  };
  if (ownerIsGone(owner, probe, STALE_HEARTBEAT_MS)) {
    return `still marked running, but its process is gone: \`pipelab runs ls --store ${file}\` marks it crashed; push again then`;
  }
  return "still running: push again when it has ended";
}

function problem(error: unknown): string {
  if (error instanceof PostgresError && error.code === "42501") return `permission denied: ${error.message}`;
  return messageOf(error);
}

function count(n: number): string {
  return n.toLocaleString("en-US");
}

function plural(n: number, what: string): string {
  return `${count(n)} ${what}${n === 1 ? "" : "s"}`;
}
