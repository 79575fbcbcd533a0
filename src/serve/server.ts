/**
 * servePipeline: a loaded pipeline package behind an HTTP server (fastify),
 * on loopback unless told otherwise and then behind a bearer token, logging
 * what it serves to the experiment store, and closing gracefully: no new
 * connections, in-flight requests answered, the log flushed.
 */
import { inspect } from "node:util";
import fastify from "fastify";
import type { FastifyError, FastifyInstance } from "fastify";
import type { LoadedPipeline } from "../deploy";
import { messageOf } from "../errors";
import type { PredictionLogStats, RunId } from "../tracking";
import { answerOf, sendError } from "./answers";
import { bearerCheck, chooseToken } from "./auth";
import { drainingServer } from "./connections";
import type { DrainingServer } from "./connections";
import { RequestRefused, ServeError } from "./errors";
import { ServingLog } from "./prediction-logging";
import type { PredictionLogging } from "./prediction-logging";
import { addRoutes, endpoints } from "./routes";
import type { RouteContext } from "./routes";

export interface ServeOptions {
  /** The port; 0 (the default) takes a free one. */
  port?: number;
  /** The address to listen on. Default "127.0.0.1"; any other than loopback needs a token (one is generated when none is given). */
  host?: string;
  /** The bearer token requests must send (`Authorization: Bearer <token>`). Default: $PIPELAB_SERVE_TOKEN; off loopback, a new random one. */
  token?: string;
  /** The largest request body, in bytes. Default 1 MiB. */
  bodyLimit?: number;
  /** Log the served predictions to this store, at this sample rate (default 1); undefined: no logging. */
  log?: PredictionLogging | undefined;
  /** How long close() waits for in-flight requests before cutting their connections. Default 10 s. */
  drainTimeoutMs?: number;
}

/** What a server has done since it started. */
export interface ServeStats {
  /** Prediction requests answered with predictions. */
  served: number;
  /** Rows predicted. */
  rows: number;
  /** Requests refused (4xx). */
  rejected: number;
  /** Requests that failed (5xx). */
  failed: number;
  /** Requests being answered now. */
  inFlight: number;
  /** Connections accepted. */
  connections: number;
  uptimeMs: number;
  /** The prediction log's counts, when logging. */
  log?: PredictionLogStats;
}

/** A running server. */
export interface ServedPipeline {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The token requests must send, if any. */
  readonly token: string | undefined;
  /** Whether the token was generated here: show it to the user, once. */
  readonly tokenGenerated: boolean;
  /** The serving run the predictions are logged to, when logging. */
  readonly servingRun: RunId | undefined;
  /**
   * Stops accepting connections and answers every request already accepted (a connection that has not sent
   * its first request yet has a second to send it); then flushes the log and ends the serving run. The store
   * stays open.
   */
  close(): Promise<void>;
  stats(): ServeStats;
}

const DEFAULT_BODY_LIMIT = 2 ** 20;
const DEFAULT_DRAIN_MS = 10_000;
/** While closing, how long a connection accepted before the close has to send its first request (it is answered). */
const FRESH_CONNECTION_GRACE_MS = 1_000;

/**
 * Serves a loaded pipeline over HTTP: `POST /predict`, the Open Inference
 * Protocol (`POST /v2/models/{name}/infer`, ...), `GET /health`, `GET /signature`.
 *
 * @example
 * ```ts
 * const server = await servePipeline(await loadPipeline("packages/penguins"), { port: 8080, log: { store } });
 * // curl -d '{"records": [{"Island": "Biscoe", ...}]}' -H 'content-type: application/json' http://127.0.0.1:8080/predict
 * await server.close();
 * ```
 */
export async function servePipeline(pipeline: LoadedPipeline, options: ServeOptions = {}): Promise<ServedPipeline> {
  const o = normalize(options);
  const { token, generated } = chooseToken(o.host, options.token, process.env);
  const context: RouteContext = { pipeline, counts: { served: 0, rows: 0, rejected: 0, failed: 0 }, startedAt: Date.now(), log: undefined };
  const { app, connections } = makeApp(o.bodyLimit, token, context);
  addRoutes(app, context);
  // The log is ready before the first request can arrive (its thread has opened the store).
  const log = o.log === undefined ? undefined : await ServingLog.start(o.log.store, pipeline, o.log.sampleRate).catch(async (error: unknown) => {
    await app.close();
    throw error;
  });
  context.log = log;
  try {
    await app.listen({ port: o.port, host: o.host });
  } catch (error) {
    const failure = listenError(error, o.host, o.port);
    await app.close().catch(() => undefined);
    await log?.abandon(failure);
    throw failure;
  }
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : o.port;
  const url = `http://${o.host.includes(":") ? `[${o.host}]` : o.host}:${port}`;
  let closing: Promise<void> | undefined;
  const stats = (): ServeStats => ({
    ...context.counts,
    inFlight: connections.inFlight(),
    connections: connections.connections(),
    uptimeMs: Date.now() - context.startedAt,
    ...(context.log ? { log: context.log.stats() } : {}),
  });
  return {
    url,
    host: o.host,
    port,
    token,
    tokenGenerated: generated,
    servingRun: context.log?.run,
    close: () => (closing ??= drain(app, o.drainTimeoutMs).finally(() => context.log?.close(stats()))),
    stats,
    [inspect.custom]: () => `ServedPipeline { ${JSON.stringify(pipeline.name)} at ${url}, served ${context.counts.served} }`,
  } as ServedPipeline;
}

