/**
 * A sweep worker: `pipelab worker --queue postgres://...` on any machine with
 * the project checked out. It claims jobs from the queue, runs each one's
 * script with the same child-process runner as a local sweep (runScript),
 * recording into the shared store, and says it is alive.
 *
 * ## Decisions
 *
 * - **A lost worker's job comes back by pg-boss's expiration.** Each job is
 *   queued with `expireInSeconds` (the sweep's `--job-timeout`); a job active
 *   longer than that is failed by pg-boss's maintenance (which every worker
 *   runs, one at a time) and queued again while it has retries. A worker
 *   kills its own child at the same timeout, so a slow job is never run twice
 *   at once.
 * - **The next attempt settles the runs of the ones before it.** Before it
 *   runs a job, a worker marks `crashed` every run of the same sweep job still
 *   `running`: pg-boss handed the job out again, so the attempts before are
 *   over by contract (their worker is dead, or killed its child at the
 *   timeout), wherever they ran. This needs no heartbeat staleness across
 *   hosts, and it makes a late `finished` of an orphan impossible (endRun only
 *   ends a running run).
 * - **Idempotent jobs.** Then, if a run of this sweep job already finished
 *   (the attempt before finished it, then died before telling pg-boss), the
 *   job is completed without running again: exactly one finished run per
 *   combination.
 * - **Orphans die with their worker.** A worker killed with SIGKILL cannot
 *   kill its children; each child watches its parent (a tiny `--import` in
 *   NODE_OPTIONS) and ends itself when the worker is gone.
 * - **Server restarts are weathered, not fatal.** pg-boss's pool makes new
 *   connections by itself; its 'error' events are logged; our own statements
 *   and the store's are tried again with backoff.
 */
import { hostname } from "node:os";
import { isAbsolute, relative, resolve } from "node:path";
import { existsSync } from "node:fs";
import { SweepError, messageOf } from "../errors";
import { runScript } from "../execute";
import type { RunOutcome } from "../execute";
import { openStore } from "../tracking";
import type { BrowsableStore, RunRecord } from "../tracking";
import { TAGS_ENV } from "../workbench";
import { SweepQueue, scriptHash, storeOfJob } from "./queue";
import type { ClaimedJob, SweepJobData, WorkerIdentity } from "./queue";

/** How a worker runs. */
export interface SweepWorkerOptions {
  /** The queue's database (postgres://...). */
  queueUrl: string;
  /** Jobs run at the same time. */
  concurrency: number;
  /** Where the jobs' scripts are (their paths are relative to it). */
  projectRoot: string;
  /** The worker's name in `pipelab sweep --status`. Default host:pid. */
  name?: string;
  /** How often an idle worker asks for a job. Default 1 s. */
  pollingSeconds?: number;
  /** How often pg-boss looks for expired jobs. Default 15 s. */
  maintenanceIntervalSeconds?: number;
  /** How often the worker and its attempts heartbeat. Default 10 s. */
  heartbeatSeconds?: number;
  /** Where the worker says what it does. */
  log: (line: string) => void;
}

/** A job being run. */
interface Active {
  job: ClaimedJob;
  attempt: number | undefined;
  abort: AbortController;
  /** Set when the worker stops and gives the job back. */
  released: boolean;
  /** When the job was claimed: pg-boss's expiration counts from then. */
  claimedAt: number;
  done: Promise<void>;
}

/** How an attempt ended. */
interface Outcome {
  kind: "finished" | "failed" | "skipped" | "timed out" | "released" | "superseded";
  runId?: number;
  detail?: string;
}

/** How long a statement is tried again while the server is away, before the job is left to pg-boss's expiration. */
const RETRY_FOR_MS = 120_000;

/**
 * Kills the child when its parent (the worker) is gone: the child's parent id
 * changes when it is re-parented. Base64, so that NODE_OPTIONS splits nothing.
 */
const ORPHAN_GUARD = `--import=data:text/javascript;base64,${Buffer.from(
  'const p=process.ppid;setInterval(()=>{if(process.ppid!==p)process.kill(process.pid,"SIGKILL")},500).unref();',
).toString("base64")}`;

/**
 * Claims and runs sweep jobs until stopped.
 *
 * @example
 * ```ts
 * const worker = await SweepWorker.start({ queueUrl: "postgres://lab@db/pipelab", concurrency: 2, projectRoot: ".", log: console.log });
 * process.once("SIGTERM", () => void worker.stop(60_000));
 * await worker.stopped;
 * ```
 */
