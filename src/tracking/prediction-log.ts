import { randomInt } from "node:crypto";
import { inspect } from "node:util";
import { TrackingError, messageOf } from "../errors";
import { warnOnce } from "../util";
import type { PredictionInput } from "./prediction-records";
import { PredictionSampler } from "./prediction-sampling";
import type { ExperimentStore } from "./store";
import type { RunId } from "./types";

/** How a PredictionLog samples, batches and bounds what it holds. */
export interface PredictionLogOptions {
  /** The serving run the predictions belong to (startServingRun makes one). */
  servingRun: RunId;
  /** The run the served model was trained in, or null when unknown. */
  modelRunId: number | null;
  /** The share of predictions logged, 0 to 1: each is kept with this probability (see prediction-sampling.ts). Default 1. */
  sampleRate?: number;
  /** Seeds the sampling: the same seed and the same calls keep the same predictions. Default: a random seed. */
  seed?: number;
  /** Predictions written per transaction; reaching it schedules a write. Default 256. */
  batchSize?: number;
  /** At most this long between a prediction and the write that takes it. Default 200 ms. */
  flushMs?: number;
  /** Predictions held at most; beyond, new ones are dropped and counted. Default 10,000. */
  maxQueued?: number;
  /** How long a write waits for another process's write lock before its batch is dropped. Default 100 ms. */
  busyTimeoutMs?: number;
  /** Told of each failed write (its batch is dropped). Default: a warning on stderr, once per distinct message. */
  onError?: (error: TrackingError) => void;
}

/**
 * What a PredictionLog did: every call of record() is counted once, in
 * `logged`, `sampledOut`, `dropped`, `invalid` or `queued`.
 */
export interface PredictionLogStats {
  /** Written to the store. */
  logged: number;
  /** Not kept by the sampling. */
  sampledOut: number;
  /** Kept but lost: the queue was full, the log was closed, or the write of their batch failed. */
  dropped: number;
  /** Writes that failed (a full disk, a locked or closed store); their predictions are in `dropped`. */
  failedBatches: number;
  /** Could not be stored: inputs or outputs that are not JSON or over 64 KiB, or a latency that is not a finite number, 0 or more. */
  invalid: number;
  /** Waiting for a write. */
  queued: number;
}

/** The options, with their defaults, as PredictionLog uses them. */
type Settings = Required<Omit<PredictionLogOptions, "servingRun" | "modelRunId" | "seed" | "onError">> & Pick<PredictionLogOptions, "onError"> & { seed: number };

const defaults = { sampleRate: 1, batchSize: 256, flushMs: 200, maxQueued: 10_000, busyTimeoutMs: 100 } as const;

/**
 * Served predictions on their way to the store, sampled and written in
 * batches so that serving never waits for the disk: `record` only queues (no
 * I/O, no serialization, never throws); a batch is written in one
 * transaction when `batchSize` predictions are queued (on the next turn of
 * the event loop, not in the call) or `flushMs` after the first one. A write
 * that fails (a full disk, a store locked longer than `busyTimeoutMs`, a
 * closed store) drops its batch, counts it, and tells `onError`: it is never
 * retried and never thrown. Call `close()` when the server shuts down.
 *
 * Inputs and outputs are serialized when their batch is written: do not
 * change them after recording them.
 *
 * @example
 * ```ts
 * const servingRun = startServingRun(store, { model: manifest.run });
 * const log = new PredictionLog(store, { servingRun, modelRunId: manifest.run?.id ?? null, sampleRate: 0.1 });
 * // in a request handler
 * log.record(row, prediction, latencyMs);
 * // on shutdown
 * await log.close();
 * store.endRun(servingRun, "finished");
 * ```
 */
