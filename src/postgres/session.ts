/**
 * The worker thread's side: one pg Client, reconnected when the server goes
 * away, and the rules for what may be retried. One connection is enough: the
 * caller's thread blocks on each call, so there is never more than one
 * statement at a time, and a transaction is simply BEGIN ... COMMIT on it.
 */
import { Client, DatabaseError } from "pg";
import type { QueryResult as PgResult } from "pg";
import { CLIENT_CODES, clientFailure, quoteQuery, redactUrl } from "./errors";
import type { PostgresErrorInfo } from "./errors";
import type { ConnectSettings, PostgresParam, QueryResult } from "./protocol";

/** A failure described as data, thrown inside the worker and sent back as the reply. */
export class Failure extends Error {
  constructor(readonly info: PostgresErrorInfo) {
    super(info.message);
  }
}

/** Server codes after which the connection is gone: admin_shutdown, crash_shutdown, cannot_connect_now, and class 08. */
const FATAL_CODES = /^(57P0[123]|08...)$/;

/** Driver errors of a broken socket (pg's own words, and the system's codes). */
const BROKEN = /Connection terminated|not queryable|ECONNRESET|EPIPE|ECONNREFUSED|ETIMEDOUT|socket hang up/i;

/** Connect errors worth another attempt: the server is down, restarting or busy; not a wrong password or database. */
const RETRY_CONNECT = /ECONNREFUSED|ECONNRESET|ENOENT|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|Connection terminated|timeout/i;
const RETRY_CONNECT_CODES = /^(57P03|53300|08...)$/;

const FIRST_RETRY_MS = 50;
const MAX_RETRY_MS = 1_000;

type TransactionState = "none" | "open" | "lost";

export class Session {
  private client: Client | undefined;
  /** Why the last connection ended, for the next message. */
  private lostBecause: string | undefined;
  private transaction: TransactionState = "none";
  private readonly where: string;

  constructor(
    private readonly settings: ConnectSettings,
    private readonly mask: (text: string) => string,
  ) {
    this.where = redactUrl(settings.url);
  }

  /** The first connection: one attempt, so that a wrong url fails at once. */
  async connect(): Promise<void> {
    try {
      this.client = await this.open();
    } catch (error) {
      throw new Failure(this.cannotConnect(error, 0));
    }
  }

