import { inspect } from "node:util";
import { CLIENT_CODES, PostgresError, clientFailure, redactUrl } from "./errors";
import type { ConnectSettings, PostgresParam, QueryResult } from "./protocol";
import { WorkerChannel } from "./worker-channel";

/** How a SyncPostgres connects. */
export interface SyncPostgresOptions {
  /** Shown in pg_stat_activity; "pipelab" when not given. */
  applicationName?: string;
  /** How long one attempt to connect may take (default 10 s). */
  connectTimeoutMs?: number;
  /** The server cancels a statement that runs longer (SQLSTATE 57014); default none. */
  statementTimeoutMs?: number;
  /** How long a lost connection is tried again, with backoff, before a call gives up (default 30 s). */
  reconnectTimeoutMs?: number;
  /** Server settings for the session, sent at every connect, e.g. `{ jit: "off" }` (names and values of letters, digits, `_`, `.` and `-`). */
  serverSettings?: Readonly<Record<string, string>>;
}

const DEFAULTS = { applicationName: "pipelab", connectTimeoutMs: 10_000, statementTimeoutMs: 0, reconnectTimeoutMs: 30_000 };

/** What runs statements: the client itself, or the `tx` of a transaction. */
export interface PostgresQueryable {
  /**
   * Runs one statement with bound parameters ($1, $2, ...) and returns its rows.
   * `T` is what the caller expects a row to be: it is not checked. int8 and
   * numeric come back as strings, jsonb parsed, bytea as a Uint8Array.
   */
  query<T = Record<string, unknown>>(sql: string, params?: readonly PostgresParam[]): QueryResult<T>;
}

/**
 * A synchronous PostgreSQL client, for code that cannot await (a notebook's
 * store calls). The `pg` driver runs in a worker thread; each call blocks
 * this thread until the answer is back. A connection lost to a server restart
 * is made again by the next call; a statement that was running when it broke
 * fails (SQLSTATE 08006) and is not run again.
 *
 * @example
 * ```ts
 * const db = SyncPostgres.connect("postgres://me@127.0.0.1:5432/lab");
 * const { rows } = db.query<{ n: string }>("SELECT count(*) AS n FROM runs WHERE status = $1", ["finished"]);
 * db.transaction((tx) => { tx.query("INSERT INTO runs (name) VALUES ($1)", ["a"]); });
 * db.close();
 * ```
 */
export class SyncPostgres implements PostgresQueryable {
  private readonly channel: WorkerChannel;
  private readonly where: string;
  private open: PostgresTransaction | undefined;
  private closed = false;

  private constructor(channel: WorkerChannel, where: string) {
    this.channel = channel;
    this.where = where;
  }

  /** Connects now (one attempt; throws a PostgresError saying why it cannot). */
  static connect(url: string, options: SyncPostgresOptions = {}): SyncPostgres {
    const settings = normalizeSettings(url, options);
    const channel = new WorkerChannel(settings);
    try {
      channel.call({ kind: "connect" });
    } catch (error) {
      channel.stop();
      throw error;
    }
    return new SyncPostgres(channel, redactUrl(url));
  }

  query<T = Record<string, unknown>>(sql: string, params: readonly PostgresParam[] = []): QueryResult<T> {
    if (this.open !== undefined) {
      throw new PostgresError(
        clientFailure(CLIENT_CODES.transactionOpen, "a transaction is open on this client: run the statement with the transaction's `tx.query`, or after transaction() returns", sql),
      );
    }
    return this.run<T>(sql, params);
  }

  /**
   * Runs `fn` between BEGIN and COMMIT on the client's connection and returns
   * what it returns; when `fn` throws, ROLLBACK and the error goes on. Calls do
   * not nest (use SAVEPOINT inside for that), and `fn` must be synchronous.
   */
  transaction<T>(fn: (tx: PostgresQueryable) => T): T {
    if (this.open !== undefined) {
      throw new PostgresError(clientFailure(CLIENT_CODES.transactionOpen, "transaction() inside transaction(): transactions do not nest; run the inner statements on the outer `tx` (with a SAVEPOINT if they may fail alone)"));
    }
    this.ensureOpen();
    this.channel.call({ kind: "begin" });
    const tx = new PostgresTransaction((sql, params) => this.run(sql, params));
    this.open = tx;
    let result: T;
    try {
      result = fn(tx);
      if (isThenable(result)) {
        // Its statements would run after COMMIT, outside the transaction: refuse, and keep its failure from going unhandled.
        (result as PromiseLike<unknown>).then(undefined, () => undefined);
        throw new TypeError("the function given to transaction() returned a Promise: it must be synchronous (SyncPostgres calls block; do not await them)");
      }
    } catch (error) {
      tx.end();
      this.open = undefined;
      try {
        this.channel.call({ kind: "rollback" });
      } catch {
        // The original error says what went wrong; a lost connection rolls the transaction back by itself.
      }
      throw error;
    }
    tx.end();
    this.open = undefined;
    this.channel.call({ kind: "commit" });
    return result;
  }