export class PredictionLog {
  readonly servingRun: RunId;
  readonly modelRunId: number | null;
  /** The sampling's seed (given, or drawn at random): record it to sample the same way again. */
  readonly seed: number;
  private readonly settings: Settings;
  private readonly sampler: PredictionSampler;
  /** Queued predictions are queue[head..]; the consumed front is cut off now and then, not shifted per batch. */
  private queue: PredictionInput[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private closed = false;
  private counts = { logged: 0, sampledOut: 0, dropped: 0, failedBatches: 0, invalid: 0 };

  constructor(
    private readonly store: ExperimentStore,
    options: PredictionLogOptions,
  ) {
    this.settings = normalize(options);
    this.seed = this.settings.seed;
    this.servingRun = options.servingRun;
    this.modelRunId = options.modelRunId;
    if (options.modelRunId !== null && !Number.isSafeInteger(options.modelRunId)) fail(`invalid modelRunId: ${String(options.modelRunId)} (a run id, or null when unknown)`);
    if (store.readOnly) fail(`cannot log predictions to ${store.path}: the store was opened read-only; open it without readOnly`);
    if (!store.getRun(options.servingRun)) fail(`no serving run ${options.servingRun} in ${store.path}; start one with startServingRun(store, ...)`);
    this.sampler = new PredictionSampler(this.settings.sampleRate, this.seed);
  }

  /**
   * Queues a served prediction, if the sampling keeps it and the queue has
   * room; otherwise counts it. Constant time; no I/O; never throws.
   */
  record(input: unknown, output: unknown, latencyMs: number): void {
    if (this.closed) {
      this.counts.dropped++;
      return;
    }
    if (!this.sampler.keep()) {
      this.counts.sampledOut++;
      return;
    }
    const queued = this.queue.length - this.head;
    if (queued >= this.settings.maxQueued) {
      this.counts.dropped++;
      return;
    }
    this.queue.push({ inputs: input, outputs: output, latencyMs, tsMs: Date.now(), modelRunId: this.modelRunId });
    if (queued + 1 >= this.settings.batchSize) this.scheduleWrite();
    else if (this.timer === undefined) this.timer = setTimeout(this.onTimer, this.settings.flushMs).unref();
  }

  /** Writes everything queued now, a batch (one transaction) per `batchSize`. Never throws: failures are counted. */
  flush(): void {
    this.cancelTimers();
    while (this.queue.length > this.head) this.writeBatch();
  }

  /** Writes what is queued and stops logging: later records are counted as dropped. The store stays open. */
  async close(): Promise<void> {
    this.closed = true;
    this.flush();
  }

  stats(): PredictionLogStats {
    return { ...this.counts, queued: this.queue.length - this.head };
  }

  [inspect.custom](): string {
    const s = this.stats();
    return `PredictionLog { serving run ${this.servingRun}, model run ${this.modelRunId ?? "unknown"}, rate ${this.settings.sampleRate}, logged ${s.logged}, queued ${s.queued}, sampled out ${s.sampledOut}, dropped ${s.dropped}, failed batches ${s.failedBatches}, invalid ${s.invalid}${this.closed ? ", closed" : ""} }`;
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.writeStep();
  };

  private readonly onImmediate = (): void => {
    this.immediate = undefined;
    this.writeStep();
  };

  /** One batch per turn of the event loop, so that a backlog does not hold up requests. */
  private writeStep(): void {
    this.writeBatch();
    if (this.queue.length > this.head) this.scheduleWrite();
    else this.cancelTimers();
  }

  private scheduleWrite(): void {
    this.immediate ??= setImmediate(this.onImmediate).unref();
  }

  private cancelTimers(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  /** Writes the next batch in one transaction; a failure drops it, counted. */
  private writeBatch(): void {
    const end = Math.min(this.queue.length, this.head + this.settings.batchSize);
    const batch = this.queue.slice(this.head, end);
    this.head = end;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > this.queue.length / 2) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    try {
      const written = this.store.logPredictions(this.servingRun, batch, { skipInvalid: true, busyTimeoutMs: this.settings.busyTimeoutMs });
      this.counts.logged += written;
      this.counts.invalid += batch.length - written;
    } catch (error) {
      this.counts.failedBatches++;
      this.counts.dropped += batch.length;
      this.report(error, batch.length);
    }
  }

  private report(error: unknown, predictions: number): void {
    const failure =
      error instanceof TrackingError
        ? error
        : new TrackingError(`cannot log ${predictions} predictions to run ${this.servingRun}: ${messageOf(error)}`, { cause: error });
    try {
      if (this.settings.onError) this.settings.onError(failure);
      else warnOnce(`${failure.message} (prediction logging drops such batches and goes on; PredictionLog.stats() counts them)`);
    } catch {
      // Logging never fails a request, not even through its error handler.
    }
  }
}

function fail(message: string): never {
  throw new TrackingError(message);
}

/** The options with their defaults, each checked, quoting a bad value. */
function normalize(options: PredictionLogOptions): Settings {
  const o = { ...defaults, ...withoutUndefined(options) };
  if (!(typeof o.sampleRate === "number" && o.sampleRate >= 0 && o.sampleRate <= 1)) fail(`invalid sampleRate: ${String(o.sampleRate)} (a share from 0 to 1)`);
  for (const name of ["batchSize", "maxQueued"] as const) {
    if (!(Number.isSafeInteger(o[name]) && o[name] >= 1)) fail(`invalid ${name}: ${String(o[name])} (a whole number, 1 or more)`);
  }
  for (const name of ["flushMs", "busyTimeoutMs"] as const) {
    if (!(typeof o[name] === "number" && Number.isFinite(o[name]) && o[name] >= 0)) fail(`invalid ${name}: ${String(o[name])} (milliseconds, 0 or more)`);
  }
  const seed = options.seed ?? randomInt(2 ** 32);
  if (!Number.isSafeInteger(seed)) fail(`invalid seed: ${String(seed)} (a whole number)`);
  return {
    sampleRate: o.sampleRate,
    batchSize: o.batchSize,
    flushMs: o.flushMs,
    maxQueued: o.maxQueued,
    busyTimeoutMs: o.busyTimeoutMs,
    ...(options.onError ? { onError: options.onError } : {}),
    seed: seed >>> 0,
  };
}

/** `options` without its undefined entries, so that `{ batchSize: undefined }` takes the default. */
function withoutUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}
