/**
 * The adapter around tslab's internals: everything pipelab uses of tslab
 * beyond its public API, in one place, checked at start-up against the
 * version it was written for (tslab 1.0.22, pinned in package.json).
 *
 * - the kernel's parts (converter, executor, ZMQ server, handler), which the
 *   pipelab kernel wires itself to add its fixes (kernel-main.ts);
 * - the `__tslab__` global, whose `exports` hold the notebook's variables;
 * - the public display API of the tslab copy that runs the kernel, found
 *   among loaded modules (a project may hold several copies of tslab).
 */
import { readFileSync } from "node:fs";
import { dirname, join, sep } from "node:path";
import type * as TS from "typescript";
import { SetupError } from "../errors";

/** The tslab version whose internals this adapter was written for. */
export const TSLAB_VERSION = "1.0.22";

// tslab's modules are not typed for outside use: these are the parts the kernel calls.
export interface Position {
  offset: number;
  line: number;
  character: number;
}
export interface Diagnostic {
  start: Position;
  end: Position;
  messageText: string;
}
export interface ConvertResult {
  diagnostics: Diagnostic[];
  sideOutputs?: { path: string; data: string }[];
  declOutput?: string;
  [other: string]: unknown;
}
export interface Converter {
  convert(prevDecl: string, src: string): ConvertResult;
  close(): void;
  [other: string]: unknown;
}
export interface Executor {
  interrupt(): void;
}
/** The parts of tslab's ZMQ server the kernel's execute handler uses. */
export interface ZmqMessageLike {
  content: Record<string, unknown>;
  createReply(): { header: { msg_type: string }; content: unknown; signAndSend(key: string, socket: unknown): void };
}
export interface ZmqServerLike {
  handler: { handleExecute(content: unknown, writeStream: (name: string, text: string) => void, writeDisplay: (data: unknown, update: boolean) => void): Promise<Record<string, unknown>> };
  connInfo: { key: string };
  iopub: unknown;
  init(): void;
}

/** tslab's kernel parts, loaded from its files. */
export interface TslabKernelParts {
  createConverter(o: { isJS: boolean; isBrowser: boolean }): Converter;
  createExecutor(root: string, convs: unknown, c: { log(...a: unknown[]): void; error(...a: unknown[]): void }): Executor;
  ZmqServer: new (handler: unknown, configPath: string) => ZmqServerLike;
  JupyterHandlerImpl: new (executor: Executor, isJs: boolean) => unknown;
  /** The TypeScript tslab compiles cells with. */
  ts: typeof TS;
}

/**
 * Loads tslab's kernel parts, checking that they are what this adapter
 * expects; a SetupError naming the version otherwise.
 */
export function loadTslabKernel(): TslabKernelParts {
  const tslabDir = dirname(require.resolve("tslab/package.json"));
  const version = (JSON.parse(readFileSync(join(tslabDir, "package.json"), "utf8")) as { version?: string }).version;
  const wrong = (what: string): SetupError =>
    new SetupError(
      `the pipelab kernel expects tslab ${TSLAB_VERSION}, found ${version ?? "an unknown version"} at ${tslabDir} (${what}); reinstall pipelab's dependencies (npm install) so that tslab ${TSLAB_VERSION} is used`,
    );
  const load = (file: string): Record<string, unknown> => require(join(tslabDir, "dist", file)) as Record<string, unknown>;
  const converter = load("converter.js");
  const executor = load("executor.js");
  const jupyter = load("jupyter.js");
  if (typeof converter.createConverter !== "function") throw wrong("no createConverter in dist/converter.js");
  if (typeof executor.createExecutor !== "function") throw wrong("no createExecutor in dist/executor.js");
  const server: unknown = jupyter.ZmqServer;
  const prototype = typeof server === "function" ? (server.prototype as Record<string, unknown> | undefined) : undefined;
  if (typeof prototype?.handleExecute !== "function") throw wrong("no ZmqServer.handleExecute in dist/jupyter.js");
  if (typeof jupyter.JupyterHandlerImpl !== "function") throw wrong("no JupyterHandlerImpl in dist/jupyter.js");
  const ts = require(require.resolve("@tslab/typescript-for-tslab", { paths: [tslabDir] })) as typeof TS;
  return {
    createConverter: converter.createConverter as TslabKernelParts["createConverter"],
    createExecutor: executor.createExecutor as TslabKernelParts["createExecutor"],
    ZmqServer: jupyter.ZmqServer as TslabKernelParts["ZmqServer"],
    JupyterHandlerImpl: jupyter.JupyterHandlerImpl as TslabKernelParts["JupyterHandlerImpl"],
    ts,
  };
}

interface TslabGlobal {
  __tslab__?: { exports?: Record<string, unknown> };
}

/** Whether this process is a tslab kernel (its executor set the `__tslab__` global). */
export function inTslab(): boolean {
  return "__tslab__" in globalThis;
}

/** The notebook's variables as tslab keeps them (a cell's `const x` is `exports.x`); empty outside a kernel. */
export function tslabVariables(): Record<string, unknown> {
  return (globalThis as TslabGlobal).__tslab__?.exports ?? {};
}

/** The part of tslab's public API pipelab displays through. */
export interface TslabDisplay {
  html(s: string): void;
  svg(s: string): void;
  text(s: string): void;
  markdown(s: string): void;
}

/** tslab's public module: a display, and new displays that overwrite one output in place. */
export interface TslabPublic {
  display: TslabDisplay;
  newDisplay(): TslabDisplay;
}

const JUPYTER_MODULE = `${sep}tslab${sep}dist${sep}jupyter.js`;
let found: TslabPublic | undefined;

/**
 * tslab's public API of the copy that runs this kernel: the one whose
 * channel to Jupyter is open, among the loaded copies (a project's and
 * pipelab's may be two). Undefined outside a kernel.
 */
export function tslabPublic(): TslabPublic | undefined {
  if (!inTslab()) return undefined;
  if (found) return found;
  for (const [file, mod] of Object.entries(require.cache)) {
    if (!file.endsWith(JUPYTER_MODULE) || !mod) continue;
    const exports = mod.exports as { lastWriteDisplayData?: unknown };
    if (typeof exports.lastWriteDisplayData !== "function") continue;
    found = require(join(dirname(file), "public.js")) as TslabPublic;
    return found;
  }
  return undefined;
}
