/**
 * What a table shows of a value, and the head/tail rule: which rows (and
 * columns) of a long table are shown, as pandas does.
 */

/** The cell, row or column that stands for the ones left out. */
export const GAP: unique symbol = Symbol("pipelab.display.gap") as typeof GAP;

/** Up to this many rows (or columns) are shown in full; longer tables show their first and last EDGE. */
const MAX_SHOWN = 20;
const EDGE = 10;

/** A run of consecutive positions. */
export interface Span {
  readonly start: number;
  readonly count: number;
}

/** The spans of `n` positions that are shown: all of them, or the first and last EDGE with a gap between. */
export function shownSpans(n: number): Span[] {
  if (n <= MAX_SHOWN) return n === 0 ? [] : [{ start: 0, count: n }];
  return [
    { start: 0, count: EDGE },
    { start: n - EDGE, count: EDGE },
  ];
}

/** The positions in `spans`. */
export function positionsOf(spans: readonly Span[]): number[] {
  return spans.flatMap(({ start, count }) => Array.from({ length: count }, (_, i) => start + i));
}

/** Significant digits of a number that is not whole. */
const DIGITS = 6;
/** Longer text is cut: a cell is for reading at a glance. */
export const MAX_CELL = 200;

/**
 * A value as a cell shows it: whole numbers whole, others to 6 significant
 * digits; NaN as NaN, null and undefined as null; objects as JSON.
 *
 * @example
 * ```ts
 * formatValue(0.123456789); // "0.123457"
 * formatValue(undefined);   // "null"
 * ```
 */
export function formatValue(value: unknown): string {
  if (value === GAP) return "…";
  if (value === null || value === undefined) return "null";
  if (typeof value === "number") return formatNumber(value);
  if (typeof value === "string") return value;
  if (typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
  if (typeof value === "object") {
    try {
      return JSON.stringify(value) ?? String(value);
    } catch {
      // A cycle, or a BigInt inside: the tag is what can be said.
      return Object.prototype.toString.call(value);
    }
  }
  return String(value);
}

function formatNumber(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e16) return String(value);
  if (!Number.isFinite(value)) return String(value);
  return String(Number(value.toPrecision(DIGITS)));
}

/** Whether a value is shown as a number (right-aligned in text). */
export function isNumeric(value: unknown): boolean {
  return typeof value === "number" || typeof value === "bigint";
}

/** "1 row", "100 rows". */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** The usual footer of a table of data: "100 rows × 3 columns". */
export function shapeLine(rows: number, columns: number): string {
  return `${count(rows, "row")} × ${count(columns, "column")}`;
}
