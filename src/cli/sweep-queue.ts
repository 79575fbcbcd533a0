/**
 * The distributed side of `pipelab sweep`: `--queue postgres://...` enqueues
 * the combinations for `pipelab worker`s, `--wait` follows them to the end,
 * `--status ID` shows where a sweep stands, per job and per worker.
 */
import { relative, sep } from "node:path";
import { SweepError } from "../errors";
import { redactUrl } from "../postgres";
import { SweepQueue, scriptHash, storeForJobs } from "../sweep";
import type { SweepJob, SweepStatus } from "../sweep";
import { isPostgresUrl, openStore } from "../tracking";
import { findProjectRoot, metricMode, visible } from "../util";
import { CliUsageError } from "./args";
import { comparisonTable, textTable } from "./table";

/** Prints lines (a table has several), each with its control characters made visible: params, errors and worker names come from users and scripts. */
export const log = (text: string): void => {
  for (const line of text.split("\n")) console.log(visible(line));
};

/** What `pipelab sweep --queue` was asked. */
export interface QueuedSweepRequest {
  id: string;
  file: string;
  jobs: readonly SweepJob[];
  queue: string;
  store: string | undefined;
  jobTimeout: string | undefined;
  retries: string | undefined;
  wait: boolean;
  metric: string | undefined;
}

/** Default pg-boss expiration of a job: a lost worker's job comes back after this; the longest job must fit in it. */
const DEFAULT_JOB_TIMEOUT_S = 30 * 60;

/** Enqueues a sweep; with `wait`, follows it to the end and prints the comparison. Returns the exit code. */
export async function queueSweep(request: QueuedSweepRequest): Promise<number> {
  const timeout = request.jobTimeout === undefined ? DEFAULT_JOB_TIMEOUT_S : parseDuration(request.jobTimeout, "--job-timeout");
  const retries = request.retries === undefined ? 2 : Number(request.retries);
  if (!Number.isInteger(retries) || retries < 0) throw new CliUsageError(`invalid --retries: ${request.retries} (a whole number, 0 or more)`);
  if (request.store !== undefined && !isPostgresUrl(request.store)) {
    throw new SweepError(`invalid --store ${JSON.stringify(request.store)} for a queued sweep: workers on other machines record into a shared store; give a PostgreSQL url, or leave --store out to record into the queue's database`);
  }
  // The store must be there before any worker records into it: a wrong url fails here, once, not on every job.
  openStore(request.store ?? request.queue).close();
  const root = findProjectRoot(request.file);
  const script = relative(root, request.file).split(sep).join("/");
  const queue = await SweepQueue.connect(request.queue, { role: "client", onError: () => undefined });
  try {
    await queue.enqueue({
      id: request.id,
      script,
      scriptHash: scriptHash(request.file),
      store: request.store === undefined ? null : storeForJobs(request.store),
      jobs: request.jobs,
      jobTimeoutSeconds: timeout,
      retries,
    });
    const where = redactUrl(request.queue);
    log(`sweep ${request.id}: ${request.jobs.length} runs of ${script} queued at ${where} (job 0 first, to fill the cache; the others when it ends)`);
    log(`runs are recorded in ${request.store === undefined ? "the queue's database" : redactUrl(request.store)}, tagged sweep=${request.id}; a job not done after ${timeout} s is taken for lost and tried again (${retries} retries)`);
    log(`start workers on machines with the project checked out (PIPELAB_CACHE_DIR on a shared folder, so that they share job 0's cache):`);
    log(`  pipelab worker --queue ${where} --concurrency 2`);
    log(`follow it: pipelab sweep --status ${request.id} --queue ${where}`);
    if (!request.wait) return 0;
    const status = await follow(queue, request.id);
    printComparison(request.store ?? request.queue, request.id, Object.keys(request.jobs[0]?.params ?? {}), request.metric);
    return status.jobs.every((j) => j.state === "done") ? 0 : 1;
  } finally {
    await queue.close();
  }
}

/** `pipelab sweep --status ID --queue URL`. */
export async function showSweepStatus(id: string, queueUrl: string): Promise<number> {
  const queue = await SweepQueue.connect(queueUrl, { role: "client", onError: () => undefined });
  try {
    log(statusReport(await queue.status(id)));
    return 0;
  } finally {
    await queue.close();
  }
}

