/**
 * Jupyter's execute_request, as the messaging spec describes it: cells run
 * one at a time in arrival order; each gets `execute_input`, its streams and
 * displays, an `execute_result` for its last expression (`Out[n]`), or an
 * `error` output; then the `execute_reply`. A failed cell aborts the
 * requests sent before it failed (`stop_on_error`), and an interrupt stops
 * the running cell (pipelab's steps stop at their next check).
 */
import { inspect } from "node:util";
import { richBundle } from "../display";
import { clearInterrupt, requestInterrupt, runningSteps } from "../run-context";
import type { CellErrors } from "./cell-errors";
import type { History } from "./history";
import type { Reply } from "./kernel-server";
import type { DisplaySink, Executor } from "./tslab-adapter";
import { pagerTarget } from "./pager";
import { evaluateExpressions } from "./user-expressions";

/** How long running steps get to stop at their own checks before the cell is abandoned. */
const STEP_STOP_GRACE_MS = 3000;

/** Which parts of the kernel a cell runs with. */
export interface ExecuteParts {
  executor: Executor;
  errors: CellErrors;
  history: History;
  setDisplaySink(sink: DisplaySink): void;
  /** The text of a quick-info (inspect) result, for `?name` help. */
  describe(name: string): string | undefined;
}

/** The text/plain of a value without a rich form: what Node's REPL shows. */
function plainText(value: unknown): string {
  try {
    return inspect(value, { depth: 4, maxArrayLength: 50, maxStringLength: 10_000, breakLength: 100 });
  } catch (error) {
    // A value whose own inspect (or a Proxy) throws still gets an Out[n], saying why it shows no more.
    return `[a value that cannot be shown: ${error instanceof Error ? error.message : String(error)}]`;
  }
}

/** A MIME bundle for a value: its rich form when it has one, text/plain always. */
export function mimeBundle(value: unknown): Record<string, string> {
  let rich: Record<string, string> | undefined;
  try {
    rich = richBundle(value);
  } catch {
    rich = undefined; // a value whose rich form fails still shows as text
  }
  if (!rich) return { "text/plain": plainText(value) };
  // A value that says how it prints (util.inspect.custom, as wb.plan()'s entries do) keeps that text.
  return hasCustomInspect(value) ? { ...rich, "text/plain": plainText(value) } : rich;
}

function hasCustomInspect(value: unknown): boolean {
  return typeof value === "object" && value !== null && typeof (value as { [inspect.custom]?: unknown })[inspect.custom] === "function";
}

/** Runs execute requests in order and answers them. */
export class ExecuteRequests {
  private count = 0;
  private queue: Promise<void> = Promise.resolve();
  /** Requests sent before this time (ms since the epoch) are aborted: an earlier cell failed. */
  private abortBefore = 0;
  /** The request whose cell runs now, or ran last: late output goes there, as in IPython. */
  private current: Reply | undefined;
  private running = false;
  private lastValue: { value: unknown } | undefined;
  private abandonTimer: NodeJS.Timeout | undefined;

