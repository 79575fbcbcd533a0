import { dirname, join } from "node:path";
import type * as TS from "typescript";
import { recordNotebookImports } from "./environment";
import { installModuleLoadHook } from "../pipeline";
import { expandShorthandProperties, originalPosition } from "./shorthand";
import { TslabModuleTracker } from "./tslab-modules";
import type { SideOutput } from "./tslab-modules";

// tslab's modules are not typed for outside use: these are the parts the kernel calls.
interface Position {
  offset: number;
  line: number;
  character: number;
}
interface Diagnostic {
  start: Position;
  end: Position;
  messageText: string;
}
interface ConvertResult {
  diagnostics: Diagnostic[];
  sideOutputs?: SideOutput[];
  [other: string]: unknown;
}
interface Converter {
  convert(prevDecl: string, src: string): ConvertResult;
  close(): void;
  [other: string]: unknown;
}
interface Executor {
  interrupt(): void;
}

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
  const tslabDir = dirname(require.resolve("tslab/package.json"));
  const load = <T>(file: string): T => require(join(tslabDir, "dist", file)) as T;
  const { createConverter } = load<{ createConverter(o: { isJS: boolean; isBrowser: boolean }): Converter }>("converter.js");
  const { createExecutor } = load<{ createExecutor(root: string, convs: unknown, c: unknown): Executor }>("executor.js");
  const { ZmqServer, JupyterHandlerImpl } = load<{
    ZmqServer: new (handler: unknown, configPath: string) => { init(): void };
    JupyterHandlerImpl: new (executor: Executor, isJs: boolean) => unknown;
  }>("jupyter.js");
  const ts = require(require.resolve("@tslab/typescript-for-tslab", { paths: [tslabDir] })) as typeof TS;
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
  const executor = createExecutor(process.cwd(), convs, { log: console.log, error: console.error });
  const server = new ZmqServer(new JupyterHandlerImpl(executor, false), configPath);
  process.on("SIGINT", () => executor.interrupt());
  process.on("uncaughtException", (err) => console.error("UncaughtException:", err));
  process.on("unhandledRejection", (reason) => console.error("UnhandledPromiseRejection:", reason));
  server.init();
}