export class SweepWorker {
  readonly identity: WorkerIdentity;
  private loopDone: Promise<void> = Promise.resolve();
  private readonly active = new Map<string, Active>();
  private stopping = false;
  private wake: () => void = () => undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private lastReport = { text: "", at: 0 };
  private lastReleaseCheck = 0;

  private constructor(
    private readonly queue: SweepQueue,
    private readonly options: SweepWorkerOptions,
  ) {
    this.identity = { name: options.name ?? `${hostname()}:${process.pid}`, host: hostname(), pid: process.pid, concurrency: options.concurrency };
  }

  /** Resolves when the worker has stopped (after stop()). */
  get stopped(): Promise<void> {
    return this.loopDone;
  }

  /** Connects to the queue and starts claiming jobs. */
  static async start(options: SweepWorkerOptions): Promise<SweepWorker> {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new SweepError(`invalid concurrency: ${options.concurrency} (use a whole number, 1 or more)`);
    let worker: SweepWorker | undefined;
    const queue = await SweepQueue.connect(options.queueUrl, {
      role: "worker",
      connections: options.concurrency + 3,
      maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 15,
      onError: (error) => (worker ? worker.report("the queue", error) : options.log(`queue: ${messageOf(error)}`)),
    });
    worker = new SweepWorker(queue, options);
    await worker.beat();
    worker.heartbeat = setInterval(() => void worker?.beat(), (options.heartbeatSeconds ?? 10) * 1000);
    options.log(`worker ${worker.identity.name}: taking sweep jobs from ${queue.where}, ${options.concurrency} at a time, scripts from ${options.projectRoot}`);
    worker.loopDone = worker.loop();
    return worker;
  }

  /** How many jobs run now. */
  get running(): number {
    return this.active.size;
  }

