/**
 * The served predictions on their way to the experiment store: a serving run
 * of its own (tagged with the package and the model's run), a PredictionLog
 * on a thread of its own (log-worker.ts) that samples and writes in batches,
 * a heartbeat so the run is not taken for crashed, and the run ended when
 * the server stops.
 *
 * A request costs the server a few pushes; what a turn of its event loop
 * served is posted to the log's thread in one message (about 0.7 µs a row),
 * and the JSON and the SQLite writes (about 5 µs a row) happen there. When
 * that thread falls behind by more than MAX_BEHIND rows, rows are dropped
 * and counted rather than queued without bound.
 */
import { extname, join } from "node:path";
import { Worker } from "node:worker_threads";
import type { LoadedPipeline, Prediction } from "../deploy";
import { messageOf } from "../errors";
import { ExperimentStore, startServingRun } from "../tracking";
import type { PredictionLogStats, RunId, RunStore } from "../tracking";
import { warnOnce } from "../util";
import { ServeError } from "./errors";
import type { FromLogWorker, LogWorkerData, ToLogWorker } from "./log-worker";

/** The tag of a serving run that holds the package folder it served. */
export const PACKAGE_TAG = "pipelab.serving.package";

/** How often the serving run's heartbeat is refreshed (as the workbench does for a run). */
const HEARTBEAT_MS = 30_000;

/** Rows posted to the log's thread and not yet taken by it, at most: beyond, rows are dropped. */
const MAX_BEHIND = 50_000;

/** Where served predictions go: the store, and the share of them logged (0 to 1; default 1). */
export interface PredictionLogging {
  /** The SQLite store (the shared PostgreSQL store keeps no predictions yet). */
  store: RunStore;
  sampleRate?: number;
}

/** What a serving session did, recorded as its run's metrics when it ends. */
export interface ServingSummary {
  /** Prediction requests answered with predictions, and their rows. */
  served: number;
  rows: number;
  /** Requests refused (4xx) and failed (5xx). */
  rejected: number;
  failed: number;
  /** Connections accepted. */
  connections: number;
  uptimeMs: number;
}

const NO_STATS: PredictionLogStats = { logged: 0, sampledOut: 0, dropped: 0, failedBatches: 0, invalid: 0, queued: 0 };

/** A serving session's logging: one call a request, never throwing, never waiting for the disk. */
export class ServingLog {
  private readonly heartbeat: NodeJS.Timeout;
  private onReady: { done: () => void; fail: (error: Error) => void } | undefined;
  private readonly closed: Promise<void>;
  private ended: Promise<void> | undefined;
  private closing = false;
  private failed = false;
  /** Rows posted to the thread, rows it has taken, rows dropped here; its last counts. */
  private posted = 0;
  private received = 0;
  private droppedHere = 0;
  private last: PredictionLogStats = NO_STATS;
  /** What was served since the last post to the log's thread, and the post scheduled for it. */
  private pending: { rows: unknown[]; predictions: unknown[]; latencies: number[] } = { rows: [], predictions: [], latencies: [] };
  private posting: NodeJS.Immediate | undefined;

  /**
   * Starts a serving run and the log's thread; resolves once the thread has opened the store (a ServeError
   * if it cannot, with the run ended as failed).
   */
  static async start(store: RunStore, pipeline: LoadedPipeline, sampleRate: number): Promise<ServingLog> {
    if (!(store instanceof ExperimentStore)) {
      throw new ServeError(
        `cannot log predictions to ${store.path}: served predictions are kept in the SQLite store only (the shared PostgreSQL store has no predictions table yet); serve without logging (--log-sample 0, or no log option) or log to a SQLite store`,
      );
    }
    const model = pipeline.manifest.run;
    const run = startServingRun(store, { model: model === null ? null : { id: model.id, experiment: model.experiment }, name: `serve ${pipeline.name}`, sourcePath: pipeline.dir });
    const log = new ServingLog(store, run, startLogWorker({ storePath: store.path, servingRun: run, modelRunId: model?.id ?? null, sampleRate, columns: pipeline.signature.inputs.map((c) => c.name) }));
    try {
      store.setTag(run, PACKAGE_TAG, pipeline.dir);
      await log.ready;
    } catch (error) {
      await log.abandon(error);
      throw new ServeError(`cannot log predictions to ${store.path}: ${messageOf(error)}; serve without logging (--log-sample 0) or fix the store`, { cause: error });
    }
    return log;
  }

  private readonly ready: Promise<void>;

  private constructor(
    private readonly store: ExperimentStore,
    readonly run: RunId,
    private readonly worker: Worker,
  ) {
    this.worker.unref();
    this.ready = new Promise((done, fail) => {
      this.onReady = { done, fail };
    });
    this.ready.catch(() => undefined); // start() awaits it; a failure before that is not unhandled
    this.closed = new Promise((done) => {
      this.worker.on("message", (message: FromLogWorker) => this.onMessage(message));
      this.worker.on("error", (error) => this.fail(messageOf(error)));
      this.worker.on("exit", () => {
        this.onReady?.fail(new Error("the log's thread exited before it was ready"));
        done();
      });
    });
    this.heartbeat = setInterval(() => {
      try {
        store.heartbeat(run);
      } catch (error) {
        warnOnce(`serving run ${run}: cannot refresh its heartbeat: ${messageOf(error)}`);
      }
    }, HEARTBEAT_MS).unref();
  }