/** Polls the sweep until every job has ended, printing each job as it ends. */
async function follow(queue: SweepQueue, id: string): Promise<SweepStatus> {
  const seen = new Set<number>();
  let unreachableSince: number | undefined;
  for (;;) {
    let status: SweepStatus | undefined;
    try {
      status = await queue.status(id);
      unreachableSince = undefined;
    } catch (error) {
      // The server restarting: look again in a moment, for a while.
      unreachableSince ??= Date.now();
      if (error instanceof SweepError || Date.now() - unreachableSince > 300_000) throw error;
    }
    if (status) {
      for (const job of status.jobs) {
        if (seen.has(job.index) || !["done", "failed", "cancelled"].includes(job.state)) continue;
        seen.add(job.index);
        const last = job.attempts.at(-1);
        log(`  ${job.state === "done" ? "✓" : "✗"} ${JSON.stringify(job.params)}${last ? ` by ${last.worker}${last.runId === null ? "" : `, run ${last.runId}`}` : ""}${job.state === "done" ? "" : `: ${last?.detail ?? job.state}`}`);
      }
      if (seen.size === status.jobs.length) return status;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** The comparison of a sweep's runs, best first, as a local sweep prints it. */
export function printComparison(storeLocation: string, id: string, params: readonly string[], chosen: string | undefined): void {
  const store = openStore(storeLocation, { readOnly: true });
  try {
    const filter = { tags: { sweep: id } };
    const comparison = store.compareRuns({ filter, params });
    const metric = chosen ?? comparison.metrics.find((m) => m.startsWith("test_")) ?? comparison.metrics[0];
    log("");
    log(comparisonTable(metric ? store.compareRuns({ filter, orderBy: { metric, direction: metricMode(metric) === "min" ? "asc" : "desc" } }) : comparison));
    if (metric) {
      const best = store.bestRun(metric, { filter: { ...filter, status: "finished" }, mode: metricMode(metric) });
      if (best) log(`\nbest by ${metric}: run ${best.id} with ${JSON.stringify(sortedKeys(best.params))}: ${best.metrics[metric]}`);
    }
    log(`\nthe runs are tagged sweep=${id}: pipelab runs compare --filter 'tags.sweep = "${id}"'`);
  } finally {
    store.close();
  }
}

/** A sweep's jobs and workers for a terminal. */
function statusReport(s: SweepStatus): string {
  const count = (state: string): number => s.jobs.filter((j) => j.state === state).length;
  const states = ["done", "running", "queued", "waiting", "failed", "cancelled"].filter((st) => count(st) > 0).map((st) => `${count(st)} ${st}`);
  const jobs = textTable(
    ["job", "state", "params", "attempts (worker: outcome, run)"],
    s.jobs.map((j) => [
      String(j.index),
      j.state,
      JSON.stringify(j.params),
      j.attempts.map((a) => `${a.worker}: ${a.outcome ?? "running"}${a.runId === null ? "" : ` ${a.runId}`}`).join("; "),
    ]),
    60,
  );
  const workers =
    s.workers.length === 0
      ? "no worker has taken a job yet"
      : textTable(
          ["worker", "host", "running", "done", "failed", "last heartbeat"],
          s.workers.map((w) => [w.name, w.host, String(w.running), String(w.done), String(w.failed), w.stoppedAt ? `stopped ${w.stoppedAt.slice(11, 19)}` : `${ago(w.heartbeatAt)} ago${silent(w.heartbeatAt) ? " (gone?)" : ""}`]),
        );
  const waiting = count("waiting") > 0 ? "\n(waiting: queued when job 0 ends, which fills the cache)" : "";
  return `sweep ${s.id} of ${s.script}, started ${s.createdAt.replace("T", " ").slice(0, 19)}: ${s.jobs.length} jobs: ${states.join(", ")}\n\n${jobs}${waiting}\n\n${workers}`;
}

/** A worker heartbeats every 10 s: a minute without one means it is gone (its jobs come back at their timeout). */
function silent(iso: string): boolean {
  return Date.now() - Date.parse(iso) > 60_000;
}

function ago(iso: string): string {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}

/** "90", "90s", "30m", "2h" in seconds. */
export function parseDuration(text: string, option: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h)?$/.exec(text.trim());
  const seconds = m ? Math.round(Number(m[1]) * ({ s: 1, m: 60, h: 3600 } as const)[(m[2] ?? "s") as "s" | "m" | "h"]) : NaN;
  if (!Number.isFinite(seconds) || seconds < 1 || seconds >= 24 * 3600) throw new CliUsageError(`invalid ${option}: ${text} (a duration such as 90s, 30m or 2h, under 24h)`);
  return seconds;
}

function sortedKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}
