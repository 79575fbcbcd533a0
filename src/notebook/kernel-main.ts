import type * as TS from "typescript";
import { recordNotebookImports } from "./environment";
import { installModuleLoadHook } from "../pipeline";
import { enableSigintBreaks } from "../run-context";
import { expandShorthandProperties, originalPosition } from "./shorthand";
import { CellErrors } from "./cell-errors";
import { TslabModuleTracker } from "./tslab-modules";
import { loadTslabKernel } from "./tslab-adapter";
import type { ConvertResult, Converter } from "./tslab-adapter";
import { ExecuteRequests } from "./execute-request";
import { History } from "./history";
import { KernelServer } from "./kernel-server";
import { describeName, kernelHandlers } from "./requests";

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
 * Starts the pipelab kernel: tslab's TypeScript converter and executor, with
 * pipelab's fixes, behind pipelab's own implementation of Jupyter's protocol
 * (kernel-server.ts), serving the connection described in `configPath`.
 */
export function startKernel(configPath: string): void {
  // tslab's parts, checked against the version the adapter knows (a SetupError otherwise).
  const tslab = loadTslabKernel();
  const { createConverter, createExecutor, ts } = tslab;
  // The kernel's own troubles go to its log (Jupyter's server log), never into a cell.
  const log = process.stderr.write.bind(process.stderr);
  const warn = (message: string): void => void log(`${message}\n`);
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
  const errors = new CellErrors();
  // tslab's executor logs a cell's last expression and reports its failure through this console.
  const executor = createExecutor(process.cwd(), convs, {
    log: (value: unknown) => requests.captureValue(value),
    error: (...args: unknown[]) => errors.report(args),
  });
  const history = new History();
  const requests: ExecuteRequests = new ExecuteRequests({
    executor,
    errors,
    history,
    setDisplaySink: tslab.setDisplaySink,
    describe: (name) => describeName({ executor, tslab }, name),
  });
  const handlers = kernelHandlers({
    tslab,
    executor,
    requests,
    history,
    shutdown: () => {
      server.close();
      executor.close();
      setTimeout(() => process.exit(0), 100).unref();
    },
  });
  const server = new KernelServer(configPath, tslab.zmq, handlers, warn);
  // Jupyter's interrupt (interrupt_mode "signal" in the kernelspec); an interrupt_request does the same.
  process.on("SIGINT", () => requests.interrupt());
  // A step's synchronous work (a long read) breaks off at once on SIGINT, instead of at its next check.
  enableSigintBreaks();
  process.on("uncaughtException", (err) => console.error("UncaughtException:", err));
  process.on("unhandledRejection", (reason) => console.error("UnhandledPromiseRejection:", reason));
  server.start().catch((error: unknown) => {
    warn(`pipelab kernel: cannot bind Jupyter's channels: ${String(error)}`);
    process.exit(1);
  });
}
