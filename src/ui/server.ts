/**
 * startUi: the web page of runs, served by fastify from an open store. Pages
 * are HTML rendered here, with the charts' SVGs inline and no script but one
 * (a running run's page refreshes its curves: see live.ts);
 * on loopback unless told otherwise, and then behind a token.
 */
import { createReadStream } from "node:fs";
import { dirname } from "node:path";
import fastify from "fastify";
import type { FastifyInstance, FastifyReply } from "fastify";
import { messageOf } from "../errors";
import type { BrowsableStore, RunId } from "../tracking";
import { findProjectRoot } from "../util";
// serve's index does not export its auth helpers; they are the one rule for tokens, used as they are.
import { chooseToken } from "../serve";
import { accessHook } from "./access";
import { ARTIFACT_HEADERS, ArtifactFiles } from "./artifact-files";
import { comparePage, parseCompareView } from "./compare-page";
import { diffPage, parseDiffView } from "./diff-page";
import { UiError } from "./errors";
import { ExperimentList } from "./experiment-list";
import { html } from "./html";
import type { Html } from "./html";
import { page } from "./layout";
import { LIVE_SCRIPT, LIVE_SCRIPT_PATH, RUN_STATUS_HEADER } from "./live";
import { runCurves, runPage } from "./run-page";
import { runsPage, runsPageProblem } from "./runs-page";
import { DEFAULT_PAGE_SIZE, ViewError, firstValue, parseRunsView } from "./runs-view";
import type { QueryValue, RunsView } from "./runs-view";

export interface UiOptions {
  /** The port; 0 (the default) takes a free one. */
  port?: number;
  /** The address to listen on. Default "127.0.0.1"; any other than loopback needs a token (one is made when none is given). */
  host?: string;
  /** The token visitors need (at least 16 characters). Default: $PIPELAB_SERVE_TOKEN; off loopback, a new random one. */
  token?: string;
  /** Artifact files inside this folder can be opened from a run's page. Default: the project of the store (the nearest folder above it with a package.json). */
  projectDir?: string;
  /** Let the process end while the server runs (a notebook's or script's page server must not keep it alive). Default false. */
  unref?: boolean;
}

/** A running page server. */
export interface UiServer {
  /** Where the pages are, e.g. `http://127.0.0.1:5000`. */
  readonly url: string;
  /** The URL to open in a browser: `url` with the token, when one is needed. */
  readonly openUrl: string;
  readonly port: number;
  readonly token: string | undefined;
  /** Whether the token was made here: show it to the user, once. */
  readonly tokenGenerated: boolean;
  /** Stops the server; the store stays open. */
  close(): Promise<void>;
}

/** Security headers of every page: no script runs (but on a running run's page: LIVE_PAGE_HEADERS), nothing is framed or fetched from elsewhere. */
const PAGE_HEADERS = {
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

/**
 * The headers of a running run's page: those of every page, with exactly the live
 * script allowed (`script-src 'self'`: the only script served here is /static/live.js;
 * artifacts are never sent as a script type, and nosniff stops them running as one) and
 * its fetches of the curves fragment.
 */
const LIVE_PAGE_HEADERS = { ...PAGE_HEADERS, "content-security-policy": `${PAGE_HEADERS["content-security-policy"]}; script-src 'self'; connect-src 'self'` };

type Query = { Querystring: Record<string, QueryValue> };

/**
 * Serves the pages of `store` (read only: nothing is written to it): the runs
 * at `/` and `/experiments/:name`, a run at `/runs/:id` (its curves alone at
 * `/runs/:id/curves`, for `/static/live.js`), a comparison at
 * `/compare?runs=1,2,3`, the diff of two runs at `/diff?a=1&b=2`.
 *
 * @example
 * ```ts
 * const ui = await startUi(ExperimentStore.open("experiments.db", { readOnly: true }), { port: 5000 });
 * console.log(ui.openUrl);
 * await ui.close();
 * ```
 */
export async function startUi(store: BrowsableStore, options: UiOptions = {}): Promise<UiServer> {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UiError(`invalid port: ${String(port)} (a whole number from 0 to 65535; 0 takes a free one)`);
  const host = options.host ?? "127.0.0.1";
  const { token, generated } = chooseToken(host, options.token, process.env);
  const experiments = new ExperimentList(store);
  // Experiment names go up to 256 characters, up to 12 times that URL-encoded; find-my-way refuses parameters over 100 by default.
  const app = fastify({ logger: false, routerOptions: { maxParamLength: 4000 } });
  app.addHook("onRequest", accessHook(token));
  addRoutes(app, store, experiments, new ArtifactFiles(options.projectDir ?? findProjectRoot(dirname(store.path))));
  try {
    await app.listen({ port, host });
  } catch (error) {
    await app.close().catch(() => undefined);
    experiments.close();
    const code = (error as NodeJS.ErrnoException).code;
    throw new UiError(`cannot listen on ${host}:${port}: ${code === "EADDRINUSE" ? `the port ${port} is in use: pick another (--port), or 0 for a free one` : messageOf(error)}`, { cause: error });
  }
  const address = app.server.address();
  const bound = typeof address === "object" && address !== null ? address.port : port;
  if (options.unref) app.server.unref();
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${bound}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    openUrl: token === undefined ? url : `${url}/?token=${encodeURIComponent(token)}`,
    port: bound,
    token,
    tokenGenerated: generated,
    close: () => (closing ??= app.close().finally(() => experiments.close())),
  };
}

