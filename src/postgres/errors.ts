import { PipelabError } from "../errors";

/** How much of a failed query an error quotes. */
const QUERY_QUOTE_CHARS = 200;

/**
 * SQLSTATE codes this client uses for failures of its own, as libpq and JDBC
 * do: the standard's class 08 (connection exception) and 25 (invalid transaction state).
 */
export const CLIENT_CODES = {
  /** Could not connect (or reconnect) to the server. */
  cannotConnect: "08001",
  /** The client was closed: no connection to run on. */
  closed: "08003",
  /** The connection broke while a query ran, or during a transaction. */
  connectionLost: "08006",
  /** transaction() inside transaction(), or query() on the client while its transaction is open. */
  transactionOpen: "25001",
  /** COMMIT of a transaction in which a statement had failed: the server rolled it back. */
  rolledBack: "25P02",
} as const;

/** What crosses from the worker thread to the caller about a failure: plain data, structured-cloneable. */
export interface PostgresErrorInfo {
  /** SQLSTATE: the server's, or one of CLIENT_CODES for the client's own failures. */
  code: string;
  /** The whole message, already redacted. */
  message: string;
  /** The server's own message (or the driver's, for a connection failure), redacted. */
  serverMessage: string;
  /** The start of the query that failed (QUERY_QUOTE_CHARS), undefined for a failure to connect. */
  query?: string;
  detail?: string;
  hint?: string;
  constraint?: string;
  table?: string;
  column?: string;
  /** 1-based character position in the query where the server places the error. */
  position?: number;
}

/**
 * A failure of PostgreSQL or of the connection to it. `code` is the SQLSTATE
 * (`23505` unique violation, `42P01` undefined table, `08006` connection lost, ...),
 * `serverMessage` the server's words, `query` the start of the statement that failed.
 *
 * @example
 * ```ts
 * try { db.query("INSERT INTO runs (id) VALUES ($1)", [7]); }
 * catch (e) { if (e instanceof PostgresError && e.code === "23505") console.log("run 7 exists"); }
 * ```
 */
export class PostgresError extends PipelabError {
  readonly code: string;
  readonly serverMessage: string;
  readonly query: string | undefined;
  readonly detail: string | undefined;
  readonly hint: string | undefined;
  readonly constraint: string | undefined;
  readonly table: string | undefined;
  readonly column: string | undefined;
  readonly position: number | undefined;

  constructor(info: PostgresErrorInfo, options?: { cause?: unknown }) {
    super(info.message, options);
    this.code = info.code;
    this.serverMessage = info.serverMessage;
    this.query = info.query;
    this.detail = info.detail;
    this.hint = info.hint;
    this.constraint = info.constraint;
    this.table = info.table;
    this.column = info.column;
    this.position = info.position;
  }

  /** True when the connection broke or could not be made: the statement's outcome may be unknown. */
  get connectionFailed(): boolean {
    return this.code.startsWith("08") || this.code === "57P01" || this.code === "57P02" || this.code === "57P03";
  }
}

/** A client-side failure, as data: `what` says what failed and what to do. */
export function clientFailure(code: string, what: string, query?: string): PostgresErrorInfo {
  const quoted = query === undefined ? undefined : quoteQuery(query);
  return { code, serverMessage: what, query: quoted, message: `${what} (SQLSTATE ${code})${quoted === undefined ? "" : `\n  query: ${quoted}`}` };
}

/** The start of a query for a message, with password literals (`PASSWORD '...'`) masked. */
export function quoteQuery(sql: string): string {
  const masked = sql.replace(/(\bpassword\s+)'(?:[^']|'')*'/gi, "$1'***'");
  return masked.length > QUERY_QUOTE_CHARS ? `${masked.slice(0, QUERY_QUOTE_CHARS)}…` : masked;
}

/**
 * A connection url with its password replaced by ***, fit to print.
 *
 * @example
 * ```ts
 * redactUrl("postgres://lab:hunter2@db:5432/runs"); // "postgres://lab:***@db:5432/runs"
 * ```
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    // Not a url we can parse (a key=value string?): mask anything after password=.
    return url.replace(/(password\s*=\s*)\S+/gi, "$1***");
  }
}

/** A function that masks the url's password wherever it appears in a text (plain or url-encoded). */
export function passwordMask(url: string): (text: string) => string {
  let secrets: string[] = [];
  try {
    const encoded = new URL(url).password;
    if (encoded !== "") secrets = [...new Set([encoded, safeDecode(encoded)])].filter((s) => s.length > 0);
  } catch {
    const match = /password\s*=\s*(\S+)/i.exec(url);
    if (match?.[1] !== undefined) secrets = [match[1]];
  }
  return (text) => secrets.reduce((t, secret) => t.split(secret).join("***"), text);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
