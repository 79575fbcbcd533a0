/**
 * A failed cell as Jupyter's protocol describes it: an `error` output and an
 * execute reply carrying `ename`, `evalue` and `traceback`.
 *
 * tslab's executor reports a cell's failure by calling its `console.error`:
 * with a thrown value, or with printf arguments per compiler diagnostic. The
 * kernel gives it this collector instead, and reports what it collected.
 */
import { inspect } from "node:util";
import { InterruptedError } from "../errors";
import { runningSteps } from "../run-context";
import { packageRoot } from "../util";

/** What Jupyter shows of a failed cell. */
export interface CellError {
  ename: string;
  evalue: string;
  traceback: string[];
}

/** The format tslab's executor prints each compiler diagnostic with. */
const DIAGNOSTIC_FORMAT = "%s%d:%d - %s";

/** Messages of the interrupts that do not come from pipelab's own checks. */
const OTHER_INTERRUPTS = [/^Interrupted asynchronously$/, /^Script execution was interrupted by `SIGINT`/];

/** Collects the errors tslab reports while one cell executes. */
export class CellErrors {
  private thrown: CellError | undefined;
  private readonly diagnostics: string[] = [];

  /** Starts a new cell. */
  reset(): void {
    this.thrown = undefined;
    this.diagnostics.length = 0;
  }

  /** What tslab's executor passes to its `console.error`. */
  report(args: unknown[]): void {
    const [first, file, line, column, text] = args;
    if (first === DIAGNOSTIC_FORMAT && args.length === 5) {
      this.diagnostics.push(`${typeof file === "string" && file !== "" ? `${file.trim()} ` : ""}line ${String(line)}, column ${String(column)}: ${String(text)}`);
      return;
    }
    this.thrown ??= thrownError(first);
  }

  /** The cell's error, if it reported one. */
  error(): CellError | undefined {
    if (this.thrown) return this.thrown;
    if (this.diagnostics.length === 0) return undefined;
    const [head, ...more] = this.diagnostics as [string, ...string[]];
    const evalue = more.length === 0 ? head : `${head} (and ${more.length} more)`;
    return { ename: "TSError", evalue, traceback: [`TSError: the cell does not compile`, ...this.diagnostics.map((d) => `  ${d}`)] };
  }
}

/** An interrupt, named as IPython names it, with the step it stopped. */
function interruptError(message: string): CellError {
  const evalue = message;
  return { ename: "KeyboardInterrupt", evalue, traceback: [`KeyboardInterrupt: ${evalue}`] };
}

function thrownError(value: unknown): CellError {
  if (!(value instanceof Error) && !(typeof value === "object" && value !== null && "message" in value && "stack" in value)) {
    const text = inspect(value);
    return { ename: "Uncaught", evalue: text, traceback: [`Uncaught ${text}`] };
  }
  const e = value as Error;
  if (e instanceof InterruptedError || e.name === "InterruptedError") return interruptError(e.message);
  if (OTHER_INTERRUPTS.some((re) => re.test(String(e.message)))) {
    const step = runningSteps().at(-1);
    return interruptError(step === undefined ? "the cell was interrupted" : `the cell was interrupted while step "${step}" ran`);
  }
  const ename = errorName(e);
  return { ename, evalue: String(e.message ?? ""), traceback: traceback(e, ename) };
}

function errorName(e: Error): string {
  if (e.name && e.name !== "Error") return e.name;
  const ctor = e.constructor?.name;
  return ctor && ctor !== "Object" ? ctor : "Error";
}

/** The error's first line and the frames of the user's code; then its causes, the same way. */
function traceback(e: Error, ename: string): string[] {
  const lines = [`${ename}: ${e.message}`, ...userFrames(e)];
  let cause: unknown = e.cause;
  for (let depth = 0; cause instanceof Error && depth < 5; depth++, cause = cause.cause) {
    lines.push(`Caused by: ${errorName(cause)}: ${cause.message}`, ...userFrames(cause));
  }
  return lines;
}

/** Stack frames outside Node, tslab, the kernel and pipelab itself: the cell's and the user's modules'. */
function userFrames(e: Error): string[] {
  if (typeof e.stack !== "string") return [];
  const pipelabDist = `${packageRoot}/dist/`;
  return e.stack
    .split("\n")
    .filter((line) => line.trim().startsWith("at "))
    .filter((line) => !/node_modules[\\/]|\(node:|at node:|at new Promise \(<anonymous>\)|at process\.processTicksAndRejections/.test(line) && !line.includes(pipelabDist));
}