  /**
   * Stops claiming jobs, lets the running ones finish for up to `graceMs`, then
   * gives back what still runs (its child is stopped and the job queued again
   * for another worker). Resolves when the worker has stopped.
   */
  async stop(graceMs: number): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      this.wake();
      const timer = setTimeout(() => this.releaseAll(), graceMs);
      try {
        await Promise.all([...this.active.values()].map((a) => a.done));
      } finally {
        clearTimeout(timer);
      }
    }
    await this.stopped;
  }

  /** Gives back every running job at once (a second Ctrl-C). */
  releaseAll(): void {
    for (const a of this.active.values()) {
      a.released = true;
      a.abort.abort();
    }
  }

  private async loop(): Promise<void> {
    const polling = (this.options.pollingSeconds ?? 1) * 1000;
    while (!this.stopping) {
      if (this.active.size >= this.options.concurrency) {
        await Promise.race([...[...this.active.values()].map((a) => a.done), this.sleep(polling * 10)]);
        continue;
      }
      let job: ClaimedJob | undefined;
      try {
        job = await this.queue.fetch();
      } catch (error) {
        this.report("claiming a job", error);
      }
      if (!job) {
        await this.releaseEnded();
        await this.sleep(polling);
        continue;
      }
      const claimed = job;
      if (this.stopping) {
        // Claimed while the worker was told to stop: straight back to the queue, for another worker.
        const output = { worker: this.identity.name, outcome: "released", detail: "the worker was stopping" };
        await this.retrying("give back a job", () => this.queue.fail(claimed, output)).catch((error: unknown) => this.report("giving back a job", error));
        break;
      }
      const entry: Active = { job: claimed, attempt: undefined, abort: new AbortController(), released: false, claimedAt: Date.now(), done: Promise.resolve() };
      entry.done = this.runJob(entry)
        .catch((error: unknown) => this.report(`job ${label(claimed.data)}`, error))
        .finally(() => {
          this.active.delete(claimed.id);
          this.wake();
        });
      this.active.set(claimed.id, entry);
    }
    await Promise.all([...this.active.values()].map((a) => a.done));
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.queue.workerBeat(this.identity, true).catch(() => undefined);
    await this.queue.close().catch((error: unknown) => this.report("closing the queue", error));
  }

  private async runJob(entry: Active): Promise<void> {
    const { job } = entry;
    const data = job.data;
    const started = Date.now();
    entry.attempt = await this.retrying("record the attempt", () => this.queue.beginAttempt(job, this.identity.name));
    const attempt = entry.attempt;
    const retry = job.retryCount > 0 ? ` (attempt ${job.retryCount + 1} of ${job.retryLimit + 1})` : "";
    this.options.log(`▶ ${label(data)} ${JSON.stringify(data.params)}${retry}`);
    const outcome = await this.attempt(entry, attempt);
    const took = `${((Date.now() - started) / 1000).toFixed(1)} s`;
    const run = outcome.runId === undefined ? "" : ` run ${outcome.runId}`;
    this.options.log(`${outcome.kind === "finished" || outcome.kind === "skipped" ? "✓" : "✗"} ${label(data)}${run} ${outcome.kind} in ${took}${outcome.detail ? `: ${outcome.detail}` : ""}`);
    await this.retrying("record the attempt's end", () => this.queue.endAttempt(attempt, outcome.kind, outcome.runId, outcome.detail));
    const output = { worker: this.identity.name, attempt, outcome: outcome.kind, ...(outcome.runId === undefined ? {} : { run: outcome.runId }), ...(outcome.detail ? { detail: outcome.detail } : {}) };
    // A timed-out or superseded job is pg-boss's again: it may be another worker's by now, so it is not touched.
    if (outcome.kind === "finished" || outcome.kind === "skipped") await this.retrying("complete the job", () => this.queue.complete(job, output));
    if (outcome.kind === "failed" || outcome.kind === "released") await this.retrying("fail the job", () => this.queue.fail(job, output));
    // Job 0 filled the cache (or could not): the rest of the sweep may go. A failed job 0 with retries left goes again first.
    const final = outcome.kind === "finished" || outcome.kind === "skipped" || (outcome.kind === "failed" && job.retryCount >= job.retryLimit);
    if (data.index === 0 && final) await this.retrying("release the sweep's other jobs", () => this.queue.release(data.sweep));
  }

  /** Runs one attempt of a job; says how it ended. */
  private async attempt(entry: Active, attempt: number): Promise<Outcome> {
    const data = entry.job.data;
    const store = storeOfJob(data, this.options.queueUrl);
    const before = await this.retrying("read the store", () => withStore(store, (s) => settleEarlierAttempts(s, data, this.identity.name)));
    // The runs of earlier attempts, for `pipelab sweep --status` (a killed worker could not say which run its attempt made).
    await this.retrying("record the runs of earlier attempts", () => this.queue.linkRuns(before.runsOfAttempts));
    if (before.finished !== undefined) return { kind: "skipped", runId: before.finished.id, detail: "an earlier attempt finished it" };
    const script = resolve(this.options.projectRoot, data.script);
    const inside = relative(this.options.projectRoot, script);
    // Whoever can write the queue must not make workers run files outside the project.
    if (inside.startsWith("..") || isAbsolute(inside)) return { kind: "failed", detail: `${JSON.stringify(data.script)} is outside the project ${this.options.projectRoot}: refused` };
    if (!existsSync(script)) return { kind: "failed", detail: `${script} does not exist on ${this.identity.host}: check out the project there (or start the worker in it)` };
    if (scriptHash(script) !== data.scriptHash) {
      return { kind: "failed", detail: `${script} on ${this.identity.host} differs from the script the sweep was started with: bring the checkout up to date` };
    }
    let timedOut = false;
    // Stopped a little before pg-boss may hand the job to another worker: never two runs of one job at once.
    const timer = setTimeout(
      () => {
        timedOut = true;
        entry.abort.abort();
      },
      Math.max(0, entry.claimedAt + entry.job.expireInSeconds * 1000 - 1000 - Date.now()),
    );
    const tags = { sweep: data.sweep, sweep_job: String(data.index), sweep_attempt: String(attempt), sweep_worker: this.identity.name };
    let result: RunOutcome;
    try {
      result = await runScript(script, {
        params: data.params,
        signal: entry.abort.signal,
        // A Ctrl-C in the worker's terminal is for the worker (which lets its jobs finish), not for them.
        ownGroup: true,
        env: { PIPELAB_STORE: store, [TAGS_ENV]: JSON.stringify(tags), NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} ${ORPHAN_GUARD}`.trim() },
      });
    } catch (error) {
      // The script cannot start here (it imports a pipelab that is not installed): another worker may do better.
      return { kind: "failed", detail: messageOf(error) };
    } finally {
      clearTimeout(timer);
    }
    const run = await this.retrying("read the store", () => withStore(store, (s) => runOfAttempt(s, data.sweep, attempt)));
    const runId = run?.id;
    const base = runId === undefined ? {} : { runId };
    if (timedOut) return { kind: "timed out", ...base, detail: `still running after the job timeout (${entry.job.expireInSeconds} s): pg-boss queues it again` };
    if (entry.released) return { kind: "released", ...base, detail: "the worker stopped; the job goes back to the queue" };
    if (result.code === 0 && run?.status === "finished") return { kind: "finished", ...base };
    if (run?.status === "crashed") return { kind: "superseded", ...base, detail: "another worker took the job up again meanwhile" };
    const stderr = result.stderr.trim().split("\n").slice(-3).join(" ");
    return { kind: "failed", ...base, detail: result.code === 0 ? `the script made no finished run${run ? ` (run ${run.id} is ${run.status})` : ""}` : stderr || `exit code ${result.code}` };
  }

  /** Now and then, when idle: the sweeps whose job 0 was lost for good get their other jobs queued. */
  private async releaseEnded(): Promise<void> {
    if (Date.now() - this.lastReleaseCheck < 30_000) return;
    this.lastReleaseCheck = Date.now();
    try {
      await this.queue.releaseEnded();
    } catch (error) {
      this.report("releasing sweeps whose job 0 ended", error);
    }
  }

  private async beat(): Promise<void> {
    try {
      await this.queue.workerBeat(this.identity);
      await this.queue.beatAttempts([...this.active.values()].flatMap((a) => (a.attempt === undefined ? [] : [a.attempt])));
    } catch (error) {
      this.report("heartbeat", error);
    }
  }

  /** Runs `fn` again, with backoff, while it fails (the server restarting), for up to RETRY_FOR_MS. */
  private async retrying<T>(what: string, fn: () => Promise<T> | T): Promise<T> {
    const deadline = Date.now() + RETRY_FOR_MS;
    for (let delay = 250; ; delay = Math.min(delay * 2, 5_000)) {
      try {
        return await fn();
      } catch (error) {
        if (Date.now() + delay > deadline) throw new SweepError(`cannot ${what}: ${messageOf(error)}`, { cause: error });
        this.report(`cannot ${what}, trying again`, error);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /** Logs a problem, once per different message every 10 s: a restarting server says the same thing many times. */
  private report(what: string, error: unknown): void {
    const text = `${what}: ${messageOf(error)}`;
    const now = Date.now();
    if (text === this.lastReport.text && now - this.lastReport.at < 10_000) return;
    this.lastReport = { text, at: now };
    this.options.log(`⚠ ${text}`);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((done) => {
      const timer = setTimeout(done, ms);
      this.wake = () => {
        clearTimeout(timer);
        done();
      };
    });
  }
}

/** "sweep-id#3" */
function label(data: SweepJobData): string {
  return `${data.sweep}#${data.index}`;
}

/** Opens the store for one short piece of work (the store is synchronous; a fresh connection survives a server restart). */
function withStore<T>(location: string, fn: (store: BrowsableStore) => T): T {
  const store = openStore(location);
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

/**
 * Before an attempt: marks crashed the runs of the same sweep job still
 * running (their attempts are over: pg-boss gave the job out again), and
 * returns a run of it that finished, if one did.
 */
function settleEarlierAttempts(store: BrowsableStore, data: SweepJobData, worker: string): { finished: RunRecord | undefined; runsOfAttempts: [number, number][] } {
  const runs = store.listRuns({ filter: { tags: { sweep: data.sweep, sweep_job: String(data.index) } } });
  for (const run of runs.filter((r) => r.status === "running")) {
    store.endRun(run.id, "crashed", { error: `its sweep job was taken up again by worker ${worker}: the attempt that ran it (on ${run.host}, pid ${run.pid}) stopped without ending it` });
  }
  const runsOfAttempts = runs.flatMap((r): [number, number][] => {
    const attempt = Number(store.runDetails(r.id)?.tags.sweep_attempt);
    return Number.isSafeInteger(attempt) ? [[attempt, r.id]] : [];
  });
  return { finished: runs.find((r) => r.status === "finished"), runsOfAttempts };
}

/** The run an attempt made, if its script got that far. */
function runOfAttempt(store: BrowsableStore, sweep: string, attempt: number): RunRecord | undefined {
  return store.listRuns({ filter: { tags: { sweep, sweep_attempt: String(attempt) } } })[0];
}
