/**
 * The caller's side of the thread boundary: starts the driver's worker and
 * makes each request a blocking call. The request goes by postMessage; the
 * caller then sleeps in Atomics.wait on a shared flag until the worker has
 * posted its reply on a MessageChannel, and takes that reply with
 * receiveMessageOnPort, without ever returning to the event loop.
 */
import { extname, join } from "node:path";
import { MessageChannel, Worker, receiveMessageOnPort } from "node:worker_threads";
import type { MessagePort } from "node:worker_threads";
import { CLIENT_CODES, PostgresError, clientFailure } from "./errors";
import { SIGNAL } from "./protocol";
import type { ConnectSettings, Reply, Request, WorkerData } from "./protocol";

/** A request before it gets its sequence number. */
type Unnumbered<R> = R extends unknown ? Omit<R, "id"> : never;

export class WorkerChannel {
  private readonly worker: Worker;
  private readonly signal: Int32Array;
  private readonly replies: MessagePort;
  private nextId = 1;
  /** Why the worker can no longer answer, once it cannot. */
  private gone: PostgresError | undefined;

  constructor(settings: ConnectSettings) {
    const channel = new MessageChannel();
    const shared = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
    this.signal = new Int32Array(shared);
    this.replies = channel.port1;
    const data: WorkerData = { settings, signal: shared, replies: channel.port2 };
    this.worker = startWorker(data, [channel.port2]);
    // A forgotten client must not keep the process alive; close() ends the thread properly.
    this.worker.unref();
    // Without listeners, the worker's failure would be thrown in this thread's event loop.
    this.worker.on("error", (error) => this.markGone(`the PostgreSQL worker thread failed: ${error.message}`));
    this.worker.on("exit", (code) => this.markGone(`the PostgreSQL worker thread exited (code ${code})`));
  }

  /** Sends a request and blocks until its reply; throws the reply's error as a PostgresError. */
  call(request: Unnumbered<Request>): Reply & { ok: true } {
    if (this.gone !== undefined) throw this.gone;
    const id = this.nextId++;
    // Only a consumed reply is reset: a worker that died before this call keeps its flag, and the loop below sees it.
    Atomics.compareExchange(this.signal, 0, SIGNAL.replied, SIGNAL.waiting);
    try {
      this.worker.postMessage({ ...request, id });
    } catch (error) {
      // A value structured clone cannot copy (a function, a class instance with private state...).
      throw new TypeError(`cannot send this request to PostgreSQL: ${(error as Error).message}; pass strings, numbers, bigints, booleans, null, Dates, Uint8Arrays, arrays or plain objects`, { cause: error });
    }
    while (Atomics.load(this.signal, 0) === SIGNAL.waiting) Atomics.wait(this.signal, 0, SIGNAL.waiting);
    const flag = Atomics.load(this.signal, 0);
    const reply = this.take(id);
    if (flag === SIGNAL.dead) this.gone = new PostgresError(reply?.ok === false ? reply.error : clientFailure(CLIENT_CODES.connectionLost, "the PostgreSQL worker thread stopped; connect again"));
    if (reply === undefined) throw this.gone ?? new PostgresError(clientFailure("XX000", `no reply from the PostgreSQL worker to request ${id}; connect again`));
    if (!reply.ok) throw new PostgresError(reply.error);
    return reply;
  }

  /** Ends the thread (after a "close" request has ended its connection). */
  stop(): void {
    this.markGone("this PostgreSQL client is closed");
    this.replies.close();
    void this.worker.terminate().catch(() => undefined);
  }

  /** The reply to request `id`, skipping any stale reply left from an earlier one. */
  private take(id: number): Reply | undefined {
    for (;;) {
      const received = receiveMessageOnPort(this.replies);
      if (received === undefined) return undefined;
      const reply = received.message as Reply;
      if (reply.id === id || reply.id === -1) return reply;
    }
  }

  private markGone(message: string): void {
    this.gone ??= new PostgresError(clientFailure(CLIENT_CODES.closed, `${message}; connect again with SyncPostgres.connect(url)`));
  }
}

/**
 * The worker runs the same build as this file: worker.js next to it in dist/,
 * worker.ts under tsx (as the serve module's log worker does). A small
 * bootstrap loads it, so that a worker that cannot even load its script
 * still wakes the blocked caller with the reason rather than leaving it asleep.
 */
function startWorker(data: WorkerData, transferList: MessagePort[]): Worker {
  const file = join(__dirname, `worker${extname(__filename)}`);
  // A worker does not inherit tsx's hooks (`node --import tsx`): it registers them before loading the file.
  const tsx = extname(__filename) === ".ts" ? `require(${JSON.stringify(require.resolve("tsx/cjs"))});` : "";
  const bootstrap = `
    const { workerData } = require("node:worker_threads");
    try {
      ${tsx}
      require(${JSON.stringify(file)});
    } catch (error) {
      const message = "the PostgreSQL worker thread could not start: " + String((error && error.stack) || error) + " (SQLSTATE XX000)";
      workerData.replies.postMessage({ id: -1, ok: false, error: { code: "XX000", message, serverMessage: message } });
      const signal = new Int32Array(workerData.signal);
      Atomics.store(signal, 0, ${SIGNAL.dead});
      Atomics.notify(signal, 0);
    }`;
  return new Worker(bootstrap, { eval: true, workerData: data, transferList });
}
