import { TrackingError } from "../errors";

/**
 * A filter that cannot be understood. The message quotes the problem and, for
 * an expression, gives the 1-based column and shows a caret under it.
 *
 * @example
 * ```ts
 * try { compileFilter("metrics.accuracy > and status = 'finished'"); }
 * catch (e) { if (e instanceof FilterError) console.log(e.position, e.message); }
 * // 19 invalid filter at column 20: expected a value after ">" ...
 * ```
 */
export class FilterError extends TrackingError {
  /** 0-based column in the expression, -1 for an object filter. */
  readonly position: number;

  constructor(problem: string, position = -1, expression?: string) {
    super(
      expression === undefined || position < 0
        ? `invalid filter: ${problem}`
        : `invalid filter at column ${position + 1}: ${problem}${caretLines(expression, position)}`,
    );
    this.position = position;
  }
}

/** Expressions up to this long are shown whole in an error; longer ones around the column only. */
const SHOWN_WHOLE = 120;
/** How many characters an error shows on each side of the column of a long expression. */
const SHOWN_AROUND = 50;

/** The expression (or, when long, the part around `position`) and a caret under `position`. */
function caretLines(expression: string, position: number): string {
  const text = expression.replace(/[\t\n\r]/g, " ");
  const long = text.length > SHOWN_WHOLE;
  const start = long ? Math.max(0, position - SHOWN_AROUND) : 0;
  const end = long ? Math.min(text.length, position + SHOWN_AROUND) : text.length;
  const before = start > 0 ? "..." : "";
  const after = end < text.length ? "..." : "";
  return `\n  ${before}${text.slice(start, end)}${after}\n  ${" ".repeat(before.length + position - start)}^`;
}