  /** Stops the log's thread and ends the serving run as failed: for a server that could not start. */
  async abandon(error: unknown): Promise<void> {
    this.closing = true;
    clearInterval(this.heartbeat);
    await this.worker.terminate();
    try {
      this.store.endRun(this.run, "failed", { error: messageOf(error) });
    } catch {
      // The store's own error is what the caller reports.
    }
  }

  /** Queues a request's rows with their predictions and the request's latency for the log's thread (which samples them). */
  record(rows: readonly unknown[], predictions: readonly Prediction[], latencyMs: number): void {
    if (this.closing || this.failed || this.posted - this.received >= MAX_BEHIND) {
      this.droppedHere += rows.length;
      return;
    }
    const p = this.pending;
    for (let i = 0; i < rows.length; i++) {
      p.rows.push(rows[i]);
      p.predictions.push(predictions[i]);
      p.latencies.push(latencyMs);
    }
    this.posted += rows.length;
    this.posting ??= setImmediate(this.post);
  }

  /** Posts what this turn of the event loop served, in one message. */
  private readonly post = (): void => {
    this.posting = undefined;
    const { rows, predictions, latencies } = this.pending;
    if (rows.length === 0) return;
    this.pending = { rows: [], predictions: [], latencies: [] };
    try {
      this.worker.postMessage([rows, predictions, latencies] satisfies ToLogWorker);
    } catch (error) {
      this.droppedHere += rows.length;
      this.posted -= rows.length;
      warnOnce(`serving run ${this.run}: predictions could not be passed to the log (${messageOf(error)}); such predictions are dropped`);
    }
  };

  /** The log's counts: what its thread reported last, with the rows dropped before reaching it. */
  stats(): PredictionLogStats {
    const inFlight = this.posted - this.received;
    return { ...this.last, dropped: this.last.dropped + this.droppedHere, queued: this.last.queued + inFlight };
  }

  /**
   * Writes what is queued, ends the log's thread, records the session's `summary` counts (requests, rows...)
   * as the serving run's metrics, and ends the run (finished). The store stays open.
   */
  close(summary: ServingSummary): Promise<void> {
    return (this.ended ??= this.end(summary));
  }

  private async end(summary: ServingSummary): Promise<void> {
    this.closing = true;
    clearInterval(this.heartbeat);
    // Held open until the thread has written everything and exited.
    this.worker.ref();
    clearImmediate(this.posting);
    if (this.failed) void this.worker.terminate();
    else {
      this.post();
      this.worker.postMessage("close" satisfies ToLogWorker);
    }
    await this.closed;
    const log = this.stats();
    const metrics = {
      requests_served: summary.served,
      rows_served: summary.rows,
      requests_refused: summary.rejected,
      requests_failed: summary.failed,
      connections: summary.connections,
      uptime_s: summary.uptimeMs / 1000,
      predictions_logged: log.logged,
      predictions_sampled_out: log.sampledOut,
      predictions_dropped: log.dropped + log.invalid,
    };
    try {
      this.store.logMetrics(this.run, Object.entries(metrics).map(([key, value]) => ({ key, value })));
      this.store.endRun(this.run, "finished");
    } catch (error) {
      warnOnce(`serving run ${this.run}: cannot record its end: ${messageOf(error)}`);
    }
  }

  private onMessage(message: FromLogWorker): void {
    if (message.kind === "ready") {
      this.onReady?.done();
      this.onReady = undefined;
      return;
    }
    if (message.kind === "failed") return this.fail(message.message);
    this.last = message.stats;
    this.received = message.received;
  }

  private fail(message: string): void {
    if (this.failed) return;
    this.failed = true;
    // What the thread had not written yet is lost with it: counted as dropped.
    this.droppedHere += this.posted - this.received + this.last.queued;
    this.posted = this.received;
    this.last = { ...this.last, queued: 0 };
    this.pending = { rows: [], predictions: [], latencies: [] };
    if (this.onReady !== undefined) this.onReady.fail(new Error(message));
    else warnOnce(`serving run ${this.run}: the prediction log stopped (${message}); predictions are no longer logged, serving goes on`);
    this.onReady = undefined;
    void this.worker.terminate();
  }
}

/** The log's thread, running the same build as this file: log-worker.js in dist/, log-worker.ts under tsx. */
function startLogWorker(data: LogWorkerData): Worker {
  const file = join(__dirname, `log-worker${extname(__filename)}`);
  if (extname(__filename) !== ".ts") return new Worker(file, { workerData: data });
  // A worker does not inherit tsx's hooks (`node --import tsx`): it registers them before loading the file.
  const tsx = require.resolve("tsx/cjs");
  return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(file)});`, { eval: true, workerData: data });
}