function addRoutes(app: FastifyInstance, store: BrowsableStore, experiments: ExperimentList, files: ArtifactFiles): void {
  const runs = (experiment: string | undefined, query: Record<string, QueryValue>, reply: FastifyReply): FastifyReply => {
    let view: RunsView;
    try {
      view = parseRunsView(experiment, query);
    } catch (error) {
      if (!(error instanceof ViewError)) throw error;
      const fallback: RunsView = { experiment, filter: firstValue(query.filter) ?? "", sort: { key: { kind: "run", field: "started" }, direction: "desc" }, columns: undefined, page: 1, pageSize: DEFAULT_PAGE_SIZE };
      return send(reply, 400, runsPageProblem(fallback, experiments.list(), error.message));
    }
    return send(reply, 200, runsPage(store, experiments.list(), view));
  };
  app.get<Query>("/", (request, reply) => runs(undefined, request.query, reply));
  app.get<Query & { Params: { name: string } }>("/experiments/:name", (request, reply) => runs(request.params.name, request.query, reply));
  app.get<{ Params: { id: string } }>("/runs/:id", (request, reply) => {
    const id = request.params.id;
    const content = /^\d{1,15}$/.test(id) ? runPage(store, files, Number(id) as RunId) : undefined;
    if (content === undefined) return notFound(reply, `no run ${JSON.stringify(id)} in this store`);
    return send(reply, 200, content.page, content.live ? LIVE_PAGE_HEADERS : PAGE_HEADERS);
  });
  app.get<{ Params: { id: string } }>("/runs/:id/curves", (request, reply) => {
    const id = request.params.id;
    const fragment = /^\d{1,15}$/.test(id) ? runCurves(store, Number(id) as RunId) : undefined;
    if (fragment === undefined) return notFound(reply, `no run ${JSON.stringify(id)} in this store`);
    return reply.code(200).headers({ ...PAGE_HEADERS, [RUN_STATUS_HEADER]: fragment.status }).type("text/html; charset=utf-8").send(fragment.curves.text);
  });
  app.get(LIVE_SCRIPT_PATH, (_request, reply) =>
    reply.code(200).headers({ ...PAGE_HEADERS, "cache-control": "no-cache" }).type("text/javascript; charset=utf-8").send(LIVE_SCRIPT),
  );
  app.get<{ Params: { id: string; index: string } }>("/runs/:id/artifacts/:index", (request, reply) => {
    const { id, index } = request.params;
    const artifact = /^\d{1,15}$/.test(id) && /^\d{1,6}$/.test(index) ? store.listArtifacts(Number(id) as RunId)[Number(index)] : undefined;
    const file = files.servable(artifact?.path ?? null);
    if (artifact === undefined || file === undefined) return notFound(reply, `no file of artifact ${index} of run ${id} inside the project`);
    const disposition = file.inline ? "inline" : `attachment; filename="${encodeURIComponent(file.path.split(/[\\/]/).pop() ?? "artifact")}"`;
    return reply.code(200).headers({ ...ARTIFACT_HEADERS, "content-disposition": disposition, "cache-control": "no-store" }).type(file.type).send(createReadStream(file.path));
  });
  app.get<Query>("/compare", (request, reply) => {
    try {
      return send(reply, 200, comparePage(store, parseCompareView(request.query)));
    } catch (error) {
      if (!(error instanceof ViewError)) throw error;
      return send(reply, 400, page("Compare runs", html`<h1>Compare runs</h1><div class="error" role="alert">${error.message}</div>`));
    }
  });
  app.get<Query>("/diff", (request, reply) => {
    let result: ReturnType<typeof diffPage>;
    try {
      result = diffPage(store, parseDiffView(request.query));
    } catch (error) {
      if (!(error instanceof ViewError)) throw error;
      return send(reply, 400, page("Diff runs", html`<h1>Diff runs</h1><div class="error" role="alert">${error.message}</div>`));
    }
    return "missing" in result ? notFound(reply, `no run ${result.missing} in this store`) : send(reply, 200, result.page);
  });
  app.setNotFoundHandler((request, reply) => notFound(reply, `no page ${request.url.split("?")[0] ?? ""}`));
  app.setErrorHandler((error, _request, reply) => {
    const status = typeof (error as { statusCode?: unknown }).statusCode === "number" ? ((error as { statusCode: number }).statusCode) : 500;
    return send(reply, status, page("Error", html`<h1>Error</h1><div class="error" role="alert">${messageOf(error)}</div>`));
  });
}

function notFound(reply: FastifyReply, what: string): FastifyReply {
  return send(reply, 404, page("Not found", html`<h1>Not found</h1><p>${what}: see the <a href="/">runs</a>.</p>`));
}

function send(reply: FastifyReply, status: number, body: Html, headers: Record<string, string> = PAGE_HEADERS): FastifyReply {
  return reply.code(status).headers(headers).type("text/html; charset=utf-8").send(body.text);
}