  /** Ends the connection and its thread; later calls throw. Closing twice does nothing. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.channel.call({ kind: "close" });
    } catch {
      // The thread is gone already: nothing left to end.
    } finally {
      this.channel.stop();
    }
  }

  /** Whether close() was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** A statement of the client's or of its transaction's (past the open-transaction check). */
  private run<T>(sql: string, params: readonly PostgresParam[]): QueryResult<T> {
    this.ensureOpen(sql);
    if (typeof sql !== "string" || sql.trim() === "") throw new TypeError(`invalid sql: ${inspect(sql)} (a non-empty string)`);
    if (!Array.isArray(params)) throw new TypeError(`invalid params: ${inspect(params)} (an array of values for $1, $2, ...)`);
    return this.channel.call({ kind: "query", sql, params }).result as QueryResult<T>;
  }

  [inspect.custom](): string {
    return `SyncPostgres <${this.where}>${this.closed ? " (closed)" : this.open !== undefined ? " (in a transaction)" : ""}`;
  }

  private ensureOpen(sql?: string): void {
    if (this.closed) throw new PostgresError(clientFailure(CLIENT_CODES.closed, `this client of ${this.where} is closed: connect again with SyncPostgres.connect(url)`, sql));
  }
}

/** The `tx` of a transaction: valid until transaction() returns. */
class PostgresTransaction implements PostgresQueryable {
  private ended = false;
  constructor(private readonly run: <T>(sql: string, params: readonly PostgresParam[]) => QueryResult<T>) {}

  query<T = Record<string, unknown>>(sql: string, params: readonly PostgresParam[] = []): QueryResult<T> {
    if (this.ended) throw new PostgresError(clientFailure(CLIENT_CODES.closed, "this transaction has ended: `tx` is valid only inside the function given to transaction()", sql));
    return this.run<T>(sql, params);
  }

  end(): void {
    this.ended = true;
  }

  [inspect.custom](): string {
    return `PostgresTransaction${this.ended ? " (ended)" : ""}`;
  }
}

function normalizeSettings(url: string, options: SyncPostgresOptions): ConnectSettings {
  if (typeof url !== "string" || url.trim() === "") throw new TypeError(`invalid PostgreSQL url: ${inspect(url)} (postgres://user@host:port/database)`);
  const millis = (name: "connectTimeoutMs" | "statementTimeoutMs" | "reconnectTimeoutMs"): number => {
    const value = options[name] ?? DEFAULTS[name];
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) throw new TypeError(`invalid ${name}: ${inspect(value)} (milliseconds, 0 or more)`);
    return value;
  };
  const applicationName = options.applicationName ?? DEFAULTS.applicationName;
  if (typeof applicationName !== "string") throw new TypeError(`invalid applicationName: ${inspect(applicationName)} (a string)`);
  const serverSettings: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.serverSettings ?? {})) {
    if (!/^[a-z_][a-z0-9_.]*$/i.test(name) || typeof value !== "string" || !/^[\w.-]+$/.test(value)) {
      throw new TypeError(`invalid server setting ${inspect(name)}=${inspect(value)} (names and values of letters, digits, _, . and -)`);
    }
    serverSettings[name] = value;
  }
  return {
    url,
    applicationName,
    serverSettings,
    connectTimeoutMs: millis("connectTimeoutMs"),
    statementTimeoutMs: millis("statementTimeoutMs"),
    reconnectTimeoutMs: millis("reconnectTimeoutMs"),
  };
}

function isThenable(value: unknown): boolean {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { then?: unknown }).then === "function";
}