/** The fastify app: schemas checked as written (no coercion), errors as `{ error }`, the token checked first. */
function makeApp(bodyLimit: number, token: string | undefined, context: RouteContext): { app: FastifyInstance; connections: DrainingServer } {
  const made: { server?: DrainingServer } = {};
  const app = fastify({
    logger: false,
    serverFactory: (handler) => (made.server = drainingServer(handler, FRESH_CONNECTION_GRACE_MS)).server,
    bodyLimit,
    // Requests that arrive on open connections while closing are answered (with Connection: close), not refused with 503.
    return503OnClosing: false,
    // A string "1.5" is not the number 1.5, and a lone row is not a list of rows: the checks say so instead.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } },
  });
  // JSON only (text/plain and the rest are 415), parsed by JSON.parse for its error message (fastify's says
  // only that the body is not JSON). Rows are read by the signature's column names only, so "__proto__" keys
  // do no harm.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
    if (body === "") return done(new RequestRefused(400, "the body is empty: send JSON, such as {\"records\": [{column: value, ...}]}"), undefined);
    try {
      done(null, JSON.parse(body as string));
    } catch (error) {
      done(new RequestRefused(400, `the body is not valid JSON: ${messageOf(error)}`), undefined);
    }
  });
  if (token !== undefined) {
    const check = bearerCheck(token);
    app.addHook("onRequest", (request, reply, done) => {
      const credentials = check(request.headers.authorization);
      if (credentials === "ok") return done();
      context.counts.rejected++;
      void reply.header("www-authenticate", "Bearer");
      sendError(reply, 401, { error: credentials === "missing" ? "this server needs a token: send Authorization: Bearer <token>" : "wrong token: send the server's token as Authorization: Bearer <token>" });
    });
  }
  app.setErrorHandler((error: FastifyError | RequestRefused, request, reply) => {
    const { status, body } = answerOf(error, request, bodyLimit);
    if (status >= 500) context.counts.failed++;
    else context.counts.rejected++;
    sendError(reply, status, body);
  });
  app.setNotFoundHandler((request, reply) => {
    context.counts.rejected++;
    sendError(reply, 404, { error: `no endpoint ${request.method} ${request.url.split("?")[0]}: there are ${endpoints(context.pipeline.name)}` });
  });
  if (made.server === undefined) throw new ServeError(`fastify ${app.version} did not call serverFactory: pipelab serves with fastify 5`);
  return { app, connections: made.server };
}

/** Closes the app, waiting for the requests in flight; past the deadline, their connections are cut. */
async function drain(app: FastifyInstance, deadlineMs: number): Promise<void> {
  const timer = setTimeout(() => app.server.closeAllConnections(), deadlineMs).unref();
  try {
    await app.close();
  } finally {
    clearTimeout(timer);
  }
}

function normalize(options: ServeOptions): { port: number; host: string; bodyLimit: number; drainTimeoutMs: number; log: { store: PredictionLogging["store"]; sampleRate: number } | undefined } {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ServeError(`invalid port: ${String(port)} (a whole number from 0 to 65535; 0 takes a free one)`);
  const host = options.host ?? "127.0.0.1";
  if (typeof host !== "string" || host.trim() === "") throw new ServeError(`invalid host: ${JSON.stringify(host)} (an address such as 127.0.0.1 or 0.0.0.0)`);
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  if (!Number.isSafeInteger(bodyLimit) || bodyLimit < 1) throw new ServeError(`invalid bodyLimit: ${String(bodyLimit)} (bytes, 1 or more)`);
  const drainTimeoutMs = options.drainTimeoutMs ?? DEFAULT_DRAIN_MS;
  if (!(drainTimeoutMs >= 0)) throw new ServeError(`invalid drainTimeoutMs: ${String(drainTimeoutMs)} (milliseconds, 0 or more)`);
  const sampleRate = options.log?.sampleRate ?? 1;
  if (!(typeof sampleRate === "number" && sampleRate >= 0 && sampleRate <= 1)) throw new ServeError(`invalid sample rate: ${String(sampleRate)} (a share from 0 to 1)`);
  return { port, host, bodyLimit, drainTimeoutMs, log: options.log === undefined ? undefined : { store: options.log.store, sampleRate } };
}

function listenError(error: unknown, host: string, port: number): ServeError {
  const code = (error as NodeJS.ErrnoException).code;
  const where = `${host}:${port}`;
  const why =
    code === "EADDRINUSE"
      ? `the port ${port} is in use: pick another (--port), or 0 for a free one`
      : code === "EADDRNOTAVAIL" || code === "ENOTFOUND"
        ? `${host} is not an address of this machine: use 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)`
        : code === "EACCES"
          ? `ports under 1024 need privileges: pick a higher one`
          : messageOf(error);
  return new ServeError(`cannot listen on ${where}: ${why}`, { cause: error });
}

