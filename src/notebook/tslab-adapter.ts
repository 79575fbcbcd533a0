/**
 * The adapter around tslab's internals: everything pipelab uses of tslab
 * beyond its public API, in one place, checked at start-up against the
 * version it was written for (tslab 1.0.22, pinned in package.json).
 *
 * - the kernel's parts pipelab reuses: the converter (TypeScript to
 *   JavaScript, completion, inspection) and the executor (running cells).
 *   Jupyter's protocol is pipelab's own (kernel-server.ts): tslab's server
 *   sends no execute_result, no proper errors, no history and no interrupt
 *   replies, and is not extensible from outside;
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
/** tslab's executor: runs cells (compiled by the converter), completes and inspects code. */
export interface Executor {
  /** Runs a cell; false when it failed (the error went to the executor's `console.error`). */
  execute(src: string): Promise<boolean>;
  inspect(src: string, position: number): unknown;
  complete(src: string, position: number): { start: number; end: number; candidates: string[] };
  /** Abandons the awaited part of the running cell (it rejects with "Interrupted asynchronously"). */
  interrupt(): void;
  close(): void;
}

/** A ZeroMQ socket of zeromq 6 (the copy tslab depends on). */
export interface ZmqSocket extends AsyncIterable<Buffer[]> {
  bind(address: string): Promise<void>;
  send(frames: Buffer[]): Promise<void>;
  close(): void;
}
/** The socket types of zeromq 6 the kernel uses. */
export interface ZmqModule {
  Router: new () => ZmqSocket;
  Publisher: new () => ZmqSocket;
  Reply: new () => ZmqSocket;
}

/** What a cell's display calls send: a `display_data` (or, for `update`, an `update_display_data`) content. */
export type DisplaySink = (data: Record<string, unknown>, update: boolean) => void;

/** tslab's kernel parts, loaded from its files. */
export interface TslabKernelParts {
  createConverter(o: { isJS: boolean; isBrowser: boolean }): Converter;
  createExecutor(root: string, convs: unknown, c: { log(...a: unknown[]): void; error(...a: unknown[]): void }): Executor;
  /** Whether a cell's code is complete, or needs more lines (with the next line's indent). */
  isCompleteCode(code: string): { completed: boolean; indent?: string };
  /** The text of a quick-info (hover) result of `Executor.inspect`. */
  printQuickInfo(info: unknown): string;
  /** Where tslab's public display API (`tslab.display`, `newDisplay()`) sends, for the cell running now. */
  setDisplaySink(sink: DisplaySink): void;
  /** The ZeroMQ binding tslab depends on. */
  zmq: ZmqModule;
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
  const inspect = load("inspect.js");
  if (typeof converter.createConverter !== "function") throw wrong("no createConverter in dist/converter.js");
  if (typeof converter.isCompleteCode !== "function") throw wrong("no isCompleteCode in dist/converter.js");
  if (typeof executor.createExecutor !== "function") throw wrong("no createExecutor in dist/executor.js");
  if (typeof inspect.printQuickInfo !== "function") throw wrong("no printQuickInfo in dist/inspect.js");
  // tslab's display API reads this export of jupyter.js at each call.
  if (!("lastWriteDisplayData" in jupyter)) throw wrong("no lastWriteDisplayData in dist/jupyter.js");
  const ts = require(require.resolve("@tslab/typescript-for-tslab", { paths: [tslabDir] })) as typeof TS;
  const zmq = require(require.resolve("zeromq", { paths: [tslabDir] })) as ZmqModule;
  if (typeof zmq.Router !== "function" || typeof zmq.Publisher !== "function") throw wrong("its zeromq is not zeromq 6");
  return {
    createConverter: converter.createConverter as TslabKernelParts["createConverter"],
    createExecutor: executor.createExecutor as TslabKernelParts["createExecutor"],
    isCompleteCode: converter.isCompleteCode as TslabKernelParts["isCompleteCode"],
    printQuickInfo: inspect.printQuickInfo as TslabKernelParts["printQuickInfo"],
    setDisplaySink: (sink) => {
      jupyter.lastWriteDisplayData = sink;
    },
    zmq,
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
