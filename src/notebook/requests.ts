/**
 * The pipelab kernel's answers to Jupyter's requests other than execution
 * (execute-request.ts): kernel info, code completeness, completion,
 * inspection, history, comms, interrupt and shutdown.
 */
import type * as TS from "typescript";
import { pipelabVersion } from "../util";
import type { ExecuteRequests } from "./execute-request";
import type { History, HistoryRequest } from "./history";
import type { RequestHandler } from "./kernel-server";
import { PROTOCOL_VERSION } from "./wire";
import { TSLAB_VERSION } from "./tslab-adapter";
import type { Executor, TslabKernelParts } from "./tslab-adapter";

/** What the request handlers answer with. */
export interface KernelParts {
  tslab: Pick<TslabKernelParts, "isCompleteCode" | "printQuickInfo" | "ts">;
  executor: Executor;
  requests: ExecuteRequests;
  history: History;
  /** Closes the kernel's sockets and resources, then ends the process. */
  shutdown(): void;
}

function cursor(content: Record<string, unknown>): { code: string; pos: number } {
  const code = typeof content.code === "string" ? content.code : "";
  const pos = typeof content.cursor_pos === "number" ? content.cursor_pos : code.length;
  return { code, pos };
}

/** `complete`, `incomplete` (with the next line's indent) or `invalid` (a syntax error that more lines cannot fix). */
function completeness(ts: typeof TS, isCompleteCode: TslabKernelParts["isCompleteCode"], code: string): Record<string, unknown> {
  const tslab = isCompleteCode(code);
  if (!tslab.completed) return { status: "incomplete", indent: tslab.indent ?? "" };
  const source = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  // The parser's own diagnostics (not typed in TypeScript's API, read the way tslab reads them).
  const syntax = (source as unknown as { parseDiagnostics?: unknown[] }).parseDiagnostics ?? [];
  return { status: syntax.length > 0 ? "invalid" : "complete" };
}

/** The help text of `name` (its type and documentation), or undefined when the kernel does not know it. */
export function describeName(parts: Pick<KernelParts, "executor" | "tslab">, name: string): string | undefined {
  const info = parts.executor.inspect(name, name.length);
  return info ? parts.tslab.printQuickInfo(info) : undefined;
}

/** The handlers, by request type. */
export function kernelHandlers(parts: KernelParts): Record<string, RequestHandler> {
  const { ts } = parts.tslab;
  return {
    kernel_info_request: (r) =>
      r.reply("kernel_info_reply", {
        status: "ok",
        protocol_version: PROTOCOL_VERSION,
        implementation: "pipelab",
        implementation_version: pipelabVersion(),
        language_info: {
          name: "typescript",
          version: ts.version,
          mimetype: "text/typescript",
          file_extension: ".ts",
          pygments_lexer: "typescript",
          // Jupyter Notebook and JupyterLab highlight TypeScript with this (tslab's finding).
          codemirror_mode: { mode: "typescript", name: "javascript", typescript: true },
        },
        banner: `pipelab ${pipelabVersion()}: TypeScript ${ts.version} on Node.js ${process.versions.node} (tslab ${TSLAB_VERSION})`,
        help_links: [],
      }),
    execute_request: parts.requests.handle,
    is_complete_request: (r) => r.reply("is_complete_reply", completeness(ts, parts.tslab.isCompleteCode, cursor(r.request.content).code)),
    complete_request: (r) => {
      const { code, pos } = cursor(r.request.content);
      const found = parts.executor.complete(code, pos);
      r.reply("complete_reply", { status: "ok", matches: found.candidates, cursor_start: found.start, cursor_end: found.end, metadata: {} });
    },
    inspect_request: (r) => {
      const { code, pos } = cursor(r.request.content);
      const info = parts.executor.inspect(code, pos);
      const text = info ? parts.tslab.printQuickInfo(info) : undefined;
      r.reply("inspect_reply", { status: "ok", found: text !== undefined, data: text === undefined ? {} : { "text/plain": text }, metadata: {} });
    },
    history_request: (r) => r.reply("history_reply", { status: "ok", history: parts.history.query(r.request.content as HistoryRequest) }),
    comm_info_request: (r) => r.reply("comm_info_reply", { status: "ok", comms: {} }),
    interrupt_request: (r) => {
      parts.requests.interrupt();
      r.reply("interrupt_reply", { status: "ok" });
    },
    shutdown_request: (r) => {
      r.reply("shutdown_reply", { status: "ok", restart: r.request.content.restart === true });
      setTimeout(() => parts.shutdown(), 50);
    },
  };
}