  constructor(private readonly parts: ExecuteParts) {
    const streamTo = (name: "stdout" | "stderr") => {
      // Before the first cell, output (a library's start-up notice) goes where it went: the kernel's log.
      const original = process[name].write.bind(process[name]);
      return (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
        if (!this.current) return (original as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
        const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
        this.current.publish("stream", { name, text });
        const done = rest.find((r) => typeof r === "function") as (() => void) | undefined;
        done?.();
        return true;
      };
    };
    process.stdout.write = streamTo("stdout") as typeof process.stdout.write;
    process.stderr.write = streamTo("stderr") as typeof process.stderr.write;
    // console.clear() clears the cell's output, as IPython's clear_output does.
    console.clear = () => this.current?.publish("clear_output", { wait: false });
    parts.setDisplaySink((data, update) => this.current?.publish(update ? "update_display_data" : "display_data", data));
  }

  /** What tslab's executor passes to its `console.log`: the value of the cell's last expression. */
  captureValue(value: unknown): void {
    this.lastValue = { value };
  }

  /** The execute_request handler: queued behind the cells before it. */
  readonly handle = (reply: Reply): Promise<void> => {
    const run = this.queue.then(() => this.run(reply));
    this.queue = run.catch(() => undefined);
    return run;
  };

  /**
   * Stops the running cell: pipelab's steps stop at their next check (between
   * batches, between a reader's chunks); a cell that does not end within a few
   * seconds, or that runs no step, is abandoned (its await rejects).
   */
  interrupt(): void {
    requestInterrupt();
    if (!this.running) return;
    clearTimeout(this.abandonTimer);
    const grace = runningSteps().length > 0 ? STEP_STOP_GRACE_MS : 0;
    this.abandonTimer = setTimeout(() => {
      if (this.running) this.parts.executor.interrupt();
    }, grace);
  }

  private async run(reply: Reply): Promise<void> {
    try {
      await this.runCell(reply);
    } catch (error) {
      // The kernel's own failure (not the cell's): the client still gets its reply, and the kernel goes on.
      const e = error instanceof Error ? error : new Error(String(error));
      const failure = { ename: "KernelError", evalue: `the pipelab kernel failed on this request: ${e.message}`, traceback: [e.stack ?? e.message] };
      reply.publish("error", failure);
      reply.reply("execute_reply", { status: "error", execution_count: this.count, ...failure, user_expressions: {} });
    }
  }

  private async runCell(reply: Reply): Promise<void> {
    const content = reply.request.content;
    const code = typeof content.code === "string" ? content.code : "";
    if (this.aborted(reply)) {
      reply.reply("execute_reply", { status: "aborted", execution_count: this.count });
      return;
    }
    const silent = content.silent === true;
    const store = !silent && content.store_history !== false;
    if (store) this.count += 1;
    const count = this.count;
    if (!silent) reply.publish("execute_input", { code, execution_count: count });
    if (store) this.parts.history.add(count, code);

    this.current = reply;
    this.parts.errors.reset();
    this.lastValue = undefined;
    clearInterrupt();
    this.running = true;
    const payload: Record<string, unknown>[] = [];
    let ok: boolean;
    try {
      const help = pagerTarget(code);
      if (help !== undefined) {
        ok = true;
        const text = this.parts.describe(help);
        if (text === undefined) process.stdout.write(`Object \`${help}\` not found.\n`);
        else payload.push({ source: "page", data: { "text/plain": text }, start: 0 });
      } else {
        ok = await this.parts.executor.execute(code);
      }
    } finally {
      this.running = false;
      clearTimeout(this.abandonTimer);
    }

    const last = this.takeValue();
    if (ok) {
      if (last && !silent) {
        const data = mimeBundle(last.value);
        reply.publish("execute_result", { execution_count: count, data, metadata: {} });
        if (store) this.parts.history.setOutput(count, data["text/plain"] ?? "");
      }
      const expressions = evaluateExpressions(content.user_expressions, mimeBundle);
      reply.reply("execute_reply", { status: "ok", execution_count: count, payload, user_expressions: expressions });
      return;
    }
    const error = this.parts.errors.error() ?? { ename: "Error", evalue: "the cell failed", traceback: ["Error: the cell failed"] };
    reply.publish("error", { ...error });
    if (content.stop_on_error !== false) this.abortBefore = Date.now();
    reply.reply("execute_reply", { status: "error", execution_count: count, ...error, user_expressions: {} });
  }

  /** The value the cell's last expression had (tslab logs it), taken once. */
  private takeValue(): { value: unknown } | undefined {
    const last = this.lastValue;
    this.lastValue = undefined;
    return last;
  }

  /** Whether a request was sent before an earlier cell failed (the spec's stop_on_error). */
  private aborted(reply: Reply): boolean {
    if (this.abortBefore === 0) return false;
    const sent = Date.parse(reply.request.header.date ?? "");
    // A request without a date: aborted if it arrived within 200 ms of the failure (tslab's rule).
    return Number.isNaN(sent) ? Date.now() - this.abortBefore < 200 : sent < this.abortBefore;
  }
}
