/**
 * What the caller's thread and the driver's worker thread say to each other.
 * Everything here crosses a thread boundary by structured clone: plain data only.
 */
import type { MessagePort } from "node:worker_threads";
import type { PostgresErrorInfo } from "./errors";

/** A value a query can bind: pg turns it into text (arrays into array literals, objects into JSON). */
export type PostgresParam =
  | string
  | number
  | bigint
  | boolean
  | null
  | undefined
  | Date
  | Uint8Array
  | readonly PostgresParam[]
  | { readonly [key: string]: unknown };

/** How the worker connects. */
export interface ConnectSettings {
  url: string;
  applicationName: string;
  /** One attempt's limit. */
  connectTimeoutMs: number;
  /** The server's statement_timeout for this session; 0 for none. */
  statementTimeoutMs: number;
  /** How long a lost connection is tried again before a call gives up. */
  reconnectTimeoutMs: number;
  /** Server settings for the session, given at connect (so a reconnect has them too): `-c name=value` each. */
  serverSettings: Record<string, string>;
}

/** What the worker is started with. */
export interface WorkerData {
  settings: ConnectSettings;
  /** Int32Array[1] over it: the reply flag the caller blocks on (see SIGNAL). */
  signal: SharedArrayBuffer;
  /** Where replies go; the caller reads it with receiveMessageOnPort. */
  replies: MessagePort;
}

/** The reply flag's values. */
export const SIGNAL = { waiting: 0, replied: 1, dead: 2 } as const;

/** A request, each with its sequence number. */
export type Request =
  | { id: number; kind: "connect" }
  | { id: number; kind: "query"; sql: string; params: readonly PostgresParam[] }
  | { id: number; kind: "begin" | "commit" | "rollback" }
  | { id: number; kind: "close" };

/** What a query returns. */
export interface QueryResult<T> {
  rows: T[];
  /** Rows the statement returned or touched (INSERT, UPDATE, DELETE, SELECT...); 0 when the server gives no count. */
  rowCount: number;
  /** The command's tag: "SELECT", "INSERT", ... */
  command: string;
}

/** The reply to the request with the same id. */
export type Reply = { id: number; ok: true; result: QueryResult<unknown> } | { id: number; ok: false; error: PostgresErrorInfo };
