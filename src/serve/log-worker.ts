/**
 * The prediction log's thread: it opens its own connection to the store and
 * runs a PredictionLog there, so that turning predictions into JSON and
 * writing them to SQLite (about 5 µs a row) never holds up a request. The
 * server posts what a turn of its event loop served in one message; this
 * thread reports its counts back every STATS_MS and once more when closed.
 */
import { parentPort, workerData } from "node:worker_threads";
import { messageOf } from "../errors";
import { ExperimentStore, PredictionLog } from "../tracking";
import type { PredictionLogStats, RunId } from "../tracking";

/** What the server tells the thread at start. */
export interface LogWorkerData {
  storePath: string;
  servingRun: number;
  modelRunId: number | null;
  sampleRate: number;
  /** The signature's input columns: what of a row is logged (a client's other keys are not). */
  columns: readonly string[];
}

/** Served rows, their predictions and their requests' latencies (parallel lists); or "close". */
export type ToLogWorker = readonly [rows: readonly unknown[], predictions: readonly unknown[], latenciesMs: readonly number[]] | "close";

/** That the thread is logging, its counts (`received`: rows taken from messages), why it cannot start, or its last word. */
export type FromLogWorker =
  | { kind: "ready" }
  | { kind: "stats"; stats: PredictionLogStats; received: number }
  | { kind: "failed"; message: string }
  | { kind: "closed"; stats: PredictionLogStats; received: number };

/** Predictions the log holds at most (about 0.5 KiB each): a burst of a second at 50,000 rows/s. */
const MAX_QUEUED = 50_000;

/** How often the thread reports its counts. */
const STATS_MS = 100;

function run(port: NonNullable<typeof parentPort>, data: LogWorkerData): void {
  let store: ExperimentStore;
  let log: PredictionLog;
  try {
    store = ExperimentStore.open(data.storePath);
    log = new PredictionLog(store, { servingRun: data.servingRun as RunId, modelRunId: data.modelRunId, sampleRate: data.sampleRate, maxQueued: MAX_QUEUED });
  } catch (error) {
    port.postMessage({ kind: "failed", message: messageOf(error) } satisfies FromLogWorker);
    return;
  }
  port.postMessage({ kind: "ready" } satisfies FromLogWorker);
  let received = 0;
  // This thread does nothing but log: it writes what the messages of a turn brought in one go (in
  // transactions of the log's batch size), rather than a batch a turn as the log does on a busy thread.
  let flushing: NodeJS.Immediate | undefined;
  const flush = (): void => {
    flushing = undefined;
    log.flush();
  };
  const report = setInterval(() => port.postMessage({ kind: "stats", stats: log.stats(), received } satisfies FromLogWorker), STATS_MS);
  port.on("message", (message: ToLogWorker) => {
    if (message === "close") {
      clearInterval(report);
      clearImmediate(flushing);
      void log.close().finally(() => {
        port.postMessage({ kind: "closed", stats: log.stats(), received } satisfies FromLogWorker);
        store.close();
        port.close();
      });
      return;
    }
    const [rows, predictions, latencies] = message;
    received += rows.length;
    for (let i = 0; i < rows.length; i++) log.record(inputsOf(rows[i], data.columns), predictions[i], latencies[i] as number);
    flushing ??= setImmediate(flush);
  });
}

/** A row as the model saw it: its input columns only, in the signature's order. */
function inputsOf(row: unknown, columns: readonly string[]): unknown {
  if (row === null || typeof row !== "object") return row;
  const record = row as Record<string, unknown>;
  const inputs: Record<string, unknown> = {};
  for (const c of columns) if (Object.hasOwn(record, c)) inputs[c] = record[c];
  return inputs;
}

if (parentPort !== null) run(parentPort, workerData as LogWorkerData);
