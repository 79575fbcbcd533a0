/**
 * A failed cell as Jupyter's protocol describes it: an `error` output and an
 * execute reply carrying `ename`, `evalue` and `traceback`.
 *
 * tslab prints a cell's error to stderr and replies `status: "error"` with
 * nothing else, so nbconvert and nbclient report `<Error>: ` with no message.
 * The pipelab kernel catches what tslab would print (a runtime error, or the
 * compiler's diagnostics) and reports it properly instead.
 */
import { format } from "node:util";

/** What Jupyter shows of a failed cell. */
export interface CellError {
  ename: string;
  evalue: string;
  traceback: string[];
}

/** Collects the errors tslab reports while one cell executes. */
export class CellErrors {
  private runtime: CellError | undefined;
  private readonly diagnostics: string[] = [];

  /** Starts a new cell. */
  reset(): void {
    this.runtime = undefined;
    this.diagnostics.length = 0;
  }

  /** What tslab's executor passes to its `console.error`: an error, or a compiler diagnostic as printf arguments. */
  report(args: unknown[]): void {
    const [first] = args;
    if (first instanceof Error || (typeof first === "object" && first !== null && "stack" in first && "message" in first)) {
      const e = first as Error;
      const ename = e.name && e.name !== "Error" ? e.name : (e.constructor?.name ?? "Error");
      const stack = typeof e.stack === "string" ? e.stack.split("\n") : [`${ename}: ${e.message}`];
      // The frames inside tslab's executor and the kernel are the kernel's, not the cell's.
      const frames = stack.filter((line) => !line.trim().startsWith("at ") || !/node_modules[\\/]tslab[\\/]|\(node:|at node:|kernel-main\.js|sigintHandlersWrap/.test(line));
      this.runtime = { ename, evalue: String(e.message ?? ""), traceback: frames };
      return;
    }
    this.diagnostics.push(format(...(args as [unknown, ...unknown[]])));
  }

  /** The cell's error, if it reported one. */
  error(): CellError | undefined {
    if (this.runtime) return this.runtime;
    if (this.diagnostics.length === 0) return undefined;
    const lines = this.diagnostics.map((d) => d.trimEnd());
    return { ename: "TypeScript", evalue: lines.join("\n"), traceback: ["The cell does not compile:", ...lines] };
  }
}
