/**
 * The job queue of distributed sweeps: pg-boss 10 on a PostgreSQL database,
 * behind this one adapter (nothing else in pipelab imports pg-boss), plus a
 * small bookkeeping schema of our own, `pipelab_sweeps`, in the same database:
 * which sweep has which jobs, and which worker made which attempt of a job.
 *
 * pg-boss owns the jobs' states (queued, active, retried, expired, completed,
 * failed) and hands each job to exactly one worker at a time (SKIP LOCKED).
 * Our tables say what pg-boss does not keep: the sweep's plan, the workers,
 * their heartbeats, and each attempt's outcome and run.
 */
import { createHash, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type PgBoss from "pg-boss";
import { SetupError, SweepError, messageOf } from "../errors";
import { redactUrl } from "../postgres";
import { isPostgresUrl } from "../tracking";
import { lazy } from "../util";

/** pg-boss, loaded when a queue is opened: not at every start of the CLI, which only a sweep or a worker needs it for. */
const pgBoss = lazy(() => require("pg-boss") as typeof PgBoss);

/** The one pg-boss queue all pipelab sweeps share: a worker takes whatever sweep comes next. */
export const SWEEP_QUEUE = "pipelab-sweep";
/** pg-boss's own tables live here, apart from any other pg-boss user of the database. */
const BOSS_SCHEMA = "pipelab_queue";
/** Our bookkeeping tables. */
const SCHEMA = "pipelab_sweeps";
/** The pg-boss line this adapter is written against (its SQL states and job columns). */
const BOSS_VERSION = /^10\./;

/** What a queued job carries: enough for a worker on another machine to run it. */
export interface SweepJobData {
  sweep: string;
  index: number;
  /** The script, relative to the project root, with / separators. */
  script: string;
  /** sha256 of the script's text when the sweep was started: a worker with another version refuses it. */
  scriptHash: string;
  params: Record<string, unknown>;
  /** The store to record into (its password left out), or null: the queue's own database. */
  store: string | null;
}

/** A job a worker has claimed. */
export interface ClaimedJob {
  /** pg-boss's id of the job. */
  id: string;
  data: SweepJobData;
  /** How long the job may stay active before pg-boss takes it back and retries it. */
  expireInSeconds: number;
  /** Attempts made before this one, and how many retries the job has in all. */
  retryCount: number;
  retryLimit: number;
}

/** A sweep to enqueue. */
export interface SweepPlan {
  id: string;
  script: string;
  scriptHash: string;
  store: string | null;
  jobs: readonly { index: number; params: Record<string, unknown> }[];
  /** pg-boss expiration of each job: a job active longer than this is taken for lost and retried. */
  jobTimeoutSeconds: number;
  /** How many times a failed or lost job is tried again. */
  retries: number;
}

/** How a job of a sweep stands. */
export type JobState = "waiting" | "queued" | "running" | "done" | "failed" | "cancelled";

/** One attempt at a job, by one worker. */
export interface AttemptRecord {
  worker: string;
  startedAt: string;
  heartbeatAt: string;
  endedAt: string | null;
  /** finished | failed | skipped | timed out | released | superseded | lost; null while it runs. */
  outcome: string | null;
  runId: number | null;
  detail: string | null;
}

/** The state of a sweep, as `pipelab sweep --status` prints it. */
export interface SweepStatus {
  id: string;
  script: string;
  createdAt: string;
  jobs: { index: number; params: Record<string, unknown>; state: JobState; attempts: AttemptRecord[] }[];
  workers: { name: string; host: string; heartbeatAt: string; stoppedAt: string | null; running: number; done: number; failed: number }[];
}

/** How to connect: a client only sends and reads; a worker also runs pg-boss's maintenance (expiring lost jobs). */
export interface QueueConnectOptions {
  role: "client" | "worker";
  /** How often a worker's pg-boss looks for expired jobs (one worker does it per interval). Default 15 s. */
  maintenanceIntervalSeconds?: number;
  /** Connections in the pool. Default 4. */
  connections?: number;
  /** pg-boss's errors (a lost connection, a failed maintenance): logged, never fatal. */
  onError: (error: Error) => void;
}

/**
 * The sweep queue in a PostgreSQL database.
 *
 * @example
 * ```ts
 * const queue = await SweepQueue.connect("postgres://lab@db/pipelab", { role: "client", onError: console.warn });
 * await queue.enqueue(plan);
 * console.log(await queue.status(plan.id));
 * await queue.close();
 * ```
 */
export class SweepQueue {
  private constructor(
    private readonly boss: PgBoss,
    /** The url without its password, for messages. */
    readonly where: string,
  ) {}

  static async connect(url: string, options: QueueConnectOptions): Promise<SweepQueue> {
    if (!isPostgresUrl(url)) throw new SweepError(`invalid --queue ${JSON.stringify(url)}: give a PostgreSQL url (postgres://user@host/db)`);
    checkPgBoss();
    const Boss = pgBoss();
    const boss = new Boss({
      connectionString: url,
      schema: BOSS_SCHEMA,
      application_name: `pipelab ${options.role}`,
      max: options.connections ?? 4,
      schedule: false,
      supervise: options.role === "worker",
      maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 15,
    });
    checkPgBoss(boss);
    // Without a listener an 'error' event would end the process; a worker lives through server restarts.
    boss.on("error", options.onError);
    const where = redactUrl(url);
    try {
      await boss.start();
      await boss.createQueue(SWEEP_QUEUE, { name: SWEEP_QUEUE, policy: "standard" });
      await createSchema(boss);
    } catch (error) {
      await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
      throw new SweepError(`cannot open the sweep queue at ${where}: ${messageOf(error)}`, { cause: error });
    }
    return new SweepQueue(boss, where);
  }

  /** Stops pg-boss and closes its connections. */
  async close(): Promise<void> {
    await this.boss.stop({ graceful: false, wait: true, close: true });
  }

  /**
   * Records the sweep and queues its job 0 alone. The other jobs are queued
   * when job 0 ends (release): job 0 fills the shared step cache with the
   * steps that do not depend on the swept parameters, which every other job
   * then reads instead of computing them again, on whichever machine it runs.
   */
  async enqueue(plan: SweepPlan): Promise<void> {
    const ids = plan.jobs.map(() => randomUUID());
    await this.sql(
      `INSERT INTO ${SCHEMA}.sweeps (id, script, script_hash, store, job_count, job_timeout_s, retries) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [plan.id, plan.script, plan.scriptHash, plan.store, plan.jobs.length, plan.jobTimeoutSeconds, plan.retries],
    );
    await this.sql(
      `INSERT INTO ${SCHEMA}.jobs (sweep_id, job_index, params, boss_id) SELECT $1, * FROM unnest($2::int[], $3::jsonb[], $4::uuid[])`,
      [plan.id, plan.jobs.map((j) => j.index), plan.jobs.map((j) => JSON.stringify(j.params)), ids],
    );
    await this.send(plan.id, [0]);
  }

  /** Queues every job of the sweep not queued yet (after job 0 ended). Idempotent: a job's pg-boss id is fixed in advance. */
  async release(sweep: string): Promise<void> {
    const rows = await this.sql<{ job_index: number }>(`SELECT job_index FROM ${SCHEMA}.jobs WHERE sweep_id = $1 ORDER BY job_index`, [sweep]);
    await this.send(sweep, rows.map((r) => r.job_index).filter((i) => i !== 0));
    await this.sql(`UPDATE ${SCHEMA}.sweeps SET released_at = COALESCE(released_at, now()) WHERE id = $1`, [sweep]);
  }

  /**
   * Releases the sweeps whose job 0 has ended without releasing them: a job 0
   * lost on every attempt is failed by pg-boss's expiration, where no worker
   * was there to release the rest. Idle workers call it now and then.
   */
  async releaseEnded(): Promise<void> {
    const pending = await this.sql<{ id: string; boss_id: string }>(
      `SELECT s.id, j.boss_id FROM ${SCHEMA}.sweeps s JOIN ${SCHEMA}.jobs j ON j.sweep_id = s.id AND j.job_index = 0 WHERE s.released_at IS NULL`,
      [],
    );
    for (const sweep of pending) {
      const first = await this.boss.getJobById<unknown>(SWEEP_QUEUE, sweep.boss_id, { includeArchive: true });
      if (first && (first.state === "failed" || first.state === "completed" || first.state === "cancelled")) await this.release(sweep.id);
    }
  }

  private async send(sweep: string, indexes: readonly number[]): Promise<void> {
    const [plan] = await this.sql<{ script: string; script_hash: string; store: string | null; job_timeout_s: number; retries: number }>(
      `SELECT script, script_hash, store, job_timeout_s, retries FROM ${SCHEMA}.sweeps WHERE id = $1`,
      [sweep],
    );
    if (!plan) throw new SweepError(`no sweep ${JSON.stringify(sweep)} in the queue at ${this.where}`);
    const jobs = await this.sql<{ job_index: number; params: Record<string, unknown>; boss_id: string }>(
      `SELECT job_index, params, boss_id FROM ${SCHEMA}.jobs WHERE sweep_id = $1 AND job_index = ANY($2::int[]) ORDER BY job_index`,
      [sweep, [...indexes]],
    );
    for (const job of jobs) {
      const data: SweepJobData = { sweep, index: job.job_index, script: plan.script, scriptHash: plan.script_hash, params: job.params, store: plan.store };
      // The same id again is ignored by pg-boss (ON CONFLICT DO NOTHING): a second release queues nothing twice.
      await this.boss.send(SWEEP_QUEUE, data, { id: job.boss_id, expireInSeconds: plan.job_timeout_s, retryLimit: plan.retries, retryDelay: 1 });
    }
  }

  /** Claims the next job, or undefined when none is ready. A lost connection reads as none (pg-boss swallows it). */
  async fetch(): Promise<ClaimedJob | undefined> {
    const [job] = await this.boss.fetch<unknown>(SWEEP_QUEUE, { batchSize: 1, includeMetadata: true });
    if (!job) return undefined;
    return { id: job.id, data: parseJobData(job.data), expireInSeconds: job.expireInSeconds, retryCount: job.retryCount, retryLimit: job.retryLimit };
  }

  /** Marks a job done; a job pg-boss already took back (expired) is left alone. */
  async complete(job: ClaimedJob, output: Record<string, unknown>): Promise<void> {
    await this.boss.complete(SWEEP_QUEUE, job.id, output);
  }

  /** Marks a job failed: pg-boss queues it again while it has retries left. */
  async fail(job: ClaimedJob, output: Record<string, unknown>): Promise<void> {
    await this.boss.fail(SWEEP_QUEUE, job.id, output);
  }

  /** Says that a worker is alive (and how many jobs it may run). */
  async workerBeat(worker: WorkerIdentity, stopped = false): Promise<void> {
    await this.sql(
      `INSERT INTO ${SCHEMA}.workers (name, host, pid, concurrency, started_at, heartbeat_at, stopped_at) VALUES ($1, $2, $3, $4, now(), now(), CASE WHEN $5 THEN now() END)
       ON CONFLICT (name) DO UPDATE SET host = excluded.host, pid = excluded.pid, concurrency = excluded.concurrency, heartbeat_at = now(), stopped_at = excluded.stopped_at`,
      [worker.name, worker.host, worker.pid, worker.concurrency, stopped],
    );
  }

  /** Records that a worker began an attempt at a job; returns the attempt's id. */
  async beginAttempt(job: ClaimedJob, worker: string): Promise<number> {
    // pg-boss handed the job out again: the attempts still open are over (their worker died, or stopped them at the timeout).
    await this.sql(
      `UPDATE ${SCHEMA}.attempts SET ended_at = now(), outcome = 'lost', detail = $3 WHERE sweep_id = $1 AND job_index = $2 AND ended_at IS NULL`,
      [job.data.sweep, job.data.index, `the job was taken up again by worker ${worker}`],
    );
    const [row] = await this.sql<{ id: string }>(
      `INSERT INTO ${SCHEMA}.attempts (sweep_id, job_index, boss_id, worker) VALUES ($1, $2, $3, $4) RETURNING id`,
      [job.data.sweep, job.data.index, job.id, worker],
    );
    return Number(row?.id);
  }

  /** Records which run each attempt made, where the attempt could not say it itself (its worker died). */
  async linkRuns(pairs: readonly (readonly [attempt: number, run: number])[]): Promise<void> {
    if (pairs.length === 0) return;
    await this.sql(
      `UPDATE ${SCHEMA}.attempts a SET run_id = v.run FROM unnest($1::bigint[], $2::integer[]) AS v (id, run) WHERE a.id = v.id AND a.run_id IS NULL`,
      [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
    );
  }

  /** Refreshes the heartbeat of running attempts. */
  async beatAttempts(ids: readonly number[]): Promise<void> {
    if (ids.length > 0) await this.sql(`UPDATE ${SCHEMA}.attempts SET heartbeat_at = now() WHERE id = ANY($1::bigint[]) AND ended_at IS NULL`, [[...ids]]);
  }

  /** Records how an attempt ended. */
  async endAttempt(id: number, outcome: string, runId: number | undefined, detail: string | undefined): Promise<void> {
    await this.sql(`UPDATE ${SCHEMA}.attempts SET ended_at = now(), heartbeat_at = now(), outcome = $2, run_id = $3, detail = $4 WHERE id = $1`, [
      id,
      outcome,
      runId ?? null,
      detail ?? null,
    ]);
  }

  /** The sweep's jobs with their states and attempts, and the workers that took them. */
  async status(sweep: string): Promise<SweepStatus> {
    const [head] = await this.sql<{ script: string; created_at: Date }>(`SELECT script, created_at FROM ${SCHEMA}.sweeps WHERE id = $1`, [sweep]);
    if (!head) throw new SweepError(`no sweep ${JSON.stringify(sweep)} in the queue at ${this.where}; \`pipelab sweep\` prints the id of each sweep it starts`);
    const jobs = await this.sql<{ job_index: number; params: Record<string, unknown>; boss_id: string }>(
      `SELECT job_index, params, boss_id FROM ${SCHEMA}.jobs WHERE sweep_id = $1 ORDER BY job_index`,
      [sweep],
    );
    const attempts = await this.sql<{ job_index: number; worker: string; started_at: Date; heartbeat_at: Date; ended_at: Date | null; outcome: string | null; run_id: number | null; detail: string | null }>(
      `SELECT job_index, worker, started_at, heartbeat_at, ended_at, outcome, run_id, detail FROM ${SCHEMA}.attempts WHERE sweep_id = $1 ORDER BY id`,
      [sweep],
    );
    const out: SweepStatus["jobs"] = [];
    for (const job of jobs) {
      const boss = await this.boss.getJobById<unknown>(SWEEP_QUEUE, job.boss_id, { includeArchive: true });
      out.push({
        index: job.job_index,
        params: job.params,
        state: boss ? stateOf(boss.state) : "waiting",
        attempts: attempts
          .filter((a) => a.job_index === job.job_index)
          .map((a) => ({
            worker: a.worker,
            startedAt: a.started_at.toISOString(),
            heartbeatAt: a.heartbeat_at.toISOString(),
            endedAt: a.ended_at?.toISOString() ?? null,
            outcome: a.outcome,
            runId: a.run_id,
            detail: a.detail,
          })),
      });
    }
    const names = [...new Set(attempts.map((a) => a.worker))];
    const workers = await this.sql<{ name: string; host: string; heartbeat_at: Date; stopped_at: Date | null }>(
      `SELECT name, host, heartbeat_at, stopped_at FROM ${SCHEMA}.workers WHERE name = ANY($1::text[]) ORDER BY name`,
      [names],
    );
    return {
      id: sweep,
      script: head.script,
      createdAt: head.created_at.toISOString(),
      jobs: out,
      workers: workers.map((w) => {
        const mine = out.map((j) => ({ j, last: j.attempts.filter((a) => a.worker === w.name) }));
        return {
          name: w.name,
          host: w.host,
          heartbeatAt: w.heartbeat_at.toISOString(),
          stoppedAt: w.stopped_at?.toISOString() ?? null,
          running: mine.filter(({ last }) => last.some((a) => a.outcome === null)).length,
          done: mine.filter(({ last }) => last.some((a) => a.outcome === "finished" || a.outcome === "skipped")).length,
          failed: mine.filter(({ last }) => last.some((a) => a.outcome !== null && a.outcome !== "finished" && a.outcome !== "skipped")).length,
        };
      }),
    };
  }

  /** Our own statements go through pg-boss's pool: one set of connections, reconnected after a server restart. */
  private async sql<T>(text: string, values: unknown[]): Promise<T[]> {
    const result = await this.boss.getDb().executeSql(text, values);
    return (result?.rows ?? []) as T[];
  }
}

/** Who a worker is, as the workers table records it. */
export interface WorkerIdentity {
  name: string;
  host: string;
  pid: number;
  concurrency: number;
}

/** pg-boss's job states in the words of a sweep. */
function stateOf(state: PgBoss.JobWithMetadata["state"]): JobState {
  switch (state) {
    case "created":
    case "retry":
      return "queued";
    case "active":
      return "running";
    case "completed":
      return "done";
    case "cancelled":
      return "cancelled";
    case "failed":
      return "failed";
  }
}

/** Checks the shape of a job's data: it comes from the database, written by some other pipelab. */
export function parseJobData(value: unknown): SweepJobData {
  const o = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  const ok =
    typeof o.sweep === "string" &&
    typeof o.index === "number" &&
    Number.isInteger(o.index) &&
    typeof o.script === "string" &&
    typeof o.scriptHash === "string" &&
    typeof o.params === "object" &&
    o.params !== null &&
    !Array.isArray(o.params) &&
    (o.store === null || typeof o.store === "string");
  if (!ok) throw new SweepError(`a job of queue ${SWEEP_QUEUE} is not a pipelab sweep job: ${JSON.stringify(value).slice(0, 200)}`);
  return { sweep: o.sweep as string, index: o.index as number, script: o.script as string, scriptHash: o.scriptHash as string, params: o.params as Record<string, unknown>, store: o.store as string | null };
}

/** sha256 of a script's text, as a job records it. */
export function scriptHash(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

/** A store url to put in a job: without its password, which each worker supplies itself (its own url, PGPASSWORD or ~/.pgpass). */
export function storeForJobs(store: string): string {
  const url = new URL(store);
  url.password = "";
  return url.toString();
}

/** The store url a worker records into: the job's, with the password of the worker's queue url when they share user and server. */
export function storeOfJob(data: SweepJobData, queueUrl: string): string {
  if (data.store === null) return queueUrl;
  const store = new URL(data.store);
  const queue = new URL(queueUrl);
  if (store.password === "" && queue.password !== "" && store.username === queue.username && store.host === queue.host) store.password = queue.password;
  return store.toString();
}

/** Refuses, naming the version it expects, a pg-boss this adapter is not written for (its SQL states, job columns and options). */
function checkPgBoss(boss?: PgBoss): void {
  let version = "unknown";
  try {
    version = (JSON.parse(readFileSync(require.resolve("pg-boss/package.json"), "utf8")) as { version?: string }).version ?? version;
  } catch {
    // Left unknown: refused below.
  }
  const methods = ["start", "stop", "createQueue", "send", "fetch", "complete", "fail", "getJobById", "getDb"];
  const shaped = boss === undefined || methods.every((m) => typeof (boss as unknown as Record<string, unknown>)[m] === "function");
  if (typeof pgBoss() !== "function" || !BOSS_VERSION.test(version) || !shaped) {
    throw new SetupError(`pipelab's sweep queue needs pg-boss 10.x (the last line for Node 20); found ${version}. Reinstall pipelab's dependencies (npm ci).`);
  }
}

/** Creates our bookkeeping tables once, however many processes start at the same time (a transaction-scoped advisory lock). */
async function createSchema(boss: PgBoss): Promise<void> {
  await boss.getDb().executeSql(
    `BEGIN;
     SELECT pg_advisory_xact_lock(hashtext('${SCHEMA}'));
     CREATE SCHEMA IF NOT EXISTS ${SCHEMA};
     CREATE TABLE IF NOT EXISTS ${SCHEMA}.sweeps (
       id text PRIMARY KEY, script text NOT NULL, script_hash text NOT NULL, store text, job_count integer NOT NULL,
       job_timeout_s integer NOT NULL, retries integer NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), released_at timestamptz);
     CREATE TABLE IF NOT EXISTS ${SCHEMA}.jobs (
       sweep_id text NOT NULL REFERENCES ${SCHEMA}.sweeps (id) ON DELETE CASCADE, job_index integer NOT NULL, params jsonb NOT NULL,
       boss_id uuid NOT NULL, PRIMARY KEY (sweep_id, job_index));
     CREATE TABLE IF NOT EXISTS ${SCHEMA}.attempts (
       id bigserial PRIMARY KEY, sweep_id text NOT NULL, job_index integer NOT NULL, boss_id uuid NOT NULL, worker text NOT NULL,
       started_at timestamptz NOT NULL DEFAULT now(), heartbeat_at timestamptz NOT NULL DEFAULT now(), ended_at timestamptz,
       outcome text, run_id integer, detail text);
     CREATE INDEX IF NOT EXISTS attempts_sweep ON ${SCHEMA}.attempts (sweep_id, job_index);
     CREATE TABLE IF NOT EXISTS ${SCHEMA}.workers (
       name text PRIMARY KEY, host text NOT NULL, pid integer NOT NULL, concurrency integer NOT NULL,
       started_at timestamptz NOT NULL, heartbeat_at timestamptz NOT NULL, stopped_at timestamptz);
     COMMIT;`,
    [],
  );
}