  async query(sql: string, params: readonly PostgresParam[]): Promise<QueryResult<unknown>> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.usable(sql);
      try {
        return toResult(await client.query({ text: sql, values: params as unknown[] }));
      } catch (error) {
        // pg refuses a statement without sending it when it already knows the socket is dead:
        // then, outside a transaction, running it on a new connection is safe.
        const unsent = error instanceof Error && /not queryable/.test(error.message);
        const failure = this.failure(error, sql, client);
        if (unsent && attempt === 1 && this.transaction === "none") continue;
        throw new Failure(failure);
      }
    }
  }

  async begin(): Promise<void> {
    if (this.transaction !== "none") throw new Failure(clientFailure(CLIENT_CODES.transactionOpen, "a transaction is already open on this connection", "BEGIN"));
    await this.query("BEGIN", []);
    this.transaction = "open";
  }

  async commit(): Promise<void> {
    if (this.transaction === "lost") {
      this.transaction = "none";
      throw new Failure(this.lostTransaction("COMMIT"));
    }
    let result: QueryResult<unknown>;
    try {
      result = await this.query("COMMIT", []);
    } catch (error) {
      if (error instanceof Failure && error.info.code === CLIENT_CODES.connectionLost) {
        const because = this.lostBecause ?? "no reason given";
        const what = `the connection to PostgreSQL at ${this.where} broke during COMMIT (${because}): whether the transaction committed is unknown; check before running it again`;
        throw new Failure(clientFailure(CLIENT_CODES.connectionLost, what, "COMMIT"));
      }
      throw error;
    } finally {
      this.transaction = "none";
    }
    // COMMIT of a transaction in which a statement failed (and the caller caught it) is a ROLLBACK.
    if (result.command === "ROLLBACK") {
      throw new Failure(
        clientFailure(CLIENT_CODES.rolledBack, "the transaction was rolled back, not committed: a statement in it failed and its error was caught inside the transaction; let the error end the transaction, or use a SAVEPOINT", "COMMIT"),
      );
    }
  }

  async rollback(): Promise<void> {
    const state = this.transaction;
    this.transaction = "none";
    // A lost connection takes its transaction with it: the server rolled it back already.
    if (state === "lost" || this.client === undefined) return;
    try {
      await this.query("ROLLBACK", []);
    } catch (error) {
      if (error instanceof Failure && error.info.code === CLIENT_CODES.connectionLost) return;
      throw error;
    }
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.transaction = "none";
    if (client !== undefined) await client.end().catch(() => undefined);
  }

  /** The live connection, or a new one (tried again with backoff), or a failure when a transaction's connection was lost. */
  private async usable(sql: string): Promise<Client> {
    if (this.transaction === "lost") throw new Failure(this.lostTransaction(sql));
    if (this.client !== undefined) return this.client;
    const started = Date.now();
    let delay = FIRST_RETRY_MS;
    for (;;) {
      try {
        this.client = await this.open();
        return this.client;
      } catch (error) {
        const waited = Date.now() - started;
        if (!retryableConnect(error) || waited + delay > this.settings.reconnectTimeoutMs) throw new Failure(this.cannotConnect(error, waited, sql));
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, MAX_RETRY_MS);
    }
  }

  private async open(): Promise<Client> {
    const { url, applicationName, connectTimeoutMs, statementTimeoutMs, serverSettings } = this.settings;
    const options = Object.entries(serverSettings).map(([name, value]) => `-c ${name}=${value}`).join(" ");
    const client = new Client({
      connectionString: url,
      application_name: applicationName,
      ...(options === "" ? {} : { options }),
      connectionTimeoutMillis: connectTimeoutMs,
      statement_timeout: statementTimeoutMs > 0 ? statementTimeoutMs : undefined,
      keepAlive: true,
    });
    // An idle connection cut by the server (a restart) is an 'error' event: without a listener it would kill the thread.
    client.on("error", (error) => this.lost(client, error));
    client.on("end", () => this.lost(client, new Error("the server closed the connection")));
    try {
      await client.connect();
    } catch (error) {
      client.removeAllListeners("end");
      await client.end().catch(() => undefined);
      throw error;
    }
    return client;
  }

  /** Forgets a connection that broke; a transaction on it is lost. */
  private lost(client: Client, error: unknown): void {
    if (client !== this.client) return;
    this.client = undefined;
    this.lostBecause = this.mask(describeError(error));
    if (this.transaction === "open") this.transaction = "lost";
    client.removeAllListeners("end");
    client.end().catch(() => undefined);
  }

  /** What to tell the caller about a statement that failed on `client`. */
  private failure(error: unknown, sql: string, client: Client): PostgresErrorInfo {
    const code = error instanceof DatabaseError ? error.code : undefined;
    const broken = client !== this.client || (code !== undefined && FATAL_CODES.test(code)) || (code === undefined && BROKEN.test(describeError(error)));
    if (broken) {
      this.lost(client, error);
      const inTransaction = this.transaction === "lost" ? " The transaction it belonged to was rolled back by the server." : "";
      return clientFailure(
        CLIENT_CODES.connectionLost,
        `the connection to PostgreSQL at ${this.where} broke while this statement ran (${this.mask(describeError(error))}): it was not run again, so it may or may not have taken effect.${inTransaction} The next call connects again`,
        sql,
      );
    }
    if (error instanceof DatabaseError && code !== undefined) return serverFailure(error, code, sql, this.mask);
    // The driver refused the statement before sending it (a value it cannot convert, most often).
    const driverCode = error instanceof TypeError || error instanceof RangeError ? "22023" : "XX000";
    return clientFailure(driverCode, `the pg driver refused the statement: ${this.mask(describeError(error))}`, sql);
  }

  private lostTransaction(sql: string): PostgresErrorInfo {
    return clientFailure(
      CLIENT_CODES.connectionLost,
      `the connection to PostgreSQL at ${this.where} broke during this transaction (${this.lostBecause ?? "no reason given"}): the server rolled it back; end the transaction and run it again`,
      sql,
    );
  }

  private cannotConnect(error: unknown, waitedMs: number, sql?: string): PostgresErrorInfo {
    const code = error instanceof DatabaseError && error.code !== undefined ? error.code : CLIENT_CODES.cannotConnect;
    const tried = waitedMs > 0 ? ` (tried again for ${(waitedMs / 1000).toFixed(1)} s)` : "";
    const info = clientFailure(
      code,
      `cannot connect to PostgreSQL at ${this.where}: ${this.mask(describeError(error))}${tried}; check that the server runs and accepts this user and database, then call again`,
      sql,
    );
    return { ...info, serverMessage: this.mask(describeError(error)) };
  }
}

function serverFailure(error: DatabaseError, code: string, sql: string, mask: (text: string) => string): PostgresErrorInfo {
  const query = quoteQuery(sql);
  const serverMessage = mask(error.message);
  const detail = error.detail === undefined ? undefined : mask(error.detail);
  const hint = error.hint === undefined ? undefined : mask(error.hint);
  const position = error.position === undefined ? undefined : Number(error.position);
  const extra = [detail === undefined ? "" : ` Detail: ${detail}`, hint === undefined ? "" : ` Hint: ${hint}`].join("");
  return {
    code,
    serverMessage,
    query,
    detail,
    hint,
    constraint: error.constraint,
    table: error.table,
    column: error.column,
    position,
    message: `PostgreSQL: ${serverMessage} (SQLSTATE ${code}).${extra}\n  query: ${query}`,
  };
}

function retryableConnect(error: unknown): boolean {
  if (error instanceof DatabaseError && error.code !== undefined) return RETRY_CONNECT_CODES.test(error.code);
  const code = (error as { code?: unknown } | null)?.code;
  return RETRY_CONNECT.test(`${describeError(error)} ${typeof code === "string" ? code : ""}`);
}

/** A multi-statement text gives one result per statement: the last one is the answer. */
function toResult(result: PgResult | PgResult[]): QueryResult<unknown> {
  const last = Array.isArray(result) ? result[result.length - 1] : result;
  return { rows: last?.rows ?? [], rowCount: last?.rowCount ?? 0, command: last?.command ?? "" };
}

/** An error's message; a failed connect to several addresses is an AggregateError with an empty one. */
function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.map(describeError).join("; ");
  if (error instanceof Error) return error.message || String((error as { code?: unknown }).code ?? error.name);
  return String(error);
}
