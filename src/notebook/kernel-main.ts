import type * as TS from "typescript";
import { recordNotebookImports } from "./environment";
import { SetupError } from "../errors";
import { installModuleLoadHook } from "../pipeline";
import { expandShorthandProperties, originalPosition } from "./shorthand";
import { CellErrors } from "./cell-errors";
import { TslabModuleTracker } from "./tslab-modules";
import { TSLAB_VERSION, loadTslabKernel } from "./tslab-adapter";
import type { ConvertResult, Converter, ZmqMessageLike, ZmqServerLike } from "./tslab-adapter";

/** A converter whose cells get their shorthand properties expanded first (see expandShorthandProperties). */
function withShorthandFix(ts: typeof TS, inner: Converter, modules: TslabModuleTracker): Converter {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop !== "convert") return Reflect.get(target, prop, receiver);
      return (prevDecl: string, src: string): ConvertResult => {
        const { code, insertions } = expandShorthandProperties(ts, src);
        const result = target.convert(prevDecl, code);
        // Which source each compiled module comes from, and importers of a recompiled module reloaded too.
        if (result.sideOutputs) result.sideOutputs = modules.sideOutputs(result.sideOutputs);
        // tslab's declarations of all cells so far hold the notebook's imports: steps need them.
        if (typeof result.declOutput === "string") recordNotebookImports(result.declOutput);
        if (insertions.length === 0) return result;
        return {
          ...result,
          diagnostics: result.diagnostics.map((d) => ({
            ...d,
            start: originalPosition(d.start, insertions),
            end: originalPosition(d.end, insertions),
          })),
        };
      };
    },
  });
}

/**
 * Starts the pipelab kernel: tslab's TypeScript kernel, with pipelab's fixes,
 * serving the Jupyter connection described in `configPath`. This mirrors
 * tslab's own startKernel (tslab 1.0.22, pinned) with the converter wrapped.
 */
export function startKernel(configPath: string): void {
  // tslab's parts, checked against the version the adapter knows (a SetupError otherwise).
  const { createConverter, createExecutor, ZmqServer, JupyterHandlerImpl, ts } = loadTslabKernel();
  // Before any cell runs: every module the notebook loads is then seen loading, with the source it came from.
  installModuleLoadHook({ complete: true });
  const modules = new TslabModuleTracker();
  modules.observe(ts.sys);

  let node: Converter | undefined;
  let browser: Converter | undefined;
  const convs = {
    get node() {
      node ??= withShorthandFix(ts, createConverter({ isJS: false, isBrowser: false }), modules);
      return node;
    },
    get browser() {
      browser ??= withShorthandFix(ts, createConverter({ isJS: false, isBrowser: true }), modules);
      return browser;
    },
    close() {
      node?.close();
      browser?.close();
    },
  };
  void convs.node; // warm the converter, as tslab does: the first cell is then faster
  const cellErrors = new CellErrors();
  // What tslab would print to stderr for a failed cell is reported as Jupyter's error output instead.
  const executor = createExecutor(process.cwd(), convs, { log: console.log, error: (...args: unknown[]) => cellErrors.report(args) });
  const server = new ZmqServer(new JupyterHandlerImpl(executor, false), configPath);
  reportCellErrors(server, cellErrors);
  process.on("SIGINT", () => executor.interrupt());
  process.on("uncaughtException", (err) => console.error("UncaughtException:", err));
  process.on("unhandledRejection", (reason) => console.error("UnhandledPromiseRejection:", reason));
  server.init();
}

/**
 * Replaces tslab's execute handler by one that, for a failed cell, sends an
 * `error` output and an execute reply with `ename`, `evalue` and `traceback`,
 * as Jupyter's protocol says (tslab sends neither).
 */
function reportCellErrors(server: ZmqServerLike, errors: CellErrors): void {
  const check = server as unknown as Record<string, unknown>;
  if (typeof check.handleExecute !== "function" || !("handler" in check)) {
    throw new SetupError(`the pipelab kernel expects tslab ${TSLAB_VERSION} (its ZmqServer.handleExecute); reinstall pipelab's dependencies (npm install)`);
  }
  (server as unknown as { handleExecute(sock: unknown, msg: ZmqMessageLike): Promise<void> }).handleExecute = async function (sock, msg) {
    const send = (type: string, content: unknown, socket: unknown): void => {
      const out = msg.createReply();
      out.header.msg_type = type;
      out.content = content;
      out.signAndSend(server.connInfo.key, socket);
    };
    errors.reset();
    const content = await server.handler.handleExecute(
      msg.content,
      (name, text) => send("stream", { name, text }, server.iopub),
      (data, update) => send(update ? "update_display_data" : "display_data", data, server.iopub),
    );
    if (content.status === "error") {
      const error = errors.error() ?? { ename: "Error", evalue: "the cell failed", traceback: ["the cell failed"] };
      send("error", { ...error, execution_count: content.execution_count }, server.iopub);
      Object.assign(content, error);
    }
    send("execute_reply", content, sock);
  };
}
